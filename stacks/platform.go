package stacks

import (
	"maps"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/constructs/cluster"
	"github.com/voicevault/voicevault/constructs/gpunodepool"
	"github.com/voicevault/voicevault/constructs/ingress"
	"github.com/voicevault/voicevault/constructs/kmskey"
	"github.com/voicevault/voicevault/constructs/modelregistry"
	"github.com/voicevault/voicevault/constructs/network"
	"github.com/voicevault/voicevault/constructs/nodegroup"
	"github.com/voicevault/voicevault/constructs/observability"
	"github.com/voicevault/voicevault/constructs/podpaths"
	"github.com/voicevault/voicevault/naming"
)

// Platform is an environment's shared stack and what its tenant stacks use from it.
type Platform struct {
	Stack   awscdk.Stack
	Env     *config.Environment
	Tenants []config.Tenant // the tenants placed in this environment
	Key     awskms.Key      // platform CMK: cluster secrets, node volumes, platform logs
	Ingress ingress.Ingress // shared VPC link + internal load balancer for tenant APIs (platform_ingress.go)
	// PodPaths opens the load balancer's and the pod scalers' paths into the tenant pods, once per
	// model port (platform_ingress.go); nil with no tenant.
	PodPaths *podpaths.PodPaths

	// Security baseline (baseline.go). Tenant stacks import the first two by their derived
	// names (config.AccessLogBucketName, config.AlarmTopicName).
	AccessLogs awss3.IBucket // S3 server-access-log target of every bucket in the environment
	AlarmTopic awssns.ITopic // encrypted alarm topic: CloudWatch alarms, findings, cost anomalies
	Baseline   *Baseline

	// Network and cluster (platform_cluster.go).
	Network        network.Network                // VPC, endpoints, flow logs
	VPC            awsec2.Vpc                     // = Network.VPC()
	Cluster        cluster.Cluster                // EKS cluster, add-ons, access entries, kubectl provider
	GPUNodes       nodegroup.NodeGroup            // Bottlerocket NVIDIA managed node group (tainted)
	TenantGPUNodes map[string]nodegroup.NodeGroup // per tenant with dedicatedGpuNodes: its own GPU node group (tainted for it)
	// GPUNodePools are the EKS Auto Mode GPU node pools that scale above the managed groups' warm
	// nodes with pending pods: "" for the shared GPU nodes, else the tenant with dedicatedGpuNodes.
	GPUNodePools map[string]*gpunodepool.GPUNodePool
	// Observability is the amazon-cloudwatch-observability add-on (Container Insights with GPU
	// metrics, container logs) and its Pod Identity role.
	Observability *observability.Observability
	SystemNodes   nodegroup.NodeGroup    // Bottlerocket managed node group for add-ons and controllers
	ModelRegistry modelregistry.Registry // ECR repository of the TTS model images
}

// NewPlatform builds the <env>-platform stack.
func NewPlatform(scope awscdk.App, env *config.Environment, tenants []config.Tenant) *Platform {
	tenantTag := "shared"
	if d := env.DedicatedTo(); d != "" {
		tenantTag = d
	}
	spec := stackSpec{
		name:        naming.PlatformStack(env.Name),
		description: "VoiceVault platform for environment " + env.Name + ": network, EKS GPU cluster, security baseline",
		env:         env,
		tags: map[string]string{
			"Environment":     env.Name,
			"Owner":           env.Owner,
			"DataSensitivity": highestSensitivity(tenants),
			"Tenant":          tenantTag,
			"ManagedBy":       ManagedBy,
		},
		extra: []config.Tags{env.Tags},
	}
	stack := newStack(scope, spec)
	p := &Platform{Stack: stack, Env: env, Tenants: tenants}
	p.Key = kmskey.New(stack, "PlatformKey", kmskey.Props{
		Alias:       naming.KeyAlias(env.Name, "platform"),
		Description: "VoiceVault " + env.Name + " platform: EKS secrets, node volumes, platform logs",
	})
	p.addNetworkAndCluster()
	addBaseline(p) // after the network: baseline resources may reference the VPC
	addIngress(p)
	tagCDKInternals(p, spec.allTags())
	return p
}

// tagCDKInternals tags the three resources the CDK builds as plain CfnResources, which the Tags
// aspect cannot reach: the default-security-group helper's role and function (a stack-level
// custom-resource provider) and the cluster's kubectl readiness barrier (an SSM parameter).
func tagCDKInternals(p *Platform, tags map[string]string) {
	list := make([]map[string]string, 0, len(tags))
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		list = append(list, map[string]string{"Key": k, "Value": tags[k]})
	}
	if provider := p.Stack.Node().TryFindChild(jsii.String("Custom::VpcRestrictDefaultSGCustomResourceProvider")); provider != nil {
		for _, id := range []string{"Role", "Handler"} {
			provider.Node().FindChild(jsii.String(id)).(awscdk.CfnResource).AddPropertyOverride(jsii.String("Tags"), list)
		}
	}
	if barrier := p.Cluster.Cluster().Node().TryFindChild(jsii.String("KubectlReadyBarrier")); barrier != nil {
		barrier.(awscdk.CfnResource).AddPropertyOverride(jsii.String("Tags"), tags) // AWS::SSM::Parameter: a map
	}
}

// highestSensitivity is the most sensitive label among tenants: the platform holds all their data.
func highestSensitivity(tenants []config.Tenant) string {
	for _, s := range config.Sensitivities {
		for _, t := range tenants {
			if t.DataSensitivity == s {
				return s
			}
		}
	}
	return config.Sensitivities[len(config.Sensitivities)-1]
}
