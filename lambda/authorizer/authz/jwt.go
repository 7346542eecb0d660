package authz

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
)

// allowedAlgorithms are the only JWS algorithms accepted: asymmetric ones, so
// that a public key can never be used as an HMAC secret.
var allowedAlgorithms = []string{
	"RS256", "RS384", "RS512",
	"PS256", "PS384", "PS512",
	"ES256", "ES384", "ES512",
	"EdDSA",
}

// ClockSkew is the leeway given to "exp", "nbf" and "iat".
const ClockSkew = 60 * time.Second

// minRSABits is the smallest RSA modulus accepted.
const minRSABits = 2048

var (
	errMissingKID  = errors.New("token has no kid")
	errNoKey       = errors.New("no key for kid")
	errKeyMismatch = errors.New("key does not fit the token's alg")
)

// tokenVerifier checks bearer tokens against one issuer, audience list and tenant.
type tokenVerifier struct {
	parser      *jwt.Parser
	keys        *jwks
	tenantClaim string
	tenant      string
}

func newTokenVerifier(cfg Config, keys *jwks, now func() time.Time) *tokenVerifier {
	return &tokenVerifier{
		parser: jwt.NewParser(
			jwt.WithValidMethods(allowedAlgorithms),
			jwt.WithIssuer(cfg.Issuer),
			jwt.WithAudience(cfg.Audiences...),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(ClockSkew),
			jwt.WithTimeFunc(now),
			jwt.WithStrictDecoding(),
		),
		keys:        keys,
		tenantClaim: cfg.TenantClaim,
		tenant:      cfg.Tenant,
	}
}

// verify returns the token's subject on success, and a Reason either way. The
// subject is also returned when the signature held but a claim did not, for
// the log. kid is whatever the (possibly forged) header said.
func (v *tokenVerifier) verify(ctx context.Context, raw string) (sub, kid string, reason Reason) {
	claims := jwt.MapClaims{}
	tok, err := v.parser.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		return v.key(ctx, t)
	})
	if tok != nil {
		kid, _ = tok.Header["kid"].(string)
	}
	if err == nil || errors.Is(err, jwt.ErrTokenInvalidClaims) { // the signature held
		sub, _ = claims.GetSubject()
	}
	if err != nil {
		return sub, kid, v.classify(tok, err)
	}
	if sub == "" {
		return "", kid, ReasonMissingSubject
	}
	t, ok := claims[v.tenantClaim]
	if !ok {
		return sub, kid, ReasonMissingTenant
	}
	if s, ok := t.(string); !ok || s != v.tenant {
		return sub, kid, ReasonWrongTenant
	}
	return sub, kid, ReasonOK
}

// key finds the JWK named by the token's kid and checks that it fits the
// token's algorithm: the JWK's own "alg" and "use" if set, its key type, RSA
// size and EC curve.
func (v *tokenVerifier) key(ctx context.Context, t *jwt.Token) (any, error) {
	kid, _ := t.Header["kid"].(string)
	if kid == "" {
		return nil, errMissingKID
	}
	jwk, err := v.keys.storage.KeyRead(ctx, kid)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errNoKey, err)
	}
	alg := t.Method.Alg()
	m := jwk.Marshal()
	if (m.ALG != "" && m.ALG.String() != alg) || (m.USE != "" && m.USE != jwkset.UseSig) {
		return nil, errKeyMismatch
	}
	key := jwk.Key()
	if p, ok := key.(interface{ Public() crypto.PublicKey }); ok { // a private JWK published by mistake
		key = p.Public()
	}
	if !keyFits(alg, key) {
		return nil, errKeyMismatch
	}
	return key, nil
}

func keyFits(alg string, key any) bool {
	switch alg {
	case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
		k, ok := key.(*rsa.PublicKey)
		return ok && k.N.BitLen() >= minRSABits
	case "ES256":
		return isCurve(key, elliptic.P256())
	case "ES384":
		return isCurve(key, elliptic.P384())
	case "ES512":
		return isCurve(key, elliptic.P521())
	case "EdDSA":
		_, ok := key.(ed25519.PublicKey)
		return ok
	}
	return false
}

func isCurve(key any, c elliptic.Curve) bool {
	k, ok := key.(*ecdsa.PublicKey)
	return ok && k.Curve == c
}

func (v *tokenVerifier) classify(tok *jwt.Token, err error) Reason {
	var alg string
	if tok != nil {
		alg, _ = tok.Header["alg"].(string)
	}
	switch {
	case tok == nil || errors.Is(err, jwt.ErrTokenMalformed):
		return ReasonMalformedToken
	case !slices.Contains(allowedAlgorithms, alg):
		return ReasonAlgNotAllowed
	case errors.Is(err, errMissingKID):
		return ReasonMissingKID
	case errors.Is(err, errKeyMismatch):
		return ReasonKeyMismatch
	case errors.Is(err, errNoKey):
		if v.keys.failing.Load() {
			return ReasonJWKSUnavailable
		}
		return ReasonUnknownKID
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return ReasonBadSignature
	case errors.Is(err, jwt.ErrTokenExpired):
		return ReasonExpired
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return ReasonNotYetValid
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return ReasonIssuedInFuture
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return ReasonMissingClaim
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return ReasonWrongIssuer
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return ReasonWrongAudience
	}
	return ReasonInvalidClaims
}
