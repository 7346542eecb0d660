package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseksv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/jsii-runtime-go"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/constructs/audiostore"
	"github.com/voicevault/voicevault/constructs/auditqueries"
	"github.com/voicevault/voicevault/constructs/defaults"
	"github.com/voicevault/voicevault/constructs/denialalarms"
	"github.com/voicevault/voicevault/constructs/kmskey"
	"github.com/voicevault/voicevault/constructs/malwarescan"
	"github.com/voicevault/voicevault/constructs/podscaler"
	"github.com/voicevault/voicevault/constructs/tenantdashboard"
	"github.com/voicevault/voicevault/constructs/tenantidentity"
	"github.com/voicevault/voicevault/constructs/tenantworkload"
	"github.com/voicevault/voicevault/naming"
)

// Tenant is one tenant's stack: everything the tenant owns, Kubernetes objects included.
type Tenant struct {
	Stack        awscdk.Stack
	Config       config.Tenant
	Platform     *Platform
	Key          awskms.Key                 // tenant CMK: audio bucket, tenant logs
	Cluster      awseksv2.ICluster          // the environment's cluster, imported by name (see contract.go)
	Audio        *audiostore.AudioStore     // the tenant's audio bucket
	Malware      malwarescan.MalwareScan    // GuardDuty Malware Protection for S3 on the audio bucket
	Identity     *tenantidentity.Identity   // the TTS pods' IAM role (EKS Pod Identity)
	Workload     *tenantworkload.Workload   // namespace, guardrails and TTS deployment
	TenantAPI                               // the API front door (tenant_api.go)
	AuditQuery   auditqueries.Query         // the saved query of who touched this tenant's audio (with CloudTrail on)
	DenialAlarms denialalarms.Alarms        // authorizer denial spikes by reason (monitoring.go)
	Dashboard    *tenantdashboard.Dashboard // API, authorizer, WAF and GPU fleet; GPU saturation and pending-pod alarms (monitoring.go)
	PodLogs      awslogs.LogGroup           // the pods' container logs (the platform's Fluent Bit writes them)
	PodScaler    *podscaler.PodScaler       // with model.autoscaling: scales the TTS Deployment on inference load (tenant_scaling.go)
	VPC          awsec2.IVpc                // the environment's VPC, imported by ID (contract.go)
	AlarmTopic   awssns.ITopic              // the environment's alarm topic, imported by name
}

// NewTenant builds the <env>-tenant-<name> stack. It is deployed after its platform stack and
// reads what it needs from it by name (see contract.go), not through CloudFormation exports.
func NewTenant(scope awscdk.App, p *Platform, t config.Tenant) *Tenant {
	env := p.Env
	stack := newStack(scope, stackSpec{
		name:        naming.TenantStack(env.Name, t.Name),
		description: "VoiceVault tenant " + t.Name + " (" + string(t.Isolation) + ") in environment " + env.Name,
		env:         env,
		tags: map[string]string{
			"Environment":     env.Name,
			"Owner":           t.Owner,
			"DataSensitivity": t.DataSensitivity,
			"Tenant":          t.Name,
			"ManagedBy":       ManagedBy,
		},
		extra: []config.Tags{env.Tags, t.Tags},
	})
	stack.AddStackDependency(p.Stack, jsii.String("tenant resources run on the platform's cluster and network"))
	tn := &Tenant{Stack: stack, Config: t, Platform: p}
	tn.Key = kmskey.New(stack, "TenantKey", kmskey.Props{
		Alias:       naming.TenantKeyAlias(env.Name, t.Name),
		Description: "VoiceVault tenant " + t.Name + ": audio bucket and tenant logs",
	})
	tn.Cluster = importCluster(stack, env)
	tn.VPC = awsec2.Vpc_FromVpcAttributes(stack, jsii.String("VPC"), &awsec2.VpcAttributes{
		VpcId: jsii.String(platformParam(stack, env, naming.ParamVPCID)), AvailabilityZones: jsii.Strings(env.AZs...),
	})

	tn.Audio = audiostore.New(stack, "Audio", audiostore.Props{
		BucketName:      env.Names().AudioBucket(t.Name),
		Key:             tn.Key,
		AccessLogBucket: awss3.Bucket_FromBucketName(stack, jsii.String("AccessLogBucket"), jsii.String(env.Names().AccessLogBucket())),
		AccessLogPrefix: "audio/" + t.Name + "/",
		RetentionDays:   t.AudioRetentionDays,
	})

	// New uploads are scanned for malware before anything reads them; the plan works with or
	// without a GuardDuty detector in the account (organization-managed accounts included).
	tn.Malware = malwarescan.New(stack, "MalwareScan", malwarescan.Props{Bucket: tn.Audio.Bucket(), BucketName: env.Names().AudioBucket(t.Name), Key: tn.Key})
	// Object data only from inside the environment's VPC (the pods, through the S3 gateway
	// endpoint), or by the malware scanner and the environment's erasure roles (docs/tenant.md).
	exempt := []*string{tn.Malware.Role().RoleArn()}
	for _, arn := range env.ErasureRoleARNs {
		exempt = append(exempt, jsii.String(arn))
	}
	tn.Audio.RestrictDataAccess(platformParam(stack, env, naming.ParamVPCID), exempt...)

	namespace := naming.Namespace(t.Name)
	tn.Identity = tenantidentity.New(stack, "Identity", tenantidentity.Props{
		ClusterName:    naming.Cluster(env.Name),
		Namespace:      namespace,
		ServiceAccount: naming.ServiceName,
		RoleName:       naming.WorkloadRole(env.Name, t.Name),
		Description:    "VoiceVault tenant " + t.Name + ": TTS pods (" + namespace + "/" + naming.ServiceName + ") read and write the tenant's audio",
	})
	audioPolicy := tn.Audio.GrantReadWrite(tn.Identity.Role())

	tn.Workload = tenantworkload.New(stack, "Workload", tenantworkload.Props{
		Cluster:            tn.Cluster,
		Tenant:             t.Name,
		Namespace:          namespace,
		Name:               naming.ServiceName,
		Model:              workloadModel(t.Model),
		Surge:              config.RolloutSurge,
		AudioBucketName:    env.Names().AudioBucket(t.Name),
		AudioKeyARN:        *tn.Key.KeyArn(),
		Region:             env.Region,
		VPCCIDR:            env.VPCCIDR,
		HTTPSEgress:        HTTPSEgress(env),
		PodSecurityVersion: "v" + env.KubernetesVersion,
		DedicatedNodes:     t.DedicatedGPUNodes != nil,
		ScalerGroup:        scalerGroup(t),
	})
	// The pods' container logs (routed here by the platform's observability add-on), created
	// before any pod runs.
	tn.PodLogs = defaults.LogGroup(stack, "PodLogs", defaults.LogGroupProps{Name: naming.TenantPodLogGroup(env.Name, t.Name), Key: tn.Key, RetentionDays: env.LogRetentionDays})
	tn.Workload.WorkloadManifest().Node().AddDependency(tn.PodLogs)
	// EKS Pod Identity gives a pod credentials only if the association exists when the pod is
	// admitted (the webhook injects the credentials endpoint then; EKS user guide, "Assign an IAM
	// role to a Kubernetes service account"), and the role must already hold its policy: apply
	// the pods after the association, the role and its policy.
	tn.Workload.WorkloadManifest().Node().AddDependency(tn.Identity.Construct, audioPolicy)
	addAPI(tn)
	addPodScaler(tn)
	return tn
}

// importCluster imports the environment's cluster with the platform's kubectl provider, whose
// service token the platform stack publishes in SSM (read at deploy time). Manifests need only
// the service token; the provider's role matters only for Helm charts, which tenants do not use.
func importCluster(stack awscdk.Stack, env *config.Environment) awseksv2.ICluster {
	token := awsssm.StringParameter_ValueForStringParameter(stack, jsii.String(naming.Param(env.Name, naming.ParamKubectlServiceToken)), nil)
	provider := awseksv2.KubectlProvider_FromKubectlProviderAttributes(stack, jsii.String("KubectlProvider"), &awseksv2.KubectlProviderAttributes{
		ServiceToken: token,
	})
	return awseksv2.Cluster_FromClusterAttributes(stack, jsii.String("Cluster"), &awseksv2.ClusterAttributes{
		ClusterName:     jsii.String(naming.Cluster(env.Name)),
		KubectlProvider: provider,
	})
}

// nonPublicRanges are the IPv4 ranges that are not public Internet addresses: RFC 1918,
// shared address space (RFC 6598) and link-local (which holds the instance metadata service).
var nonPublicRanges = []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"}

// HTTPSEgress is where a tenant's pods may open TCP 443: the VPC CIDR (interface endpoints)
// and, only in egress mode "none", public IPv4 addresses. A NetworkPolicy cannot name the S3
// gateway endpoint's prefix list, and S3 answers on public addresses; with egress "none" the
// private subnets have no route to the Internet, so the only public destination a pod can
// reach is S3 through the gateway endpoint (whose endpoint policy then applies). With egress
// "nat" the public range would be the Internet, so it is left out: pods then reach S3 only
// through an S3 interface endpoint in the VPC (see docs/tenant.md).
func HTTPSEgress(env *config.Environment) []networkingv1.IPBlock {
	out := []networkingv1.IPBlock{{CIDR: env.VPCCIDR}}
	if env.Egress == config.EgressNone {
		out = append(out, networkingv1.IPBlock{CIDR: "0.0.0.0/0", Except: append([]string(nil), nonPublicRanges...)})
	}
	return out
}

// workloadModel is the configuration's model (defaults applied by config.Load) as the workload
// construct takes it.
func workloadModel(m config.Model) tenantworkload.Model {
	return tenantworkload.Model{Image: m.Image, Replicas: m.Replicas, MaxReplicas: m.MaxReplicas(), MinAvailable: m.MinAvailable, Port: m.Port, GPUs: m.GPUs,
		CPU: m.CPU, Memory: m.Memory, HealthPath: m.HealthPath, ReadyPath: m.ReadyPath}
}
