package authz

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAuthorizeTokens(t *testing.T) {
	f := newFixture(t, nil)
	rs := func(c jwt.MapClaims) string { return sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-1", c) }
	at := func(d time.Duration) int64 { return testNow.Add(d).Unix() }

	pubDER, err := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	require.NoError(t, err)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	hsConfused := jwt.NewWithClaims(jwt.SigningMethodHS256, claims(nil))
	hsConfused.Header["kid"] = "rsa-1"
	hsToken, err := hsConfused.SignedString(pubPEM)
	require.NoError(t, err)

	noneToken, err := jwt.NewWithClaims(jwt.SigningMethodNone, claims(nil)).SignedString(jwt.UnsafeAllowNoneSignatureType)
	require.NoError(t, err)

	valid := rs(claims(nil))
	parts := strings.Split(valid, ".")
	forged := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"`+testIssuer+`","aud":"`+testAudience+`","sub":"admin","tenant":"`+testTenant+`","exp":`+
		"9999999999}")) + "." + parts[2]

	tests := []struct {
		name    string
		headers map[string]string
		want    Reason
	}{
		{"valid RS256", bearer(valid), ReasonOK},
		{"valid PS256", bearer(sign(t, jwt.SigningMethodPS256, rsaKey, "ps-1", claims(nil))), ReasonOK},
		{"valid ES256", bearer(sign(t, jwt.SigningMethodES256, ecKey, "ec-1", claims(nil))), ReasonOK},
		{"valid ES384 from a JWK without alg", bearer(sign(t, jwt.SigningMethodES384, ec384Key, "ec384-1", claims(nil))), ReasonOK},
		{"valid EdDSA", bearer(sign(t, jwt.SigningMethodEdDSA, edKey, "ed-1", claims(nil))), ReasonOK},
		{"header name and scheme in lower case", map[string]string{"authorization": "bearer " + valid}, ReasonOK},
		{"second audience of the list", bearer(rs(claims(map[string]any{"aud": testAudience2}))), ReasonOK},
		{"audience array with one match", bearer(rs(claims(map[string]any{"aud": []string{"other", testAudience2}}))), ReasonOK},
		{"iat within skew", bearer(rs(claims(map[string]any{"iat": at(50 * time.Second)}))), ReasonOK},
		{"exp within skew", bearer(rs(claims(map[string]any{"exp": at(-50 * time.Second)}))), ReasonOK},
		{"nbf within skew", bearer(rs(claims(map[string]any{"nbf": at(50 * time.Second)}))), ReasonOK},

		{"expired", bearer(rs(claims(map[string]any{"exp": at(-61 * time.Second)}))), ReasonExpired},
		{"not yet valid", bearer(rs(claims(map[string]any{"nbf": at(2 * time.Minute)}))), ReasonNotYetValid},
		{"iat in the future beyond skew", bearer(rs(claims(map[string]any{"iat": at(2 * time.Minute)}))), ReasonIssuedInFuture},
		{"missing exp", bearer(rs(claims(map[string]any{"exp": nil}))), ReasonMissingClaim},
		{"exp of the wrong type", bearer(rs(claims(map[string]any{"exp": "tomorrow"}))), ReasonInvalidClaims},
		{"wrong issuer", bearer(rs(claims(map[string]any{"iss": "https://evil.example.test/acme"}))), ReasonWrongIssuer},
		{"issuer with a trailing slash", bearer(rs(claims(map[string]any{"iss": testIssuer + "/"}))), ReasonWrongIssuer},
		{"missing issuer", bearer(rs(claims(map[string]any{"iss": nil}))), ReasonMissingClaim},
		{"wrong audience", bearer(rs(claims(map[string]any{"aud": "someone-else"}))), ReasonWrongAudience},
		{"audience array without a match", bearer(rs(claims(map[string]any{"aud": []string{"a", "b"}}))), ReasonWrongAudience},
		{"missing audience", bearer(rs(claims(map[string]any{"aud": nil}))), ReasonMissingClaim},
		{"wrong tenant", bearer(rs(claims(map[string]any{"tenant": "globex"}))), ReasonWrongTenant},
		{"tenant of the wrong type", bearer(rs(claims(map[string]any{"tenant": []string{testTenant}}))), ReasonWrongTenant},
		{"missing tenant claim", bearer(rs(claims(map[string]any{"tenant": nil}))), ReasonMissingTenant},
		{"missing subject", bearer(rs(claims(map[string]any{"sub": nil}))), ReasonMissingSubject},
		{"alg none", bearer(noneToken), ReasonAlgNotAllowed},
		{"HS256 with the RSA public key as secret", bearer(hsToken), ReasonAlgNotAllowed},
		{"missing kid", bearer(sign(t, jwt.SigningMethodRS256, rsaKey, "", claims(nil))), ReasonMissingKID},
		{"bad signature", bearer(sign(t, jwt.SigningMethodRS256, rsaOther, "rsa-1", claims(nil))), ReasonBadSignature},
		{"payload swapped under a valid signature", bearer(forged), ReasonBadSignature},
		{"alg differs from the JWK's alg", bearer(sign(t, jwt.SigningMethodRS512, rsaKey, "rsa-1", claims(nil))), ReasonKeyMismatch},
		{"ES256 naming an RSA key", bearer(sign(t, jwt.SigningMethodES256, ecKey, "rsa-1", claims(nil))), ReasonKeyMismatch},
		{"ES256 naming a P-384 key", bearer(sign(t, jwt.SigningMethodES256, ecKey, "ec384-1", claims(nil))), ReasonKeyMismatch},
		{"RSA key under 2048 bits", bearer(sign(t, jwt.SigningMethodRS256, rsaSmall, "rsa-small", claims(nil))), ReasonKeyMismatch},
		{"malformed token", bearer("aaaa.bbbb.cccc"), ReasonMalformedToken},
		{"non-canonical base64", bearer(valid[:len(valid)-1] + nonCanonical(valid[len(valid)-1])), ReasonMalformedToken},

		{"malformed header: Basic scheme", map[string]string{"Authorization": "Basic dXNlcjpwYXNz"}, ReasonMalformedHeader},
		{"malformed header: no token", map[string]string{"Authorization": "Bearer"}, ReasonMalformedHeader},
		{"malformed header: two segments", map[string]string{"Authorization": "Bearer a.b"}, ReasonMalformedHeader},
		{"malformed header: four segments", map[string]string{"Authorization": "Bearer " + valid + ".x"}, ReasonMalformedHeader},
		{"malformed header: bad characters", map[string]string{"Authorization": "Bearer " + valid[:10] + "+/" + valid[10:]}, ReasonMalformedHeader},
		{"malformed header: sent twice", map[string]string{"Authorization": "Bearer " + valid, "authorization": "Bearer " + valid}, ReasonMalformedHeader},
		{"oversized header", map[string]string{"Authorization": "Bearer " + strings.Repeat("a", MaxHeaderBytes)}, ReasonOversizedHeader},
		{"token and API key together", map[string]string{"Authorization": "Bearer " + valid, "x-api-key": "k"}, ReasonAmbiguousCredentials},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := f.authorize(t, request(tc.headers))
			assert.Equal(t, tc.want, r.reason)
			require.NoError(t, r.err)
			require.Len(t, r.resp.PolicyDocument.Statement, 1)
			st := r.resp.PolicyDocument.Statement[0]
			assert.Equal(t, []string{"execute-api:Invoke"}, st.Action)
			assert.Equal(t, []string{testResource}, st.Resource)
			if tc.want == ReasonOK {
				assert.Equal(t, "Allow", st.Effect)
				assert.Equal(t, "user-123", r.resp.PrincipalID)
				assert.Equal(t, map[string]any{"tenant": testTenant, "sub": "user-123", "authMethod": "jwt"}, r.resp.Context)
				assert.Equal(t, "allow", r.log["decision"])
			} else {
				assert.Equal(t, "Deny", st.Effect)
				assert.Empty(t, r.resp.Context)
				assert.Equal(t, "deny", r.log["decision"])
			}
			for _, v := range tc.headers {
				if tok, ok := strings.CutPrefix(v, "Bearer "); ok && len(tok) > 20 {
					assert.NotContains(t, f.logs.String(), tok, "the token was logged")
				}
			}
		})
	}
}

// nonCanonical returns another base64url character that decodes to the same
// bytes when c is the last character of a 2-byte-remainder segment.
func nonCanonical(c byte) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, c)
	return string(alphabet[i^1])
}

func TestAuthorizeWithoutCredentialsIsUnauthorized(t *testing.T) {
	f := newFixture(t, nil)
	for name, headers := range map[string]map[string]string{
		"no headers":         nil,
		"other headers only": {"Content-Type": "application/json"},
		"blank header":       {"Authorization": "  "},
	} {
		t.Run(name, func(t *testing.T) {
			r := f.authorize(t, request(headers))
			require.ErrorIs(t, r.err, ErrUnauthorized)
			assert.EqualError(t, r.err, "Unauthorized")
			assert.Equal(t, ReasonMissingCredentials, r.reason)
			assert.Equal(t, "unauthorized", r.log["decision"])
		})
	}
}

func TestTokenFromMultiValueHeaders(t *testing.T) {
	f := newFixture(t, nil)
	tok := sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-1", claims(nil))
	req := request(nil)
	req.MultiValueHeaders = map[string][]string{"AUTHORIZATION": {"Bearer " + tok}}
	assert.Equal(t, ReasonOK, f.authorize(t, req).reason)

	req.MultiValueHeaders = map[string][]string{"authorization": {"Bearer " + tok, "Bearer " + tok}}
	assert.Equal(t, ReasonMalformedHeader, f.authorize(t, req).reason)

	req = request(bearer(tok))
	req.MultiValueHeaders = map[string][]string{"authorization": {"Bearer other.token.value"}}
	assert.Equal(t, ReasonMalformedHeader, f.authorize(t, req).reason, "headers and multiValueHeaders disagree")
}

func TestAllowCoversEveryMethodOfTheStage(t *testing.T) {
	f := newFixture(t, nil)
	tok := sign(t, jwt.SigningMethodES256, ecKey, "ec-1", claims(nil))
	for _, arn := range []string{
		testMethodARN,
		"arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/GET/",
		"arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/DELETE/v1/voices/v-1/samples/3",
	} {
		req := request(bearer(tok))
		req.MethodArn = arn
		r := f.authorize(t, req)
		require.Equal(t, ReasonOK, r.reason, arn)
		assert.Equal(t, []string{testResource}, r.resp.PolicyDocument.Statement[0].Resource, arn)
	}
}

func TestBadMethodARNIsDenied(t *testing.T) {
	f := newFixture(t, nil)
	tok := sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-1", claims(nil))
	for _, arn := range []string{
		"",
		"arn:aws:lambda:eu-west-1:123456789012:function:x",
		"arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5",
		"arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod",
		"arn:aws:execute-api:eu-west-1:12345:a1b2c3d4e5/prod/GET/",
		"arn:aws:execute-api:eu-west-1:123456789012:*/prod/GET/",
		"arn:aws:execute-api:eu-west-1:123456789012:otherapi/prod/GET/",  // request context says a1b2c3d4e5
		"arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/dev/GET/", // request context says prod
	} {
		req := request(bearer(tok))
		req.MethodArn = arn
		r := f.authorize(t, req)
		assert.Equal(t, ReasonBadMethodARN, r.reason, arn)
		assert.Equal(t, "Deny", r.resp.PolicyDocument.Statement[0].Effect, arn)
		assert.Equal(t, []string{"*"}, r.resp.PolicyDocument.Statement[0].Resource, arn)
	}
}

func TestUnknownKIDRefetchesOnceRateLimited(t *testing.T) {
	f := newFixture(t, nil)
	require.EqualValues(t, 1, f.jwks.fetches.Load(), "the JWKS is fetched once at start")

	start := time.Now()
	for i := range 2 {
		tok := sign(t, jwt.SigningMethodRS256, rsaOther, "unknown-kid", claims(nil))
		r := f.authorize(t, request(bearer(tok)))
		assert.Equal(t, ReasonUnknownKID, r.reason, "request %d", i)
		assert.Equal(t, "unknown-kid", r.log["kid"])
	}
	assert.EqualValues(t, 2, f.jwks.fetches.Load(), "two unknown kids in a row: exactly one refetch")
	assert.Less(t, time.Since(start), 2*time.Second, "the rate-limited request must not wait for the limiter")
}

func TestRotatedKeyIsPickedUpByRefetch(t *testing.T) {
	f := newFixture(t, nil)
	f.jwks.setKeys(t, append(defaultJWKS(), jwk{kid: "rsa-2", alg: "RS256", key: &rsaOther.PublicKey})...)
	tok := sign(t, jwt.SigningMethodRS256, rsaOther, "rsa-2", claims(nil))
	assert.Equal(t, ReasonOK, f.authorize(t, request(bearer(tok))).reason)
	assert.EqualValues(t, 2, f.jwks.fetches.Load())
}

func TestJWKSDownDenies(t *testing.T) {
	testKeys(t)
	tok := sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-1", claims(nil))

	t.Run("unreachable at start", func(t *testing.T) {
		srv := newJWKSServer(t, defaultJWKS()...)
		srv.Close() // nothing listens any more
		f := newFixtureWith(t, srv, nil)
		r := f.authorize(t, request(bearer(tok)))
		assert.Equal(t, ReasonJWKSUnavailable, r.reason)
		assert.Equal(t, "Deny", r.resp.PolicyDocument.Statement[0].Effect)
		assert.Contains(t, f.logs.String(), "jwks_fetch_failed")
	})

	t.Run("answers 503 at start", func(t *testing.T) {
		srv := newJWKSServer(t, defaultJWKS()...)
		srv.down.Store(true)
		f := newFixtureWith(t, srv, nil)
		assert.Equal(t, ReasonJWKSUnavailable, f.authorize(t, request(bearer(tok))).reason)
		assert.EqualValues(t, 2, srv.fetches.Load(), "start plus one unknown-kid refetch")
	})

	t.Run("recovers once the issuer is back", func(t *testing.T) {
		srv := newJWKSServer(t, defaultJWKS()...)
		srv.down.Store(true)
		f := newFixtureWith(t, srv, nil)
		srv.down.Store(false)
		assert.Equal(t, ReasonOK, f.authorize(t, request(bearer(tok))).reason)
	})

	t.Run("serves garbage", func(t *testing.T) {
		srv := newJWKSServer(t)
		srv.mu.Lock()
		srv.body = []byte("<html>maintenance</html>")
		srv.mu.Unlock()
		f := newFixtureWith(t, srv, nil)
		assert.Equal(t, ReasonJWKSUnavailable, f.authorize(t, request(bearer(tok))).reason)
	})
}

func TestBearerToken(t *testing.T) {
	for in, want := range map[string]bool{
		"Bearer a.b.c":   true,
		"bearer a.b.c":   true,
		"BEARER  a.b.c":  true,
		"Bearer a.b":     false,
		"Bearer a.b.c.d": false,
		"Bearer a.b c":   false,
		"Bearer\ta.b.c":  false,
		"Token a.b.c":    false,
		"a.b.c":          false,
		"":               false,
	} {
		_, ok := bearerToken(in)
		assert.Equal(t, want, ok, "%q", in)
	}
}
