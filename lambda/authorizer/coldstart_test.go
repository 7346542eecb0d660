package main

import (
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestColdStart measures the built binary's init time: from process start to its first
// request for an invocation from the Runtime API (what Lambda reports as Init Duration, minus
// the sandbox). It reports the median of 5 starts and asserts only that init completes: timings
// are reported by scripts/bench, not asserted in the suite.
func TestColdStart(t *testing.T) {
	if testing.Short() || runtime.GOOS != "linux" {
		t.Skip("builds and starts the binary (linux)")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "bootstrap")
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)

	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	jwksURL, caFile := serveJWKS(t, dir, &key.PublicKey)

	var inits []time.Duration
	for i := 0; i < 5; i++ {
		polled := make(chan time.Time, 1)
		api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/invocation/next") {
				select {
				case polled <- time.Now():
				default:
				}
				<-r.Context().Done() // no invocation: hold the poll until the process is killed
				return
			}
			w.WriteHeader(http.StatusAccepted)
		}))
		cmd := exec.Command(bin)
		cmd.Env = []string{
			"AWS_LAMBDA_RUNTIME_API=" + strings.TrimPrefix(api.URL, "http://"),
			"AUTHZ_TENANT=acme", "AUTHZ_ISSUER=https://login.example.test/acme",
			"AUTHZ_AUDIENCES=voicevault-api", "AUTHZ_JWKS_URL=" + jwksURL, "SSL_CERT_FILE=" + caFile,
		}
		start := time.Now()
		require.NoError(t, cmd.Start())
		select {
		case at := <-polled:
			inits = append(inits, at.Sub(start))
		case <-time.After(20 * time.Second):
			t.Fatal("the binary never polled the Runtime API")
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		api.CloseClientConnections()
		api.Close()
	}
	sort.Slice(inits, func(i, j int) bool { return inits[i] < inits[j] })
	t.Logf("cold start: init (process start → first poll, JWKS fetched) median %v, min %v, max %v over %d starts",
		inits[len(inits)/2].Round(100*time.Microsecond), inits[0].Round(100*time.Microsecond), inits[len(inits)-1].Round(100*time.Microsecond), len(inits))
}
