package authz

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	"github.com/MicahParks/jwkset"
	"golang.org/x/time/rate"
)

// maxJWKSBytes caps a JWKS response body; real ones are a few KiB.
const maxJWKSBytes = 1 << 20

// jwks is the issuer's key set: cached in memory, refreshed in the background,
// and refetched (rate-limited) when a token names a key it does not hold.
type jwks struct {
	storage jwkset.Storage
	failing atomic.Bool // the last fetch failed
}

// newJWKS never fails on an unreachable issuer: the first fetch is tried once
// (bounded by timeout), and until one succeeds every token is denied. changed,
// when set, is called after each successful fetch with the kids whose key left
// the set or changed (the token cache drops what they verified).
func newJWKS(ctx context.Context, url string, opts Options, log *slog.Logger, changed func(kids []string)) (*jwks, error) {
	j := &jwks{}
	client := jwksHTTPClient(opts.HTTPClient, opts.FetchTimeout, func() { j.failing.Store(false) })
	store, err := jwkset.NewStorageFromHTTP(url, jwkset.HTTPClientStorageOptions{
		Client:                    client,
		Ctx:                       ctx,
		HTTPTimeout:               opts.FetchTimeout,
		NoErrorReturnFirstHTTPReq: true,
		RefreshErrorHandler: func(ctx context.Context, err error) {
			j.failing.Store(true)
			log.LogAttrs(ctx, slog.LevelError, "jwks fetch failed",
				slog.String("event", "jwks_fetch_failed"), slog.String("error", err.Error()))
		},
		RefreshInterval: opts.JWKSRefreshInterval,
		Storage:         &watchedKeys{Storage: jwkset.NewMemoryStorage(), changed: changed},
	})
	if err != nil {
		return nil, err
	}
	j.storage, err = jwkset.NewHTTPClient(jwkset.HTTPClientOptions{
		HTTPURLs: map[string]jwkset.Storage{url: store},
		// Bounds the wait for the limiter and the refetch together: when the
		// one refetch per interval is spent, an unknown kid is denied at once
		// unless the next refetch is due within this time.
		RateLimitWaitMax:  opts.FetchTimeout,
		RefreshUnknownKID: rate.NewLimiter(rate.Every(opts.UnknownKIDRefetchInterval), 1),
	})
	if err != nil {
		return nil, err
	}
	return j, nil
}

// watchedKeys is the in-memory key set; a refresh replaces it whole, and
// watchedKeys reports which kids lost or changed their key.
type watchedKeys struct {
	jwkset.Storage
	changed func(kids []string)
}

func (w *watchedKeys) KeyReplaceAll(ctx context.Context, given []jwkset.JWK) error {
	before, err := w.Storage.KeyReadAll(ctx)
	if err != nil {
		return err
	}
	if err := w.Storage.KeyReplaceAll(ctx, given); err != nil {
		return err
	}
	if w.changed == nil {
		return nil
	}
	now := make(map[string]jwkset.JWKMarshal, len(given))
	for _, k := range given {
		m := k.Marshal()
		now[m.KID] = m
	}
	var gone []string
	for _, k := range before {
		old := k.Marshal()
		if cur, ok := now[old.KID]; !ok || !sameKey(old, cur) {
			gone = append(gone, old.KID)
		}
	}
	if len(gone) > 0 {
		w.changed(gone)
	}
	return nil
}

// sameKey reports whether two JWKs hold the same public key with the same
// constraints.
func sameKey(a, b jwkset.JWKMarshal) bool {
	return a.KTY == b.KTY && a.CRV == b.CRV && a.N == b.N && a.E == b.E && a.X == b.X && a.Y == b.Y &&
		a.ALG == b.ALG && a.USE == b.USE && slices.Equal(a.KEYOPS, b.KEYOPS)
}

// jwksHTTPClient wraps base (or a default client) so that a 200 answer marks
// the key set healthy, bodies are capped and redirects stay on https.
func jwksHTTPClient(base *http.Client, timeout time.Duration, healthy func()) *http.Client {
	c := &http.Client{Timeout: timeout}
	if base != nil {
		c = new(http.Client)
		*c = *base
	}
	rt := c.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	c.Transport = jwksTransport{base: rt, healthy: healthy}
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Scheme != "https" {
			return errors.New("jwks: refusing a redirect to a non-https URL")
		}
		if len(via) >= 3 {
			return errors.New("jwks: too many redirects")
		}
		return nil
	}
	return c
}

type jwksTransport struct {
	base    http.RoundTripper
	healthy func()
}

func (t jwksTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	// A body that then fails to decode calls the refresh error handler,
	// which marks the set failing again.
	if resp.StatusCode == http.StatusOK {
		t.healthy()
	}
	resp.Body = http.MaxBytesReader(nil, resp.Body, maxJWKSBytes)
	return resp, nil
}
