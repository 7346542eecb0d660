package authz

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// FuzzAuthorize feeds arbitrary Authorization values to a warm authorizer. It
// must never panic, and may allow only the one valid token it was seeded with
// (spelled "Bearer" in any case, with surrounding spaces).
func FuzzAuthorize(f *testing.F) {
	fx := newFixture(f, func(_ *Config, o *Options) { o.Now = time.Now })
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
	})
}
