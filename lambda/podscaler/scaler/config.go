package scaler

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Environment variables read by [ConfigFromEnv].
const (
	EnvClusterName     = "CLUSTER_NAME"
	EnvClusterEndpoint = "CLUSTER_ENDPOINT"
	EnvClusterCA       = "CLUSTER_CA"
	EnvNamespace       = "NAMESPACE"
	EnvDeployment      = "DEPLOYMENT"
	EnvService         = "SERVICE"
	EnvMetricsPort     = "METRICS_PORT"
	EnvMinReplicas     = "MIN_REPLICAS"
	EnvMaxReplicas     = "MAX_REPLICAS"
	EnvTargetInFlight  = "TARGET_IN_FLIGHT"
	EnvSampleSeconds   = "SAMPLE_SECONDS"
	EnvRegion          = "AWS_REGION" // set by Lambda
)

// Limits of the configuration.
const (
	DefaultSampleSeconds = 10
	MaxSampleSeconds     = 30
	MaxReplicasLimit     = 1000
	MaxTargetInFlight    = 1000
)

// Config is one tenant's scaling target and the cluster that runs it.
type Config struct {
	ClusterName     string  // Required. Signed into the token as x-k8s-aws-id.
	ClusterEndpoint string  // Required. https URL of the private API endpoint, without a trailing slash.
	ClusterCA       []byte  // Required. PEM, decoded from CLUSTER_CA (base64, as EKS returns it).
	Namespace       string  // Required. DNS-1123 label, e.g. "tenant-acme".
	Deployment      string  // Required. DNS-1123 label, e.g. "tts".
	Service         string  // Required. DNS-1123 label, e.g. "tts".
	MetricsPort     int     // Required. 1..65535.
	MinReplicas     int     // Required. At least 1.
	MaxReplicas     int     // Required. At least MinReplicas, at most MaxReplicasLimit.
	TargetInFlight  float64 // Required. Inference concurrency one pod should carry, (0, 1000].
	SampleSeconds   int     // Default: 10. Seconds between the two scrapes, 1..30.
	Region          string  // Required. The STS Region the token is presigned for.
}

// SampleInterval is the time between the two scrapes of every pod.
func (c Config) SampleInterval() time.Duration {
	return time.Duration(c.SampleSeconds) * time.Second
}

// ConfigFromEnv reads a Config from the environment through getenv (usually
// os.Getenv) and validates it. The error names every bad variable and its value.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	c := Config{
		ClusterName:     get(EnvClusterName),
		ClusterEndpoint: strings.TrimSuffix(get(EnvClusterEndpoint), "/"),
		Namespace:       get(EnvNamespace),
		Deployment:      get(EnvDeployment),
		Service:         get(EnvService),
		Region:          get(EnvRegion),
		SampleSeconds:   DefaultSampleSeconds,
	}
	var errs []error
	unparsed := map[string]bool{} // reported here, not again by validate
	if raw := get(EnvClusterCA); raw == "" {
		errs = append(errs, fmt.Errorf("%s is required: base64 of the cluster's PEM certificate authority", EnvClusterCA))
		unparsed[EnvClusterCA] = true
	} else if pemBytes, err := base64.StdEncoding.DecodeString(raw); err != nil {
		errs = append(errs, fmt.Errorf("%s %q: not base64: %w", EnvClusterCA, abbreviate(raw), err))
		unparsed[EnvClusterCA] = true
	} else {
		c.ClusterCA = pemBytes
	}
	atoi := func(key string, dst *int, lo, hi int) {
		raw := get(key)
		if raw == "" && key == EnvSampleSeconds {
			return // optional: the default stays
		}
		n, err := strconv.Atoi(raw)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %q: want a whole number from %d to %d", key, raw, lo, hi))
			unparsed[key] = true
		}
		*dst = n
	}
	atoi(EnvMetricsPort, &c.MetricsPort, 1, 65535)
	atoi(EnvMinReplicas, &c.MinReplicas, 1, MaxReplicasLimit)
	atoi(EnvMaxReplicas, &c.MaxReplicas, 1, MaxReplicasLimit)
	atoi(EnvSampleSeconds, &c.SampleSeconds, 1, MaxSampleSeconds)
	raw := get(EnvTargetInFlight)
	if f, err := strconv.ParseFloat(raw, 64); err != nil {
		errs = append(errs, fmt.Errorf("%s %q: want a number greater than 0 and at most %d", EnvTargetInFlight, raw, MaxTargetInFlight))
		unparsed[EnvTargetInFlight] = true
	} else {
		c.TargetInFlight = f
	}
	return c, errors.Join(append(errs, c.validate(unparsed))...)
}

// Validate reports every invalid field, naming the variable and the value.
func (c Config) Validate() error { return c.validate(nil) }

// validate checks every field except those whose variables are in skip.
func (c Config) validate(skip map[string]bool) error {
	var errs []error
	if c.ClusterName == "" {
		errs = append(errs, fmt.Errorf("%s is required", EnvClusterName))
	}
	if err := checkEndpoint(c.ClusterEndpoint); err != nil {
		errs = append(errs, fmt.Errorf("%s %q: %w", EnvClusterEndpoint, c.ClusterEndpoint, err))
	}
	if !skip[EnvClusterCA] {
		if _, err := certPool(c.ClusterCA); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", EnvClusterCA, err))
		}
	}
	for _, f := range []struct{ key, value string }{
		{EnvNamespace, c.Namespace}, {EnvDeployment, c.Deployment}, {EnvService, c.Service},
	} {
		if !isDNS1123Label(f.value) {
			errs = append(errs, fmt.Errorf("%s %q: want a DNS-1123 label (lowercase letters, digits and '-', at most 63 characters)", f.key, f.value))
		}
	}
	inRange := func(key string, n, lo, hi int) bool {
		if skip[key] {
			return false
		}
		if n < lo || n > hi {
			errs = append(errs, fmt.Errorf("%s %d: want %d to %d", key, n, lo, hi))
			return false
		}
		return true
	}
	inRange(EnvMetricsPort, c.MetricsPort, 1, 65535)
	minOK := inRange(EnvMinReplicas, c.MinReplicas, 1, MaxReplicasLimit)
	maxOK := inRange(EnvMaxReplicas, c.MaxReplicas, 1, MaxReplicasLimit)
	if minOK && maxOK && c.MinReplicas > c.MaxReplicas {
		errs = append(errs, fmt.Errorf("%s %d can't be greater than %s %d", EnvMinReplicas, c.MinReplicas, EnvMaxReplicas, c.MaxReplicas))
	}
	inRange(EnvSampleSeconds, c.SampleSeconds, 1, MaxSampleSeconds)
	if t := c.TargetInFlight; !skip[EnvTargetInFlight] && !(t > 0 && t <= MaxTargetInFlight) { // also NaN
		errs = append(errs, fmt.Errorf("%s %s: want a number greater than 0 and at most %d", EnvTargetInFlight, strconv.FormatFloat(t, 'g', -1, 64), MaxTargetInFlight))
	}
	if !reRegion.MatchString(c.Region) {
		errs = append(errs, fmt.Errorf("%s %q: want an AWS Region (Lambda sets it)", EnvRegion, c.Region))
	}
	return errors.Join(errs...)
}

var (
	reRegion       = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)
	reDNS1123Label = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
)

func isDNS1123Label(s string) bool {
	return len(s) <= 63 && reDNS1123Label.MatchString(s)
}

func checkEndpoint(raw string) error {
	if raw == "" {
		return errors.New("is required")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return errors.New("want an https URL with a host and no path, query or user info")
	}
	return nil
}

// certPool parses every CERTIFICATE block of pemBytes; it fails unless there is at least one.
func certPool(pemBytes []byte) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	n := 0
	for rest := pemBytes; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate %d: %w", n+1, err)
		}
		pool.AddCert(cert)
		n++
	}
	if n == 0 {
		return nil, errors.New("no PEM certificate in the decoded value (want base64 of the PEM, as in EKS certificateAuthority.data)")
	}
	return pool, nil
}

// abbreviate shortens a long value for an error message.
func abbreviate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
