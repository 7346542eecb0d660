package scaler

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
)

// Limits of the Kubernetes API client.
const (
	APIRequestTimeout   = 5 * time.Second
	maxAPIResponseBytes = 4 << 20 // 4 MiB
	maxErrorBodyBytes   = 512
	mergePatchJSON      = "application/merge-patch+json"
)

// APIError is a non-2xx answer of the Kubernetes API server.
type APIError struct {
	Method, Path string
	StatusCode   int
	Body         string // at most 512 bytes
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s %s: %d %s: %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode), e.Body)
}

// NewAPIClient returns the HTTP client for the cluster's API server: it
// trusts only the cluster CA (PEM), speaks TLS 1.2 or later, ignores proxy
// settings (the endpoint is private, in the VPC) and gives up on a request
// after APIRequestTimeout.
func NewAPIClient(caPEM []byte) (*http.Client, error) {
	pool, err := certPool(caPEM)
	if err != nil {
		return nil, fmt.Errorf("cluster CA: %w", err)
	}
	return &http.Client{
		Timeout: APIRequestTimeout,
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           (&net.Dialer{Timeout: APIRequestTimeout, KeepAlive: 30 * time.Second}).DialContext,
			TLSClientConfig:       &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
			TLSHandshakeTimeout:   APIRequestTimeout,
			ResponseHeaderTimeout: APIRequestTimeout,
			ForceAttemptHTTP2:     true,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       90 * time.Second,
		},
		// The API server does not redirect these requests; a redirect
		// would carry the token elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}, nil
}

// Kube calls the three Kubernetes API operations the scaler needs.
type Kube struct {
	Endpoint string       // https://…, no trailing slash
	Token    string       // bearer token, see [Token]
	HTTP     *http.Client // see [NewAPIClient]
}

func scalePath(namespace, deployment string) string {
	return "/apis/apps/v1/namespaces/" + url.PathEscape(namespace) + "/deployments/" + url.PathEscape(deployment) + "/scale"
}

// GetScale reads the Deployment's scale subresource.
func (k *Kube) GetScale(ctx context.Context, namespace, deployment string) (autoscalingv1.Scale, error) {
	var s autoscalingv1.Scale
	err := k.do(ctx, http.MethodGet, scalePath(namespace, deployment), nil, &s)
	return s, err
}

// PatchScale sets the Deployment's spec.replicas through the scale subresource
// with a JSON merge patch.
func (k *Kube) PatchScale(ctx context.Context, namespace, deployment string, replicas int32) error {
	body := []byte(`{"spec":{"replicas":` + strconv.FormatInt(int64(replicas), 10) + `}}`)
	return k.do(ctx, http.MethodPatch, scalePath(namespace, deployment), body, nil)
}

// ReadyPods lists the Service's EndpointSlices and returns one address per
// ready pod: an endpoint counts when its ready and serving conditions are
// true or unset (unset means true in Kubernetes) and it is not terminating.
// A pod that appears in several slices (dual stack) counts once, by its
// target reference, with the first address seen.
func (k *Kube) ReadyPods(ctx context.Context, namespace, service string) ([]string, error) {
	q := url.Values{"labelSelector": {discoveryv1.LabelServiceName + "=" + service}}
	path := "/apis/discovery.k8s.io/v1/namespaces/" + url.PathEscape(namespace) + "/endpointslices?" + q.Encode()
	var list discoveryv1.EndpointSliceList
	if err := k.do(ctx, http.MethodGet, path, nil, &list); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var addrs []string
	for _, slice := range list.Items {
		for _, ep := range slice.Endpoints {
			c := ep.Conditions
			if (c.Ready != nil && !*c.Ready) || (c.Serving != nil && !*c.Serving) || (c.Terminating != nil && *c.Terminating) {
				continue
			}
			if len(ep.Addresses) == 0 {
				continue
			}
			key := "addr/" + ep.Addresses[0]
			if ref := ep.TargetRef; ref != nil && ref.Name != "" {
				key = "ref/" + ref.Kind + "/" + ref.Namespace + "/" + ref.Name
			}
			if seen[key] || seen["addr/"+ep.Addresses[0]] {
				continue
			}
			seen[key], seen["addr/"+ep.Addresses[0]] = true, true
			addrs = append(addrs, ep.Addresses[0])
		}
	}
	return addrs, nil
}

// do sends one request; out, when not nil, receives the JSON answer.
func (k *Kube) do(ctx context.Context, method, path string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, k.Endpoint+path, rd)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+k.Token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", mergePatchJSON)
	}
	resp, err := k.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAPIResponseBytes+1))
	if err != nil {
		return fmt.Errorf("%s %s: reading the response: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		if len(data) > maxErrorBodyBytes {
			data = data[:maxErrorBodyBytes]
		}
		return &APIError{Method: method, Path: path, StatusCode: resp.StatusCode, Body: string(data)}
	}
	if len(data) > maxAPIResponseBytes {
		return fmt.Errorf("%s %s: response larger than %d bytes", method, path, maxAPIResponseBytes)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: decoding the response: %w", method, path, err)
	}
	return nil
}
