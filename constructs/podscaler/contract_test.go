package podscaler

import (
	"encoding/base64"
	"encoding/pem"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/constructs/constructtest"
	"github.com/voicevault/voicevault/lambda/podscaler/scaler"
)

// TestFunctionEnvironmentIsWhatTheScalerReads: the construct keeps its own copy of the scaler's
// variable names (importing the scaler in the CDK app would link the AWS SDK into it), so this test
// holds them together, and the environment the construct writes is one the scaler accepts, with
// the same bounds.
func TestFunctionEnvironmentIsWhatTheScalerReads(t *testing.T) {
	for ours, theirs := range map[string]string{
		EnvClusterName: scaler.EnvClusterName, EnvClusterEndpoint: scaler.EnvClusterEndpoint, EnvClusterCA: scaler.EnvClusterCA,
		EnvNamespace: scaler.EnvNamespace, EnvDeployment: scaler.EnvDeployment, EnvService: scaler.EnvService,
		EnvMetricsPort: scaler.EnvMetricsPort, EnvMinReplicas: scaler.EnvMinReplicas, EnvMaxReplicas: scaler.EnvMaxReplicas,
		EnvTargetInFlight: scaler.EnvTargetInFlight, EnvSampleSeconds: scaler.EnvSampleSeconds,
	} {
		assert.Equal(t, theirs, ours)
	}

	// A real CA in place of the test's placeholder (the template carries the platform's, at deploy time).
	srv := httptest.NewTLSServer(nil)
	defer srv.Close()
	ca := base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
	tpl := synth(t, func(p *Props) { p.ClusterCA = ca })
	var vars map[string]any
	for _, fn := range tpl.Resources("AWS::Lambda::Function") {
		vars = constructtest.Props(fn)["Environment"].(map[string]any)["Variables"].(map[string]any)
	}
	require.NotNil(t, vars)
	cfg, err := scaler.ConfigFromEnv(func(k string) string {
		if k == scaler.EnvRegion {
			return "eu-west-1" // Lambda sets it
		}
		s, _ := vars[k].(string)
		return s
	})
	require.NoError(t, err)
	assert.Equal(t, "voicevault-prod", cfg.ClusterName)
	assert.Equal(t, "tenant-acme", cfg.Namespace)
	assert.Equal(t, 8080, cfg.MetricsPort)
	assert.Equal(t, 2, cfg.MinReplicas)
	assert.Equal(t, 5, cfg.MaxReplicas)
	assert.InDelta(t, 2.0, cfg.TargetInFlight, 1e-9)
	assert.Equal(t, SampleSeconds, cfg.SampleSeconds)
	assert.Less(t, SampleSeconds+25, TimeoutSeconds+1, "a run (two samples apart plus the API calls) fits in the timeout")
}
