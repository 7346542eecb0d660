package test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/constructs/podscaler"
	"github.com/voicevault/voicevault/naming"
	"github.com/voicevault/voicevault/test/apptest"
)

// manifests are the Kubernetes manifests a stack applies, each as its template JSON (tokens
// included), keyed by logical ID.
func manifests(t *testing.T, r *apptest.Result, stack string) map[string]string {
	out := map[string]string{}
	for id, res := range r.Resources(t, stack, "Custom::AWSCDK-EKS-KubernetesResource") {
		b, err := json.Marshal(props(res)["Manifest"])
		require.NoError(t, err)
		out[id] = string(b)
	}
	return out
}

// poolManifest is the manifest that applies the NodePool named name.
func poolManifest(t *testing.T, r *apptest.Result, stack, name string) string {
	t.Helper()
	for _, m := range manifests(t, r, stack) {
		if strings.Contains(m, `\"kind\":\"NodePool\"`) && strings.Contains(m, `\"name\":\"`+name+`\"`) {
			return m
		}
	}
	t.Fatalf("%s: no NodePool %q", stack, name)
	return ""
}

// Every GPU node group with room above its warm nodes gets an Auto Mode node pool, with the
// GPU limit of its bounds, the GPU taint and label (and the tenant's, for dedicated nodes), its
// instance types only, and nodes removed when empty.
func TestGPUNodePoolsScaleBetweenTheConfiguredBounds(t *testing.T) {
	platforms(t, func(t *testing.T, r *apptest.Result, env *config.Environment, stack string) {
		pools := map[string]config.NodeGroup{"": env.GPUNodes}
		for _, tn := range r.Config.TenantsIn(env.Name) {
			if tn.DedicatedGPUNodes != nil {
				pools[tn.Name] = *tn.DedicatedGPUNodes
			}
		}
		for tenant, g := range pools {
			if g.BurstGPUs() == 0 {
				continue
			}
			m := poolManifest(t, r, stack, naming.GPUNodePool(tenant))
			for _, want := range []string{
				`\"limits\":{\"nvidia.com/gpu\":\"` + itoa(g.BurstGPUs()) + `\"}`,
				`{\"effect\":\"NoSchedule\",\"key\":\"nvidia.com/gpu\",\"value\":\"true\"}`,
				`\"voicevault.io/node-class\":\"gpu\"`,
				`\"consolidationPolicy\":\"WhenEmpty\"`,
				`\"key\":\"karpenter.sh/capacity-type\",\"operator\":\"In\",\"values\":[\"on-demand\"]`,
				`\"kmsKeyID\":`,
				`\"networkPolicy\":\"DefaultAllow\"`,
			} {
				assert.Contains(t, m, want, "pool %q", tenant)
			}
			for _, it := range g.InstanceTypes {
				assert.Contains(t, m, `\"`+it+`\"`, "pool %q instance types", tenant)
			}
			if tenant != "" {
				assert.Contains(t, m, `{\"effect\":\"NoSchedule\",\"key\":\"voicevault.io/tenant\",\"value\":\"`+tenant+`\"}`)
				assert.Contains(t, m, `\"voicevault.io/tenant\":\"`+tenant+`\"`)
			}
			// The volume key is the platform key, the nodes are in the private subnets, and the
			// security group is the cluster's.
			assert.Contains(t, m, `PlatformKey`)
			assert.Contains(t, m, `PrivateSubnet`)
			assert.Contains(t, m, `ClusterSecurityGroupId`)
		}
	})
}

// Auto Mode nodes of a custom NodeClass join through an access entry of type EC2; their role
// has the two node policies and nothing else.
func TestGPUNodePoolRolesJoinThroughEC2AccessEntries(t *testing.T) {
	platforms(t, func(t *testing.T, r *apptest.Result, env *config.Environment, stack string) {
		ec2 := 0
		for _, e := range r.Resources(t, stack, "AWS::EKS::AccessEntry") {
			if props(e)["Type"] == "EC2" {
				ec2++
				assert.Empty(t, props(e)["AccessPolicies"])
				assert.Contains(t, mustJSON(t, props(e)["PrincipalArn"]), "GPUNodePoolNodeRole")
			}
		}
		assert.Equal(t, poolCount(r, env), ec2)
		for id, role := range r.Resources(t, stack, "AWS::IAM::Role") {
			if !strings.Contains(id, "GPUNodePoolNodeRole") {
				continue
			}
			s := mustJSON(t, props(role)["ManagedPolicyArns"])
			assert.Contains(t, s, "AmazonEKSWorkerNodeMinimalPolicy", id)
			assert.Contains(t, s, "AmazonEC2ContainerRegistryPullOnly", id)
			assert.Len(t, props(role)["ManagedPolicyArns"], 2, id)
			assert.Nil(t, props(role)["Policies"], id)
		}
	})
}

// Auto Mode launches nodes with the cluster role: the platform key's policy lets it encrypt the
// node volumes (https://docs.aws.amazon.com/eks/latest/userguide/auto-kms.html), grants only for
// AWS resources. The role is in the same stack, so the key policy names a principal that exists.
func TestPlatformKeyLetsAutoModeEncryptNodeVolumes(t *testing.T) {
	platforms(t, func(t *testing.T, r *apptest.Result, env *config.Environment, stack string) {
		key := r.Resources(t, stack, "AWS::KMS::Key")
		var policy string
		for id, k := range key {
			if strings.HasPrefix(id, "PlatformKey") {
				policy = mustJSON(t, props(k)["KeyPolicy"])
			}
		}
		require.NotEmpty(t, policy)
		assert.Contains(t, policy, `"Sid":"EKSAutoModeNodeVolumes"`)
		assert.Contains(t, policy, `"Sid":"EKSAutoModeNodeVolumeGrants"`)
		assert.Contains(t, policy, `"kms:GrantIsForAWSResource":"true"`)
		assert.Contains(t, policy, `EKSClusterRole`)
	})
}

func poolCount(r *apptest.Result, env *config.Environment) int {
	n := 0
	if env.GPUNodes.BurstGPUs() > 0 {
		n++
	}
	for _, tn := range r.Config.TenantsIn(env.Name) {
		if tn.DedicatedGPUNodes != nil && tn.DedicatedGPUNodes.BurstGPUs() > 0 {
			n++
		}
	}
	return n
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// The CloudWatch observability add-on runs with a Pod Identity role of its own, and its log
// groups exist first, encrypted with the platform key and with the environment's retention.
func TestObservabilityAddonHasItsOwnRoleAndEncryptedLogGroups(t *testing.T) {
	platforms(t, func(t *testing.T, r *apptest.Result, env *config.Environment, stack string) {
		found := false
		for _, a := range r.Resources(t, stack, "AWS::EKS::Addon") {
			if props(a)["AddonName"] != "amazon-cloudwatch-observability" {
				continue
			}
			found = true
			s := mustJSON(t, props(a)["PodIdentityAssociations"])
			assert.Contains(t, s, `"ServiceAccount":"cloudwatch-agent"`)
			assert.Contains(t, s, "ObservabilityAgentRole")
		}
		assert.True(t, found, "amazon-cloudwatch-observability add-on")
		groups := map[string]bool{}
		for _, g := range r.Resources(t, stack, "AWS::Logs::LogGroup") {
			name, _ := props(g)["LogGroupName"].(string)
			if strings.HasPrefix(name, "/aws/containerinsights/") {
				groups[name] = true
				assert.NotNil(t, props(g)["KmsKeyId"], name)
				assert.EqualValues(t, env.LogRetentionDays, props(g)["RetentionInDays"], name)
			}
		}
		assert.Len(t, groups, 4)
	})
}

// Every tenant has a dashboard with the API, authorizer, WAF and GPU fleet widgets, and alarms
// on sustained GPU saturation and pending pods that notify the alarm topic.
func TestEveryTenantHasAFleetDashboardAndAlarms(t *testing.T) {
	r := example(t)
	for _, tn := range r.Config.Tenants {
		stack := naming.TenantStack(tn.Environment, tn.Name)
		d := onlyResource(t, r, stack, "AWS::CloudWatch::Dashboard")
		body := mustJSON(t, props(d)["DashboardBody"])
		for _, want := range []string{"API requests", "Latency", "p99", "4XXError", "5XXError", "Authorizer denials by reason", "BlockedRequests",
			"pod_gpu_utilization", "pod_gpu_memory_utilization", "pod_status_pending", "pod_number_of_container_restarts", "IntegrationLatency"} {
			assert.Contains(t, body, want, stack)
		}
		// An autoscaled tenant's dashboard shows its pod scaler's decisions; a fixed one's does not.
		for _, want := range []string{podscaler.MetricNamespace, podscaler.MetricReplicas, podscaler.MetricDesired, podscaler.MetricLoad} {
			if tn.Model.Autoscaling != nil {
				assert.Contains(t, body, want, stack)
			} else {
				assert.NotContains(t, body, want, stack)
			}
		}
		alarms := map[string]map[string]any{}
		for _, a := range r.Resources(t, stack, "AWS::CloudWatch::Alarm") {
			if n, ok := props(a)["AlarmName"].(string); ok {
				alarms[n] = props(a)
			}
		}
		prefix := "voicevault-" + tn.Environment + "-" + tn.Name + "-"
		gpu, pending := alarms[prefix+"gpu-saturation"], alarms[prefix+"pods-pending"]
		require.NotNil(t, gpu, stack)
		require.NotNil(t, pending, stack)
		assert.Equal(t, "pod_gpu_utilization", gpu["MetricName"])
		assert.EqualValues(t, 90, gpu["Threshold"])
		assert.EqualValues(t, 3, gpu["EvaluationPeriods"])
		assert.Equal(t, "pod_status_pending", pending["MetricName"])
		assert.EqualValues(t, 2, pending["EvaluationPeriods"])
		for _, a := range []map[string]any{gpu, pending} {
			assert.Contains(t, mustJSON(t, a["Dimensions"]), `"Value":"tenant-`+tn.Name+`"`)
			assert.Contains(t, mustJSON(t, a["AlarmActions"]), "alarms")
		}
	}
}

// Every tenant's container logs have a group of its own in its stack (tenant key, environment
// retention, created before the pods), and the platform's Fluent Bit configuration routes exactly
// the environment's tenant namespaces there, with a role allowed to write just those groups.
func TestEveryTenantsPodLogsGoToItsOwnEncryptedGroup(t *testing.T) {
	r := example(t)
	for _, env := range r.Config.Environments {
		tenants := r.Config.TenantsIn(env.Name)
		platform := naming.PlatformStack(env.Name)
		var conf, policy string
		for _, a := range r.Resources(t, platform, "AWS::EKS::Addon") {
			if props(a)["AddonName"] == "amazon-cloudwatch-observability" {
				conf = mustJSON(t, props(a)["ConfigurationValues"])
			}
		}
		for _, p := range r.Resources(t, platform, "AWS::IAM::ManagedPolicy") {
			if s := mustJSON(t, props(p)); strings.Contains(s, "WriteTenantPodLogs") {
				policy = s
			}
		}
		require.Contains(t, conf, "rewrite_tag", platform)
		// The chart's default tolerations (operator Exists) keep the agent and Fluent Bit on the
		// tainted GPU nodes; an override here would drop them from those nodes.
		assert.NotContains(t, conf, "tolerations", platform)
		for _, tn := range tenants {
			group := naming.TenantPodLogGroup(env.Name, tn.Name)
			assert.Contains(t, conf, "tenant."+naming.Namespace(tn.Name), platform)
			assert.Contains(t, conf, group, platform)
			assert.Contains(t, policy, "log-group:"+naming.TenantPodLogGroupPattern(env.Name)+":*", platform)

			stack := naming.TenantStack(env.Name, tn.Name)
			var id string
			for lid, g := range r.Resources(t, stack, "AWS::Logs::LogGroup") {
				if props(g)["LogGroupName"] == group {
					id = lid
					assert.Contains(t, mustJSON(t, props(g)["KmsKeyId"]), "TenantKey", stack)
					assert.EqualValues(t, env.LogRetentionDays, props(g)["RetentionInDays"], stack)
				}
			}
			require.NotEmpty(t, id, "%s has %s", stack, group)
			for _, m := range r.Resources(t, stack, "Custom::AWSCDK-EKS-KubernetesResource") {
				if strings.Contains(mustJSON(t, props(m)["Manifest"]), `\"kind\":\"Deployment\"`) {
					assert.Contains(t, mustJSON(t, m["DependsOn"]), id, "the pods start after their log group exists")
				}
			}
		}
		assert.NotContains(t, policy, "log-group:/voicevault/*", "the pattern is the environment's")
		assert.NotContains(t, policy, "log-group:*", "no group outside the pattern")
	}
}

// An autoscaled tenant has its pod scaler wired to the platform contract, its Deployment leaves
// the replica count to the scaler, its quota holds the maximum, and its namespace binds only the
// scaler's group; a tenant with a fixed count has none of it.
func TestAutoscaledTenantsHaveAPodScalerAndFixedOnesDoNot(t *testing.T) {
	r := example(t)
	scaled := 0
	for _, tn := range r.Config.Tenants {
		stack := naming.TenantStack(tn.Environment, tn.Name)
		fns := 0
		for _, fn := range r.Resources(t, stack, "AWS::Lambda::Function") {
			if strings.Contains(mustJSON(t, props(fn)["Description"]), "pod scaler") {
				fns++
				env := mustJSON(t, props(fn)["Environment"])
				// The CDK names a deploy-time SSM parameter after its path without the dashes.
				param := func(key string) string {
					return "SsmParameterValuevoicevault" + tn.Environment + "platform" + strings.ReplaceAll(key, "-", "")
				}
				for _, key := range []string{naming.ParamClusterEndpoint, naming.ParamClusterCA} {
					assert.Contains(t, env, param(key), "%s reads %s from the platform contract", stack, key)
				}
				assert.Contains(t, mustJSON(t, props(fn)["VpcConfig"]), param(naming.ParamPrivateSubnetIDs))
			}
		}
		var manifests string
		for _, m := range r.Resources(t, stack, "Custom::AWSCDK-EKS-KubernetesResource") {
			manifests += mustJSON(t, props(m)["Manifest"])
		}
		entries := r.Resources(t, stack, "AWS::EKS::AccessEntry")
		if a := tn.Model.Autoscaling; a != nil {
			scaled++
			assert.Equal(t, 1, fns, stack)
			require.Len(t, entries, 1, stack)
			for _, e := range entries {
				assert.Equal(t, []any{naming.PodScalerGroup(tn.Name)}, props(e)["KubernetesGroups"])
			}
			assert.Contains(t, manifests, `\"kind\":\"RoleBinding\"`, stack)
			assert.Contains(t, manifests, naming.PodScalerGroup(tn.Name), stack)
			assert.NotContains(t, manifests, `\"replicas\":`, "%s: the scaler owns the replica count", stack)
			assert.Contains(t, manifests, fmt.Sprintf(`\"pods\":\"%d\"`, a.MaxReplicas+config.RolloutSurge), "%s: quota at the maximum", stack)
		} else {
			assert.Zero(t, fns, stack)
			assert.Empty(t, entries, stack)
			assert.NotContains(t, manifests, "pod-scaler", stack)
			assert.Contains(t, manifests, fmt.Sprintf(`\"replicas\":%d`, tn.Model.Replicas), stack)
		}
	}
	assert.Positive(t, scaled, "the example shows an autoscaled tenant")
}
