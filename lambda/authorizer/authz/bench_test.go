package authz

import (
	"context"
	"io"
	"log/slog"
	"testing"

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
