package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/lambda/authorizer/authz"
	"github.com/voicevault/voicevault/naming"
)

const (
	exampleConfig = "../../config/example.yaml"
	secretName    = "voicevault/prod/tenant/acme/api-keys"
	pepperB64     = "Q2xvdWRGb3JtYXRpb25HZW5lcmF0ZWRQZXBwZXIwMTIz" // 44 chars of [A-Za-z0-9], as CloudFormation makes it
)

// fakeSecretsManager answers like Secrets Manager (JSON 1.1 protocol, X-Amz-Target; shapes from
// the AWS Secrets Manager API Reference: GetSecretValue, DescribeSecret, PutSecretValue) for one
// secret: GetSecretValue, DescribeSecret and PutSecretValue, with versions and the AWSCURRENT
// stage. It records every SecretString written.
type fakeSecretsManager struct {
	mu       sync.Mutex
	versions []string // SecretString of each version; the last is AWSCURRENT
	changed  time.Time
	targets  []string
	written  []string
	// beforeDescribe, when set, runs once before a DescribeSecret is answered (a concurrent writer).
	beforeDescribe func()
}

func (f *fakeSecretsManager) current() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.versions[len(f.versions)-1]
}

func (f *fakeSecretsManager) put(s string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.versions = append(f.versions, s)
}

func (f *fakeSecretsManager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") || r.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
		http.Error(w, `{"__type":"InvalidSignatureException","message":"unsigned"}`, http.StatusBadRequest)
		return
	}
	var in map[string]string
	body, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(body, &in)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if in["SecretId"] != secretName {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}`)
		return
	}
	if target == "secretsmanager.DescribeSecret" && f.beforeDescribe != nil {
		f.beforeDescribe()
		f.beforeDescribe = nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.targets = append(f.targets, target)
	arn := "arn:aws:secretsmanager:eu-west-1:111111111111:secret:" + secretName + "-AbCdEf"
	version := func(i int) string { return fmt.Sprintf("v%08d-0000-4000-8000-000000000000", i) }
	cur := len(f.versions) - 1
	var out map[string]any
	switch target {
	case "secretsmanager.GetSecretValue":
		out = map[string]any{"ARN": arn, "Name": secretName, "SecretString": f.versions[cur], "VersionId": version(cur),
			"VersionStages": []string{"AWSCURRENT"}, "CreatedDate": float64(f.changed.Unix())}
	case "secretsmanager.DescribeSecret":
		stages := map[string][]string{version(cur): {"AWSCURRENT"}}
		if cur > 0 {
			stages[version(cur-1)] = []string{"AWSPREVIOUS"}
		}
		out = map[string]any{"ARN": arn, "Name": secretName, "LastChangedDate": float64(f.changed.Unix()), "VersionIdsToStages": stages}
	case "secretsmanager.PutSecretValue":
		f.versions = append(f.versions, in["SecretString"])
		f.written = append(f.written, in["SecretString"])
		out = map[string]any{"ARN": arn, "Name": secretName, "VersionId": version(len(f.versions) - 1), "VersionStages": []string{"AWSCURRENT"}}
	default:
		w.WriteHeader(http.StatusBadRequest)
		_, _ = fmt.Fprintf(w, `{"__type":"InvalidAction","message":"%s"}`, target)
		return
	}
	_ = json.NewEncoder(w).Encode(out)
}

// harness runs the command against a fake Secrets Manager through the real SDK client.
type harness struct {
	t    *testing.T
	sm   *fakeSecretsManager
	url  string
	now  time.Time
	last string // stdout of the last run
}

func newHarness(t *testing.T) *harness {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	sm := &fakeSecretsManager{versions: []string{`{"keys":[],"pepper":"` + pepperB64 + `"}`}, changed: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)}
	srv := httptest.NewServer(sm)
	t.Cleanup(srv.Close)
	return &harness{t: t, sm: sm, url: srv.URL, now: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)}
}

func (h *harness) run(args ...string) (int, string, string) {
	h.t.Helper()
	var stdout, stderr bytes.Buffer
	all := append([]string{"-config", exampleConfig, "-tenant", "acme", "-endpoint", h.url}, args...)
	code := run(context.Background(), all, &stdout, &stderr, newClient, func() time.Time { return h.now })
	h.last = stdout.String()
	return code, stdout.String(), stderr.String()
}

var reKey = regexp.MustCompile(`new key (vv_[A-Za-z0-9_-]{43}) `)

// issued returns the key a run printed.
func issued(t *testing.T, stdout string) string {
	t.Helper()
	m := reKey.FindStringSubmatch(stdout)
	require.NotNil(t, m, "no key printed: %s", stdout)
	return m[1]
}

// authorizerAt decides an x-api-key request with the secret as it is now in the fake, at the
// given time: the authorizer of lambda/authorizer/authz, fed the same SecretString.
func authorizerAt(t *testing.T, secret string, at time.Time, key string) events.APIGatewayCustomAuthorizerResponse {
	t.Helper()
	cfg := authz.Config{
		Tenant: "acme", Issuer: "https://issuer.example.test", Audiences: []string{"voice"},
		JWKSURL: "https://127.0.0.1:1/jwks", TenantClaim: "tenant", // never reached: API keys only
		APIKeysSecretARN: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:" + secretName + "-AbCdEf",
	}
	a, err := authz.New(context.Background(), cfg, authz.Options{
		Logger: discard(), Secrets: staticSecret(secret), Now: func() time.Time { return at }, FetchTimeout: 100 * time.Millisecond,
	})
	require.NoError(t, err)
	defer a.Close()
	resp, err := a.Authorize(context.Background(), events.APIGatewayCustomAuthorizerRequestTypeRequest{
		Type: "REQUEST", MethodArn: "arn:aws:execute-api:eu-west-1:111111111111:a1b2c3d4e5/live/POST/v1/synthesize",
		Headers: map[string]string{"x-api-key": key},
	})
	require.NoError(t, err)
	return resp
}

func allowed(t *testing.T, secret string, at time.Time, key string) bool {
	return authorizerAt(t, secret, at, key).PolicyDocument.Statement[0].Effect == "Allow"
}

func TestIssueRotateListRevokeEndToEnd(t *testing.T) {
	h := newHarness(t)

	code, out, errOut := h.run("issue", "-partner", "dubbing-studio")
	require.Equal(t, 0, code, errOut)
	first := issued(t, out)
	assert.Contains(t, out, "This is the only time the key is shown")
	assert.Equal(t, []string{"secretsmanager.GetSecretValue", "secretsmanager.DescribeSecret", "secretsmanager.PutSecretValue"}, h.sm.targets)
	assertOnlyHashes(t, h.sm, first)
	assert.True(t, allowed(t, h.sm.current(), h.now, first), "the issued key is accepted")
	assert.Equal(t, "dubbing-studio", authorizerAt(t, h.sm.current(), h.now, first).PrincipalID)

	code, _, errOut = h.run("issue", "-partner", "dubbing-studio")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, `partner "dubbing-studio" already has 1 valid key(s); use rotate`)

	// Rotate with the configured overlap (acme: the default, 168 h).
	rotatedAt := h.now
	code, out, errOut = h.run("rotate", "-partner", "dubbing-studio")
	require.Equal(t, 0, code, errOut)
	second := issued(t, out)
	overlapEnd := rotatedAt.Add(168 * time.Hour)
	assert.Contains(t, out, "stays valid until "+overlapEnd.Format(time.RFC3339))
	assertOnlyHashes(t, h.sm, first, second)
	secret := h.sm.current()
	assert.True(t, allowed(t, secret, rotatedAt, first), "old key during the overlap")
	assert.True(t, allowed(t, secret, overlapEnd.Add(-time.Second), first), "old key at the overlap's last second")
	assert.True(t, allowed(t, secret, rotatedAt, second), "new key")
	assert.False(t, allowed(t, secret, overlapEnd, first), "old key refused once the overlap is over")
	assert.True(t, allowed(t, secret, overlapEnd.Add(time.Hour), second), "new key after the overlap")

	// list shows both, the old one rotating out.
	h.now = rotatedAt.Add(time.Hour)
	code, out, errOut = h.run("list")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "secret "+secretName+" (last changed 2026-09-01T00:00:00Z, 62 days ago)")
	assert.Regexp(t, `dubbing-studio\s+[0-9a-f]{12}\s+2026-11-02T10:00:00Z\s+2026-11-09T10:00:00Z\s+rotating out`, out)
	assert.Regexp(t, `dubbing-studio\s+[0-9a-f]{12}\s+2026-11-02T10:00:00Z\s+-\s+valid`, out)
	assert.NotContains(t, out, first)
	assert.NotContains(t, out, second)

	// After the overlap, the next write drops the expired entry.
	h.now = overlapEnd.Add(time.Minute)
	code, out, errOut = h.run("issue", "-partner", "call-center")
	require.Equal(t, 0, code, errOut)
	third := issued(t, out)
	var s authz.APIKeySecret
	require.NoError(t, json.Unmarshal([]byte(h.sm.current()), &s))
	assert.Len(t, s.Keys, 2, "the rotated-out key is gone")
	assert.Equal(t, pepperB64, s.Pepper, "the pepper is kept")

	// revoke one key by fingerprint, then the partner.
	fp := authz.HashAPIKey([]byte(mustPepper(t)), second)[:12]
	code, out, errOut = h.run("revoke", "-partner", "dubbing-studio", "-key", fp)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "revoked")
	assert.False(t, allowed(t, h.sm.current(), h.now, second))
	assert.True(t, allowed(t, h.sm.current(), h.now, third), "other partners keep theirs")
	code, _, errOut = h.run("revoke", "-partner", "dubbing-studio")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, `partner "dubbing-studio" has no valid key`)
	code, _, errOut = h.run("revoke", "-partner", "call-center")
	require.Equal(t, 0, code, errOut)
	assert.False(t, allowed(t, h.sm.current(), h.now, third))
}

func mustPepper(t *testing.T) string {
	_, pepper, err := authz.ParseAPIKeySecret(`{"pepper":"` + pepperB64 + `","keys":[]}`)
	require.NoError(t, err)
	return string(pepper)
}

// assertOnlyHashes fails if a key appears in anything written to the secret.
func assertOnlyHashes(t *testing.T, sm *fakeSecretsManager, keys ...string) {
	t.Helper()
	sm.mu.Lock()
	defer sm.mu.Unlock()
	for _, w := range sm.written {
		for _, k := range keys {
			assert.NotContains(t, w, k, "a plaintext key was written to the secret")
			assert.NotContains(t, w, strings.TrimPrefix(k, "vv_"))
		}
	}
}

func TestRotateWithAnOverlapOfZeroEndsTheOldKeyNow(t *testing.T) {
	h := newHarness(t)
	_, out, _ := h.run("issue", "-partner", "dubbing-studio")
	first := issued(t, out)
	code, out, errOut := h.run("rotate", "-partner", "dubbing-studio", "-overlap", "0s")
	require.Equal(t, 0, code, errOut)
	second := issued(t, out)
	assert.False(t, allowed(t, h.sm.current(), h.now, first))
	assert.True(t, allowed(t, h.sm.current(), h.now, second))
}

func TestAWriteRefusesASecretChangedMeanwhile(t *testing.T) {
	h := newHarness(t)
	h.sm.beforeDescribe = func() { h.sm.put(`{"keys":[],"pepper":"` + pepperB64 + `"}`) } // someone else wrote
	code, out, errOut := h.run("issue", "-partner", "dubbing-studio")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "changed while this command ran")
	assert.NotContains(t, out, "vv_", "no key is shown when nothing was stored")
	assert.Empty(t, h.sm.written)
}

func TestBadArguments(t *testing.T) {
	h := newHarness(t)
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"no tenant":           {[]string{"-config", exampleConfig, "list"}, "-tenant is required"},
		"no command":          {[]string{"-config", exampleConfig, "-tenant", "acme"}, "give a command"},
		"unknown command":     {[]string{"-config", exampleConfig, "-tenant", "acme", "delete"}, `unknown command "delete"`},
		"unknown tenant":      {[]string{"-config", exampleConfig, "-tenant", "nobody", "list"}, `tenant "nobody" is not in`},
		"no partner":          {[]string{"-config", exampleConfig, "-tenant", "acme", "issue"}, "issue: -partner is required"},
		"unknown partner":     {[]string{"-config", exampleConfig, "-tenant", "acme", "issue", "-partner", "evil"}, `partner "evil" is not in tenant "acme"'s authorizer.partners (dubbing-studio, call-center)`},
		"overlap too long":    {[]string{"-config", exampleConfig, "-tenant", "acme", "rotate", "-partner", "call-center", "-overlap", "800h"}, "overlap 800h0m0s is out of range"},
		"tenant without keys": {[]string{"-config", exampleConfig, "-tenant", "globex", "list"}, `tenant "globex" has authorizer.apiKeys false`},
	} {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tc.args, &stdout, &stderr, newClient, func() time.Time { return h.now })
			assert.Equal(t, 2, code)
			assert.Contains(t, stderr.String(), tc.want)
			assert.Equal(t, 1, strings.Count(strings.TrimSpace(stderr.String()), "\n")+1, "one line")
		})
	}
}

func TestSecretNameMatchesTheConstruct(t *testing.T) {
	cfg, err := config.Load(exampleConfig)
	require.NoError(t, err)
	env, _ := cfg.Environment("prod")
	assert.Equal(t, secretName, naming.APIKeySecret(env.Name, "acme"))
}

type staticSecret string

func (s staticSecret) SecretString(context.Context, string) (string, error) { return string(s), nil }

func discard() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }
