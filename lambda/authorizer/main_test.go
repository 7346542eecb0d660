package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBinaryEndToEnd builds the real bootstrap and runs it against a fake
// Lambda Runtime API and a JWKS server, with the configuration in the
// environment only, as Lambda would.
func TestBinaryEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	if runtime.GOOS != "linux" {
		t.Skip("the binary trusts the test JWKS server through SSL_CERT_FILE, which only Linux reads")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "bootstrap")
	build := exec.Command(goBin, "build", "-tags", "lambda.norpc", "-trimpath", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)

	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	jwksURL, caFile := serveJWKS(t, dir, &key.PublicKey)

	const issuer, audience, tenant = "https://login.example.test/acme", "voicevault-api", "acme"
	now := time.Now()
	token := func(edit jwt.MapClaims) string {
		c := jwt.MapClaims{"iss": issuer, "aud": audience, "sub": "user-123", "tenant": tenant,
			"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
		for k, v := range edit {
			c[k] = v
		}
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
		tok.Header["kid"] = "k1"
		s, err := tok.SignedString(key)
		require.NoError(t, err)
		return s
	}
	valid := token(nil)
	expired := token(jwt.MapClaims{"exp": now.Add(-time.Hour).Unix()})
	otherTenant := token(jwt.MapClaims{"tenant": "globex"})
	secrets := []string{valid, expired, otherTenant}

	env := []string{
		"AUTHZ_TENANT=" + tenant,
		"AUTHZ_ISSUER=" + issuer,
		"AUTHZ_AUDIENCES=" + audience + ",voicevault-cli",
		"AUTHZ_JWKS_URL=" + jwksURL,
		"SSL_CERT_FILE=" + caFile,
	}

	t.Run("decisions", func(t *testing.T) {
		results, logs := runBinary(t, bin, env, []invocation{
			{"valid", eventWith(t, "Authorization", "Bearer "+valid)},
			{"lower-case header", eventWith(t, "authorization", "Bearer "+valid)},
			{"expired", eventWith(t, "Authorization", "Bearer "+expired)},
			{"other tenant", eventWith(t, "Authorization", "Bearer "+otherTenant)},
			{"garbage", eventWith(t, "Authorization", "Bearer not.a.jwt")},
			{"api key without secret", eventWith(t, "x-api-key", "vv_live_abcdef")},
			{"no credentials", eventWith(t, "", "")},
		})
		resource := "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/*/*"
		assertPolicy(t, results["valid"], "Allow", resource)
		assert.Contains(t, results["valid"].body, `"principalId":"user-123"`)
		assert.Contains(t, results["valid"].body, `"authMethod":"jwt"`)
		assertPolicy(t, results["lower-case header"], "Allow", resource)
		for _, id := range []string{"expired", "other tenant", "garbage", "api key without secret"} {
			assertPolicy(t, results[id], "Deny", resource)
		}
		assert.Equal(t, "error", results["no credentials"].kind)
		assert.Contains(t, results["no credentials"].body, `"errorMessage":"Unauthorized"`)

		for _, s := range secrets {
			assert.NotContains(t, logs, s, "a token reached stdout or stderr")
		}
		assert.NotContains(t, logs, "vv_live_abcdef", "an API key reached stdout or stderr")
		for _, want := range []string{`"decision":"allow"`, `"reason":"expired"`, `"reason":"wrong_tenant"`,
			`"reason":"api_keys_disabled"`, `"reason":"missing_credentials"`, `"requestId":"c6af9ac6-7b61-11e6-9a41-93e8deadbeef"`} {
			assert.Contains(t, logs, want)
		}
	})

	t.Run("invalid configuration denies everything", func(t *testing.T) {
		results, logs := runBinary(t, bin, []string{"AUTHZ_TENANT=" + tenant}, []invocation{
			{"valid", eventWith(t, "Authorization", "Bearer "+valid)},
		})
		assertPolicy(t, results["valid"], "Deny", "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/*/*")
		assert.Contains(t, logs, `"reason":"config_error"`)
		assert.Contains(t, logs, "AUTHZ_ISSUER")
		assert.NotContains(t, logs, valid)
	})

	t.Run("malformed usage keys deny everything", func(t *testing.T) {
		bad := append(append([]string(nil), env...), "AUTHZ_USAGE_KEYS=partner-a", "AWS_REGION=eu-west-1")
		results, logs := runBinary(t, bin, bad, []invocation{
			{"valid", eventWith(t, "Authorization", "Bearer "+valid)},
		})
		assertPolicy(t, results["valid"], "Deny", "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/*/*")
		assert.Contains(t, logs, `"reason":"config_error"`)
		assert.Contains(t, logs, "AUTHZ_USAGE_KEYS")
		assert.NotContains(t, results["valid"].body, "usageIdentifierKey")
	})

	t.Run("unreachable JWKS denies and does not crash", func(t *testing.T) {
		down := append([]string(nil), env...)
		down[3] = "AUTHZ_JWKS_URL=https://127.0.0.1:1/jwks.json"
		results, logs := runBinary(t, bin, down, []invocation{
			{"valid", eventWith(t, "Authorization", "Bearer "+valid)},
		})
		assertPolicy(t, results["valid"], "Deny", "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/*/*")
		assert.Contains(t, logs, `"reason":"jwks_unavailable"`)
	})
}

func assertPolicy(t *testing.T, r outcome, effect, resource string) {
	t.Helper()
	require.Equal(t, "response", r.kind, "body: %s", r.body)
	var resp struct {
		PolicyDocument struct {
			Statement []struct {
				Action   []string
				Effect   string
				Resource []string
			}
		} `json:"policyDocument"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.body), &resp))
	require.Len(t, resp.PolicyDocument.Statement, 1)
	st := resp.PolicyDocument.Statement[0]
	assert.Equal(t, effect, st.Effect)
	assert.Equal(t, []string{resource}, st.Resource)
	assert.Equal(t, []string{"execute-api:Invoke"}, st.Action)
}

// eventWith is testdata/request_event.json with only the given credential
// header (none when name is "").
func eventWith(t *testing.T, name, value string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "request_event.json"))
	require.NoError(t, err)
	var ev map[string]any
	require.NoError(t, json.Unmarshal(raw, &ev))
	headers, multi := ev["headers"].(map[string]any), ev["multiValueHeaders"].(map[string]any)
	delete(headers, "Authorization")
	delete(multi, "Authorization")
	if name != "" {
		headers[name] = value
		multi[name] = []string{value}
	}
	b, err := json.Marshal(ev)
	require.NoError(t, err)
	return b
}

// serveJWKS serves pub as kid "k1" over TLS and writes the server's
// certificate to a file for SSL_CERT_FILE.
func serveJWKS(t *testing.T, dir string, pub *rsa.PublicKey) (url, caFile string) {
	t.Helper()
	j, err := jwkset.NewJWKFromKey(pub, jwkset.JWKOptions{Metadata: jwkset.JWKMetadataOptions{KID: "k1", ALG: jwkset.AlgRS256, USE: jwkset.UseSig}})
	require.NoError(t, err)
	store := jwkset.NewMemoryStorage()
	require.NoError(t, store.KeyWrite(context.Background(), j))
	body, err := store.JSONPublic(context.Background())
	require.NoError(t, err)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	caFile = filepath.Join(dir, "jwks-ca.pem")
	require.NoError(t, os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))
	return srv.URL + "/.well-known/jwks.json", caFile
}

type invocation struct {
	id      string
	payload []byte
}

type outcome struct {
	kind string // "response" or "error"
	body string
}

// runBinary starts bin with exactly env (plus the runtime API address), feeds
// it the invocations through a fake Runtime API, and returns what it answered
// by invocation ID, and everything it printed.
func runBinary(t *testing.T, bin string, env []string, invs []invocation) (map[string]outcome, string) {
	t.Helper()
	queue := make(chan invocation, len(invs))
	for _, inv := range invs {
		queue <- inv
	}
	type posted struct {
		id string
		outcome
	}
	results := make(chan posted, len(invs)+1)
	done := make(chan struct{})

	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(w http.ResponseWriter, r *http.Request) {
		select {
		case inv := <-queue:
			w.Header().Set("Lambda-Runtime-Aws-Request-Id", inv.id)
			w.Header().Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(10*time.Second).UnixMilli(), 10))
			w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:eu-west-1:123456789012:function:acme-authorizer")
			w.Header().Set("Lambda-Runtime-Trace-Id", "Root=1-6734a1b2-0123456789abcdef01234567;Sampled=0")
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(inv.payload)
		case <-done:
		case <-r.Context().Done():
		}
	})
	post := func(kind string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			results <- posted{r.PathValue("id"), outcome{kind, string(body)}}
			w.WriteHeader(http.StatusAccepted)
		}
	}
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", post("response"))
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", post("error"))
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", post("init-error"))
	api := httptest.NewServer(mux)
	defer api.Close()
	defer close(done)

	var output lockedBuffer
	cmd := exec.Command(bin)
	cmd.Env = append([]string{"AWS_LAMBDA_RUNTIME_API=" + strings.TrimPrefix(api.URL, "http://")}, env...)
	cmd.Stdout, cmd.Stderr = &output, &output
	require.NoError(t, cmd.Start())
	var once sync.Once
	stop := func() {
		once.Do(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
	}
	defer stop()

	got := map[string]outcome{}
	timeout := time.After(30 * time.Second)
	for len(got) < len(invs) {
		select {
		case p := <-results:
			require.NotEqual(t, "init-error", p.kind, "init error: %s\noutput: %s", p.body, output.String())
			got[p.id] = p.outcome
		case <-timeout:
			t.Fatalf("only %d of %d invocations answered\noutput: %s", len(got), len(invs), output.String())
		}
	}
	stop()
	return got, output.String()
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
