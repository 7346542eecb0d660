// Package naming is VoiceVault's naming scheme: every physical name the stacks give AWS resources
// (stacks, buckets, keys' aliases, log groups, SSM parameters, roles, policies, topics) and every
// Kubernetes name the platform and the tenants agree on, in one place, with the parser the audit
// reads them back with.
//
// Names are a security contract: IAM patterns ("vv-acme-*"), key policies (log group ARNs in the
// encryption context), the access model's flows and the evidence pack all depend on them. A name
// is defined here once; stacks pass it to constructs through their Props, and readers of the
// synthesized templates use Parse* instead of their own patterns. The package imports no CDK and
// nothing of VoiceVault: it is a leaf.
package naming

import "strconv"

// Product prefixes every VoiceVault name that is not otherwise scoped.
const Product = "voicevault"

// Env is what names need to know about an environment: its name, account and region (bucket
// names are global, so they carry all three).
type Env struct {
	Name    string
	Account string
	Region  string
}

// Stacks.

// PlatformStack is the stack name of an environment's shared platform.
func PlatformStack(env string) string { return env + "-platform" }

// TenantStack is the stack name of one tenant.
func TenantStack(env, tenant string) string { return env + tenantStackInfix + tenant }

// DeliveryStack is the stack name of an environment's delivery stack (CI roles and policies).
func DeliveryStack(env string) string { return env + "-delivery" }

// CostsStack is the stack name of an environment's companion stack in the cost Region.
func CostsStack(env string) string { return env + "-costs" }

// ToolkitStack is the stack `cdk bootstrap` creates for a qualifier: one per qualifier, so that
// two environments in one account and region keep separate bootstraps.
func ToolkitStack(qualifier string) string { return "CDKToolkit-" + qualifier }

const tenantStackInfix = "-tenant-"

// Prefixes.

// Prefix is "voicevault-<env>": the name of the environment's trail, WAF, VPC link, cost
// monitor, audit workgroup base and the prefix of its alarm and rule names.
func Prefix(env string) string { return Product + "-" + env }

// TenantPrefix is "voicevault-<env>-<tenant>": the tenant's REST API and web ACL names and the
// prefix of its alarm names.
func TenantPrefix(env, tenant string) string { return Prefix(env) + "-" + tenant }

// Cluster is the EKS cluster name of an environment.
func Cluster(env string) string { return Prefix(env) }

// Trail is the CloudTrail trail name of an environment.
func Trail(env string) string { return Prefix(env) }

// Buckets (global names: environment, account and region make them unique and deterministic, so
// the platform stack can name a tenant's bucket without a cross-stack reference).

// AudioBucket is a tenant's audio bucket.
func (e Env) AudioBucket(tenant string) string {
	return audioBucketPrefix + tenant + "-" + e.Name + "-" + e.Account + "-" + e.Region
}

// AccessLogBucket is the platform's S3 server-access-log bucket (tenant buckets log to it).
func (e Env) AccessLogBucket() string {
	return audioBucketPrefix + "access-logs-" + e.Name + "-" + e.Account + "-" + e.Region
}

// BucketPattern matches every bucket VoiceVault names (the access-log bucket's source buckets).
const BucketPattern = audioBucketPrefix + "*"

const audioBucketPrefix = "vv-"

// Key aliases (without "alias/").

// KeyAlias is the alias of one of the environment's keys: platform, alarms, cloudtrail, config,
// cost-alerts, audit-results.
func KeyAlias(env, purpose string) string { return Product + "/" + env + "/" + purpose }

// TenantKeyAlias is the alias of a tenant's key.
func TenantKeyAlias(env, tenant string) string { return tenantPath(env, tenant) }

// Log groups.

// LogGroupPrefix is the prefix of every log group the environment names: "/voicevault/<env>/".
func LogGroupPrefix(env string) string { return "/" + Product + "/" + env + "/" }

// LogGroup is one of the environment's log groups: LogGroupPrefix followed by what, e.g.
// "vpc/flow-logs", "cloudtrail", "eks/kubectl-handler".
func LogGroup(env, what string) string { return LogGroupPrefix(env) + what }

// FlowLogGroup is the VPC flow log group.
func FlowLogGroup(env string) string { return LogGroup(env, "vpc/flow-logs") }

// CloudTrailLogGroup is the trail's log group (CloudWatch Logs delivery, for the CIS alarms).
func CloudTrailLogGroup(env string) string { return LogGroup(env, "cloudtrail") }

// ControlPlaneLogGroup is where EKS writes the control-plane logs of a cluster (a name EKS fixes).
func ControlPlaneLogGroup(cluster string) string { return "/aws/eks/" + cluster + "/cluster" }

// APIAccessLogGroup is a tenant API's access log group.
func APIAccessLogGroup(env, tenant string) string {
	return "/" + tenantPath(env, tenant) + "/api-access"
}

// AuthorizerLogGroup is a tenant authorizer's log group.
func AuthorizerLogGroup(env, tenant string) string {
	return "/" + tenantPath(env, tenant) + "/authorizer"
}

// TenantPodLogGroup is where a tenant's container logs go (the observability add-on's Fluent Bit
// routes the tenant namespace there).
func TenantPodLogGroup(env, tenant string) string {
	return "/" + tenantPath(env, tenant) + "/pods"
}

// TenantPodLogGroupPattern matches every tenant's pod log group of an environment (path.Match syntax).
func TenantPodLogGroupPattern(env string) string { return TenantPodLogGroup(env, "*") }

// PodScalerLogGroup is a tenant pod scaler's log group.
func PodScalerLogGroup(env, tenant string) string {
	return "/" + tenantPath(env, tenant) + "/pod-scaler"
}

// PodScalerGroup is the Kubernetes group of a tenant's pod scaler (its EKS access entry); only
// the tenant's namespace binds it. One per tenant: a shared group would be bound in every
// tenant's namespace.
func PodScalerGroup(tenant string) string { return Product + ":pod-scaler:" + tenant }

// Secrets.

// APIKeySecret is the name of a tenant's partner API key secret.
func APIKeySecret(env, tenant string) string { return tenantPath(env, tenant) + "/api-keys" }

func tenantPath(env, tenant string) string { return Product + "/" + env + "/tenant/" + tenant }

// SSM parameters: the platform → tenant contract values the platform stack writes and tenant
// stacks read as deploy-time parameters.

// ParamPrefix is the SSM path of an environment's platform parameters.
func ParamPrefix(env string) string { return "/" + Product + "/" + env + "/platform/" }

// Param is the full SSM parameter name of key in env.
func Param(env, key string) string { return ParamPrefix(env) + key }

// Parameter keys under ParamPrefix.
const (
	ParamKubectlServiceToken = "kubectl-service-token" // the kubectl provider's custom-resource service token
	ParamKubectlRoleARN      = "kubectl-role-arn"      // the role the kubectl provider uses on the cluster
	ParamVPCID               = "vpc-id"
	ParamClusterSGID         = "cluster-security-group-id"
	ParamClusterEndpoint     = "cluster-endpoint"             // the private API server endpoint (https URL): pod scalers
	ParamClusterCA           = "cluster-ca"                   // the cluster CA (base64 PEM, as DescribeCluster gives it): pod scalers
	ParamPrivateSubnetIDs    = "private-subnet-ids"           // the private subnets, comma-separated in zone order: in-VPC tenant functions
	ParamPodScalerSGID       = "pod-scaler-security-group-id" // the pod scalers' security group (paths: API server, model ports)
	ParamIngressListenerARN  = "ingress-listener-arn"         // shared internal load balancer listener: tenant listener rules
	// ParamIngressLoadBalancerARN is the shared internal load balancer: the integration target of
	// every tenant API method (REST API + VPC link V2 takes the load balancer's ARN).
	ParamIngressLoadBalancerARN = "ingress-load-balancer-arn"
	ParamIngressVPCLinkID       = "ingress-vpc-link-id"  // shared API Gateway VPC link
	ParamIngressALBDNS          = "ingress-alb-dns-name" // shared internal load balancer DNS name
	// ParamIngressSecurityGroupID is the shared load balancer's security group: tenant
	// TargetGroupBindings admit it to their pods' port.
	ParamIngressSecurityGroupID = "ingress-security-group-id"
)

// Topics.

// AlarmTopic is the environment's alarm SNS topic; tenant alarms publish to it.
func AlarmTopic(env string) string { return Prefix(env) + "-alarms" }

// CostAlertsTopic is the cost anomaly topic of the environment's costs stack.
func CostAlertsTopic(env string) string { return Prefix(env) + "-cost-alerts" }

// IAM.

// WorkloadRole is the role a tenant's TTS pods get through EKS Pod Identity. Named, so an auditor
// can tell whose role a policy names.
func WorkloadRole(env, tenant string) string { return TenantPrefix(env, tenant) + "-tts" }

// BoundaryPolicy is the managed policy every role of the environment's stacks (and the
// CloudFormation execution role) carries as its permissions boundary.
func BoundaryPolicy(env string) string { return Prefix(env) + "-boundary" }

// ExecutionPolicy is the n-th (from 1) managed policy of the CloudFormation execution role.
func ExecutionPolicy(env string, n int) string {
	if n <= 1 {
		return Prefix(env) + "-cfn-execution"
	}
	return Prefix(env) + "-cfn-execution-" + strconv.Itoa(n)
}

// ExecutionPolicyCount is how many execution policies the delivery stack creates: a managed
// policy holds at most 6,144 characters, so the execution policy is spread over this many.
const ExecutionPolicyCount = 5

// DeployRole is the role GitHub Actions deploy jobs of env assume through OIDC.
func DeployRole(env string) string { return "vv-github-deploy-" + env }

// DiffRole is the role GitHub Actions pull-request jobs of env assume through OIDC.
func DiffRole(env string) string { return "vv-github-diff-" + env }

// Bootstrap role kinds, as in the names of the roles `cdk bootstrap` creates.
const (
	BootstrapDeployRole          = "deploy-role"
	BootstrapFilePublishingRole  = "file-publishing-role"
	BootstrapImagePublishingRole = "image-publishing-role"
	BootstrapLookupRole          = "lookup-role"
	BootstrapExecutionRole       = "cfn-exec-role"
)

// BootstrapRole is the name of a role `cdk bootstrap --qualifier` created in an account and region.
func BootstrapRole(qualifier, kind, account, region string) string {
	return "cdk-" + qualifier + "-" + kind + "-" + account + "-" + region
}

// Images.

// ModelRepository is the ECR repository of an environment's TTS model images.
func ModelRepository(env string) string { return Product + "/" + env + "/tts" }

// Kubernetes.

// Namespace is the Kubernetes namespace of a tenant.
func Namespace(tenant string) string { return "tenant-" + tenant }

// ServiceName is the Kubernetes Service, Deployment and service account name of a tenant's TTS
// workload.
const ServiceName = "tts"

// GPU node placement, shared by the platform's GPU nodes (which carry them) and the tenant
// workloads (which tolerate and select them): GPU nodes carry the taint GPUTaintKey=true:NoSchedule
// and the label GPUNodeLabelKey=GPUNodeLabelValue.
const (
	GPUTaintKey       = "nvidia.com/gpu"
	GPUNodeLabelKey   = "voicevault.io/node-class"
	GPUNodeLabelValue = "gpu"
	// TenantNodeKey labels and taints (value: the tenant's name, effect NoSchedule) the GPU nodes
	// of a tenant with dedicatedGpuNodes: only its pods tolerate the taint, and they select the
	// label, so they run there and nowhere else.
	TenantNodeKey = "voicevault.io/tenant"
)

// GPUNodePool names the EKS Auto Mode GPU NodePool and NodeClass of the shared GPU nodes (tenant
// "") or of a tenant's dedicated GPU nodes.
func GPUNodePool(tenant string) string {
	if tenant == "" {
		return "gpu"
	}
	return Namespace(tenant) + "-gpu"
}

// ContainerInsightsLogGroup is a Container Insights log group of a cluster,
// /aws/containerinsights/<cluster>/<kind> (a name the CloudWatch agent and Fluent Bit fix).
func ContainerInsightsLogGroup(cluster, kind string) string {
	return "/aws/containerinsights/" + cluster + "/" + kind
}
