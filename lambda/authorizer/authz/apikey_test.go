package authz

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testSecretARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:voicevault/acme/api-keys-AbCdEf"
	partnerAKey   = "vv_live_9bX2kLq7RtP0sWz4YhN1"
	partnerBKey   = "vv_live_Qm3Fh8Jd2Kp6Lx9Vc0Tb"
)

var testPepper = []byte("0123456789abcdef-pepper")

func hashKey(pepper []byte, key string) string {
	m := hmac.New(sha256.New, pepper)
	m.Write([]byte(key))
	return hex.EncodeToString(m.Sum(nil))
}

// secretJSON is a valid API key secret for partner-a and partner-b.
func secretJSON(t testing.TB) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"pepper": base64.StdEncoding.EncodeToString(testPepper),
		"keys": []map[string]string{
			{"id": "partner-a", "hash": hashKey(testPepper, partnerAKey)},
			{"id": "partner-b", "hash": hashKey(testPepper, partnerBKey)},
		},
	})
	require.NoError(t, err)
	return string(b)
}

func withSecret(s SecretFetcher) func(*Config, *Options) {
	return func(c *Config, o *Options) {
		c.APIKeysSecretARN = testSecretARN
		o.Secrets = s
	}
}

func TestAuthorizeAPIKeys(t *testing.T) {
	tests := []struct {
		name    string
		secrets SecretFetcher // nil: no secret configured
		headers map[string]string
		want    Reason
		wantSub string
	}{
		{"valid key", &fakeSecrets{value: secretJSON(t)}, map[string]string{"x-api-key": partnerAKey}, ReasonOK, "partner-a"},
		{"valid key, header in another case", &fakeSecrets{value: secretJSON(t)}, map[string]string{"X-API-Key": partnerBKey}, ReasonOK, "partner-b"},
		{"invalid key", &fakeSecrets{value: secretJSON(t)}, map[string]string{"x-api-key": partnerAKey + "x"}, ReasonInvalidAPIKey, ""},
		{"key of another pepper", &fakeSecrets{value: secretJSON(t)}, map[string]string{"x-api-key": hashKey(testPepper, partnerAKey)}, ReasonInvalidAPIKey, ""},
		{"malformed key", &fakeSecrets{value: secretJSON(t)}, map[string]string{"x-api-key": "has space"}, ReasonMalformedHeader, ""},
		{"oversized key", &fakeSecrets{value: secretJSON(t)}, map[string]string{"x-api-key": strings.Repeat("k", MaxHeaderBytes+1)}, ReasonOversizedHeader, ""},
		{"no secret configured", nil, map[string]string{"x-api-key": partnerAKey}, ReasonAPIKeysDisabled, ""},
		{"secret fetch error", &fakeSecrets{err: errors.New("AccessDeniedException")}, map[string]string{"x-api-key": partnerAKey}, ReasonSecretUnavailable, ""},
		{"secret is not JSON", &fakeSecrets{value: "partner-a=" + partnerAKey}, map[string]string{"x-api-key": partnerAKey}, ReasonSecretUnavailable, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var edit func(*Config, *Options)
			if tc.secrets != nil {
				edit = withSecret(tc.secrets)
			}
			f := newFixture(t, edit)
			r := f.authorize(t, request(tc.headers))
			require.NoError(t, r.err)
			assert.Equal(t, tc.want, r.reason)
			st := r.resp.PolicyDocument.Statement[0]
			assert.Equal(t, []string{testResource}, st.Resource)
			if tc.want == ReasonOK {
				assert.Equal(t, "Allow", st.Effect)
				assert.Equal(t, tc.wantSub, r.resp.PrincipalID)
				assert.Equal(t, map[string]any{"tenant": testTenant, "sub": tc.wantSub, "authMethod": "apikey"}, r.resp.Context)
			} else {
				assert.Equal(t, "Deny", st.Effect)
			}
			logs := f.logs.String()
			assert.NotContains(t, logs, partnerAKey)
			assert.NotContains(t, logs, partnerBKey)
		})
	}
}

func TestAPIKeySecretIsCachedAndRetried(t *testing.T) {
	now := testNow
	fs := &fakeSecrets{err: errors.New("throttled")}
	f := newFixture(t, func(c *Config, o *Options) {
		withSecret(fs)(c, o)
		o.Now = func() time.Time { return now }
	})
	req := request(map[string]string{"x-api-key": partnerAKey})

	assert.Equal(t, ReasonSecretUnavailable, f.authorize(t, req).reason)
	assert.Equal(t, ReasonSecretUnavailable, f.authorize(t, req).reason)
	assert.EqualValues(t, 1, fs.calls.Load(), "a failed fetch is not retried at once")

	fs.value, fs.err = secretJSON(t), nil
	now = now.Add(6 * time.Second)
	assert.Equal(t, ReasonOK, f.authorize(t, req).reason)
	assert.Equal(t, ReasonOK, f.authorize(t, req).reason)
	assert.EqualValues(t, 2, fs.calls.Load(), "the secret is cached")

	fs.err = errors.New("secret deleted")
	now = now.Add(5*time.Minute + time.Second)
	assert.Equal(t, ReasonSecretUnavailable, f.authorize(t, req).reason, "nothing stale is served")
	assert.EqualValues(t, 3, fs.calls.Load())
}

func TestParseAPIKeySetRejects(t *testing.T) {
	pepper := base64.StdEncoding.EncodeToString(testPepper)
	hash := hashKey(testPepper, partnerAKey)
	for name, tc := range map[string]struct{ raw, want string }{
		"not JSON":       {`nope`, "not the expected JSON object"},
		"unknown field":  {`{"pepper":"` + pepper + `","keys":[],"hashes":[]}`, "not the expected JSON object"},
		"short pepper":   {`{"pepper":"c2hvcnQ=","keys":[]}`, "pepper: want base64 of at least 16 bytes"},
		"bad pepper":     {`{"pepper":"%%%","keys":[]}`, "pepper: want base64"},
		"empty id":       {`{"pepper":"` + pepper + `","keys":[{"id":"","hash":"` + hash + `"}]}`, "keys[0].id"},
		"duplicate hash": {`{"pepper":"` + pepper + `","keys":[{"id":"a","hash":"` + hash + `"},{"id":"b","hash":"` + strings.ToUpper(hash) + `"}]}`, "keys[1].hash: the same hash is already listed"},
		"bad created":    {`{"pepper":"` + pepper + `","keys":[{"id":"a","hash":"` + hash + `","created":"yesterday"}]}`, "keys[0].created: want an RFC 3339 time"},
		"bad notAfter":   {`{"pepper":"` + pepper + `","keys":[{"id":"a","hash":"` + hash + `","notAfter":"2026-13-01"}]}`, "keys[0].notAfter: want an RFC 3339 time"},
		"short hash":     {`{"pepper":"` + pepper + `","keys":[{"id":"a","hash":"abcd"}]}`, "keys[0].hash: want 64 hex characters"},
		"long hash":      {`{"pepper":"` + pepper + `","keys":[{"id":"a","hash":"` + hash + `00"}]}`, "keys[0].hash"},
		"non-hex hash":   {`{"pepper":"` + pepper + `","keys":[{"id":"a","hash":"` + strings.Repeat("z", 64) + `"}]}`, "keys[0].hash"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := parseAPIKeySet(tc.raw)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), hash)
		})
	}
}

// panickingSecrets stands for a bug deep in a dependency.
type panickingSecrets struct{}

func (panickingSecrets) SecretString(context.Context, string) (string, error) {
	panic("boom " + partnerAKey)
}

func TestPanicIsDenied(t *testing.T) {
	f := newFixture(t, withSecret(panickingSecrets{}))
	var r result
	require.NotPanics(t, func() { r = f.authorize(t, request(map[string]string{"x-api-key": partnerAKey})) })
	require.NoError(t, r.err)
	assert.Equal(t, ReasonInternalError, r.reason)
	assert.Equal(t, "Deny", r.resp.PolicyDocument.Statement[0].Effect)
	assert.NotContains(t, f.logs.String(), partnerAKey, "the panic value is not logged")
}

// rotatedSecret is partner-a mid-rotation: the old key (partnerAKey) accepted until notAfter,
// the new one (partnerBKey, as partner-a's) without expiry.
func rotatedSecret(t testing.TB, notAfter time.Time) string {
	t.Helper()
	b, err := json.Marshal(APIKeySecret{
		Pepper: base64.StdEncoding.EncodeToString(testPepper),
		Keys: []APIKeyEntry{
			{ID: "partner-a", Hash: HashAPIKey(testPepper, partnerAKey), Created: testNow.AddDate(0, 0, -100).Format(time.RFC3339), NotAfter: notAfter.Format(time.RFC3339)},
			{ID: "partner-a", Hash: HashAPIKey(testPepper, partnerBKey), Created: testNow.Format(time.RFC3339)},
		},
	})
	require.NoError(t, err)
	return string(b)
}

func TestRotatedAPIKeyIsAcceptedDuringTheOverlapAndRefusedAfter(t *testing.T) {
	clock := &fakeClock{t: testNow}
	overlapEnd := testNow.Add(24 * time.Hour)
	f := newFixture(t, func(c *Config, o *Options) {
		withSecret(&fakeSecrets{value: rotatedSecret(t, overlapEnd)})(c, o)
		o.Now = clock.Now
	})
	old, cur := map[string]string{"x-api-key": partnerAKey}, map[string]string{"x-api-key": partnerBKey}

	for _, at := range []time.Time{testNow, overlapEnd.Add(-time.Second)} {
		clock.Set(at)
		r := f.authorize(t, request(old))
		assert.Equal(t, ReasonOK, r.reason, "old key during the overlap, at %s", at)
		assert.Equal(t, "partner-a", r.resp.PrincipalID)
		assert.Equal(t, ReasonOK, f.authorize(t, request(cur)).reason, "new key at %s", at)
	}
	for _, at := range []time.Time{overlapEnd, overlapEnd.Add(time.Hour)} {
		clock.Set(at)
		assert.Equal(t, ReasonInvalidAPIKey, f.authorize(t, request(old)).reason, "old key at %s: the overlap is over", at)
		assert.Equal(t, ReasonOK, f.authorize(t, request(cur)).reason, "new key at %s", at)
	}
}

func TestAPIKeySecretInTheFormatBeforeRotationStillWorks(t *testing.T) {
	// Written before keys had created/notAfter: no expiry, undated, one entry per partner.
	set, err := parseAPIKeySet(secretJSON(t))
	require.NoError(t, err)
	id, ok := set.match(partnerAKey, testNow.AddDate(50, 0, 0))
	assert.True(t, ok)
	assert.Equal(t, "partner-a", id)
	oldest, active, undated := set.age(testNow)
	assert.Equal(t, time.Duration(0), oldest)
	assert.Equal(t, 2, active)
	assert.Equal(t, 2, undated)
}

func TestAPIKeySecretLoadLogsTheOldestKeyAge(t *testing.T) {
	f := newFixture(t, withSecret(&fakeSecrets{value: rotatedSecret(t, testNow.Add(time.Hour))}))
	require.Equal(t, ReasonOK, f.authorize(t, request(map[string]string{"x-api-key": partnerBKey})).reason)
	var line map[string]any
	for _, l := range strings.Split(f.logs.String(), "\n") {
		if strings.Contains(l, `"api_key_secret_loaded"`) {
			require.NoError(t, json.Unmarshal([]byte(l), &line))
		}
	}
	require.NotNil(t, line, "logs: %s", f.logs.String())
	assert.Equal(t, testTenant, line["tenant"])
	assert.EqualValues(t, 100, line["oldestKeyAgeDays"], "the old key still counts during its overlap")
	assert.EqualValues(t, 2, line["activeKeys"])
	assert.EqualValues(t, 0, line["undatedKeys"])
	assert.NotContains(t, f.logs.String(), HashAPIKey(testPepper, partnerAKey))
}
