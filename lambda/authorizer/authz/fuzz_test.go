package authz

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// FuzzAuthorize feeds arbitrary Authorization values to a warm authorizer with
// usage keys and the token cache on. It must never panic, may allow only the one valid token it was
// seeded with (spelled "Bearer" in any case, with surrounding spaces), and
// must meter exactly the allowed requests, with the JWT callers' key.
func FuzzAuthorize(f *testing.F) {
	fx := newFixture(f, func(c *Config, o *Options) {
		withUsageKeys(f, newFakeAPIKeys())(c, o)
		o.Now = time.Now
		c.TokenCacheSize = 64
	})
	now := time.Now()
	c := claims(map[string]any{"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(24 * time.Hour).Unix()})
	valid := sign(f, jwt.SigningMethodRS256, rsaKey, "rsa-1", c)
	es := sign(f, jwt.SigningMethodES256, ecKey, "ec-1", c)
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, c).SignedString(jwt.UnsafeAllowNoneSignatureType)
	for _, seed := range []string{
		"Bearer " + valid,
		"Bearer " + es[:len(es)-2],
		"Bearer " + none,
		"Bearer " + sign(f, jwt.SigningMethodRS256, rsaOther, "rsa-1", c),
		"Bearer " + sign(f, jwt.SigningMethodRS256, rsaKey, "rsa-1", claims(map[string]any{"tenant": "globex"})),
		"Bearer " + strings.ReplaceAll(valid, ".", ".."),
		"bearer a.b.c",
		"Basic dXNlcjpwYXNz",
		"",
		"Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6InJzYS0xIn0.e30.",
		"Bearer " + rawToken(f, `{"alg":"RS256","kid":"rsa-1","crit":["exp"]}`, validPayload(f, c)),
		"Bearer " + rawToken(f, `{"alg":"RS256","kid":"rsa-1","alg":"RS256"}`, validPayload(f, c)),
		"Bearer " + rawToken(f, `{"alg":"RS256","kid":"rsa-1","typ":"secevent+jwt"}`, validPayload(f, c)+" "),
	} {
		f.Add(seed)
	}
	fx.a.log = discardLogger()
	f.Fuzz(func(t *testing.T, header string) {
		req := request(map[string]string{"Authorization": header})
		d, _ := fx.a.decide(context.Background(), req) // no recover: a panic fails the fuzz test
		if d.reason == ReasonOK {
			tok, ok := bearerToken(strings.TrimSpace(header))
			if !ok || tok != valid {
				t.Fatalf("allowed a token that is not the seeded valid one: %q", header)
			}
		}
		resp, err := fx.a.Authorize(context.Background(), req)
		if err == nil && resp.PolicyDocument.Statement[0].Effect == "Allow" && d.reason != ReasonOK {
			t.Fatalf("Authorize allowed what decide denied: %q", header)
		}
		checkMetered(t, d, resp.UsageIdentifierKey, jwtKeyValue, header)
	})
}

// FuzzAuthorizeAPIKey feeds arbitrary x-api-key values to a warm authorizer
// with usage keys: no panic, only the seeded partner key is allowed, and only
// allowed requests are metered, with that partner's key.
func FuzzAuthorizeAPIKey(f *testing.F) {
	fx := newFixture(f, withUsageKeys(f, newFakeAPIKeys()))
	for _, seed := range []string{partnerAKey, partnerAKey[:len(partnerAKey)-1], partnerAKey + "x", "", " ", strings.Repeat("k", 300), "vv_" + strings.Repeat("0", 40)} {
		f.Add(seed)
	}
	fx.a.log = discardLogger()
	f.Fuzz(func(t *testing.T, key string) {
		req := request(map[string]string{"x-api-key": key})
		d, _ := fx.a.decide(context.Background(), req) // no recover: a panic fails the fuzz test
		if d.reason == ReasonOK && strings.TrimSpace(key) != partnerAKey {
			t.Fatalf("allowed an API key that is not the seeded partner's: %q", key)
		}
		resp, err := fx.a.Authorize(context.Background(), req)
		if err == nil && resp.PolicyDocument.Statement[0].Effect == "Allow" && d.reason != ReasonOK {
			t.Fatalf("Authorize allowed what decide denied: %q", key)
		}
		checkMetered(t, d, resp.UsageIdentifierKey, partnerAValue, key)
	})
}

// checkMetered fails unless an allowed decision carries want as its usage key
// and a denied one carries none.
func checkMetered(t *testing.T, d decision, got, want, input string) {
	t.Helper()
	switch {
	case d.reason == ReasonOK && got != want:
		t.Fatalf("allowed %q without its meter key", input)
	case d.reason != ReasonOK && got != "":
		t.Fatalf("denied %q but returned a meter key", input)
	}
}
