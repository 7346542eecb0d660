package scaler

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Scaler reconciles one tenant's Deployment; see the package documentation.
type Scaler struct {
	Config      Config
	Credentials aws.CredentialsProvider // presigns the EKS token; never used for an AWS call
	Logger      *slog.Logger
	API         *http.Client // the cluster API client, see [NewAPIClient]
	Scraper     *Scraper
}

// New returns a Scaler for a valid cfg, with the production API client and
// scraper. logger receives one line per run.
func New(cfg Config, creds aws.CredentialsProvider, logger *slog.Logger) (*Scaler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	api, err := NewAPIClient(cfg.ClusterCA)
	if err != nil {
		return nil, err
	}
	return &Scaler{
		Config:      cfg,
		Credentials: creds,
		Logger:      logger,
		API:         api,
		Scraper:     &Scraper{HTTP: NewScrapeClient(), Port: cfg.MetricsPort, Interval: cfg.SampleInterval()},
	}, nil
}

// Result is what one run observed and did.
type Result struct {
	Current     int
	Ready       int
	WithMetrics int
	Decision    Decision
	Patched     bool
}

// Run is one reconcile: token, GET scale, LIST EndpointSlices, scrape every
// ready pod twice, Decide, and PATCH the scale only when the replica count
// changes. It logs exactly one line. An API failure is an error naming the
// step; a pod that cannot be scraped only counts as a pod without metrics.
func (s *Scaler) Run(ctx context.Context) (res Result, err error) {
	c := s.Config
	var scrapeErr error // the first pod's, logged as scrape_error
	defer func() { s.log(ctx, res, scrapeErr, err) }()

	token, err := Token(ctx, s.Credentials, c.Region, c.ClusterName)
	if err != nil {
		return res, fmt.Errorf("token: %w", err)
	}
	kube := &Kube{Endpoint: c.ClusterEndpoint, Token: token, HTTP: s.API}

	scale, err := kube.GetScale(ctx, c.Namespace, c.Deployment)
	if err != nil {
		return res, fmt.Errorf("get scale: %w", err)
	}
	res.Current = int(scale.Spec.Replicas)
	res.Decision.Desired = res.Current

	addrs, err := kube.ReadyPods(ctx, c.Namespace, c.Service)
	if err != nil {
		return res, fmt.Errorf("list endpointslices: %w", err)
	}
	res.Ready = len(addrs)

	pods, err := s.Scraper.Loads(ctx, addrs)
	if err != nil {
		return res, fmt.Errorf("scrape: %w", err)
	}
	var loads []float64
	for _, p := range pods {
		if p.HasMetrics() {
			loads = append(loads, p.Load)
		} else if scrapeErr == nil && p.Err != nil {
			scrapeErr = fmt.Errorf("%s: %w", p.Addr, p.Err)
		}
	}
	res.WithMetrics = len(loads)

	res.Decision = Decide(Input{
		Current: res.Current, Ready: res.Ready, Loads: loads,
		Min: c.MinReplicas, Max: c.MaxReplicas, Target: c.TargetInFlight,
	})
	if res.Decision.Desired != res.Current {
		if err := kube.PatchScale(ctx, c.Namespace, c.Deployment, int32(res.Decision.Desired)); err != nil {
			return res, fmt.Errorf("patch scale to %d: %w", res.Decision.Desired, err)
		}
		res.Patched = true
	}
	return res, nil
}

// log writes the run's one line: Info on success, Error with the error otherwise.
func (s *Scaler) log(ctx context.Context, res Result, scrapeErr, err error) {
	attrs := []slog.Attr{
		slog.String("namespace", s.Config.Namespace),
		slog.String("deployment", s.Config.Deployment),
		slog.Int("current", res.Current),
		slog.Int("ready", res.Ready),
		slog.Int("with_metrics", res.WithMetrics),
		slog.Float64("load", round3(res.Decision.Load)),
		slog.Float64("target", s.Config.TargetInFlight),
		slog.Int("desired", res.Decision.Desired),
		slog.String("reason", string(res.Decision.Reason)),
		slog.Bool("patched", res.Patched),
	}
	if scrapeErr != nil {
		attrs = append(attrs, slog.String("scrape_error", scrapeErr.Error()))
	}
	if err != nil {
		s.Logger.LogAttrs(ctx, slog.LevelError, "scale", append(attrs, slog.String("error", err.Error()))...)
		return
	}
	s.Logger.LogAttrs(ctx, slog.LevelInfo, "scale", attrs...)
}

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }
