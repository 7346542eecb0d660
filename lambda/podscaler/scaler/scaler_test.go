package scaler

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeAPI is the part of a Kubernetes API server the scaler uses.
type fakeAPI struct {
	t           *testing.T
	replicas    int
	pods        []string // ready pod addresses
	getStatus   int      // answer to GET scale; 0 means 200
	patchStatus int      // answer to PATCH; 0 means 200

	mu      sync.Mutex
	calls   []string // "METHOD path?query"
	patches []string // PATCH bodies
}

const (
	scaleURL  = "/apis/apps/v1/namespaces/tenant-acme/deployments/tts/scale"
	slicesURL = "/apis/discovery.k8s.io/v1/namespaces/tenant-acme/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dtts"
)

func (a *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t := a.t
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, r.Method+" "+r.URL.RequestURI())
	assert.True(t, strings.HasPrefix(r.Header.Get("Authorization"), "Bearer k8s-aws-v1."), r.Header.Get("Authorization"))
	assert.Equal(t, "application/json", r.Header.Get("Accept"))
	switch r.Method + " " + r.URL.RequestURI() {
	case "GET " + scaleURL:
		if a.getStatus != 0 {
			w.WriteHeader(a.getStatus)
			return
		}
		fmt.Fprintf(w, `{"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"tts","namespace":"tenant-acme"},"spec":{"replicas":%d},"status":{"replicas":%d,"selector":"app=tts"}}`, a.replicas, a.replicas)
	case "GET " + slicesURL:
		var eps []string
		for i, addr := range a.pods {
			eps = append(eps, fmt.Sprintf(`{"addresses":[%q],"conditions":{"ready":true,"serving":true,"terminating":false},"targetRef":{"kind":"Pod","namespace":"tenant-acme","name":"tts-%d"}}`, addr, i))
		}
		fmt.Fprintf(w, `{"kind":"EndpointSliceList","apiVersion":"discovery.k8s.io/v1","items":[{"addressType":"IPv4","endpoints":[%s]}]}`, strings.Join(eps, ","))
	case "PATCH " + scaleURL:
		assert.Equal(t, "application/merge-patch+json", r.Header.Get("Content-Type"))
		body, _ := io.ReadAll(r.Body)
		a.patches = append(a.patches, string(body))
		if a.patchStatus != 0 {
			w.WriteHeader(a.patchStatus)
			io.WriteString(w, `{"kind":"Status","status":"Failure","message":"deployments.apps \"tts\" is forbidden","reason":"Forbidden","code":403}`)
			return
		}
		fmt.Fprintf(w, `{"kind":"Scale","spec":{"replicas":%d}}`, a.replicas)
	default:
		t.Errorf("unexpected request %s %s", r.Method, r.URL.RequestURI())
		w.WriteHeader(http.StatusNotFound)
	}
}

// runOnce runs one reconcile against api and pods (address → busy seconds
// added per scrape; a negative step means unreachable) with target 2.5 and
// replicas 1..8; it returns the result, the error and the one log line.
func runOnce(t *testing.T, api *fakeAPI, pods map[string]float64) (Result, error, map[string]any) {
	t.Helper()
	api.t = t
	srv := httptest.NewTLSServer(api)
	t.Cleanup(srv.Close)
	handlers := map[string]http.Handler{}
	for addr, step := range pods {
		api.pods = append(api.pods, addr)
		if step >= 0 {
			handlers[addr] = &fakePod{busy: 1000, busyStep: step, inFlight: "99"}
		}
	}
	env := validEnv(t)
	env[EnvClusterEndpoint] = srv.URL
	env[EnvClusterCA] = base64.StdEncoding.EncodeToString(serverCAPEM(srv))
	cfg, err := ConfigFromEnv(getenv(env))
	require.NoError(t, err)

	var logs bytes.Buffer
	s, err := New(cfg, credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""), slog.New(slog.NewJSONHandler(&logs, nil)))
	require.NoError(t, err)
	scraper := testScraper(t, handlers)
	assert.Equal(t, cfg.SampleInterval(), s.Scraper.Interval)
	scraper.Interval = s.Scraper.Interval
	s.Scraper = scraper

	res, runErr := s.Run(context.Background())
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	require.Len(t, lines, 1, "one log line per run:\n%s", logs.String())
	var line map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &line))
	return res, runErr, line
}

func TestRunScalesUp(t *testing.T) {
	api := &fakeAPI{replicas: 2}
	// 50 busy seconds in 10 s: 5 in flight on each pod, twice the target of 2.5.
	res, err, line := runOnce(t, api, map[string]float64{"10.0.0.1": 50, "10.0.0.2": 50})
	require.NoError(t, err)
	assert.Equal(t, Result{Current: 2, Ready: 2, WithMetrics: 2, Decision: Decision{Desired: 4, Reason: ReasonScaleUp, Load: 10}, Patched: true}, res)
	assert.Equal(t, []string{"GET " + scaleURL, "GET " + slicesURL, "PATCH " + scaleURL}, api.calls)
	assert.Equal(t, []string{`{"spec":{"replicas":4}}`}, api.patches)
	assert.Equal(t, map[string]any{
		"level": "INFO", "msg": "scale", "namespace": "tenant-acme", "deployment": "tts",
		"current": 2.0, "ready": 2.0, "with_metrics": 2.0, "load": 10.0, "target": 2.5,
		"desired": 4.0, "reason": "scale-up", "patched": true,
	}, withoutTime(t, line))
}

func TestRunScalesDownByOne(t *testing.T) {
	api := &fakeAPI{replicas: 4}
	res, err, line := runOnce(t, api, map[string]float64{"10.0.0.1": 5, "10.0.0.2": 5, "10.0.0.3": 5, "10.0.0.4": 5})
	require.NoError(t, err)
	assert.Equal(t, Decision{Desired: 3, Reason: ReasonScaleDown, Load: 2}, res.Decision)
	assert.Equal(t, []string{`{"spec":{"replicas":3}}`}, api.patches)
	assert.Equal(t, "scale-down", line["reason"])
	assert.Equal(t, true, line["patched"])
}

func TestRunHoldsWithinTolerance(t *testing.T) {
	api := &fakeAPI{replicas: 2}
	res, err, line := runOnce(t, api, map[string]float64{"10.0.0.1": 24, "10.0.0.2": 26})
	require.NoError(t, err)
	assert.Equal(t, Result{Current: 2, Ready: 2, WithMetrics: 2, Decision: Decision{Desired: 2, Reason: ReasonWithinTolerance, Load: 5}}, res)
	assert.Equal(t, []string{"GET " + scaleURL, "GET " + slicesURL}, api.calls, "no PATCH")
	assert.Equal(t, false, line["patched"])
	assert.Equal(t, "within-tolerance", line["reason"])
}

func TestRunReportsAForbiddenPatch(t *testing.T) {
	api := &fakeAPI{replicas: 2, patchStatus: http.StatusForbidden}
	res, err, line := runOnce(t, api, map[string]float64{"10.0.0.1": 50, "10.0.0.2": 50})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "patch scale to 4: PATCH "+scaleURL+": 403 Forbidden:")
	assert.Contains(t, err.Error(), `is forbidden`)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr, "wrapped with %%w")
	assert.Equal(t, http.StatusForbidden, apiErr.StatusCode)
	assert.False(t, res.Patched)
	assert.Equal(t, "ERROR", line["level"])
	assert.Equal(t, err.Error(), line["error"])
	assert.Equal(t, false, line["patched"])
	assert.Equal(t, 4.0, line["desired"])
}

func TestRunCountsAnUnreachablePodAsWithoutMetrics(t *testing.T) {
	api := &fakeAPI{replicas: 3}
	res, err, line := runOnce(t, api, map[string]float64{"10.0.0.1": 50, "10.0.0.2": 50, "10.0.0.3": -1})
	require.NoError(t, err, "a pod that cannot be scraped is not an error")
	// Scale-up counts the silent pod as 0: (5+5+0)/3 pods = 1.33× target → ceil(10/2.5) = 4.
	assert.Equal(t, Result{Current: 3, Ready: 3, WithMetrics: 2, Decision: Decision{Desired: 4, Reason: ReasonScaleUp, Load: 10}, Patched: true}, res)
	assert.Equal(t, []string{`{"spec":{"replicas":4}}`}, api.patches)
	assert.Equal(t, 2.0, line["with_metrics"])
	assert.Contains(t, line["scrape_error"], "10.0.0.3: Get \"http://127.0.0.1:1/metrics\"")
}

func TestRunStopsOnAPIFailures(t *testing.T) {
	api := &fakeAPI{replicas: 2, getStatus: http.StatusUnauthorized}
	_, err, line := runOnce(t, api, map[string]float64{"10.0.0.1": 50})
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "get scale: GET "+scaleURL+": 401 Unauthorized"), err.Error())
	assert.Equal(t, []string{"GET " + scaleURL}, api.calls)
	assert.Equal(t, "ERROR", line["level"])
}

func TestRunWithoutReadyPodsHolds(t *testing.T) {
	api := &fakeAPI{replicas: 2}
	res, err, _ := runOnce(t, api, nil)
	require.NoError(t, err)
	assert.Equal(t, Decision{Desired: 2, Reason: ReasonNoMetrics}, res.Decision)
	assert.Empty(t, api.patches)
}

func withoutTime(t *testing.T, line map[string]any) map[string]any {
	t.Helper()
	assert.NotEmpty(t, line["time"])
	delete(line, "time")
	return line
}
