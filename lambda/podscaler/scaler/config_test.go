package scaler

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConfigFromEnv(t *testing.T) {
	env := validEnv(t)
	env[EnvClusterEndpoint] += "/"
	cfg, err := ConfigFromEnv(getenv(env))
	require.NoError(t, err)
	assert.Equal(t, Config{
		ClusterName:     "voicevault-prod",
		ClusterEndpoint: "https://0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com",
		ClusterCA:       testCA(t),
		Namespace:       "tenant-acme",
		Deployment:      "tts",
		Service:         "tts",
		MetricsPort:     9090,
		MinReplicas:     1,
		MaxReplicas:     8,
		TargetInFlight:  2.5,
		SampleSeconds:   DefaultSampleSeconds,
		Region:          "eu-west-1",
	}, cfg)
	assert.Equal(t, 10*time.Second, cfg.SampleInterval())
	assert.NoError(t, cfg.Validate())
}

func TestConfigFromEnvAcceptsBounds(t *testing.T) {
	env := validEnv(t)
	env[EnvSampleSeconds] = "30"
	env[EnvMinReplicas], env[EnvMaxReplicas] = "1000", "1000"
	env[EnvTargetInFlight] = "1000"
	env[EnvMetricsPort] = "65535"
	env[EnvNamespace] = strings.Repeat("a", 63)
	cfg, err := ConfigFromEnv(getenv(env))
	require.NoError(t, err)
	assert.Equal(t, 30, cfg.SampleSeconds)
	assert.Equal(t, 1000, cfg.MinReplicas)
}

func TestConfigFromEnvRejects(t *testing.T) {
	const label = ": want a DNS-1123 label (lowercase letters, digits and '-', at most 63 characters)"
	notPEM := base64.StdEncoding.EncodeToString([]byte("hello"))
	badCert := base64.StdEncoding.EncodeToString([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	tests := []struct {
		name, key, value, want string
	}{
		{"missing cluster name", EnvClusterName, "", "CLUSTER_NAME is required"},
		{"missing endpoint", EnvClusterEndpoint, "", `CLUSTER_ENDPOINT "": is required`},
		{"http endpoint", EnvClusterEndpoint, "http://api.example.test", `CLUSTER_ENDPOINT "http://api.example.test": want an https URL with a host and no path, query or user info`},
		{"endpoint with path", EnvClusterEndpoint, "https://api.example.test/k8s", `CLUSTER_ENDPOINT "https://api.example.test/k8s": want an https URL with a host and no path, query or user info`},
		{"endpoint without host", EnvClusterEndpoint, "https:///", `CLUSTER_ENDPOINT "https://": want an https URL with a host and no path, query or user info`},
		{"endpoint with query", EnvClusterEndpoint, "https://api.example.test?x=1", `CLUSTER_ENDPOINT "https://api.example.test?x=1": want an https URL with a host and no path, query or user info`},
		{"missing CA", EnvClusterCA, "", "CLUSTER_CA is required: base64 of the cluster's PEM certificate authority"},
		{"CA not base64", EnvClusterCA, "not base64!", `CLUSTER_CA "not base64!": not base64: illegal base64 data at input byte 3`},
		{"CA not PEM", EnvClusterCA, notPEM, "CLUSTER_CA: no PEM certificate in the decoded value (want base64 of the PEM, as in EKS certificateAuthority.data)"},
		{"CA not a certificate", EnvClusterCA, badCert, "CLUSTER_CA: certificate 1: x509: malformed certificate"},
		{"missing namespace", EnvNamespace, "", `NAMESPACE ""` + label},
		{"uppercase namespace", EnvNamespace, "Tenant-Acme", `NAMESPACE "Tenant-Acme"` + label},
		{"namespace too long", EnvNamespace, strings.Repeat("a", 64), `NAMESPACE "` + strings.Repeat("a", 64) + `"` + label},
		{"deployment with dot", EnvDeployment, "tts.v1", `DEPLOYMENT "tts.v1"` + label},
		{"service ending in dash", EnvService, "tts-", `SERVICE "tts-"` + label},
		{"missing metrics port", EnvMetricsPort, "", `METRICS_PORT "": want a whole number from 1 to 65535`},
		{"metrics port not a number", EnvMetricsPort, "http", `METRICS_PORT "http": want a whole number from 1 to 65535`},
		{"metrics port 0", EnvMetricsPort, "0", "METRICS_PORT 0: want 1 to 65535"},
		{"metrics port too big", EnvMetricsPort, "65536", "METRICS_PORT 65536: want 1 to 65535"},
		{"missing min", EnvMinReplicas, "", `MIN_REPLICAS "": want a whole number from 1 to 1000`},
		{"min 0", EnvMinReplicas, "0", "MIN_REPLICAS 0: want 1 to 1000"},
		{"max too big", EnvMaxReplicas, "1001", "MAX_REPLICAS 1001: want 1 to 1000"},
		{"max not a number", EnvMaxReplicas, "8.5", `MAX_REPLICAS "8.5": want a whole number from 1 to 1000`},
		{"min above max", EnvMinReplicas, "9", "MIN_REPLICAS 9 can't be greater than MAX_REPLICAS 8"},
		{"missing target", EnvTargetInFlight, "", `TARGET_IN_FLIGHT "": want a number greater than 0 and at most 1000`},
		{"target not a number", EnvTargetInFlight, "two", `TARGET_IN_FLIGHT "two": want a number greater than 0 and at most 1000`},
		{"target 0", EnvTargetInFlight, "0", "TARGET_IN_FLIGHT 0: want a number greater than 0 and at most 1000"},
		{"target negative", EnvTargetInFlight, "-1", "TARGET_IN_FLIGHT -1: want a number greater than 0 and at most 1000"},
		{"target too big", EnvTargetInFlight, "1000.5", "TARGET_IN_FLIGHT 1000.5: want a number greater than 0 and at most 1000"},
		{"target NaN", EnvTargetInFlight, "NaN", "TARGET_IN_FLIGHT NaN: want a number greater than 0 and at most 1000"},
		{"target Inf", EnvTargetInFlight, "Inf", "TARGET_IN_FLIGHT +Inf: want a number greater than 0 and at most 1000"},
		{"sample seconds 0", EnvSampleSeconds, "0", "SAMPLE_SECONDS 0: want 1 to 30"},
		{"sample seconds too long", EnvSampleSeconds, "31", "SAMPLE_SECONDS 31: want 1 to 30"},
		{"sample seconds not a number", EnvSampleSeconds, "10s", `SAMPLE_SECONDS "10s": want a whole number from 1 to 30`},
		{"missing region", EnvRegion, "", `AWS_REGION "": want an AWS Region (Lambda sets it)`},
		{"bad region", EnvRegion, "Europe", `AWS_REGION "Europe": want an AWS Region (Lambda sets it)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := validEnv(t)
			env[tc.key] = tc.value
			_, err := ConfigFromEnv(getenv(env))
			require.Error(t, err)
			assert.EqualError(t, err, tc.want, "the only error, in full")
		})
	}
}

func TestConfigFromEnvReportsEveryBadVariable(t *testing.T) {
	_, err := ConfigFromEnv(getenv(map[string]string{}))
	require.Error(t, err)
	for _, key := range []string{
		EnvClusterName, EnvClusterEndpoint, EnvClusterCA, EnvNamespace, EnvDeployment, EnvService,
		EnvMetricsPort, EnvMinReplicas, EnvMaxReplicas, EnvTargetInFlight, EnvRegion,
	} {
		assert.Equal(t, 1, strings.Count(err.Error(), key+" "), "%s reported once in:\n%s", key, err)
	}
	assert.NotContains(t, err.Error(), EnvSampleSeconds, "optional")
}

func TestValidateRejectsZeroConfig(t *testing.T) {
	err := Config{}.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "CLUSTER_CA: no PEM certificate")
	assert.Contains(t, err.Error(), "SAMPLE_SECONDS 0: want 1 to 30")
}
