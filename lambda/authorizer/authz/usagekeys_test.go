package authz

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// API Gateway key IDs and the values the fake returns for them.
const (
	jwtKeyID      = "jwtkey0001"
	partnerAKeyID = "partnera01"
	jwtKeyValue   = "MeterValueForJWTCallers0123456789abcdef"
	partnerAValue = "MeterValueForPartnerA0123456789abcdefgh"
	testUsageKeys = "*=" + jwtKeyID + ", partner-a=" + partnerAKeyID
)

// fakeAPIKeys is an APIKeyFetcher over a map of key ID to value; err, when
// set, fails every lookup.
type fakeAPIKeys struct {
	mu     sync.Mutex
	values map[string]string
	err    error
	calls  map[string]int
}

func newFakeAPIKeys() *fakeAPIKeys {
	return &fakeAPIKeys{values: map[string]string{jwtKeyID: jwtKeyValue, partnerAKeyID: partnerAValue}, calls: map[string]int{}}
}

func (f *fakeAPIKeys) APIKeyValue(_ context.Context, id string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[id]++
	if f.err != nil {
		return "", f.err
	}
	v, ok := f.values[id]
	if !ok {
		return "", errors.New("NotFoundException: Invalid API Key identifier specified")
	}
	return v, nil
}

func (f *fakeAPIKeys) callsFor(id string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[id]
}

func withUsageKeys(t testing.TB, keys APIKeyFetcher) func(*Config, *Options) {
	return func(c *Config, o *Options) {
		withSecret(&fakeSecrets{value: secretJSON(t)})(c, o)
		c.UsageKeys, c.Region = testUsageKeys, "eu-west-1"
		o.APIKeys = keys
	}
}

func TestUsageKeyIsReturnedForEveryAllowedCaller(t *testing.T) {
	testKeys(t)
	tests := []struct {
		name    string
		headers map[string]string
		want    Reason
		wantKey string
	}{
		{"JWT caller gets the * key", bearer(sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-1", claims(nil))), ReasonOK, jwtKeyValue},
		{"partner gets its own key", map[string]string{"x-api-key": partnerAKey}, ReasonOK, partnerAValue},
		{"partner without a mapping is denied", map[string]string{"x-api-key": partnerBKey}, ReasonNoUsageKey, ""},
		{"denied caller gets no key", map[string]string{"x-api-key": "vv_live_unknown"}, ReasonInvalidAPIKey, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, withUsageKeys(t, newFakeAPIKeys()))
			r := f.authorize(t, request(tc.headers))
			require.NoError(t, r.err)
			assert.Equal(t, tc.want, r.reason)
			assert.Equal(t, tc.wantKey, r.resp.UsageIdentifierKey)
			effect := "Deny"
			if tc.want == ReasonOK {
				effect = "Allow"
			}
			assert.Equal(t, effect, r.resp.PolicyDocument.Statement[0].Effect)
			logs := f.logs.String()
			for _, secret := range []string{jwtKeyValue, partnerAValue, partnerAKey, partnerBKey} {
				assert.NotContains(t, logs, secret, "a key value is never logged")
			}
		})
	}
}

func TestUsageKeyValuesAreCachedForTheProcess(t *testing.T) {
	keys := newFakeAPIKeys()
	f := newFixture(t, withUsageKeys(t, keys))
	req := request(map[string]string{"x-api-key": partnerAKey})
	for range 3 {
		r := f.authorize(t, req)
		require.Equal(t, ReasonOK, r.reason)
		assert.Equal(t, partnerAValue, r.resp.UsageIdentifierKey)
	}
	assert.Equal(t, 1, keys.callsFor(partnerAKeyID), "one GetApiKey per key per process")
	assert.Equal(t, 0, keys.callsFor(jwtKeyID), "keys are looked up when first needed")
}

func TestUsageKeyLookupFailureIsDeniedAndRetriedLater(t *testing.T) {
	testKeys(t)
	now := testNow
	keys := newFakeAPIKeys()
	keys.err = errors.New("AccessDeniedException: not authorized to perform apigateway:GET")
	f := newFixture(t, func(c *Config, o *Options) {
		withUsageKeys(t, keys)(c, o)
		o.Now = func() time.Time { return now }
	})
	req := request(bearer(sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-1", claims(nil))))

	r := f.authorize(t, req)
	assert.Equal(t, ReasonUsageKeyUnavailable, r.reason)
	assert.Equal(t, "Deny", r.resp.PolicyDocument.Statement[0].Effect)
	assert.Empty(t, r.resp.UsageIdentifierKey)
	assert.Equal(t, "error", strings.ToLower(r.log["level"].(string)))
	assert.Contains(t, f.logs.String(), `"event":"usage_key_lookup_failed"`)
	assert.Contains(t, f.logs.String(), `"apiKeyId":"`+jwtKeyID+`"`)
	assert.Equal(t, ReasonUsageKeyUnavailable, f.authorize(t, req).reason)
	assert.Equal(t, 1, keys.callsFor(jwtKeyID), "a failed lookup is not repeated at once")

	keys.mu.Lock()
	keys.err = nil
	keys.mu.Unlock()
	now = now.Add(6 * time.Second)
	r = f.authorize(t, req)
	assert.Equal(t, ReasonOK, r.reason, "the failure is not cached for ever")
	assert.Equal(t, jwtKeyValue, r.resp.UsageIdentifierKey)
	assert.Equal(t, 2, keys.callsFor(jwtKeyID))
}

func TestUsageKeyPanicIsDenied(t *testing.T) {
	f := newFixture(t, withUsageKeys(t, panickingAPIKeys{}))
	r := f.authorize(t, request(map[string]string{"x-api-key": partnerAKey}))
	assert.Equal(t, ReasonInternalError, r.reason)
	assert.Empty(t, r.resp.UsageIdentifierKey)
}

type panickingAPIKeys struct{}

func (panickingAPIKeys) APIKeyValue(context.Context, string) (string, error) {
	panic("boom " + partnerAValue)
}

func TestWithoutUsageKeysResponsesCarryNone(t *testing.T) {
	f := newFixture(t, withSecret(&fakeSecrets{value: secretJSON(t)}))
	r := f.authorize(t, request(map[string]string{"x-api-key": partnerAKey}))
	assert.Equal(t, ReasonOK, r.reason)
	assert.Empty(t, r.resp.UsageIdentifierKey)
}

func TestParseUsageKeys(t *testing.T) {
	got, err := ParseUsageKeys(" *=abc123 ,partner-a=Def456")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"*": "abc123", "partner-a": "Def456"}, got)
	got, err = ParseUsageKeys("")
	require.NoError(t, err)
	assert.Nil(t, got)
}

func TestMalformedUsageKeysAreAConfigError(t *testing.T) {
	tests := []struct{ name, value, want string }{
		{"no equals sign", "*", `AUTHZ_USAGE_KEYS: entry 1 "*": want <caller>=<API key ID>`},
		{"empty entry", "*=abc,", `AUTHZ_USAGE_KEYS: entry 2 "": want <caller>=<API key ID>`},
		{"bad caller", "*=abc,Partner_A=def", `AUTHZ_USAGE_KEYS: entry 2: caller "Partner_A": want * or a partner ID`},
		{"bad key ID", "*=abc/def", `AUTHZ_USAGE_KEYS: entry 1: API key ID "abc/def": want letters and digits only`},
		{"empty key ID", "*=", `AUTHZ_USAGE_KEYS: entry 1: API key ID "": want letters and digits only`},
		{"caller twice", "*=abc,partner-a=def,partner-a=ghi", `AUTHZ_USAGE_KEYS: entry 3: caller "partner-a" is mapped twice`},
		{"no JWT mapping", "partner-a=def", `AUTHZ_USAGE_KEYS: no entry for * (JWT callers)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := validEnv()
			env[EnvUsageKeys], env[EnvRegion] = tc.value, "eu-west-1"
			_, err := ConfigFromEnv(func(k string) string { return env[k] })
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	env := validEnv()
	env[EnvUsageKeys] = testUsageKeys
	_, err := ConfigFromEnv(func(k string) string { return env[k] })
	require.Error(t, err)
	assert.Contains(t, err.Error(), `AWS_REGION "": want an AWS Region (required with AUTHZ_USAGE_KEYS)`)

	env[EnvRegion] = "eu-west-1"
	cfg, err := ConfigFromEnv(func(k string) string { return env[k] })
	require.NoError(t, err)
	assert.Equal(t, testUsageKeys, cfg.UsageKeys)
	assert.Equal(t, "eu-west-1", cfg.Region)
}

// TestAPIGatewayClient checks the SDK wiring against a fake endpoint: a signed
// GET /apikeys/<id>?includeValue=true, the value returned, disabled keys and
// errors refused.
func TestAPIGatewayClient(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
	t.Setenv("AWS_SESSION_TOKEN", "session")

	var gotMethod, gotPath, gotQuery, gotAuth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotMethod, gotPath, gotQuery, gotAuth = r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/apikeys/" + jwtKeyID:
			_, _ = io.WriteString(w, `{"id":"`+jwtKeyID+`","enabled":true,"value":"`+jwtKeyValue+`"}`)
		case "/apikeys/disabled01":
			_, _ = io.WriteString(w, `{"id":"disabled01","enabled":false,"value":"x"}`)
		default:
			w.Header().Set("X-Amzn-Errortype", "NotFoundException")
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"message":"Invalid API Key identifier specified"}`)
		}
	}))
	defer srv.Close()

	g := newAPIGateway("eu-west-1", srv.URL, 2*time.Second)
	v, err := g.APIKeyValue(context.Background(), jwtKeyID)
	require.NoError(t, err)
	assert.Equal(t, jwtKeyValue, v)
	assert.Equal(t, "GET", gotMethod)
	assert.Equal(t, "/apikeys/"+jwtKeyID, gotPath)
	assert.Equal(t, "includeValue=true", gotQuery)
	assert.True(t, strings.HasPrefix(gotAuth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"), gotAuth)
	assert.Contains(t, gotAuth, "/eu-west-1/apigateway/aws4_request")

	_, err = g.APIKeyValue(context.Background(), "disabled01")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "disabled")
	assert.NotContains(t, err.Error(), `"x"`)

	_, err = g.APIKeyValue(context.Background(), "missing001")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "NotFoundException")
}
