package authz

import (
	"context"
	"crypto/sha256"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeClock is a settable clock for Options.Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func withCache(size int, clock *fakeClock) func(*Config, *Options) {
	return func(c *Config, o *Options) {
		c.TokenCacheSize = size
		if clock != nil {
			o.Now = clock.Now
		}
	}
}

func TestTokenCacheAnswersARepeatedTokenByItsDigest(t *testing.T) {
	f := newFixture(t, withCache(16, nil))
	tok := sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-1", claims(nil))
	r := f.authorize(t, request(bearer(tok)))
	require.Equal(t, ReasonOK, r.reason)
	cache := f.a.tokens.cache
	require.Equal(t, 1, cache.len())
	e, ok := cache.get(sha256.Sum256([]byte(tok)), testNow)
	require.True(t, ok, "the entry is keyed by the token's SHA-256")
	assert.Equal(t, cacheEntry{sub: "user-123", kid: "rsa-1", notBefore: testNow.Add(-2 * time.Minute), expires: testNow.Add(time.Hour + ClockSkew)}, e)

	r = f.authorize(t, request(bearer(tok)))
	assert.Equal(t, ReasonOK, r.reason)
	assert.Equal(t, "user-123", r.resp.PrincipalID)
	assert.Equal(t, "rsa-1", r.log["kid"])
}

func TestTokenCacheHoldsNoToken(t *testing.T) {
	// What an entry holds, by type: a digest, the subject, the kid and two times. No field can
	// hold the token or its signature.
	for _, typ := range []reflect.Type{reflect.TypeOf(cacheEntry{}), reflect.TypeOf(cacheNode{})} {
		for i := range typ.NumField() {
			assert.NotContains(t, []string{"token", "raw", "sig", "signature"}, typ.Field(i).Name)
		}
	}
}

func TestTokenCacheNeverAnswersAfterExpiry(t *testing.T) {
	clock := &fakeClock{t: testNow}
	f := newFixture(t, withCache(16, clock))
	tok := sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-1", claims(map[string]any{"exp": testNow.Add(10 * time.Minute).Unix()}))
	require.Equal(t, ReasonOK, f.authorize(t, request(bearer(tok))).reason)

	clock.Set(testNow.Add(10*time.Minute + ClockSkew - time.Second))
	assert.Equal(t, ReasonOK, f.authorize(t, request(bearer(tok))).reason, "within exp + skew")
	clock.Set(testNow.Add(10*time.Minute + ClockSkew))
	assert.Equal(t, ReasonExpired, f.authorize(t, request(bearer(tok))).reason, "at exp + skew the cache must not answer")
	assert.Equal(t, 0, f.a.tokens.cache.len(), "the expired entry is dropped")
}

func TestTokenCacheNeverAnswersBeforeNotBefore(t *testing.T) {
	clock := &fakeClock{t: testNow}
	f := newFixture(t, withCache(16, clock))
	tok := sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-1", claims(map[string]any{"nbf": testNow.Add(30 * time.Second).Unix(), "iat": testNow.Unix()}))
	require.Equal(t, ReasonOK, f.authorize(t, request(bearer(tok))).reason, "nbf within skew")

	clock.Set(testNow.Add(-31 * time.Second)) // the clock stepped back: now < nbf - skew
	assert.Equal(t, ReasonNotYetValid, f.authorize(t, request(bearer(tok))).reason)
}

func TestTokenCacheNeverAnswersBeyondADay(t *testing.T) {
	clock := &fakeClock{t: testNow}
	f := newFixture(t, withCache(16, clock))
	tok := sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-1", claims(map[string]any{"exp": testNow.Add(30 * 24 * time.Hour).Unix()}))
	require.Equal(t, ReasonOK, f.authorize(t, request(bearer(tok))).reason)
	_, ok := f.a.tokens.cache.get(sha256.Sum256([]byte(tok)), testNow.Add(maxCacheLife))
	assert.False(t, ok, "re-verified after maxCacheLife")
}

func TestTokenCacheDropsTokensWhenTheirKeyLeavesTheJWKS(t *testing.T) {
	testKeys(t)
	srv := newJWKSServer(t, defaultJWKS()...)
	f := newFixtureWith(t, srv, func(c *Config, o *Options) {
		c.TokenCacheSize = 16
		o.JWKSRefreshInterval = 20 * time.Millisecond
	})
	rs := sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-1", claims(nil))
	es := sign(t, jwt.SigningMethodES256, ecKey, "ec-1", claims(nil))
	require.Equal(t, ReasonOK, f.authorize(t, request(bearer(rs))).reason)
	require.Equal(t, ReasonOK, f.authorize(t, request(bearer(es))).reason)
	require.Equal(t, 2, f.a.tokens.cache.len())

	var without []jwk
	for _, k := range defaultJWKS() {
		if k.kid != "rsa-1" {
			without = append(without, k)
		}
	}
	srv.setKeys(t, without...) // the issuer retires rsa-1
	require.Eventually(t, func() bool { return f.a.tokens.cache.len() == 1 }, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, ReasonUnknownKID, f.authorize(t, request(bearer(rs))).reason)
	assert.Equal(t, ReasonOK, f.authorize(t, request(bearer(es))).reason, "tokens of other keys stay cached")

	// A kid whose key material changes is a key that left.
	changed := append(without[:0:0], without...)
	for i := range changed {
		if changed[i].kid == "ec-1" {
			changed[i].key = &ec384Key.PublicKey
			changed[i].alg = ""
		}
	}
	srv.setKeys(t, changed...)
	require.Eventually(t, func() bool { return f.a.tokens.cache.len() == 0 }, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, ReasonKeyMismatch, f.authorize(t, request(bearer(es))).reason)
}

func TestTokenCacheIgnoresAVerificationThatRacedAKeyRemoval(t *testing.T) {
	c := newTokenCache(4)
	gen := c.generation()
	c.dropKIDs([]string{"rsa-1"}) // a refresh lands while the token is being verified
	c.put([32]byte{1}, cacheEntry{kid: "rsa-1", expires: testNow.Add(time.Hour)}, gen)
	assert.Equal(t, 0, c.len())
}

func TestTokenCacheIsBoundedLeastRecentlyUsedFirst(t *testing.T) {
	f := newFixture(t, withCache(2, nil))
	tok := func(sub string) string {
		return sign(t, jwt.SigningMethodES256, ecKey, "ec-1", claims(map[string]any{"sub": sub}))
	}
	a, b, c := tok("a"), tok("b"), tok("c")
	for _, x := range []string{a, b, a, c} { // a is used again, so b is the least recent when c comes
		require.Equal(t, ReasonOK, f.authorize(t, request(bearer(x))).reason)
	}
	cache := f.a.tokens.cache
	assert.Equal(t, 2, cache.len())
	for x, want := range map[string]bool{a: true, b: false, c: true} {
		_, ok := cache.get(sha256.Sum256([]byte(x)), testNow)
		assert.Equal(t, want, ok)
	}
}

func TestTokenCacheKeepsOnlyVerifiedTokens(t *testing.T) {
	f := newFixture(t, withCache(16, nil))
	for _, tok := range []string{
		sign(t, jwt.SigningMethodRS256, rsaOther, "rsa-1", claims(nil)),                           // bad signature
		sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-1", claims(map[string]any{"tenant": "x"})),   // signed, wrong tenant
		sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-1", claims(map[string]any{"aud": "other"})),  // signed, wrong audience
		sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-1", claims(map[string]any{"exp": int64(1)})), // expired
	} {
		for range 2 {
			assert.NotEqual(t, ReasonOK, f.authorize(t, request(bearer(tok))).reason)
		}
	}
	assert.Equal(t, 0, f.a.tokens.cache.len())
}

func TestTokenCacheOff(t *testing.T) {
	f := newFixture(t, withCache(0, nil))
	assert.Nil(t, f.a.tokens.cache)
	tok := sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-1", claims(nil))
	assert.Equal(t, ReasonOK, f.authorize(t, request(bearer(tok))).reason)
}

func TestTokenCacheIsSafeForConcurrentUse(t *testing.T) {
	f := newFixture(t, withCache(8, nil))
	f.a.log = discardLogger()
	toks := make([]string, 12)
	for i := range toks {
		toks[i] = sign(t, jwt.SigningMethodES256, ecKey, "ec-1", claims(map[string]any{"sub": string(rune('a' + i))}))
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				tok := toks[(i*7+w)%len(toks)]
				d, _ := f.a.decide(context.Background(), request(bearer(tok)))
				if d.reason != ReasonOK {
					t.Errorf("denied: %s", d.reason)
					return
				}
				if i%50 == 0 {
					f.a.tokens.cache.dropKIDs([]string{"ec-1"})
				}
			}
		}()
	}
	wg.Wait()
	assert.LessOrEqual(t, f.a.tokens.cache.len(), 8)
}

func TestTokenCacheLifeOfExtremeDates(t *testing.T) {
	f := newFixture(t, withCache(16, nil))
	tok := rawToken(t, rsHeader, payloadWith(t, `"exp":1e300,"nbf":-1e300,"iat":-1e300`))
	require.Equal(t, ReasonOK, f.authorize(t, request(bearer(tok))).reason)
	e, ok := f.a.tokens.cache.get(sha256.Sum256([]byte(tok)), testNow)
	require.True(t, ok)
	assert.Equal(t, testNow.Add(maxCacheLife), e.expires)
	assert.Equal(t, testNow.Add(-maxCacheLife), e.notBefore)
}
