package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func noCredentials(t *testing.T) func(context.Context, string) (aws.CredentialsProvider, error) {
	return func(context.Context, string) (aws.CredentialsProvider, error) {
		t.Error("credentials are not loaded for a bad configuration")
		return nil, errors.New("unexpected")
	}
}

func TestBadConfigurationFailsEveryInvocation(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	env := map[string]string{"CLUSTER_NAME": "voicevault-prod"}
	handler := newHandler(context.Background(), func(k string) string { return env[k] }, logger, noCredentials(t))

	for range 2 {
		err := handler(context.Background())
		require.Error(t, err)
		assert.Contains(t, err.Error(), `CLUSTER_ENDPOINT "": is required`)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	require.Len(t, lines, 2, "one line per invocation")
	for _, l := range lines {
		assert.Contains(t, l, `"level":"ERROR"`)
		assert.Contains(t, l, `CLUSTER_ENDPOINT`)
	}
}

func TestCredentialFailureFailsEveryInvocation(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	env := map[string]string{
		"CLUSTER_NAME":     "voicevault-prod",
		"CLUSTER_ENDPOINT": srv.URL,
		"CLUSTER_CA":       base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})),
		"NAMESPACE":        "tenant-acme",
		"DEPLOYMENT":       "tts",
		"SERVICE":          "tts",
		"METRICS_PORT":     "9090",
		"MIN_REPLICAS":     "1",
		"MAX_REPLICAS":     "4",
		"TARGET_IN_FLIGHT": "2",
		"AWS_REGION":       "eu-west-1",
	}
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	var region string
	failing := func(_ context.Context, r string) (aws.CredentialsProvider, error) {
		region = r
		return nil, errors.New("no credentials")
	}
	handler := newHandler(context.Background(), func(k string) string { return env[k] }, logger, failing)
	assert.EqualError(t, handler(context.Background()), "no credentials")
	assert.Equal(t, "eu-west-1", region)
	assert.Contains(t, logs.String(), `"error":"no credentials"`)
}
