package scaler

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Series of the model image's metrics contract that the scaler reads.
const (
	MetricBusySum  = "voicevault_inference_duration_seconds_sum" // histogram sum, one series per route
	MetricInFlight = "voicevault_inference_in_flight"            // gauge
)

// Limits of a scrape.
const (
	MaxMetricsBytes = 1 << 20 // 1 MiB
	ScrapeTimeout   = 2 * time.Second
)

// Sample is what one scrape of a pod's /metrics says.
type Sample struct {
	Busy        float64 // sum of every voicevault_inference_duration_seconds_sum series
	HasBusy     bool
	InFlight    float64 // sum of every voicevault_inference_in_flight series
	HasInFlight bool
}

// ParseMetrics reads a Prometheus text exposition (at most MaxMetricsBytes)
// and sums the series the scaler uses. Comments and blank lines are
// skipped; every other line must be a well-formed sample
// (name, optional {labels}, value, optional timestamp). The scaler's series
// must be finite and not negative.
func ParseMetrics(r io.Reader) (Sample, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxMetricsBytes+1))
	if err != nil {
		return Sample{}, fmt.Errorf("reading metrics: %w", err)
	}
	if len(data) > MaxMetricsBytes {
		return Sample{}, fmt.Errorf("metrics larger than %d bytes", MaxMetricsBytes)
	}
	var s Sample
	for n := 1; len(data) > 0; n++ {
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		name, value, err := parseSampleLine(line)
		if err != nil {
			return Sample{}, fmt.Errorf("metrics line %d: %w", n, err)
		}
		if name != MetricBusySum && name != MetricInFlight {
			continue
		}
		if math.IsNaN(value) || math.IsInf(value, 0) || value < 0 {
			return Sample{}, fmt.Errorf("metrics line %d: %s %v: want a finite number, not negative", n, name, value)
		}
		if name == MetricBusySum {
			s.Busy, s.HasBusy = s.Busy+value, true
		} else {
			s.InFlight, s.HasInFlight = s.InFlight+value, true
		}
	}
	if math.IsInf(s.Busy, 0) || math.IsInf(s.InFlight, 0) {
		return Sample{}, errors.New("metrics: sum overflows")
	}
	return s, nil
}

// parseSampleLine splits `name{label="value",…} value [timestamp]`.
func parseSampleLine(line []byte) (name string, value float64, err error) {
	i := 0
	for i < len(line) && isNameByte(line[i], i == 0) {
		i++
	}
	if i == 0 {
		return "", 0, fmt.Errorf("want a metric name, got %q", abbreviate(string(line)))
	}
	name = string(line[:i])
	rest := line[i:]
	if j := skipBlanks(line, i); j < len(line) && line[j] == '{' {
		if i, err = skipLabels(line, j+1); err != nil {
			return "", 0, fmt.Errorf("%s: %w", name, err)
		}
		rest = line[i:]
	} else if len(rest) > 0 && !isBlank(rest[0]) {
		return "", 0, fmt.Errorf("want a metric name, got %q", abbreviate(string(line)))
	}
	fields := bytes.Fields(rest)
	if len(fields) == 0 || len(fields) > 2 {
		return "", 0, fmt.Errorf("%s: want a value and an optional timestamp, got %q", name, abbreviate(string(rest)))
	}
	if value, err = strconv.ParseFloat(string(fields[0]), 64); err != nil {
		return "", 0, fmt.Errorf("%s: value %q is not a number", name, abbreviate(string(fields[0])))
	}
	if len(fields) == 2 {
		if _, err := strconv.ParseFloat(string(fields[1]), 64); err != nil {
			return "", 0, fmt.Errorf("%s: timestamp %q is not a number", name, abbreviate(string(fields[1])))
		}
	}
	return name, value, nil
}

// skipLabels returns the index after the closing brace of a label set that
// starts at i (just after '{').
func skipLabels(line []byte, i int) (int, error) {
	for {
		i = skipBlanks(line, i)
		if i >= len(line) {
			return 0, errors.New("unterminated label set")
		}
		if line[i] == '}' {
			return i + 1, nil
		}
		start := i
		for i < len(line) && isNameByte(line[i], i == start) && line[i] != ':' {
			i++
		}
		if i == start {
			return 0, fmt.Errorf("want a label name at column %d", i+1)
		}
		label := line[start:i]
		i = skipBlanks(line, i)
		if i >= len(line) || line[i] != '=' {
			return 0, fmt.Errorf("want '=' after label %s", label)
		}
		i = skipBlanks(line, i+1)
		if i >= len(line) || line[i] != '"' {
			return 0, fmt.Errorf("want a quoted value for label %s", label)
		}
		for i++; ; i++ {
			if i >= len(line) {
				return 0, errors.New("unterminated label value")
			}
			if line[i] == '\\' {
				i++ // the escaped byte (\\, \" or \n) is skipped with it
				continue
			}
			if line[i] == '"' {
				break
			}
		}
		i = skipBlanks(line, i+1)
		if i < len(line) && line[i] == ',' {
			i++
			continue
		}
		if i < len(line) && line[i] == '}' {
			return i + 1, nil
		}
		return 0, errors.New("want ',' or '}' after a label value")
	}
}

func isNameByte(b byte, first bool) bool {
	return b == '_' || b == ':' || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (!first && b >= '0' && b <= '9')
}

func isBlank(b byte) bool { return b == ' ' || b == '\t' }

func skipBlanks(line []byte, i int) int {
	for i < len(line) && isBlank(line[i]) {
		i++
	}
	return i
}

// Scraper measures each pod's inference load from two scrapes of its
// /metrics, Interval apart.
type Scraper struct {
	HTTP     *http.Client                                     // plain HTTP; see [NewScrapeClient]
	Port     int                                              // METRICS_PORT
	Interval time.Duration                                    // time between the two scrapes
	Sleep    func(ctx context.Context, d time.Duration) error // Default: a timer that stops with ctx.
	URL      func(addr string, port int) string               // Default: http://addr:port/metrics.
	Now      func() time.Time                                 // Default: time.Now.
}

// NewScrapeClient returns the plain-HTTP client for pods' /metrics: no
// proxy, ScrapeTimeout per request.
func NewScrapeClient() *http.Client {
	return &http.Client{
		Timeout: ScrapeTimeout,
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           (&net.Dialer{Timeout: ScrapeTimeout}).DialContext,
			ResponseHeaderTimeout: ScrapeTimeout,
			MaxIdleConnsPerHost:   1,
			IdleConnTimeout:       60 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// MetricsURL is the default Scraper.URL: http://addr:port/metrics (IPv6 addresses bracketed).
func MetricsURL(addr string, port int) string {
	return "http://" + net.JoinHostPort(addr, strconv.Itoa(port)) + "/metrics"
}

// Sleep waits d or until ctx is done.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// PodLoad is one pod's measured inference load.
type PodLoad struct {
	Addr   string
	Load   float64 // inference seconds per second, i.e. mean requests in flight
	Source string  // "busy-rate", "in-flight" or "" when the pod had no metrics
	Err    error   // the last scrape error, if any
}

// HasMetrics reports whether the load was measured.
func (p PodLoad) HasMetrics() bool { return p.Source != "" }

// Loads scrapes every pod twice, concurrently, Interval apart. A pod's load
// is the rate of its busy seconds between the scrapes when both have the
// histogram sum and it did not decrease (a decrease means the container
// restarted); otherwise the second scrape's in-flight gauge; otherwise the
// pod has no metrics. Only ctx ending (during the sleep) is an error.
func (s *Scraper) Loads(ctx context.Context, addrs []string) ([]PodLoad, error) {
	now, sleep, urlOf := s.Now, s.Sleep, s.URL
	if now == nil {
		now = time.Now
	}
	if sleep == nil {
		sleep = Sleep
	}
	if urlOf == nil {
		urlOf = MetricsURL
	}
	type result struct {
		sample Sample
		at     time.Time
		err    error
	}
	round := func() []result {
		out := make([]result, len(addrs))
		var wg sync.WaitGroup
		for i, addr := range addrs {
			wg.Go(func() {
				sample, err := s.scrape(ctx, urlOf(addr, s.Port))
				out[i] = result{sample, now(), err}
			})
		}
		wg.Wait()
		return out
	}
	first := round()
	if err := sleep(ctx, s.Interval); err != nil {
		return nil, fmt.Errorf("waiting between scrapes: %w", err)
	}
	second := round()
	loads := make([]PodLoad, len(addrs))
	for i, addr := range addrs {
		a, b := first[i], second[i]
		p := PodLoad{Addr: addr, Err: errors.Join(a.err, b.err)}
		elapsed := b.at.Sub(a.at).Seconds()
		switch {
		case a.err == nil && b.err == nil && a.sample.HasBusy && b.sample.HasBusy &&
			b.sample.Busy >= a.sample.Busy && elapsed > 0:
			p.Load, p.Source = (b.sample.Busy-a.sample.Busy)/elapsed, "busy-rate"
		case b.err == nil && b.sample.HasInFlight:
			p.Load, p.Source = b.sample.InFlight, "in-flight"
		}
		loads[i] = p
	}
	return loads, nil
}

func (s *Scraper) scrape(ctx context.Context, url string) (Sample, error) {
	ctx, cancel := context.WithTimeout(ctx, ScrapeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return Sample{}, err
	}
	req.Header.Set("Accept", "text/plain")
	resp, err := s.HTTP.Do(req)
	if err != nil {
		return Sample{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Sample{}, fmt.Errorf("GET %s: %d %s", url, resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	sample, err := ParseMetrics(resp.Body)
	if err != nil {
		return Sample{}, fmt.Errorf("GET %s: %w", url, err)
	}
	return sample, nil
}
