package observability

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var tenants = []TenantLogs{
	{Namespace: "tenant-acme", LogGroupName: "/voicevault/prod/tenant/acme/pods"},
	{Namespace: "tenant-globex", LogGroupName: "/voicevault/prod/tenant/globex/pods"},
}

// section is one [NAME] block of a Fluent Bit classic configuration.
type section struct {
	name string
	kv   map[string]string
}

func parse(t *testing.T, conf string) []section {
	t.Helper()
	var out []section
	for _, line := range strings.Split(conf, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "":
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			out = append(out, section{name: strings.Trim(line, "[]"), kv: map[string]string{}})
		default:
			require.NotEmpty(t, out, "a key before any section: %q", line)
			k, v, ok := strings.Cut(line, " ")
			require.True(t, ok, line)
			_, dup := out[len(out)-1].kv[k]
			require.False(t, dup, "key %s twice in one section", k)
			out[len(out)-1].kv[k] = strings.TrimSpace(v)
		}
	}
	return out
}

// TestEveryTenantsPodLogsReachOnlyItsOwnGroup: the rewrite rule takes exactly the tenant
// namespaces out of the application stream (keep=false), each tenant tag has one output (its
// group), and the cluster's application group gets what is left; no output creates groups.
func TestEveryTenantsPodLogsReachOnlyItsOwnGroup(t *testing.T) {
	conf, err := ApplicationLogConf("/aws/containerinsights/voicevault-prod/application", tenants)
	require.NoError(t, err)
	secs := parse(t, conf)
	var rule string
	outputs := map[string]string{}
	for _, s := range secs {
		switch {
		case s.name == "FILTER" && s.kv["Name"] == "rewrite_tag":
			rule = s.kv["Rule"]
			assert.Equal(t, ApplicationTag+"*", s.kv["Match"])
		case s.name == "OUTPUT":
			assert.Equal(t, "cloudwatch_logs", s.kv["Name"])
			assert.Equal(t, "false", s.kv["auto_create_group"], "groups are created encrypted by the stacks")
			_, dup := outputs[s.kv["Match"]]
			assert.False(t, dup, "one output per tag")
			outputs[s.kv["Match"]] = s.kv["log_group_name"]
		}
	}
	f := strings.Fields(rule)
	require.Len(t, f, 4, "key regex new-tag keep")
	assert.Equal(t, "$kubernetes['namespace_name']", f[0])
	assert.Equal(t, TenantTagPrefix+"$kubernetes['namespace_name']", f[2])
	assert.Equal(t, "false", f[3], "the original record is dropped: a tenant's logs never reach the cluster group")
	re := regexp.MustCompile(f[1])
	for _, ns := range []string{"tenant-acme", "tenant-globex"} {
		assert.True(t, re.MatchString(ns), ns)
	}
	for _, ns := range []string{"kube-system", "amazon-cloudwatch", "tenant-acme2", "xtenant-acme", "tenant-initech", ""} {
		assert.False(t, re.MatchString(ns), ns)
	}
	assert.Equal(t, map[string]string{
		ApplicationTag + "*":   "/aws/containerinsights/voicevault-prod/application",
		"tenant.tenant-acme":   "/voicevault/prod/tenant/acme/pods",
		"tenant.tenant-globex": "/voicevault/prod/tenant/globex/pods",
	}, outputs)
	// The kubernetes filter reads the namespace from the tag the input gives.
	var input, kube section
	for _, s := range secs {
		if s.name == "INPUT" {
			input = s
		}
		if s.name == "FILTER" && s.kv["Name"] == "kubernetes" {
			kube = s
		}
	}
	assert.Equal(t, "/var/log/containers/*.log", input.kv["Path"])
	assert.Equal(t, ApplicationTag+"*", input.kv["Tag"])
	assert.Equal(t, ApplicationTag+"var.log.containers.", kube.kv["Kube_Tag_Prefix"])
	assert.Less(t, strings.Index(conf, "Name                   kubernetes"), strings.Index(conf, "Name                   rewrite_tag"), "the namespace is known before the rewrite")
}

func TestApplicationLogConfRejectsBadRoutes(t *testing.T) {
	for name, in := range map[string][]TenantLogs{
		"none":            nil,
		"bad namespace":   {{Namespace: "Tenant_Acme", LogGroupName: "/g"}},
		"regex namespace": {{Namespace: "tenant-.*", LogGroupName: "/g"}},
		"no group":        {{Namespace: "tenant-acme"}},
		"group with var":  {{Namespace: "tenant-acme", LogGroupName: "/g/${X}"}},
		"twice":           {{Namespace: "tenant-acme", LogGroupName: "/a"}, {Namespace: "tenant-acme", LogGroupName: "/b"}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ApplicationLogConf("/aws/containerinsights/c/application", in)
			assert.Error(t, err)
		})
	}
}
