package authz

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
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
// (bounded by timeout), and until one succeeds every token is denied.
func newJWKS(ctx context.Context, url string, opts Options, log *slog.Logger) (*jwks, error) {
	j := &jwks{}
	client := jwksHTTPClient(opts.HTTPClient, opts.FetchTimeout, func() { j.failing.Store(false) })
	noErr := true
	kf, err := keyfunc.NewDefaultOverrideCtx(ctx, []string{url}, keyfunc.Override{
		Client:                    client,
		HTTPTimeout:               opts.FetchTimeout,
		NoErrorReturnFirstHTTPReq: &noErr,
		// Bounds the wait for the limiter and the refetch together: when the
		// one refetch per interval is spent, an unknown kid is denied at once
		// unless the next refetch is due within this time.
		RateLimitWaitMax: opts.FetchTimeout,
		RefreshErrorHandlerFunc: func(string) func(context.Context, error) {
			return func(ctx context.Context, err error) {
				j.failing.Store(true)
				log.LogAttrs(ctx, slog.LevelError, "jwks fetch failed",
					slog.String("event", "jwks_fetch_failed"), slog.String("error", err.Error()))
			}
		},
		RefreshInterval:   opts.JWKSRefreshInterval,
		RefreshUnknownKID: rate.NewLimiter(rate.Every(opts.UnknownKIDRefetchInterval), 1),
	})
	if err != nil {
		return nil, err
	}
	j.storage = kf.Storage()
	return j, nil
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
