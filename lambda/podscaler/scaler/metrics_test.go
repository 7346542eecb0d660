package scaler

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const goodExposition = `# HELP voicevault_inference_duration_seconds Time spent synthesising.
# TYPE voicevault_inference_duration_seconds histogram
voicevault_inference_duration_seconds_bucket{route="/v1/tts",le="0.5"} 10
voicevault_inference_duration_seconds_bucket{route="/v1/tts",le="+Inf"} 12
voicevault_inference_duration_seconds_sum{route="/v1/tts"} 100.5
voicevault_inference_duration_seconds_count{route="/v1/tts"} 12
voicevault_inference_duration_seconds_sum{route="/v1/tts/stream", model="a \"quoted\" name, with commas"} 20.25 1733140800000
voicevault_inference_duration_seconds_sum { route = "/v1/batch" , } 4.25
# HELP voicevault_inference_requests_total Requests served.
# TYPE voicevault_inference_requests_total counter
voicevault_inference_requests_total{route="/v1/tts",code="200"} 12

# TYPE voicevault_inference_in_flight gauge
voicevault_inference_in_flight 3
voicevault_inference_in_flight{worker="b\\"} 1.5e0
process_cpu_seconds_total 12.5
go_gc_duration_seconds{quantile="1"} NaN
unrelated_gauge -Inf
# EOF
`

func TestParseMetrics(t *testing.T) {
	s, err := ParseMetrics(strings.NewReader(goodExposition))
	require.NoError(t, err)
	assert.Equal(t, Sample{Busy: 125, HasBusy: true, InFlight: 4.5, HasInFlight: true}, s)
}

func TestParseMetricsCases(t *testing.T) {
	tests := []struct {
		name, body string
		want       Sample
		err        string // "" means no error
	}{
		{"empty", "", Sample{}, ""},
		{"comments only", "# HELP x y\n# TYPE x gauge\n\n", Sample{}, ""},
		{"CRLF line ends", "voicevault_inference_in_flight 2\r\nvoicevault_inference_duration_seconds_sum 1\r\n", Sample{Busy: 1, HasBusy: true, InFlight: 2, HasInFlight: true}, ""},
		{"only the gauge", "voicevault_inference_in_flight{a=\"b\"} 2 123\n", Sample{InFlight: 2, HasInFlight: true}, ""},
		{"zero counts as present", "voicevault_inference_duration_seconds_sum 0\n", Sample{HasBusy: true}, ""},
		{"tabs", "voicevault_inference_in_flight\t7\n", Sample{InFlight: 7, HasInFlight: true}, ""},
		{"a longer name is another metric", "voicevault_inference_in_flight_max 9\n", Sample{}, ""},
		{"NaN", "voicevault_inference_in_flight NaN\n", Sample{}, "metrics line 1: voicevault_inference_in_flight NaN: want a finite number, not negative"},
		{"Inf", "voicevault_inference_duration_seconds_sum{route=\"x\"} +Inf\n", Sample{}, "metrics line 1: voicevault_inference_duration_seconds_sum +Inf: want a finite number, not negative"},
		{"negative", "# c\nvoicevault_inference_duration_seconds_sum -1\n", Sample{}, "metrics line 2: voicevault_inference_duration_seconds_sum -1: want a finite number, not negative"},
		{"sum overflows", "voicevault_inference_in_flight 1e308\nvoicevault_inference_in_flight 1e308\n", Sample{}, "metrics: sum overflows"},
		{"HTML", "<html><body>502</body></html>\n", Sample{}, `metrics line 1: want a metric name, got "<html><body>502</body></html>"`},
		{"no value", "voicevault_inference_in_flight\n", Sample{}, `metrics line 1: voicevault_inference_in_flight: want a value and an optional timestamp, got ""`},
		{"value glued to name", "voicevault_inference_in_flight+1\n", Sample{}, `metrics line 1: want a metric name, got "voicevault_inference_in_flight+1"`},
		{"value not a number", "voicevault_inference_in_flight three\n", Sample{}, `metrics line 1: voicevault_inference_in_flight: value "three" is not a number`},
		{"bad timestamp", "voicevault_inference_in_flight 3 now\n", Sample{}, `metrics line 1: voicevault_inference_in_flight: timestamp "now" is not a number`},
		{"trailing field", "voicevault_inference_in_flight 3 1 2\n", Sample{}, `metrics line 1: voicevault_inference_in_flight: want a value and an optional timestamp, got " 3 1 2"`},
		{"unterminated labels", "voicevault_inference_in_flight{a=\"b\" 3\n", Sample{}, "metrics line 1: voicevault_inference_in_flight: want ',' or '}' after a label value"},
		{"unterminated value", "voicevault_inference_in_flight{a=\"b} 3\n", Sample{}, "metrics line 1: voicevault_inference_in_flight: unterminated label value"},
		{"escaped quote does not end a value", "voicevault_inference_in_flight{a=\"\\\"} 3\n", Sample{}, "metrics line 1: voicevault_inference_in_flight: unterminated label value"},
		{"unquoted label value", "voicevault_inference_in_flight{a=b} 3\n", Sample{}, "metrics line 1: voicevault_inference_in_flight: want a quoted value for label a"},
		{"label without =", "voicevault_inference_in_flight{a} 3\n", Sample{}, "metrics line 1: voicevault_inference_in_flight: want '=' after label a"},
		{"label name missing", "voicevault_inference_in_flight{=\"x\"} 3\n", Sample{}, "metrics line 1: voicevault_inference_in_flight: want a label name at column 32"},
		{"open brace at the end", "voicevault_inference_in_flight{", Sample{}, "metrics line 1: voicevault_inference_in_flight: unterminated label set"},
		{"garbage later fails the scrape", "voicevault_inference_in_flight 1\n}{\n", Sample{}, `metrics line 2: want a metric name, got "}{"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseMetrics(strings.NewReader(tc.body))
			if tc.err != "" {
				assert.EqualError(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, s)
		})
	}
}

func TestParseMetricsRejectsHugeBody(t *testing.T) {
	line := "voicevault_inference_in_flight 1\n"
	body := strings.Repeat(line, MaxMetricsBytes/len(line)+1)
	_, err := ParseMetrics(strings.NewReader(body))
	assert.EqualError(t, err, "metrics larger than 1048576 bytes")

	s, err := ParseMetrics(strings.NewReader(body[:MaxMetricsBytes/len(line)*len(line)]))
	require.NoError(t, err, "just under the limit")
	assert.Equal(t, float64(MaxMetricsBytes/len(line)), s.InFlight)
}

// failingReader fails after its data.
type failingReader struct{ data string }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, errors.New("connection reset")
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestParseMetricsReportsReadErrors(t *testing.T) {
	_, err := ParseMetrics(&failingReader{"voicevault_inference_in_flight 1\n"})
	assert.EqualError(t, err, "reading metrics: connection reset")
}

func FuzzParse(f *testing.F) {
	f.Add(goodExposition)
	f.Add("voicevault_inference_in_flight{a=\"\\\"\"} 1 2\n")
	f.Add("voicevault_inference_duration_seconds_sum{route=\"x\",} 1e308\nvoicevault_inference_duration_seconds_sum 1e308\n")
	f.Add("x{\n")
	f.Add("\x00\xff{\"=}")
	f.Fuzz(func(t *testing.T, body string) {
		s, err := ParseMetrics(strings.NewReader(body))
		if err != nil {
			assert.Equal(t, Sample{}, s)
			return
		}
		for _, v := range []float64{s.Busy, s.InFlight} {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				t.Fatalf("ParseMetrics(%q) = %+v: want finite, not negative sums", body, s)
			}
		}
		if !s.HasBusy && s.Busy != 0 || !s.HasInFlight && s.InFlight != 0 {
			t.Fatalf("ParseMetrics(%q) = %+v: a value without its series", body, s)
		}
	})
}

// fakePod serves /metrics whose busy sum grows by busyStep on every scrape.
type fakePod struct {
	mu       sync.Mutex
	busy     float64
	busyStep float64
	inFlight string // "" leaves the gauge out
	noBusy   bool   // leave the histogram out
	status   int    // 0 means 200
	scrapes  int
}

func (p *fakePod) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.scrapes++
	if r.URL.Path != "/metrics" {
		http.NotFound(w, r)
		return
	}
	if p.status != 0 {
		w.WriteHeader(p.status)
		return
	}
	if !p.noBusy {
		fmt.Fprintf(w, "voicevault_inference_duration_seconds_sum{route=\"/v1/tts\"} %g\n", p.busy)
	}
	if p.inFlight != "" {
		fmt.Fprintf(w, "voicevault_inference_in_flight %s\n", p.inFlight)
	}
	p.busy += p.busyStep
}

// fakeClock advances only when the scraper sleeps.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return nil
}

// testScraper maps pod addresses to test servers' URLs.
func testScraper(t *testing.T, pods map[string]http.Handler) *Scraper {
	urls := map[string]string{}
	for addr, h := range pods {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		urls[addr] = srv.URL
	}
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	return &Scraper{
		HTTP:     NewScrapeClient(),
		Port:     9090,
		Interval: 10 * time.Second,
		Sleep:    clock.Sleep,
		Now:      clock.Now,
		URL: func(addr string, port int) string {
			assert.Equal(t, 9090, port)
			if u, ok := urls[addr]; ok {
				return u + "/metrics"
			}
			return "http://127.0.0.1:1/metrics" // nothing listens: connection refused
		},
	}
}

func TestScraperLoads(t *testing.T) {
	s := testScraper(t, map[string]http.Handler{
		"10.0.0.1": &fakePod{busy: 100, busyStep: 25, inFlight: "9"},               // 25 s busy in 10 s: 2.5
		"10.0.0.2": &fakePod{busy: 100, busyStep: -90, inFlight: "1.5"},            // restarted: the gauge
		"10.0.0.3": &fakePod{noBusy: true, inFlight: "0.5"},                        // gauge only
		"10.0.0.4": &fakePod{noBusy: true},                                         // nothing useful
		"10.0.0.5": &fakePod{status: http.StatusServiceUnavailable, inFlight: "4"}, // not OK
		"10.0.0.6": &fakePod{busy: 1, inFlight: "NaN"},                             // bad value fails the scrape
	})
	loads, err := s.Loads(context.Background(), []string{"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6", "10.0.0.7"})
	require.NoError(t, err)
	require.Len(t, loads, 7)

	type got struct {
		Load   float64
		Source string
		Err    bool
	}
	want := []got{{2.5, "busy-rate", false}, {1.5, "in-flight", false}, {0.5, "in-flight", false}, {0, "", false}, {0, "", true}, {0, "", true}, {0, "", true}}
	for i, l := range loads {
		assert.Equal(t, want[i], got{l.Load, l.Source, l.Err != nil}, l.Addr)
		assert.Equal(t, want[i].Source != "", l.HasMetrics(), l.Addr)
	}
	assert.Contains(t, loads[4].Err.Error(), "503 Service Unavailable")
	assert.Contains(t, loads[5].Err.Error(), "NaN: want a finite number")
	assert.Contains(t, loads[6].Err.Error(), "refused")
}

func TestScraperStopsWhenTheContextEnds(t *testing.T) {
	s := testScraper(t, map[string]http.Handler{"10.0.0.1": &fakePod{busy: 1, busyStep: 1}})
	s.Sleep = Sleep // the real one
	s.Interval = time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := s.Loads(ctx, []string{"10.0.0.1"})
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestScraperTimesOutASlowPod(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the scrape timeout")
	}
	release := make(chan struct{})
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	s := testScraper(t, map[string]http.Handler{"10.0.0.1": slow, "10.0.0.2": &fakePod{busy: 0, busyStep: 10}})
	defer close(release)
	start := time.Now()
	loads, err := s.Loads(context.Background(), []string{"10.0.0.1", "10.0.0.2"})
	require.NoError(t, err)
	assert.Less(t, time.Since(start), 2*ScrapeTimeout+time.Second, "the two rounds each wait at most the timeout")
	assert.False(t, loads[0].HasMetrics())
	assert.Equal(t, 1.0, loads[1].Load)
}

func TestMetricsURL(t *testing.T) {
	assert.Equal(t, "http://10.0.0.1:9090/metrics", MetricsURL("10.0.0.1", 9090))
	assert.Equal(t, "http://[fd00::1]:9090/metrics", MetricsURL("fd00::1", 9090))
}
