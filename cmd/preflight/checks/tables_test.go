package checks

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/voicevault/voicevault/config"
)

// TestEveryGPUFamilyHasItsVCPUs fails when config accepts a GPU family whose sizes preflight
// can't count against the EC2 quota.
func TestEveryGPUFamilyHasItsVCPUs(t *testing.T) {
	for _, f := range config.GPUInstanceFamilies {
		found := false
		for it := range gpuVCPUs {
			if strings.HasPrefix(it, f+".") {
				found = true
			}
		}
		assert.True(t, found, "gpuVCPUs has no %s size", f)
	}
	for it, v := range gpuVCPUs {
		assert.Positive(t, v, it)
		q := gpuQuota(it)
		if strings.HasPrefix(it, "p") {
			assert.Equal(t, QuotaP, q, it)
		} else {
			assert.Equal(t, QuotaGAndVT, q, it)
		}
	}
}

// TestEverySingletonHasAServicesSwitch holds the fix each singleton names to a real services:
// key of config.Services, and docs/delivery.md to the checks it describes.
func TestEverySingletonHasAServicesSwitch(t *testing.T) {
	doc, err := os.ReadFile("../../../docs/delivery.md")
	require.NoError(t, err)
	for _, s := range singletons {
		// The key, config.Services' YAML tag and the switch the check reads are one and the same.
		var svc config.Services
		require.NoError(t, yaml.Unmarshal([]byte(s.key+": false"), &svc))
		assert.False(t, config.Enabled(s.on(svc)), "%s: services.%s: false turns off the switch the check reads", s.name, s.key)
		assert.True(t, config.Enabled(s.on(config.Services{})), s.name)
		assert.Contains(t, string(doc), "`"+s.key+"`", "docs/delivery.md names services.%s", s.key)
	}
	for _, code := range []string{QuotaGAndVT, QuotaP, QuotaLambdaConcurrent, "make preflight ENV=<env>", "will be created on first use"} {
		assert.Contains(t, string(doc), code, "docs/delivery.md")
	}
}
