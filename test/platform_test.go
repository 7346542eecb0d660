package test

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/constructs/constructtest"
	"github.com/voicevault/voicevault/naming"
	"github.com/voicevault/voicevault/test/apptest"
)

// platforms calls f for each environment of the example with its platform stack name.
func platforms(t *testing.T, f func(t *testing.T, r *apptest.Result, env *config.Environment, stack string)) {
	r := example(t)
	for i := range r.Config.Environments {
		env := &r.Config.Environments[i]
		stack := naming.PlatformStack(env.Name)
		t.Run(env.Name, func(t *testing.T) { f(t, r, env, stack) })
	}
}

func props(r map[string]any) map[string]any { return constructtest.Props(r) }

func onlyResource(t *testing.T, r *apptest.Result, stack, typ string) map[string]any {
	t.Helper()
	rs := r.Resources(t, stack, typ)
	require.Len(t, rs, 1, "%s in %s", typ, stack)
	for _, v := range rs {
		return v
	}
	return nil
}

func TestPlatformExportsNothingAndTenantsImportNothing(t *testing.T) {
	r := example(t)
	for _, name := range r.StackNames() {
		tpl := r.JSON(t, name)
		if outputs, ok := tpl["Outputs"].(map[string]any); ok {
			for id, o := range outputs {
				assert.NotContains(t, o, "Export", "%s output %s is a CloudFormation export", name, id)
			}
		}
		if strings.Contains(name, "-tenant-") {
			assert.NotContains(t, string(r.TemplateBytes(t, name)), "Fn::ImportValue", name)
		}
	}
}

func TestPlatformPublishesTheTenantContractAsSSMParameters(t *testing.T) {
	platforms(t, func(t *testing.T, r *apptest.Result, env *config.Environment, stack string) {
		params := map[string]any{}
		for _, p := range r.Resources(t, stack, "AWS::SSM::Parameter") {
			if name, ok := props(p)["Name"].(string); ok {
				params[name] = props(p)["Value"]
			}
		}
		value := func(key string) string {
			v, ok := params[naming.Param(env.Name, key)]
			require.True(t, ok, "parameter %s", naming.Param(env.Name, key))
			b, _ := json.Marshal(v)
			return string(b)
		}
		assert.Contains(t, value(naming.ParamKubectlServiceToken), "KubectlProviderframeworkonEvent")
		assert.Contains(t, value(naming.ParamKubectlRoleARN), "EKSKubectlRole")
		assert.Contains(t, value(naming.ParamVPCID), `{"Ref":"NetworkVPC`)
		assert.Contains(t, value(naming.ParamClusterSGID), "ClusterSecurityGroupId")
		// The typed fields tenant stacks use in-process are the same objects.
		p := r.Deployment.Platforms[env.Name]
		require.NotNil(t, p.VPC)
		require.NotNil(t, p.Cluster)
		require.NotNil(t, p.Cluster.KubectlProvider())
		require.NotNil(t, p.GPUNodes)
		require.NotNil(t, p.ModelRegistry)
	})
}

func TestNetworkComesFromTheConfig(t *testing.T) {
	platforms(t, func(t *testing.T, r *apptest.Result, env *config.Environment, stack string) {
		assert.Equal(t, env.VPCCIDR, props(onlyResource(t, r, stack, "AWS::EC2::VPC"))["CidrBlock"])
		var zones []string
		for _, s := range r.Resources(t, stack, "AWS::EC2::Subnet") {
			zones = append(zones, props(s)["AvailabilityZone"].(string))
		}
		sort.Strings(zones)
		want := append([]string(nil), env.AZs...)
		if env.Egress == config.EgressNAT {
			want = append(want, env.AZs...)
		}
		sort.Strings(want)
		assert.Equal(t, want, zones)
		if env.Egress == config.EgressNone {
			assert.Empty(t, r.Resources(t, stack, "AWS::EC2::InternetGateway"))
			assert.Empty(t, r.Resources(t, stack, "AWS::EC2::NatGateway"))
			assert.Len(t, r.Resources(t, stack, "AWS::Route53Resolver::FirewallRuleGroupAssociation"), 1, "DNS allow-list firewall")
		}
		fl := props(onlyResource(t, r, stack, "AWS::EC2::FlowLog"))
		assert.Equal(t, "ALL", fl["TrafficType"])
	})
}

func TestExampleSynthNeedsNoLookups(t *testing.T) {
	r := example(t)
	var manifest struct {
		Missing []struct{ Key string } `json:"missing"`
	}
	readJSON(t, r.Outdir+"/manifest.json", &manifest)
	assert.Empty(t, manifest.Missing, "every zone, account and region comes from the configuration")
}

func TestEveryPlatformLogGroupIsEncryptedWithACustomerManagedKeyAndRetained(t *testing.T) {
	platforms(t, func(t *testing.T, r *apptest.Result, env *config.Environment, stack string) {
		groups := r.Resources(t, stack, "AWS::Logs::LogGroup")
		keys := r.Resources(t, stack, "AWS::KMS::Key")
		assert.GreaterOrEqual(t, len(groups), 5)
		for id, g := range groups {
			p := props(g)
			getAtt, _ := p["KmsKeyId"].(map[string]any)["Fn::GetAtt"].([]any)
			require.Len(t, getAtt, 2, "%s: KmsKeyId is a key of this stack", id)
			key, ok := keys[getAtt[0].(string)]
			require.True(t, ok, "%s: %v is a KMS key of this stack", id, getAtt[0])
			assert.Equal(t, true, props(key)["EnableKeyRotation"], id)
			assert.EqualValues(t, env.LogRetentionDays, p["RetentionInDays"], id)
			assert.Equal(t, "RetainExceptOnCreate", g["DeletionPolicy"], id)
			name := p["LogGroupName"].(string)
			// Besides our prefix, the names EKS and Container Insights fix for the cluster.
			assert.True(t, strings.HasPrefix(name, naming.LogGroupPrefix(env.Name)) || name == "/aws/eks/"+naming.Cluster(env.Name)+"/cluster" ||
				strings.HasPrefix(name, "/aws/containerinsights/"+naming.Cluster(env.Name)+"/"), name)
		}
		// Every Lambda function writes to one of these groups, not to a default /aws/lambda/... one.
		for id, fn := range r.Resources(t, stack, "AWS::Lambda::Function") {
			lc, _ := props(fn)["LoggingConfig"].(map[string]any)
			require.NotNil(t, lc, id)
			ref, _ := lc["LogGroup"].(map[string]any)
			require.NotNil(t, ref, id)
			assert.Contains(t, groups, ref["Ref"], id)
		}
	})
}

func TestClusterIsPrivateEncryptedLoggedAndNamedFromTheConfig(t *testing.T) {
	platforms(t, func(t *testing.T, r *apptest.Result, env *config.Environment, stack string) {
		r.Template(t, stack).HasResourceProperties("AWS::EKS::Cluster", map[string]any{
			"Name":               naming.Cluster(env.Name),
			"Version":            env.KubernetesVersion,
			"ResourcesVpcConfig": assertions.Match_ObjectLike(&map[string]any{"EndpointPrivateAccess": true, "EndpointPublicAccess": false}),
			"EncryptionConfig":   []any{map[string]any{"Provider": map[string]any{"KeyArn": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^PlatformKey")), "Arn"}}}, "Resources": []any{"secrets"}}},
			"AccessConfig":       map[string]any{"AuthenticationMode": "API", "BootstrapClusterCreatorAdminPermissions": false},
			"Logging":            map[string]any{"ClusterLogging": map[string]any{"EnabledTypes": assertions.Match_ArrayWith(&[]any{map[string]any{"Type": "audit"}})}},
		})
	})
}

func TestClusterAdminsAreExactlyTheConfiguredRolesAndTheKubectlProvider(t *testing.T) {
	platforms(t, func(t *testing.T, r *apptest.Result, env *config.Environment, stack string) {
		var principals []string
		for _, e := range r.Resources(t, stack, "AWS::EKS::AccessEntry") {
			if props(e)["Type"] == "EC2" {
				// Auto Mode node roles (GPU node pools): they join as nodes and carry no access
				// policy, so no Kubernetes admin rights (TestGPUNodePoolRolesJoinThroughEC2AccessEntries).
				assert.Empty(t, props(e)["AccessPolicies"])
				continue
			}
			switch p := props(e)["PrincipalArn"].(type) {
			case string:
				principals = append(principals, p)
			default:
				b, _ := json.Marshal(p)
				assert.Contains(t, string(b), "EKSKubectlRole")
				principals = append(principals, "kubectl")
			}
		}
		assert.ElementsMatch(t, append(append([]string(nil), env.ClusterAdminRoleARNs...), "kubectl"), principals)
	})
}

func TestNodeGroupsAreSizedFromTheConfig(t *testing.T) {
	platforms(t, func(t *testing.T, r *apptest.Result, env *config.Environment, stack string) {
		groups := r.Resources(t, stack, "AWS::EKS::Nodegroup")
		gpuTaint := map[string]any{"Key": "nvidia.com/gpu", "Value": "true", "Effect": "NO_SCHEDULE"}
		// Pooled tenants with dedicatedGpuNodes have a GPU node group of their own, tainted for them.
		dedicated := map[string]config.Tenant{}
		for _, tn := range r.Config.TenantsIn(env.Name) {
			if tn.DedicatedGPUNodes != nil {
				dedicated["Tenant"+tn.Name+"GPUNodes"] = tn
			}
		}
		require.Len(t, groups, 2+len(dedicated))
		for id, g := range groups {
			p := props(g)
			want, ami := env.SystemNodes, "BOTTLEROCKET_x86_64"
			if strings.HasPrefix(id, "GPUNodes") {
				want, ami = env.GPUNodes, "BOTTLEROCKET_x86_64_NVIDIA"
				assert.Equal(t, []any{gpuTaint}, p["Taints"])
			}
			for prefix, tn := range dedicated {
				if strings.HasPrefix(id, prefix) {
					want, ami = *tn.DedicatedGPUNodes, "BOTTLEROCKET_x86_64_NVIDIA"
					assert.Equal(t, []any{gpuTaint, map[string]any{"Key": naming.TenantNodeKey, "Value": tn.Name, "Effect": "NO_SCHEDULE"}}, p["Taints"], id)
					assert.Equal(t, tn.Name, p["Labels"].(map[string]any)[naming.TenantNodeKey], id)
				}
			}
			assert.Equal(t, ami, p["AmiType"], id)
			var types []string
			for _, it := range p["InstanceTypes"].([]any) {
				types = append(types, it.(string))
			}
			assert.Equal(t, want.InstanceTypes, types, id)
			assert.Equal(t, map[string]any{"MinSize": float64(*want.MinSize), "DesiredSize": float64(*want.DesiredSize), "MaxSize": float64(*want.MaxSize)}, p["ScalingConfig"], id)
			// Nodes wait for the CNI, kube-proxy and the Pod Identity agent.
			deps, _ := json.Marshal(g["DependsOn"])
			for _, a := range []string{"VPCCNIAddon", "KubeProxyAddon", "PodIdentityAgentAddon"} {
				assert.Contains(t, string(deps), a, id)
			}
		}
		for id, lt := range r.Resources(t, stack, "AWS::EC2::LaunchTemplate") {
			data := props(lt)["LaunchTemplateData"].(map[string]any)
			assert.Equal(t, map[string]any{"HttpEndpoint": "enabled", "HttpPutResponseHopLimit": 1.0, "HttpTokens": "required"}, data["MetadataOptions"], id)
			want := env.SystemNodes.DiskSizeGiB
			if strings.HasPrefix(id, "GPUNodes") {
				want = env.GPUNodes.DiskSizeGiB
			}
			for prefix, tn := range dedicated {
				if strings.HasPrefix(id, prefix) {
					want = tn.DedicatedGPUNodes.DiskSizeGiB
				}
			}
			b, _ := json.Marshal(data["BlockDeviceMappings"])
			assert.Contains(t, string(b), `"DeviceName":"/dev/xvdb","Ebs":{"DeleteOnTermination":true,"Encrypted":true,"KmsKeyId":{"Fn::GetAtt":["PlatformKey`, id)
			assert.Contains(t, string(b), `"VolumeSize":`+jsonNumber(want), id)
		}
	})
}

func jsonNumber(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestModelRegistryPerEnvironment(t *testing.T) {
	platforms(t, func(t *testing.T, r *apptest.Result, env *config.Environment, stack string) {
		repo := onlyResource(t, r, stack, "AWS::ECR::Repository")
		assert.Equal(t, naming.ModelRepository(env.Name), props(repo)["RepositoryName"])
		assert.Equal(t, "IMMUTABLE", props(repo)["ImageTagMutability"])
		assert.Equal(t, "RetainExceptOnCreate", repo["DeletionPolicy"])
		// Pulls by this environment's node roles only (every node group's role, the tenants' own
		// GPU node groups included).
		b, _ := json.Marshal(props(repo)["RepositoryPolicyText"])
		nodeRoles := 0
		for id := range r.Resources(t, stack, "AWS::IAM::Role") {
			if strings.Contains(id, "NodesNodeRole") {
				nodeRoles++
				assert.Contains(t, string(b), `{"Fn::GetAtt":["`+id+`","Arn"]}`, id)
			}
		}
		assert.Equal(t, len(r.Resources(t, stack, "AWS::EKS::Nodegroup")), nodeRoles)
		assert.Contains(t, string(b), `"Effect":"Deny"`)
		// Critical scan findings of this repository alarm.
		found := false
		for _, rule := range r.Resources(t, stack, "AWS::Events::Rule") {
			pat, _ := json.Marshal(props(rule)["EventPattern"])
			if strings.Contains(string(pat), `"ECR Image Scan"`) {
				found = true
				assert.Contains(t, string(pat), `"repository-name":["`+naming.ModelRepository(env.Name)+`"]`)
			}
		}
		assert.True(t, found, "an ECR image scan rule")
	})
}

func TestPlatformTemplateStaysWithinCloudFormationLimits(t *testing.T) {
	platforms(t, func(t *testing.T, r *apptest.Result, env *config.Environment, stack string) {
		res := r.JSON(t, stack)["Resources"].(map[string]any)
		size := len(r.TemplateBytes(t, stack))
		t.Logf("%s: %d resources, %d bytes", stack, len(res), size)
		// CloudFormation allows 500 resources and 1 MB (template from S3); keep headroom for the
		// baseline, ingress and compliance resources other parts add to this stack.
		assert.Less(t, len(res), 250)
		assert.Less(t, size, 500_000)
	})
}
