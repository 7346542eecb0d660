package authz

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/aws/aws-lambda-go/events"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
)

const (
	testTenant    = "acme"
	testIssuer    = "https://login.example.test/acme"
	testAudience  = "voicevault-api"
	testAudience2 = "voicevault-cli"
	testMethodARN = "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/POST/v1/synthesize"
	testResource  = "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/*/*"
)

// testNow is the authorizer's clock in tests, so that skew cases are exact.
var testNow = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)

// Test keys, made once per test binary.
var (
	keysOnce                   sync.Once
	rsaKey, rsaOther, rsaSmall *rsa.PrivateKey
	ecKey, ec384Key            *ecdsa.PrivateKey
	edKey                      ed25519.PrivateKey
)

func testKeys(t testing.TB) {
	t.Helper()
	keysOnce.Do(func() {
		var err error
		must := func(e error) {
			if e != nil {
				panic(e)
			}
		}
		rsaKey, err = rsa.GenerateKey(rand.Reader, 2048)
		must(err)
		rsaOther, err = rsa.GenerateKey(rand.Reader, 2048)
		must(err)
		rsaSmall, err = rsa.GenerateKey(rand.Reader, 1024)
		must(err)
		ecKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		must(err)
		ec384Key, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		must(err)
		_, edKey, err = ed25519.GenerateKey(rand.Reader)
		must(err)
	})
}

// jwk is one public key served by a jwksServer.
type jwk struct {
	kid string
	alg jwkset.ALG // "" to leave it out
	key crypto.PublicKey
	use jwkset.USE      // "" for "sig"
	ops []jwkset.KEYOPS // nil to leave key_ops out
}

// jwksServer serves a JWKS over TLS and counts fetches.
type jwksServer struct {
	*httptest.Server
	fetches atomic.Int64
	down    atomic.Bool
	mu      sync.Mutex
	body    []byte
}

func newJWKSServer(t testing.TB, keys ...jwk) *jwksServer {
	t.Helper()
	s := &jwksServer{}
	s.setKeys(t, keys...)
	s.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		if s.down.Load() {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(s.body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) setKeys(t testing.TB, keys ...jwk) {
	t.Helper()
	store := jwkset.NewMemoryStorage()
	for _, k := range keys {
		use := k.use
		if use == "" {
			use = jwkset.UseSig
		}
		j, err := jwkset.NewJWKFromKey(k.key, jwkset.JWKOptions{
			Metadata: jwkset.JWKMetadataOptions{KID: k.kid, ALG: k.alg, USE: use, KEYOPS: k.ops},
		})
		require.NoError(t, err)
		require.NoError(t, store.KeyWrite(context.Background(), j))
	}
	body, err := store.JSONPublic(context.Background())
	require.NoError(t, err)
	s.mu.Lock()
	s.body = body
	s.mu.Unlock()
}

// defaultJWKS is the issuer's usual key set.
func defaultJWKS() []jwk {
	return []jwk{
		{kid: "rsa-1", alg: jwkset.AlgRS256, key: &rsaKey.PublicKey},
		{kid: "ps-1", alg: jwkset.AlgPS256, key: &rsaKey.PublicKey},
		{kid: "ec-1", alg: jwkset.AlgES256, key: &ecKey.PublicKey},
		{kid: "ec384-1", key: &ec384Key.PublicKey},
		{kid: "ed-1", alg: jwkset.AlgEdDSA, key: edKey.Public()},
		{kid: "rsa-small", key: &rsaSmall.PublicKey},
	}
}

func testConfig(jwksURL string) Config {
	return Config{
		Tenant:      testTenant,
		Issuer:      testIssuer,
		Audiences:   []string{testAudience, testAudience2},
		JWKSURL:     jwksURL,
		TenantClaim: "tenant",
	}
}

// fixture is an Authorizer wired to a test JWKS server, with its log captured.
type fixture struct {
	a    *Authorizer
	jwks *jwksServer
	logs *syncBuffer
}

func newFixture(t testing.TB, edit func(*Config, *Options)) *fixture {
	t.Helper()
	testKeys(t)
	srv := newJWKSServer(t, defaultJWKS()...)
	return newFixtureWith(t, srv, edit)
}

func newFixtureWith(t testing.TB, srv *jwksServer, edit func(*Config, *Options)) *fixture {
	t.Helper()
	logs := &syncBuffer{}
	cfg := testConfig(srv.URL + "/.well-known/jwks.json")
	opts := Options{
		Logger:     slog.New(slog.NewJSONHandler(logs, nil)),
		HTTPClient: srv.Client(),
		Now:        func() time.Time { return testNow },
	}
	if edit != nil {
		edit(&cfg, &opts)
	}
	a, err := New(context.Background(), cfg, opts)
	require.NoError(t, err)
	t.Cleanup(a.Close)
	return &fixture{a: a, jwks: srv, logs: logs}
}

// result is what one Authorize call produced.
type result struct {
	resp   events.APIGatewayCustomAuthorizerResponse
	err    error
	reason Reason
	log    map[string]any
}

func (f *fixture) authorize(t testing.TB, req events.APIGatewayCustomAuthorizerRequestTypeRequest) result {
	t.Helper()
	f.logs.Reset()
	resp, err := f.a.Authorize(context.Background(), req)
	var line map[string]any
	lines := strings.Split(strings.TrimSpace(f.logs.String()), "\n")
	require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &line), "log: %s", f.logs.String())
	reason, _ := line["reason"].(string)
	return result{resp: resp, err: err, reason: Reason(reason), log: line}
}

// request is an API Gateway REQUEST authorizer event with the given headers.
func request(headers map[string]string) events.APIGatewayCustomAuthorizerRequestTypeRequest {
	return events.APIGatewayCustomAuthorizerRequestTypeRequest{
		Type:       "REQUEST",
		MethodArn:  testMethodARN,
		Resource:   "/v1/synthesize",
		Path:       "/v1/synthesize",
		HTTPMethod: "POST",
		Headers:    headers,
		RequestContext: events.APIGatewayCustomAuthorizerRequestTypeRequestContext{
			AccountID: "123456789012",
			Stage:     "prod",
			RequestID: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
			APIID:     "a1b2c3d4e5",
			Identity:  events.APIGatewayCustomAuthorizerRequestTypeRequestIdentity{SourceIP: "203.0.113.10"},
		},
	}
}

func bearer(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

// claims are valid claims at testNow; edit changes them (nil values delete).
func claims(edit map[string]any) jwt.MapClaims {
	c := jwt.MapClaims{
		"iss":    testIssuer,
		"aud":    testAudience,
		"sub":    "user-123",
		"tenant": testTenant,
		"iat":    testNow.Add(-time.Minute).Unix(),
		"nbf":    testNow.Add(-time.Minute).Unix(),
		"exp":    testNow.Add(time.Hour).Unix(),
	}
	for k, v := range edit {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

// sign makes a compact JWS; kid "" leaves the header out.
func sign(t testing.TB, method jwt.SigningMethod, key any, kid string, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	require.NoError(t, err)
	return s
}

// syncBuffer is a bytes.Buffer safe for the background JWKS refresher's logs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.Reset()
}

// fakeSecrets is a SecretFetcher that counts calls.
type fakeSecrets struct {
	value string
	err   error
	calls atomic.Int64
}

func (f *fakeSecrets) SecretString(context.Context, string) (string, error) {
	f.calls.Add(1)
	return f.value, f.err
}
