// Package config reads, defaults and validates the VoiceVault deployment file: the
// environments (account + region, network, cluster, baseline services) and the tenants
// placed in them. Validation happens here, once, and reports every problem at once;
// constructs downstream may assume a valid Config.
package config

import (
	"hash/fnv"
	"strings"

	"github.com/voicevault/voicevault/naming"
)

// Config is the whole deployment file.
type Config struct {
	Environments []Environment `yaml:"environments"`
	Tenants      []Tenant      `yaml:"tenants"`
}

// Environment is one account + region holding one VPC and one EKS cluster.
type Environment struct {
	Name                 string     `yaml:"name"`                 // Required. DNS-1123 label, 1-10 characters.
	Account              string     `yaml:"account"`              // Required. 12-digit AWS account ID.
	Region               string     `yaml:"region"`               // Required. e.g. eu-west-1.
	Owner                string     `yaml:"owner"`                // Required. Team or e-mail accountable for the environment.
	AZs                  []string   `yaml:"availabilityZones"`    // Required. 2 to 6 zone names of Region, chosen for this account (make preflight checks their GPU offerings).
	AZCount              int        `yaml:"azCount"`              // Default: the number of availabilityZones. From 2 to 6; a check that the list is complete.
	VPCCIDR              string     `yaml:"vpcCidr"`              // Default: 10.40.0.0/16. Prefix /16 to /20.
	KubernetesVersion    string     `yaml:"kubernetesVersion"`    // Default: DefaultKubernetesVersion.
	Egress               EgressMode `yaml:"egress"`               // Default: none (VPC endpoints only).
	GPUNodes             NodeGroup  `yaml:"gpuNodes"`             // Default: DefaultGPUNodes.
	SystemNodes          NodeGroup  `yaml:"systemNodes"`          // Default: DefaultSystemNodes.
	ClusterAdminRoleARNs []string   `yaml:"clusterAdminRoleArns"` // Required. IAM roles granted cluster-admin through access entries.
	// ErasureRoleARNs may list, delete and tag object versions of the environment's audio buckets
	// from outside the VPC (cmd/erase run by an operator). Default: none (erasure only from inside
	// the VPC). They cannot read audio: the tenant keys do not name them.
	ErasureRoleARNs  []string   `yaml:"erasureRoleArns"`
	AlarmEmail       string     `yaml:"alarmEmail"`       // Required. Subscribed to the alarm topic.
	LogRetentionDays int        `yaml:"logRetentionDays"` // Default: 365. A CloudWatch Logs retention value.
	Services         Services   `yaml:"services"`         // Default: every account-level service created here.
	Tags             Tags       `yaml:"tags"`             // Default: none beyond the mandatory tags.
	Deployment       Deployment `yaml:"deployment"`       // Default: standard deployment settings.
	Ingress          Ingress    `yaml:"ingress"`          // Required: HTTPS needs a certificate, or an explicit plainHttp (see Ingress).
	Monitoring       Monitoring `yaml:"monitoring"`       // Default: see Monitoring (allowed regions, misuse alarm thresholds).
	dedicatedTo      string     // Set by Validate: the tenant name when this environment is dedicated.
}

// EgressMode says how workloads in private subnets reach anything outside the VPC.
type EgressMode string

const (
	// EgressNone gives private subnets no route to the internet: AWS APIs through VPC endpoints only.
	EgressNone EgressMode = "none"
	// EgressNAT adds one NAT gateway per AZ for egress that endpoints cannot serve.
	EgressNAT EgressMode = "nat"
)

// NodeGroup sizes a managed node group.
type NodeGroup struct {
	InstanceTypes []string `yaml:"instanceTypes"`
	MinSize       *int     `yaml:"minSize"`
	DesiredSize   *int     `yaml:"desiredSize"`
	MaxSize       *int     `yaml:"maxSize"`
	DiskSizeGiB   int      `yaml:"diskSizeGiB"`
}

// Services switches the account/region-level security services this environment creates.
// Switch one off only where the account already has it (e.g. managed by an organization).
type Services struct {
	CloudTrail     *bool `yaml:"cloudTrail"`     // Default: true.
	GuardDuty      *bool `yaml:"guardDuty"`      // Default: true.
	SecurityHub    *bool `yaml:"securityHub"`    // Default: true.
	Config         *bool `yaml:"config"`         // Default: true. AWS Config recorder and delivery channel.
	AccessAnalyzer *bool `yaml:"accessAnalyzer"` // Default: true.
	Macie          *bool `yaml:"macie"`          // Default: true.
	CostAnomaly    *bool `yaml:"costAnomaly"`    // Default: true.
}

// Singleton is an account- and Region-wide AWS resource the baseline creates: there is at most one
// per account and Region, so creating a second fails the stack (the usual case in an AWS
// Organization whose delegated administrator enables the service for every member account).
type Singleton struct {
	ResourceType string // the CloudFormation type that creates it
	What         string // what it is, for messages
	Switch       string // the services: switch that turns it off (YAML name)
	on           func(Services) bool
}

// Enabled reports whether s's switch is on in svc.
func (s Singleton) Enabled(svc Services) bool { return s.on(svc) }

// Singletons are the baseline's account/region singletons and their switches. The analyzer is
// one of type ACCOUNT (IAM Access Analyzer allows one per account and Region). make preflight
// finds the existing ones in an account before anything is created.
var Singletons = []Singleton{
	{"AWS::GuardDuty::Detector", "GuardDuty detector", "guardDuty", func(s Services) bool { return Enabled(s.GuardDuty) }},
	{"AWS::SecurityHub::Hub", "Security Hub", "securityHub", func(s Services) bool { return Enabled(s.SecurityHub) }},
	{"AWS::Config::ConfigurationRecorder", "AWS Config configuration recorder", "config", func(s Services) bool { return Enabled(s.Config) }},
	{"AWS::Config::DeliveryChannel", "AWS Config delivery channel", "config", func(s Services) bool { return Enabled(s.Config) }},
	{"AWS::Macie::Session", "Macie session", "macie", func(s Services) bool { return Enabled(s.Macie) }},
	{"AWS::AccessAnalyzer::Analyzer", "IAM Access Analyzer account analyzer", "accessAnalyzer", func(s Services) bool { return Enabled(s.AccessAnalyzer) }},
}

// Deployment holds stack-level settings and how CI deploys the environment.
type Deployment struct {
	TerminationProtection *bool   `yaml:"terminationProtection"` // Default: true.
	Qualifier             string  `yaml:"qualifier"`             // Default: DefaultQualifier. The cdk bootstrap qualifier, [a-z0-9]{1,10}.
	GitHub                *GitHub `yaml:"github"`                // Default: none: the <env>-delivery stack holds only the execution policies and the permissions boundary; deploys by hand only.
}

// GitHub says which GitHub Actions workflow may deploy an environment. When set, the
// environment's <env>-delivery stack (which always holds the CloudFormation execution policies
// and the permissions boundary) also gets the GitHub OIDC provider and the deploy and diff roles.
type GitHub struct {
	Repository           string `yaml:"repository"`           // Required. owner/name, exactly as GitHub spells it.
	Environment          string `yaml:"environment"`          // Default: the VoiceVault environment's name. The GitHub environment whose protection rules gate deploys.
	Branch               string `yaml:"branch"`               // Default: main. The only branch that deploys.
	ExistingOIDCProvider bool   `yaml:"existingOidcProvider"` // Default: false: the delivery stack creates the account's GitHub OIDC provider.
}

// Ingress configures the environment's shared internal load balancer, the private target of every
// tenant's API (API Gateway → VPC link → internal ALB → tenant target group).
//
// HTTPS is the default and is required: the listener is HTTPS on 443 with a TLS 1.3/1.2 policy,
// and API Gateway connects to HostName (sent as SNI and Host; it must be a name the certificate
// covers, from a public CA: API Gateway does not trust private CAs on HTTP integrations). Only an
// explicit PlainHTTP gives a listener that speaks HTTP on port 80: the hop then runs inside the
// VPC only, from the VPC link's network interfaces to the load balancer, whose security group
// admits nothing else, but unencrypted.
type Ingress struct {
	CertificateARN string `yaml:"certificateArn"` // Required unless PlainHTTP. ACM certificate in the environment's region.
	HostName       string `yaml:"hostName"`       // Required with certificateArn: the name on the certificate.
	PlainHTTP      bool   `yaml:"plainHttp"`      // Default: false. true accepts HTTP on the API → load balancer hop (no certificate).
}

// TLS reports whether the environment's ingress listener is HTTPS.
func (i Ingress) TLS() bool { return i.CertificateARN != "" }

// Tags are extra tags put on every resource of an environment or tenant.
type Tags map[string]string

// Isolation says where a tenant's workload runs.
type Isolation string

const (
	// IsolationPooled puts the tenant in a namespace of its environment's shared cluster.
	IsolationPooled Isolation = "pooled"
	// IsolationDedicated gives the tenant an environment (account/region, VPC, cluster) of its own.
	IsolationDedicated Isolation = "dedicated"
)

// Tenant is one customer of the voice service.
type Tenant struct {
	Name               string        `yaml:"name"`               // Required. DNS-1123 label, 1-20 characters.
	Owner              string        `yaml:"owner"`              // Required.
	DataSensitivity    string        `yaml:"dataSensitivity"`    // Default: biometric. One of Sensitivities.
	Isolation          Isolation     `yaml:"isolation"`          // Default: pooled.
	Environment        string        `yaml:"environment"`        // Required. Name of an environment.
	Model              Model         `yaml:"model"`              // Required: image.
	AudioRetentionDays int           `yaml:"audioRetentionDays"` // Default: 90. Also expires noncurrent versions.
	Authorizer         Authorizer    `yaml:"authorizer"`         // Required: issuer, audiences, jwksUrl.
	WAF                WAF           `yaml:"waf"`                // Default: DefaultRateLimit, no allow-list.
	API                API           `yaml:"api"`                // Default: DefaultThrottle.
	CustomDomain       *CustomDomain `yaml:"customDomain"`       // Default: none (the execute-api endpoint only).
	Tags               Tags          `yaml:"tags"`               // Default: none beyond the mandatory tags.
	// DedicatedGPUNodes gives a pooled tenant GPU nodes of its own in the shared cluster: a node
	// group tainted and labelled voicevault.io/tenant=<name>, which only this tenant's pods
	// tolerate and select. Omitted fields take the environment's gpuNodes values. Default: none
	// (the environment's shared GPU nodes).
	DedicatedGPUNodes *NodeGroup `yaml:"dedicatedGpuNodes"`
}

// Model is the TTS container the tenant runs.
type Model struct {
	Image    string `yaml:"image"`    // Required. Pinned by digest: repo@sha256:<64 hex>.
	Replicas int    `yaml:"replicas"` // Default: 2. The minimum the tenant always runs.
	// MinAvailable is the PodDisruptionBudget's minAvailable: replicas kept through voluntary
	// disruptions (node drains, scale-in). Below replicas, or a drain could never proceed.
	// Default: none: a budget of maxUnavailable 1 when replicas > 1, no budget for one replica.
	MinAvailable *int   `yaml:"minAvailable"`
	Port         int    `yaml:"port"`       // Default: 8080.
	GPUs         int    `yaml:"gpus"`       // Default: 1 per replica.
	CPU          string `yaml:"cpu"`        // Default: "3" (request = limit). Fits a g6.xlarge with its reservations.
	Memory       string `yaml:"memory"`     // Default: "12Gi" (request = limit). Fits a g6.xlarge with its reservations.
	HealthPath   string `yaml:"healthPath"` // Default: /healthz.
	ReadyPath    string `yaml:"readyPath"`  // Default: /readyz.
	// Autoscaling lets the tenant's pod scaler move the replicas between replicas (the minimum)
	// and autoscaling.maxReplicas on the model's inference load. Default: none: replicas is fixed.
	Autoscaling *Autoscaling `yaml:"autoscaling"`
}

// Autoscaling bounds a tenant's pod scaler (docs/tenant.md, "Pod autoscaling"): every minute it
// measures how many inference requests each ready pod carries (the model's own metrics) and
// moves the Deployment towards TargetInFlight per pod.
type Autoscaling struct {
	MaxReplicas int `yaml:"maxReplicas"` // Required. From model.replicas to MaxReplicas; the GPU nodes must hold it (capacity rules).
	// TargetInFlight is the inference concurrency one pod should carry (requests on its GPU at
	// once, averaged over the sample). Default: 2. Above 0, at most MaxTargetInFlight.
	TargetInFlight float64 `yaml:"targetInFlight"`
}

// MaxReplicas is the most replicas the tenant may run: autoscaling.maxReplicas, or replicas
// when it does not autoscale.
func (m Model) MaxReplicas() int {
	if m.Autoscaling != nil {
		return max(m.Autoscaling.MaxReplicas, m.Replicas)
	}
	return m.Replicas
}

// Authorizer configures the tenant's Lambda authorizer.
type Authorizer struct {
	Issuer          string   `yaml:"issuer"`          // Required. https URL, the token's exact iss.
	Audiences       []string `yaml:"audiences"`       // Required. The token's aud must be one of these.
	JWKSURL         string   `yaml:"jwksUrl"`         // Required. https URL of the issuer's JWKS.
	TenantClaim     string   `yaml:"tenantClaim"`     // Default: tenant.
	APIKeys         bool     `yaml:"apiKeys"`         // Default: false. Partner API keys (x-api-key) on.
	CacheTTLSeconds *int     `yaml:"cacheTtlSeconds"` // Default: 300. 0 turns the cache off; at most 3600.
	// Partners are the partners whose API keys (hashed in the tenant's API key secret under the same
	// IDs) are accepted, each metered by a usage plan of its own. Required with apiKeys: true (at
	// least one); not allowed without it. A key in the secret whose ID is not listed here is denied.
	Partners []Partner `yaml:"partners"`
	// APIKeyOverlapHours is how long `go run ./cmd/apikeys rotate` keeps a partner's old key valid
	// beside the new one. Default: 168 (7 days) with apiKeys; 1 to 720; only with apiKeys.
	APIKeyOverlapHours int `yaml:"apiKeyOverlapHours"`
	// APIKeyMaxAgeDays is the key age alarm's threshold: the alarm fires when the oldest partner
	// key the authorizer still accepts is older. Default: 90 with apiKeys; 1 to 730; only with apiKeys.
	APIKeyMaxAgeDays int `yaml:"apiKeyMaxAgeDays"`
}

// Partner is one partner of a tenant: its API key ID in the tenant's API key secret and the
// usage plan that meters it.
type Partner struct {
	ID         string `yaml:"id"`         // Required. ^[a-z0-9][a-z0-9-]{0,31}$, unique in the tenant; the key's id in the secret.
	RateLimit  int    `yaml:"rateLimit"`  // Default: the stage's api.rateLimit. At most that.
	BurstLimit int    `yaml:"burstLimit"` // Default: the stage's api.burstLimit. At most that.
	Quota      *Quota `yaml:"quota"`      // Default: none (throttled, not capped).
}

// UsagePlan throttles, and optionally caps, the tenant's interactive (JWT) callers together.
type UsagePlan struct {
	RateLimit  int    `yaml:"rateLimit"`  // Default: the stage's api.rateLimit. At most that.
	BurstLimit int    `yaml:"burstLimit"` // Default: the stage's api.burstLimit. At most that.
	Quota      *Quota `yaml:"quota"`      // Default: none (throttled, not capped).
}

// Quota caps the requests of a usage plan per period.
type Quota struct {
	Limit  int         `yaml:"limit"`  // Required. Requests per period, at least 1.
	Period QuotaPeriod `yaml:"period"` // Required. DAY, WEEK or MONTH.
}

// QuotaPeriod is the period a quota counts over, as API Gateway names it.
type QuotaPeriod string

// Quota periods.
const (
	QuotaDay   QuotaPeriod = "DAY"
	QuotaWeek  QuotaPeriod = "WEEK"
	QuotaMonth QuotaPeriod = "MONTH"
)

// WAF configures the tenant's web ACL rules.
type WAF struct {
	RateLimit    int      `yaml:"rateLimit"`    // Default: DefaultRateLimit requests per 5 minutes per IP.
	AllowedCIDRs []string `yaml:"allowedCidrs"` // Default: none (all addresses may try). When set, only these.
}

// API configures stage throttling and the tenant's route on the shared ingress.
type API struct {
	RateLimit  int `yaml:"rateLimit"`  // Default: 50 requests per second (steady state).
	BurstLimit int `yaml:"burstLimit"` // Default: 100.
	// ListenerPriority is the priority of the tenant's rule on its environment's shared ingress
	// listener, unique within the environment. Default: DerivedListenerPriority(name), a hash of
	// the name, so it does not move when other tenants come or go; set it only to resolve a
	// collision that validation reports.
	ListenerPriority int `yaml:"listenerPriority"`
	// Usage is the usage plan of the tenant's interactive (JWT) callers, all metered together by one
	// API Gateway key. Default: the stage's rate and burst, no quota.
	Usage UsagePlan `yaml:"usage"`
}

// CustomDomain puts the API behind the tenant's own host name.
type CustomDomain struct {
	DomainName     string `yaml:"domainName"`     // Required.
	CertificateARN string `yaml:"certificateArn"` // Required. ACM certificate in the environment's region.
}

// DedicatedTo returns the tenant an environment is dedicated to, or "" for a pooled environment.
func (e *Environment) DedicatedTo() string { return e.dedicatedTo }

// Enabled reports whether a service switch is on; nil means on.
func Enabled(b *bool) bool { return b == nil || *b }

// Environment returns the environment named name.
func (c *Config) Environment(name string) (*Environment, bool) {
	for i := range c.Environments {
		if c.Environments[i].Name == name {
			return &c.Environments[i], true
		}
	}
	return nil, false
}

// Tenant returns the tenant named name.
func (c *Config) Tenant(name string) (*Tenant, bool) {
	for i := range c.Tenants {
		if c.Tenants[i].Name == name {
			return &c.Tenants[i], true
		}
	}
	return nil, false
}

// TenantsIn returns the tenants placed in environment env, in file order.
func (c *Config) TenantsIn(env string) []Tenant {
	var out []Tenant
	for _, t := range c.Tenants {
		if t.Environment == env {
			out = append(out, t)
		}
	}
	return out
}

// Names is e's identity as the naming scheme (package naming) needs it.
func (e *Environment) Names() naming.Env {
	return naming.Env{Name: e.Name, Account: e.Account, Region: e.Region}
}

// DerivedListenerPriority is a tenant's default ingress listener rule priority: the FNV-1a hash of
// its name mapped onto 1..MaxListenerPriority. It depends on the name alone, so adding, removing or
// reordering other tenants never moves an existing tenant's rule (moving rules would make two
// stacks contend for one priority during a deployment). Collisions within an environment are
// reported by validation and resolved with api.listenerPriority.
func DerivedListenerPriority(tenant string) int {
	h := fnv.New32a()
	h.Write([]byte(tenant))
	return int(h.Sum32()%MaxListenerPriority) + 1
}

// BootstrapRoleName is the name of a role `cdk bootstrap --qualifier` created in e's account and region.
func BootstrapRoleName(e *Environment, kind string) string {
	return BootstrapRoleNameIn(e, kind, e.Region)
}

// BootstrapRoleNameIn is BootstrapRoleName in another of e's bootstrap regions (BootstrapRegions).
func BootstrapRoleNameIn(e *Environment, kind, region string) string {
	return naming.BootstrapRole(e.Deployment.Qualifier, kind, e.Account, region)
}

// BootstrapRegions are the regions e's stacks are deployed to through the bootstrap of its
// qualifier: its own, and CostRegion when it has an <env>-costs stack there. Each needs the
// same `cdk bootstrap` (BootstrapArgs names them all).
func (e *Environment) BootstrapRegions() []string {
	if e.HasCostsStack() {
		return []string{e.Region, CostRegion}
	}
	return []string{e.Region}
}

// ToolkitStackName is the stack `cdk bootstrap` creates for e's qualifier: one per qualifier, so
// that two environments in one account and region keep separate bootstraps.
func ToolkitStackName(e *Environment) string { return naming.ToolkitStack(e.Deployment.Qualifier) }

// ExecutionPolicyARNs are the ARNs of e's CloudFormation execution policies, in order.
func ExecutionPolicyARNs(e *Environment) []string {
	var out []string
	for n := 1; n <= naming.ExecutionPolicyCount; n++ {
		out = append(out, e.IAMARN("policy/"+naming.ExecutionPolicy(e.Name, n)))
	}
	return out
}

// BootstrapArgs are the arguments of the `cdk bootstrap` an administrator runs once for e, after
// deploying its delivery stack (whose policies the bootstrap names): one command for every region
// of BootstrapRegions (us-east-1 too when e has a costs stack), with the same qualifier, policies
// and boundary. The staging bucket gets a customer-managed key.
func BootstrapArgs(e *Environment) []string {
	args := []string{"bootstrap"}
	for _, r := range e.BootstrapRegions() {
		args = append(args, "aws://"+e.Account+"/"+r)
	}
	return append(args,
		"--qualifier", e.Deployment.Qualifier,
		"--toolkit-stack-name", ToolkitStackName(e),
		"--cloudformation-execution-policies", strings.Join(ExecutionPolicyARNs(e), ","),
		"--custom-permissions-boundary", naming.BoundaryPolicy(e.Name),
		"--bootstrap-customer-key",
		"--termination-protection",
	)
}

// Partition is the AWS partition of e's region.
func (e *Environment) Partition() string {
	switch {
	case strings.HasPrefix(e.Region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(e.Region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(e.Region, "us-isob-"):
		return "aws-iso-b"
	case strings.HasPrefix(e.Region, "us-iso-"):
		return "aws-iso"
	default:
		return "aws"
	}
}

// IAMARN is the ARN of an IAM resource (e.g. "role/x", "policy/y") in e's account.
func (e *Environment) IAMARN(resource string) string {
	return "arn:" + e.Partition() + ":iam::" + e.Account + ":" + resource
}

// ModelImageRepository is e's model repository as an image reference without digest:
// <account>.dkr.ecr.<region>.<dns suffix>/voicevault/<env>/tts.
func (e *Environment) ModelImageRepository() string {
	suffix := "amazonaws.com"
	if e.Partition() == "aws-cn" {
		suffix = "amazonaws.com.cn"
	}
	return e.Account + ".dkr.ecr." + e.Region + "." + suffix + "/" + naming.ModelRepository(e.Name)
}
