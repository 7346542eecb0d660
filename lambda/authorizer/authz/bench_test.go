package authz

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func discardLogger() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

func benchmarkToken(b *testing.B, method jwt.SigningMethod, key any, kid string) {
	f := newFixture(b, func(_ *Config, o *Options) { o.Logger = discardLogger() })
	req := request(bearer(sign(b, method, key, kid, claims(nil))))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		resp, err := f.a.Authorize(ctx, req)
		if err != nil || resp.PolicyDocument.Statement[0].Effect != "Allow" {
			b.Fatalf("not allowed: %v", err)
		}
	}
}

// BenchmarkVerifyWarmCache is one JWT decision with the JWKS already cached.
func BenchmarkVerifyWarmCache(b *testing.B) {
	testKeys(b)
	b.Run("RS256", func(b *testing.B) { benchmarkToken(b, jwt.SigningMethodRS256, rsaKey, "rsa-1") })
	b.Run("ES256", func(b *testing.B) { benchmarkToken(b, jwt.SigningMethodES256, ecKey, "ec-1") })
	b.Run("EdDSA", func(b *testing.B) { benchmarkToken(b, jwt.SigningMethodEdDSA, edKey, "ed-1") })
}

// BenchmarkAPIKey is one API key decision with the secret cached.
func BenchmarkAPIKey(b *testing.B) {
	f := newFixture(b, func(c *Config, o *Options) {
		withSecret(&fakeSecrets{value: secretJSON(b)})(c, o)
		o.Logger = discardLogger()
	})
	req := request(map[string]string{"x-api-key": partnerAKey})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		resp, err := f.a.Authorize(ctx, req)
		if err != nil || resp.PolicyDocument.Statement[0].Effect != "Allow" {
			b.Fatalf("not allowed: %v", err)
		}
	}
}

// BenchmarkAPIKeyWithUsageKey is BenchmarkAPIKey with AUTHZ_USAGE_KEYS set: the
// warm usage path adds one map lookup under a mutex (the key value is fetched
// once per process), so it should cost within noise of BenchmarkAPIKey.
func BenchmarkAPIKeyWithUsageKey(b *testing.B) {
	f := newFixture(b, func(c *Config, o *Options) {
		withUsageKeys(b, newFakeAPIKeys())(c, o)
		o.Logger = discardLogger()
	})
	req := request(map[string]string{"x-api-key": partnerAKey})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		resp, err := f.a.Authorize(ctx, req)
		if err != nil || resp.UsageIdentifierKey != partnerAValue {
			b.Fatalf("no usage key: %v", err)
		}
	}
}

// TestWriteBenchFixture writes the benchmark's public keys (JWKS) and equivalent tokens, signed
// now with the same keys and claim shape, to $AUTHZ_BENCH_FIXTURE_DIR, so scripts/bench can time
// another verifier (aws-jwt-verify on Node) on the same material in the same run. It is skipped
// unless that variable is set.
func TestWriteBenchFixture(t *testing.T) {
	dir := os.Getenv("AUTHZ_BENCH_FIXTURE_DIR")
	if dir == "" {
		t.Skip("AUTHZ_BENCH_FIXTURE_DIR not set")
	}
	testKeys(t)
	srv := newJWKSServer(t, defaultJWKS()...)
	srv.mu.Lock()
	jwks := srv.body
	srv.mu.Unlock()
	now := time.Now()
	c := claims(map[string]any{"iat": now.Add(-time.Minute).Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix()})
	fixture := map[string]any{
		"issuer":   testIssuer,
		"audience": []string{testAudience, testAudience2},
		"tenant":   testTenant,
		"jwks":     json.RawMessage(jwks),
		"tokens": map[string]string{
			"RS256": sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-1", c),
			"ES256": sign(t, jwt.SigningMethodES256, ecKey, "ec-1", c),
		},
	}
	b, err := json.Marshal(fixture)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "fixture.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
}
