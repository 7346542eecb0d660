package authz

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"math"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
)

// allowedAlgorithms are the only JWS algorithms accepted (RFC 8725 §3.1, §3.2):
// asymmetric ones, so that a public key can never be used as an HMAC secret,
// and never "none". The golang-jwt methods only compute signatures here;
// parsing and every check are this file's.
var allowedAlgorithms = map[string]jwt.SigningMethod{
	"RS256": jwt.SigningMethodRS256, "RS384": jwt.SigningMethodRS384, "RS512": jwt.SigningMethodRS512,
	"PS256": jwt.SigningMethodPS256, "PS384": jwt.SigningMethodPS384, "PS512": jwt.SigningMethodPS512,
	"ES256": jwt.SigningMethodES256, "ES384": jwt.SigningMethodES384, "ES512": jwt.SigningMethodES512,
	"EdDSA": jwt.SigningMethodEdDSA,
}

// ClockSkew is the leeway given to "exp", "nbf" and "iat".
const ClockSkew = 60 * time.Second

// minRSABits is the smallest RSA modulus accepted.
const minRSABits = 2048

// maxCacheLife bounds how long one verified token is reused, however far its
// "exp" is: such a token is verified again once a day.
const maxCacheLife = 24 * time.Hour

// b64 decodes base64url without padding, rejecting padding, whitespace, line
// breaks and non-zero trailing bits (RFC 7515 §2, §5.2 steps 2, 6, 7).
var b64 = base64.RawURLEncoding.Strict()

// Header parameters this verifier refuses when present (each has a test):
//   - "crit": every extension it lists must be understood, and none is (RFC 7515 §4.1.11).
//   - "enc", "zip": a JWE header (RFC 7516 §9, §4.1.2, §4.1.3); only JWS is accepted.
//   - "cty": a nested JWT or a non-JSON payload (RFC 7519 §5.2, §7.2 step 8); not supported.
//   - "jku", "jwk", "x5u", "x5c": keys or key locations supplied by the sender. The key
//     comes only from the configured JWKS by "kid" (RFC 8725 §3.10); a verifier that saw
//     them would have to ignore them, and refusing is the safer reading.
//
// Every other header parameter (e.g. "x5t") is ignored, as RFC 7515 §4 requires of
// parameters not listed in "crit".
var refusedHeaders = []string{"crit", "enc", "zip", "cty", "jku", "jwk", "x5u", "x5c"}

// acceptedTypes are the "typ" values accepted, compared case-insensitively with
// or without "application/" (RFC 7515 §4.1.9); the header may also leave typ out.
// Other JWT kinds (e.g. "secevent+jwt", "logout+jwt", "dpop+jwt") are refused:
// RFC 8725 §3.11, §3.12.
var acceptedTypes = []string{"jwt", "at+jwt"}

var (
	errMissingKID  = errors.New("token has no kid")
	errNoKey       = errors.New("no key for kid")
	errKeyMismatch = errors.New("key does not fit the token's alg")
)

// tokenVerifier checks bearer tokens against one issuer, audience list and tenant.
type tokenVerifier struct {
	keys        *jwks
	issuer      string
	audiences   []string
	tenantClaim string
	tenant      string
	now         func() time.Time
	cache       *tokenCache // nil: every token is verified
}

func newTokenVerifier(cfg Config, keys *jwks, now func() time.Time, cache *tokenCache) *tokenVerifier {
	return &tokenVerifier{
		keys: keys, issuer: cfg.Issuer, audiences: cfg.Audiences, tenantClaim: cfg.TenantClaim,
		tenant: cfg.Tenant, now: now, cache: cache,
	}
}

// verify returns the token's subject on success, and a Reason either way. The
// subject is also returned when the signature held but a claim did not, for
// the log. kid is whatever the (possibly forged) header said.
//
// A token verified before is answered from the cache, keyed by its SHA-256,
// while the clock is within its nbf/iat and exp (with skew) and its key is
// still in the JWKS.
func (v *tokenVerifier) verify(ctx context.Context, raw string) (sub, kid string, reason Reason) {
	now := v.now()
	var digest [sha256.Size]byte
	var gen uint64
	if v.cache != nil {
		// The bytes of raw, not a copy: Sum256 only reads them (saves an allocation of the
		// token's size on every decision).
		digest = sha256.Sum256(unsafe.Slice(unsafe.StringData(raw), len(raw)))
		if e, ok := v.cache.get(digest, now); ok {
			return e.sub, e.kid, ReasonOK
		}
		gen = v.cache.generation()
	}
	sub, kid, valid, reason := v.verifyUncached(ctx, raw, now)
	if reason == ReasonOK && v.cache != nil {
		v.cache.put(digest, cacheEntry{sub: sub, kid: kid, notBefore: valid.notBefore, expires: valid.expires}, gen)
	}
	return sub, kid, reason
}

// validity is when a verified token may be used: [notBefore, expires).
type validity struct{ notBefore, expires time.Time }

// verifyUncached is RFC 7519 §7.2 for a compact JWS (RFC 7515 §5.2), then the
// claims this API requires.
func (v *tokenVerifier) verifyUncached(ctx context.Context, raw string, now time.Time) (sub, kid string, valid validity, reason Reason) {
	// Compact serialization only: three base64url parts (RFC 7515 §7.1). Five
	// parts would be a JWE (RFC 7516 §9), refused; the JSON serializations
	// (RFC 7515 §7.2) are not JWTs (RFC 7519 §1).
	h, rest, _ := strings.Cut(raw, ".")
	p, s, ok := strings.Cut(rest, ".")
	if !ok || strings.Contains(s, ".") || h == "" || p == "" || !isBase64URL(raw) { // an empty signature fails below
		return "", "", valid, ReasonMalformedToken
	}
	hb, err := b64.DecodeString(h)
	if err != nil {
		return "", "", valid, ReasonMalformedToken
	}
	header, err := decodeObject(hb)
	if err != nil {
		return "", "", valid, ReasonMalformedToken
	}
	kid, _ = header["kid"].(string)
	alg, isString := header["alg"].(string)
	switch {
	case !isString:
		return "", kid, valid, ReasonMalformedToken // "alg" is required (RFC 7515 §4.1.1)
	case slices.ContainsFunc(refusedHeaders, func(n string) bool { _, ok := header[n]; return ok }):
		return "", kid, valid, ReasonUnsupportedHeader
	}
	method, allowed := allowedAlgorithms[alg] // case-sensitive (RFC 7515 §4.1.1)
	if !allowed {
		return "", kid, valid, ReasonAlgNotAllowed
	}
	if t, present := header["typ"]; present && !acceptedType(t) {
		return "", kid, valid, ReasonWrongType
	}
	if kid == "" {
		return "", "", valid, ReasonMissingKID
	}
	key, err := v.key(ctx, kid, alg)
	switch {
	case errors.Is(err, errKeyMismatch):
		return "", kid, valid, ReasonKeyMismatch
	case err != nil && v.keys.failing.Load():
		return "", kid, valid, ReasonJWKSUnavailable
	case err != nil:
		return "", kid, valid, ReasonUnknownKID
	}
	sig, err := b64.DecodeString(s)
	if err != nil {
		return "", kid, valid, ReasonMalformedToken
	}
	if method.Verify(raw[:len(h)+1+len(p)], sig, key) != nil {
		return "", kid, valid, ReasonBadSignature
	}
	pb, err := b64.DecodeString(p)
	if err != nil {
		return "", kid, valid, ReasonMalformedToken
	}
	claims, err := decodeObject(pb)
	if err != nil {
		return "", kid, valid, ReasonMalformedToken
	}
	sub, valid, reason = v.checkClaims(claims, now)
	return sub, kid, valid, reason
}

// isBase64URL reports whether s holds only the base64url alphabet and dots:
// Go's decoder skips CR and LF even in strict mode, RFC 7515 §2 allows no
// line breaks, whitespace or other characters.
func isBase64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

// acceptedType reports whether a "typ" value names a JWT this API accepts.
func acceptedType(t any) bool {
	s, ok := t.(string)
	if !ok {
		return false
	}
	s = strings.ToLower(s)
	s = strings.TrimPrefix(s, "application/")
	return slices.Contains(acceptedTypes, s)
}

// checkClaims checks the registered claims (RFC 7519 §4.1) and the tenant.
// Every registered claim must have its registered type when present: "exp",
// "nbf" and "iat" a JSON number (NumericDate, RFC 7519 §2, fractions
// allowed), "iss" and "sub" a string, "aud" a string or an array of strings.
func (v *tokenVerifier) checkClaims(c map[string]any, now time.Time) (sub string, valid validity, reason Reason) {
	sub, subOK := c["sub"].(string)
	if _, present := c["sub"]; present && !subOK {
		return "", valid, ReasonInvalidClaims
	}
	exp, expState := numericDate(c, "exp")
	nbf, nbfState := numericDate(c, "nbf")
	iat, iatState := numericDate(c, "iat")
	if expState == claimInvalid || nbfState == claimInvalid || iatState == claimInvalid {
		return sub, valid, ReasonInvalidClaims
	}
	t := float64(now.UnixNano()) / 1e9
	skew := ClockSkew.Seconds()
	switch {
	case expState == claimMissing:
		return sub, valid, ReasonMissingClaim // required here (optional in RFC 7519 §4.1.4)
	case t >= exp+skew: // RFC 7519 §4.1.4: not on or after exp
		return sub, valid, ReasonExpired
	case nbfState == claimPresent && t < nbf-skew: // RFC 7519 §4.1.5
		return sub, valid, ReasonNotYetValid
	case iatState == claimPresent && iat-skew > t:
		return sub, valid, ReasonIssuedInFuture
	}
	if r := v.checkIssuer(c); r != ReasonOK { // RFC 8725 §3.8, RFC 7519 §4.1.1
		return sub, valid, r
	}
	if r := v.checkAudience(c); r != ReasonOK { // RFC 8725 §3.9, RFC 7519 §4.1.3
		return sub, valid, r
	}
	if sub == "" {
		return "", valid, ReasonMissingSubject
	}
	tenant, ok := c[v.tenantClaim]
	if !ok {
		return sub, valid, ReasonMissingTenant
	}
	if s, ok := tenant.(string); !ok || s != v.tenant {
		return sub, valid, ReasonWrongTenant
	}
	valid.expires = now.Add(offset(exp + skew - t))
	valid.notBefore = now
	if nbfState == claimPresent {
		valid.notBefore = now.Add(offset(nbf - skew - t))
	}
	if iatState == claimPresent {
		valid.notBefore = later(valid.notBefore, now.Add(offset(iat-skew-t)))
	}
	return sub, valid, ReasonOK
}

// offset converts seconds to a Duration within ±maxCacheLife (a float too
// large for a Duration converts differently on amd64 and arm64).
func offset(seconds float64) time.Duration {
	lim := maxCacheLife.Seconds()
	return time.Duration(max(-lim, min(seconds, lim)) * float64(time.Second))
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func (v *tokenVerifier) checkIssuer(c map[string]any) Reason {
	iss, present := c["iss"]
	if !present {
		return ReasonMissingClaim
	}
	s, ok := iss.(string)
	switch {
	case !ok:
		return ReasonInvalidClaims
	case s != v.issuer: // exact, case-sensitive (RFC 7519 §2 StringOrURI)
		return ReasonWrongIssuer
	}
	return ReasonOK
}

func (v *tokenVerifier) checkAudience(c map[string]any) Reason {
	aud, present := c["aud"]
	if !present {
		return ReasonMissingClaim
	}
	var auds []string
	switch a := aud.(type) {
	case string:
		auds = []string{a}
	case []any:
		for _, e := range a {
			s, ok := e.(string)
			if !ok {
				return ReasonInvalidClaims
			}
			auds = append(auds, s)
		}
	default:
		return ReasonInvalidClaims
	}
	for _, a := range auds {
		if slices.Contains(v.audiences, a) {
			return ReasonOK
		}
	}
	return ReasonWrongAudience
}

type claimState int

const (
	claimMissing claimState = iota
	claimPresent
	claimInvalid
)

// numericDate reads a NumericDate claim: a finite JSON number of seconds.
func numericDate(c map[string]any, name string) (float64, claimState) {
	v, present := c[name]
	if !present {
		return 0, claimMissing
	}
	n, ok := v.(jsonNumber)
	if !ok {
		return 0, claimInvalid
	}
	f, err := n.Float64()
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, claimInvalid
	}
	return f, claimPresent
}

// key finds the JWK named by kid and checks that it fits alg (RFC 8725 §3.1:
// a key is used with one algorithm): the JWK's own "alg", "use" and
// "key_ops" if set (RFC 7517 §4.2–4.4), its key type (kty), RSA size and EC
// curve.
func (v *tokenVerifier) key(ctx context.Context, kid, alg string) (any, error) {
	jwk, err := v.keys.storage.KeyRead(ctx, kid)
	if err != nil {
		return nil, errors.Join(errNoKey, err)
	}
	m := jwk.Marshal()
	if (m.ALG != "" && m.ALG.String() != alg) || (m.USE != "" && m.USE != jwkset.UseSig) ||
		(len(m.KEYOPS) > 0 && !slices.Contains(m.KEYOPS, jwkset.KeyOpsVerify)) {
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
