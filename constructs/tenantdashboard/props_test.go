package tenantdashboard

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPropsDefaultsAndValidation(t *testing.T) {
	p := Props{}.withDefaults()
	assert.Equal(t, DefaultGPUSaturationPercent, p.GPUSaturationPercent)
	assert.Equal(t, DefaultGPUSaturationMinutes, p.GPUSaturationMinutes)
	assert.Equal(t, DefaultPendingMinutes, p.PendingMinutes)
	assert.ErrorContains(t, p.validate(), "dashboard name, tenant, cluster name, namespace and workload are required")

	ok := Props{DashboardName: "d", Tenant: "acme", ClusterName: "c", Namespace: "tenant-acme", Workload: "tts", APIName: "a", Stage: "live", WebACL: "w", Region: "eu-west-1", AlarmNamePrefix: "x-"}.withDefaults()
	assert.ErrorContains(t, ok.validate(), "topic and alarm name prefix are required")
	odd := ok
	odd.PendingMinutes = 7
	assert.ErrorContains(t, odd.validate(), "pending minutes 7 must be multiples of 5")
	ok.GPUSaturationPercent = 101
	assert.ErrorContains(t, ok.validate(), "GPU saturation 101% is not in 1..100")
	noAPI := ok
	noAPI.APIName = ""
	assert.ErrorContains(t, noAPI.validate(), "API name, stage, web ACL and region are required")
}
