package authz

// One test per requirement of RFC 7515 (JWS), RFC 7519 (JWT) and RFC 8725 (JWT BCP) that
// binds a verifier, named for its section. Tokens are built by hand (rawToken) where a library
// would refuse to produce them.

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var enc = base64.RawURLEncoding

// rawToken signs exactly the header and payload bytes given, with RS256 and rsaKey unless
// the header says otherwise (method and key then come from the caller via rawTokenWith).
func rawToken(t testing.TB, header, payload string) string {
	t.Helper()
	return rawTokenWith(t, jwt.SigningMethodRS256, rsaKey, header, payload)
}

func rawTokenWith(t testing.TB, m jwt.SigningMethod, key any, header, payload string) string {
	t.Helper()
	in := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
	sig, err := m.Sign(in, key)
	require.NoError(t, err)
	return in + "." + enc.EncodeToString(sig)
}

// validPayload is claims(edit) as JSON.
func validPayload(t testing.TB, edit map[string]any) string {
	t.Helper()
	b, err := json.Marshal(claims(edit))
	require.NoError(t, err)
	return string(b)
}

// payloadWith puts raw JSON members into a valid claims set, replacing those of the same names.
func payloadWith(t testing.TB, members string) string {
	t.Helper()
	var names map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte("{"+members+"}"), &names))
	edit := map[string]any{}
	for n := range names {
		edit[n] = nil
	}
	p := validPayload(t, edit)
	if p == "{}" {
		return "{" + members + "}"
	}
	return strings.TrimSuffix(p, "}") + "," + members + "}"
}

const rsHeader = `{"alg":"RS256","kid":"rsa-1"}`

// reasons runs each token through a full decision and checks its reason.
func reasons(t *testing.T, f *fixture, cases map[string]struct {
	tok  string
	want Reason
}) {
	t.Helper()
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := f.authorize(t, request(bearer(tc.tok)))
			assert.Equal(t, tc.want, r.reason)
			if tc.want != ReasonOK {
				assert.Equal(t, "Deny", r.resp.PolicyDocument.Statement[0].Effect)
			}
		})
	}
}

type tokCase = struct {
	tok  string
	want Reason
}

func TestRFC7515_4_1_11_CritHeaderIsRefused(t *testing.T) {
	f := newFixture(t, nil)
	p := validPayload(t, nil)
	reasons(t, f, map[string]tokCase{
		"crit naming a registered claim":  {rawToken(t, `{"alg":"RS256","kid":"rsa-1","crit":["exp"],"exp":1}`, p), ReasonUnsupportedHeader},
		"crit b64 (RFC 7797)":             {rawToken(t, `{"alg":"RS256","kid":"rsa-1","b64":false,"crit":["b64"]}`, p), ReasonUnsupportedHeader},
		"crit empty":                      {rawToken(t, `{"alg":"RS256","kid":"rsa-1","crit":[]}`, p), ReasonUnsupportedHeader},
		"crit not an array":               {rawToken(t, `{"alg":"RS256","kid":"rsa-1","crit":"x"}`, p), ReasonUnsupportedHeader},
		"b64 not listed in crit: ignored": {rawToken(t, `{"alg":"RS256","kid":"rsa-1","b64":true}`, p), ReasonOK},
	})
}

func TestRFC7515_4_UnknownHeaderParametersAreIgnored(t *testing.T) {
	f := newFixture(t, nil)
	reasons(t, f, map[string]tokCase{
		"x5t and a private parameter": {rawToken(t, `{"alg":"RS256","kid":"rsa-1","x5t":"q83vEjRWeJ","vendor":{"a":1}}`, validPayload(t, nil)), ReasonOK},
	})
}

func TestRFC7515_4_1_1_AlgIsRequiredAndCaseSensitive(t *testing.T) {
	f := newFixture(t, nil)
	p := validPayload(t, nil)
	reasons(t, f, map[string]tokCase{
		"no alg":          {rawToken(t, `{"kid":"rsa-1"}`, p), ReasonMalformedToken},
		"alg not string":  {rawToken(t, `{"alg":256,"kid":"rsa-1"}`, p), ReasonMalformedToken},
		"alg lower case":  {rawToken(t, `{"alg":"rs256","kid":"rsa-1"}`, p), ReasonAlgNotAllowed},
		"ALG upper name":  {rawToken(t, `{"ALG":"RS256","kid":"rsa-1"}`, p), ReasonMalformedToken},
		"alg with spaces": {rawToken(t, `{"alg":" RS256","kid":"rsa-1"}`, p), ReasonAlgNotAllowed},
	})
}

func TestRFC8725_3_1_NoneAndUnlistedAlgorithmsAreRefused(t *testing.T) {
	f := newFixture(t, nil)
	p := validPayload(t, nil)
	pubDER, err := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	require.NoError(t, err)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	h := enc.EncodeToString([]byte(`{"alg":"none","kid":"rsa-1"}`)) + "." + enc.EncodeToString([]byte(p))
	reasons(t, f, map[string]tokCase{
		"none, empty signature":           {h + ".", ReasonAlgNotAllowed},
		"none, with a signature":          {h + "." + enc.EncodeToString([]byte("sig")), ReasonAlgNotAllowed},
		"None":                            {rawToken(t, `{"alg":"None","kid":"rsa-1"}`, p), ReasonAlgNotAllowed},
		"HS256 keyed with the public key": {rawTokenWith(t, jwt.SigningMethodHS256, pubPEM, `{"alg":"HS256","kid":"rsa-1"}`, p), ReasonAlgNotAllowed},
		"HS512":                           {rawTokenWith(t, jwt.SigningMethodHS512, []byte("secret"), `{"alg":"HS512","kid":"rsa-1"}`, p), ReasonAlgNotAllowed},
		"RSA1_5 (an encryption alg)":      {rawToken(t, `{"alg":"RSA1_5","kid":"rsa-1"}`, p), ReasonAlgNotAllowed},
	})
}

func TestRFC8725_3_1_KeyIsTiedToItsAlgorithmTypeAndUse(t *testing.T) {
	testKeys(t)
	srv := newJWKSServer(t, append(defaultJWKS(),
		jwk{kid: "rsa-enc", key: &rsaKey.PublicKey, use: jwkset.UseEnc},
		jwk{kid: "rsa-sign-only", key: &rsaKey.PublicKey, ops: []jwkset.KEYOPS{jwkset.KeyOpsSign}},
		jwk{kid: "rsa-verify", key: &rsaKey.PublicKey, ops: []jwkset.KEYOPS{jwkset.KeyOpsVerify}},
	)...)
	f := newFixtureWith(t, srv, nil)
	c := claims(nil)
	reasons(t, f, map[string]tokCase{
		"alg differs from the JWK's alg":     {sign(t, jwt.SigningMethodPS256, rsaKey, "rsa-1", c), ReasonKeyMismatch},
		"use enc":                            {sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-enc", c), ReasonKeyMismatch},
		"key_ops without verify":             {sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-sign-only", c), ReasonKeyMismatch},
		"key_ops with verify":                {sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-verify", c), ReasonOK},
		"kty EC for RS256":                   {sign(t, jwt.SigningMethodRS256, rsaKey, "ec-1", c), ReasonKeyMismatch},
		"kty RSA for ES256":                  {sign(t, jwt.SigningMethodES256, ecKey, "rsa-1", c), ReasonKeyMismatch},
		"kty OKP for ES256":                  {sign(t, jwt.SigningMethodES256, ecKey, "ed-1", c), ReasonKeyMismatch},
		"curve P-384 for ES256":              {sign(t, jwt.SigningMethodES256, ecKey, "ec384-1", c), ReasonKeyMismatch},
		"RSA under 2048 bits (RFC 7518 3.3)": {sign(t, jwt.SigningMethodRS256, rsaSmall, "rsa-small", c), ReasonKeyMismatch},
	})
}

func TestRFC7515_5_2_DuplicateHeaderNamesAreRefused(t *testing.T) {
	f := newFixture(t, nil)
	p := validPayload(t, nil)
	reasons(t, f, map[string]tokCase{
		"alg twice":             {rawToken(t, `{"alg":"none","kid":"rsa-1","alg":"RS256"}`, p), ReasonMalformedToken},
		"alg twice, same value": {rawToken(t, `{"alg":"RS256","kid":"rsa-1","alg":"RS256"}`, p), ReasonMalformedToken},
		"kid twice":             {rawToken(t, `{"alg":"RS256","kid":"ec-1","kid":"rsa-1"}`, p), ReasonMalformedToken},
	})
}

func TestRFC7519_7_2_DuplicateClaimNamesAreRefused(t *testing.T) {
	f := newFixture(t, nil)
	reasons(t, f, map[string]tokCase{
		"tenant twice": {rawToken(t, rsHeader, payloadWith(t, `"tenant":"globex","tenant":"acme"`)), ReasonMalformedToken},
		"sub twice":    {rawToken(t, rsHeader, payloadWith(t, `"sub":"user-123","sub":"admin"`)), ReasonMalformedToken},
		"nested twice": {rawToken(t, rsHeader, payloadWith(t, `"cnf":{"a":1,"a":2}`)), ReasonMalformedToken},
		"escaped twin": {rawToken(t, rsHeader, payloadWith(t, `"sub":"user-123","s\u0075b":"admin"`)), ReasonMalformedToken},
	})
}

func TestRFC7519_7_2_HeaderAndClaimsAreUTF8JSONObjects(t *testing.T) {
	f := newFixture(t, nil)
	p := validPayload(t, nil)
	reasons(t, f, map[string]tokCase{
		"header not JSON":            {rawToken(t, `alg=RS256`, p), ReasonMalformedToken},
		"header an array":            {rawToken(t, `["RS256"]`, p), ReasonMalformedToken},
		"header with trailing data":  {rawToken(t, rsHeader+`{}`, p), ReasonMalformedToken},
		"header not UTF-8":           {rawToken(t, `{"alg":"RS256","kid":"rsa-1","x":"`+"\xff"+`"}`, p), ReasonMalformedToken},
		"claims not UTF-8":           {rawToken(t, rsHeader, payloadWith(t, `"name":"`+"\xc3\x28"+`"`)), ReasonMalformedToken},
		"claims an array":            {rawToken(t, rsHeader, `[`+p+`]`), ReasonMalformedToken},
		"claims null":                {rawToken(t, rsHeader, `null`), ReasonMalformedToken},
		"claims with trailing data":  {rawToken(t, rsHeader, p+` x`), ReasonMalformedToken},
		"claims nested too deeply":   {rawToken(t, rsHeader, payloadWith(t, `"x":`+strings.Repeat("[", 40)+strings.Repeat("]", 40))), ReasonMalformedToken},
		"claims with whitespace: ok": {rawToken(t, `{ "alg" : "RS256", "kid" : "rsa-1" }`, " "+p+"\n"), ReasonOK},
	})
}

func TestRFC7519_7_2_NamesAreCaseSensitive(t *testing.T) {
	f := newFixture(t, nil)
	exp := testNow.Add(time.Hour).Unix()
	reasons(t, f, map[string]tokCase{
		"EXP instead of exp": {rawToken(t, rsHeader, validPayload(t, map[string]any{"exp": nil, "EXP": exp})), ReasonMissingClaim},
		"Iss instead of iss": {rawToken(t, rsHeader, validPayload(t, map[string]any{"iss": nil, "Iss": testIssuer})), ReasonMissingClaim},
		"KID instead of kid": {rawToken(t, `{"alg":"RS256","KID":"rsa-1"}`, validPayload(t, nil)), ReasonMissingKID},
	})
}

func TestRFC7515_2_Base64urlWithoutPaddingOnly(t *testing.T) {
	f := newFixture(t, nil)
	valid := sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-1", claims(nil))
	h, rest, _ := strings.Cut(valid, ".")
	p, s, _ := strings.Cut(rest, ".")
	std := base64.StdEncoding.EncodeToString
	hb, _ := enc.DecodeString(h)
	for name, tc := range map[string]struct {
		tok  string
		want Reason
	}{
		"padded header":                 {base64.URLEncoding.EncodeToString(hb) + "." + p + "." + s, ReasonMalformedToken},
		"padding appended to signature": {h + "." + p + "." + s + "==", ReasonMalformedToken},
		"standard alphabet":             {strings.NewReplacer("-", "+", "_", "/").Replace(valid), ReasonMalformedToken},
		"line break in payload":         {h + "." + p[:10] + "\n" + p[10:] + "." + s, ReasonMalformedToken},
		"space in signature":            {h + "." + p + "." + s[:5] + " " + s[5:], ReasonMalformedToken},
		"non-canonical trailing bits":   {valid[:len(valid)-1] + nonCanonical(valid[len(valid)-1]), ReasonMalformedToken},
		"std-padded header (shape)":     {std(hb) + "." + p + "." + s, ReasonMalformedToken},
		"the valid token":               {valid, ReasonOK},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, r := f.a.tokens.verify(context.Background(), tc.tok)
			assert.Equal(t, tc.want, r)
		})
	}
	// At the header, such tokens never reach the verifier.
	assert.Equal(t, ReasonMalformedHeader, f.authorize(t, request(bearer(h+"."+p+"."+s+"=="))).reason)
}

func TestRFC7515_7_CompactSerializationOnly(t *testing.T) {
	f := newFixture(t, nil)
	valid := sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-1", claims(nil))
	parts := strings.Split(valid, ".")
	general, err := json.Marshal(map[string]any{"payload": parts[1], "signatures": []map[string]string{{"protected": parts[0], "signature": parts[2]}}})
	require.NoError(t, err)
	flattened, err := json.Marshal(map[string]string{"payload": parts[1], "protected": parts[0], "signature": parts[2]})
	require.NoError(t, err)
	for name, tok := range map[string]string{
		"JSON serialization, general":   string(general),
		"JSON serialization, flattened": string(flattened),
		"base64url of the JSON":         enc.EncodeToString(flattened),
		"two parts":                     parts[0] + "." + parts[1],
		"four parts":                    valid + "." + parts[2],
	} {
		_, _, r := f.a.tokens.verify(context.Background(), tok)
		assert.Equal(t, ReasonMalformedToken, r, name)
		assert.NotEqual(t, ReasonOK, f.authorize(t, request(bearer(tok))).reason, name)
	}
}

func TestRFC7516_9_JWEIsRefused(t *testing.T) {
	f := newFixture(t, nil)
	p := validPayload(t, nil)
	jweHeader := enc.EncodeToString([]byte(`{"alg":"RSA-OAEP","enc":"A256GCM","kid":"rsa-1"}`))
	fiveParts := jweHeader + ".a2V5.aXY.Y2lwaGVy.dGFn"
	_, _, r := f.a.tokens.verify(context.Background(), fiveParts)
	assert.Equal(t, ReasonMalformedToken, r, "compact JWE (five parts)")
	assert.Equal(t, ReasonMalformedHeader, f.authorize(t, request(bearer(fiveParts))).reason)
	reasons(t, f, map[string]tokCase{
		"enc in a three-part token": {rawToken(t, `{"alg":"RS256","kid":"rsa-1","enc":"A256GCM"}`, p), ReasonUnsupportedHeader},
		"zip":                       {rawToken(t, `{"alg":"RS256","kid":"rsa-1","zip":"DEF"}`, p), ReasonUnsupportedHeader},
	})
}

func TestRFC7519_5_2_NestedJWTIsRefused(t *testing.T) {
	f := newFixture(t, nil)
	inner := sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-1", claims(nil))
	reasons(t, f, map[string]tokCase{
		"cty JWT":         {rawToken(t, `{"alg":"RS256","kid":"rsa-1","cty":"JWT"}`, `"`+inner+`"`), ReasonUnsupportedHeader},
		"cty of any kind": {rawToken(t, `{"alg":"RS256","kid":"rsa-1","cty":"json"}`, validPayload(t, nil)), ReasonUnsupportedHeader},
	})
}

func TestRFC8725_3_10_SenderSuppliedKeysAreNotUsed(t *testing.T) {
	f := newFixture(t, nil)
	p := validPayload(t, nil)
	own, err := jwkset.NewJWKFromKey(&rsaOther.PublicKey, jwkset.JWKOptions{Metadata: jwkset.JWKMetadataOptions{KID: "rsa-1"}})
	require.NoError(t, err)
	ownJSON, err := json.Marshal(own.Marshal())
	require.NoError(t, err)
	reasons(t, f, map[string]tokCase{
		"jwk: the attacker's key, embedded": {rawTokenWith(t, jwt.SigningMethodRS256, rsaOther, `{"alg":"RS256","kid":"rsa-1","jwk":`+string(ownJSON)+`}`, p), ReasonUnsupportedHeader},
		"jku":                               {rawToken(t, `{"alg":"RS256","kid":"rsa-1","jku":"https://evil.example.test/jwks"}`, p), ReasonUnsupportedHeader},
		"x5u":                               {rawToken(t, `{"alg":"RS256","kid":"rsa-1","x5u":"https://evil.example.test/cert"}`, p), ReasonUnsupportedHeader},
		"x5c":                               {rawToken(t, `{"alg":"RS256","kid":"rsa-1","x5c":["MIIB"]}`, p), ReasonUnsupportedHeader},
		"kid as a path is only a name":      {rawToken(t, `{"alg":"RS256","kid":"../../etc/passwd"}`, p), ReasonUnknownKID},
	})
}

func TestRFC8725_3_11_TypIsValidatedWhenSet(t *testing.T) {
	f := newFixture(t, nil)
	p := validPayload(t, nil)
	typ := func(v string) string { return rawToken(t, `{"alg":"RS256","kid":"rsa-1","typ":`+v+`}`, p) }
	reasons(t, f, map[string]tokCase{
		"JWT":                {typ(`"JWT"`), ReasonOK},
		"jwt":                {typ(`"jwt"`), ReasonOK},
		"application/jwt":    {typ(`"application/jwt"`), ReasonOK},
		"at+jwt (RFC 9068)":  {typ(`"at+jwt"`), ReasonOK},
		"application/at+JWT": {typ(`"application/at+JWT"`), ReasonOK},
		"no typ":             {rawToken(t, rsHeader, p), ReasonOK},
		"secevent+jwt":       {typ(`"secevent+jwt"`), ReasonWrongType},
		"logout+jwt":         {typ(`"logout+jwt"`), ReasonWrongType},
		"dpop+jwt":           {typ(`"dpop+jwt"`), ReasonWrongType},
		"JOSE":               {typ(`"JOSE"`), ReasonWrongType},
		"not a string":       {typ(`1`), ReasonWrongType},
	})
}

func TestRFC7519_4_1_4_ExpIsARequiredNumericDate(t *testing.T) {
	f := newFixture(t, nil)
	skew := int64(ClockSkew.Seconds())
	now := testNow.Unix()
	reasons(t, f, map[string]tokCase{
		"missing (required by this API)":    {rawToken(t, rsHeader, validPayload(t, map[string]any{"exp": nil})), ReasonMissingClaim},
		"a string":                          {rawToken(t, rsHeader, payloadWith(t, fmt.Sprintf(`"exp":"%d"`, now+3600))), ReasonInvalidClaims},
		"a boolean":                         {rawToken(t, rsHeader, payloadWith(t, `"exp":true`)), ReasonInvalidClaims},
		"null":                              {rawToken(t, rsHeader, payloadWith(t, `"exp":null`)), ReasonInvalidClaims},
		"out of range":                      {rawToken(t, rsHeader, payloadWith(t, `"exp":1e400`)), ReasonInvalidClaims},
		"fractional seconds":                {rawToken(t, rsHeader, payloadWith(t, fmt.Sprintf(`"exp":%d.5`, now+10))), ReasonOK},
		"exponent notation":                 {rawToken(t, rsHeader, payloadWith(t, fmt.Sprintf(`"exp":%de0`, now+10))), ReasonOK},
		"one second before exp + skew":      {rawToken(t, rsHeader, payloadWith(t, fmt.Sprintf(`"exp":%d`, now-skew+1))), ReasonOK},
		"on exp + skew: no longer accepted": {rawToken(t, rsHeader, payloadWith(t, fmt.Sprintf(`"exp":%d`, now-skew))), ReasonExpired},
	})
}

func TestRFC7519_4_1_5_NbfIsANumericDate(t *testing.T) {
	f := newFixture(t, nil)
	skew := int64(ClockSkew.Seconds())
	now := testNow.Unix()
	reasons(t, f, map[string]tokCase{
		"a string":                 {rawToken(t, rsHeader, payloadWith(t, `"nbf":"yesterday"`)), ReasonInvalidClaims},
		"absent":                   {rawToken(t, rsHeader, validPayload(t, map[string]any{"nbf": nil})), ReasonOK},
		"on nbf - skew: accepted":  {rawToken(t, rsHeader, payloadWith(t, fmt.Sprintf(`"nbf":%d`, now+skew))), ReasonOK},
		"before nbf - skew":        {rawToken(t, rsHeader, payloadWith(t, fmt.Sprintf(`"nbf":%d`, now+skew+1))), ReasonNotYetValid},
		"fraction before nbf-skew": {rawToken(t, rsHeader, payloadWith(t, fmt.Sprintf(`"nbf":%d.25`, now+skew))), ReasonNotYetValid},
	})
}

func TestRFC7519_4_1_6_IatIsANumericDate(t *testing.T) {
	f := newFixture(t, nil)
	reasons(t, f, map[string]tokCase{
		"a string": {rawToken(t, rsHeader, payloadWith(t, `"iat":"now"`)), ReasonInvalidClaims},
		"an array": {rawToken(t, rsHeader, payloadWith(t, `"iat":[1]`)), ReasonInvalidClaims},
		"absent":   {rawToken(t, rsHeader, validPayload(t, map[string]any{"iat": nil})), ReasonOK},
	})
}

func TestRFC8725_3_8_IssuerMatchesExactly(t *testing.T) {
	f := newFixture(t, nil)
	iss := func(v any) string { return rawToken(t, rsHeader, validPayload(t, map[string]any{"iss": v})) }
	reasons(t, f, map[string]tokCase{
		"exact":             {iss(testIssuer), ReasonOK},
		"other case":        {iss(strings.ToUpper(testIssuer)), ReasonWrongIssuer},
		"trailing slash":    {iss(testIssuer + "/"), ReasonWrongIssuer},
		"prefix":            {iss("https://login.example.test"), ReasonWrongIssuer},
		"an array of it":    {iss([]string{testIssuer}), ReasonInvalidClaims},
		"a number":          {iss(1), ReasonInvalidClaims},
		"escaped same text": {rawToken(t, rsHeader, payloadWith(t, `"iss":"https:\/\/login.example.test\/acme"`)), ReasonOK},
	})
}

func TestRFC8725_3_9_AudienceMatchesExactly(t *testing.T) {
	f := newFixture(t, nil)
	aud := func(v any) string { return rawToken(t, rsHeader, validPayload(t, map[string]any{"aud": v})) }
	reasons(t, f, map[string]tokCase{
		"string":                   {aud(testAudience), ReasonOK},
		"array with one":           {aud([]string{"x", testAudience2}), ReasonOK},
		"other case":               {aud(strings.ToUpper(testAudience)), ReasonWrongAudience},
		"with a space":             {aud(testAudience + " "), ReasonWrongAudience},
		"empty array":              {aud([]string{}), ReasonWrongAudience},
		"array with a non-string":  {aud([]any{testAudience, 1}), ReasonInvalidClaims},
		"a number":                 {aud(1), ReasonInvalidClaims},
		"missing (required)":       {aud(nil), ReasonMissingClaim},
		"both audiences, one list": {aud([]string{testAudience, testAudience2}), ReasonOK},
	})
}

func TestRFC7519_4_1_2_SubIsAString(t *testing.T) {
	f := newFixture(t, nil)
	reasons(t, f, map[string]tokCase{
		"a number":     {rawToken(t, rsHeader, validPayload(t, map[string]any{"sub": 123})), ReasonInvalidClaims},
		"empty string": {rawToken(t, rsHeader, validPayload(t, map[string]any{"sub": ""})), ReasonMissingSubject},
	})
}

func TestRFC7518_3_4_ECDSASignatureIsFixedLengthRS(t *testing.T) {
	f := newFixture(t, nil)
	in := enc.EncodeToString([]byte(`{"alg":"ES256","kid":"ec-1"}`)) + "." + enc.EncodeToString([]byte(validPayload(t, nil)))
	digest := sha256.Sum256([]byte(in))
	der, err := ecdsa.SignASN1(rand.Reader, ecKey, digest[:])
	require.NoError(t, err)
	reasons(t, f, map[string]tokCase{
		"ASN.1 DER signature": {in + "." + enc.EncodeToString(der), ReasonBadSignature},
		"R||S signature":      {rawTokenWith(t, jwt.SigningMethodES256, ecKey, `{"alg":"ES256","kid":"ec-1"}`, validPayload(t, nil)), ReasonOK},
	})
}

func TestRFC7515_5_2_SignatureCoversTheEncodedHeaderAndPayload(t *testing.T) {
	f := newFixture(t, nil)
	valid := rawToken(t, rsHeader, validPayload(t, nil))
	h, rest, _ := strings.Cut(valid, ".")
	_, s, _ := strings.Cut(rest, ".")
	other := enc.EncodeToString([]byte(validPayload(t, map[string]any{"sub": "admin"})))
	reHeader := enc.EncodeToString([]byte(`{"kid":"rsa-1","alg":"RS256"}`)) // same members, other bytes
	reasons(t, f, map[string]tokCase{
		"payload swapped":           {h + "." + other + "." + s, ReasonBadSignature},
		"header re-encoded":         {reHeader + "." + strings.SplitN(valid, ".", 3)[1] + "." + s, ReasonBadSignature},
		"empty signature":           {h + "." + strings.SplitN(valid, ".", 3)[1] + ".", ReasonBadSignature},
		"signature of another kind": {h + "." + strings.SplitN(valid, ".", 3)[1] + "." + enc.EncodeToString([]byte("x")), ReasonBadSignature},
	})
}
