// Package tenantworkload runs a tenant's TTS model on the environment's GPU nodes, inside a
// namespace of its own: Pod Security Standard "restricted" enforced, a quota sized from the
// model, a LimitRange, default-deny network policies with only the needed paths opened, a
// service account with no API token, and a hardened Deployment, Service and
// PodDisruptionBudget.
//
// The objects are typed k8s.io/api values (Build, pure and testable without jsii), converted to
// plain maps through JSON and applied by the cluster's kubectl provider as two
// awseksv2.KubernetesManifest resources: the guardrails (namespace, quota, limits, network
// policies, service account) first, then the workload, which depends on them.
//
// Network paths (everything else is denied, in and out):
//   - in: TCP on the model port from IngressCIDRs (the load balancer reaches pod IPs directly,
//     target type ip);
//   - out: DNS (UDP/TCP 53) to CoreDNS pods in kube-system and to DNSCIDRs (node-local DNS on
//     EKS Auto Mode nodes, the VPC resolver);
//   - out: HTTPS (TCP 443) to HTTPSEgress (the VPC's interface endpoints; see docs/tenant.md for
//     the S3 gateway endpoint, which a NetworkPolicy cannot name);
//   - out: the EKS Pod Identity Agent on the node (169.254.170.23, TCP 80), for credentials.
package tenantworkload

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awseksv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/voicevault/voicevault/naming"
)

// Model is the TTS container a tenant runs. stacks maps the configuration's model onto it, with
// the configuration's defaults applied: every field but MinAvailable is required.
type Model struct {
	Image    string // Required. Pinned by digest.
	Replicas int    // Required. At least 1: the replicas the tenant always runs.
	// MaxReplicas is the most replicas a scaler may set. Default: Replicas (a fixed count). Above
	// Replicas, the scaler owns the count: the Deployment leaves spec.replicas out (every
	// deployment would otherwise reset it; Kubernetes docs, "Horizontal Pod Autoscaling",
	// migrating Deployments) and the quota holds MaxReplicas plus the surge.
	MaxReplicas int
	// MinAvailable is the PodDisruptionBudget's minAvailable, below Replicas. Default: a budget of
	// maxUnavailable 1 when Replicas > 1, none for one replica; 0: no budget.
	MinAvailable *int
	Port         int    // Required. The container port the Service targets.
	GPUs         int    // Required. At least 1: nvidia.com/gpu per replica.
	CPU          string // Required. Kubernetes quantity; request = limit.
	Memory       string // Required. Kubernetes quantity; request = limit.
	HealthPath   string // Required. Startup and liveness probe path.
	ReadyPath    string // Required. Readiness probe path.
}

// Props configures a tenant workload.
type Props struct {
	// Cluster receives the objects through its kubectl provider. Required (for New; Build ignores it).
	Cluster awseksv2.ICluster
	Tenant  string // Required. DNS-1123 label; labels every object.
	// Namespace is the tenant's namespace. Default: naming.Namespace(Tenant).
	Namespace string
	// Name names the Deployment, Service, ServiceAccount, quota, limits and PDB. Default: naming.ServiceName.
	Name string
	// Model is the TTS container. Required.
	Model Model
	// Surge is how many extra pods a rolling update starts (maxSurge, with maxUnavailable 0); the
	// quota has room for them. Required: at least 1 (the capacity check of the configuration
	// makes sure the GPU nodes have room too).
	Surge int

	AudioBucketName string // Required. The container's AUDIO_BUCKET.
	AudioKeyARN     string // Required. The container's AUDIO_KMS_KEY_ARN.
	Region          string // Required. The container's AWS_REGION.

	// VPCCIDR is the cluster VPC's CIDR block. Required. The default for the three peer lists below.
	VPCCIDR string
	// IngressCIDRs may reach the model port: where the load balancer sends from. Default: VPCCIDR.
	IngressCIDRs []string
	// HTTPSEgress may be reached on TCP 443: the VPC endpoints. Default: VPCCIDR only.
	HTTPSEgress []networkingv1.IPBlock
	// DNSCIDRs may be reached on port 53, besides the CoreDNS pods. Default: VPCCIDR.
	DNSCIDRs []string

	// PodSecurityVersion pins the Pod Security Standard version (e.g. "v1.34"). Default: "latest".
	PodSecurityVersion string
	// ScalerGroup is the Kubernetes group (of an EKS access entry) of the tenant's pod scaler: a
	// Role lets it get and patch the Deployment's scale subresource and list the namespace's
	// EndpointSlices (which pods are ready, at which address), nothing else. Default: none.
	ScalerGroup string
	// DedicatedNodes runs the pods only on GPU nodes dedicated to the tenant (labelled and tainted
	// naming.TenantNodeKey=<tenant>): they select the label and tolerate the taint. Default: false
	// (the environment's shared GPU nodes).
	DedicatedNodes bool
	ModelCacheSize string // Size limit of the model cache emptyDir. Default: DefaultModelCacheSize.
	TmpSize        string // Size limit of the /tmp emptyDir. Default: DefaultTmpSize.
}

func (p Props) withDefaults() Props {
	if p.Namespace == "" && p.Tenant != "" {
		p.Namespace = naming.Namespace(p.Tenant)
	}
	if p.Name == "" {
		p.Name = naming.ServiceName
	}
	if len(p.IngressCIDRs) == 0 && p.VPCCIDR != "" {
		p.IngressCIDRs = []string{p.VPCCIDR}
	}
	if len(p.HTTPSEgress) == 0 && p.VPCCIDR != "" {
		p.HTTPSEgress = []networkingv1.IPBlock{{CIDR: p.VPCCIDR}}
	}
	if len(p.DNSCIDRs) == 0 && p.VPCCIDR != "" {
		p.DNSCIDRs = []string{p.VPCCIDR}
	}
	if p.PodSecurityVersion == "" {
		p.PodSecurityVersion = DefaultPodSecurityVersion
	}
	if p.ModelCacheSize == "" {
		p.ModelCacheSize = DefaultModelCacheSize
	}
	if p.TmpSize == "" {
		p.TmpSize = DefaultTmpSize
	}
	if p.Model.MaxReplicas == 0 {
		p.Model.MaxReplicas = p.Model.Replicas
	}
	return p
}

func (p Props) validate() error {
	switch {
	case p.Tenant == "":
		return fmt.Errorf("tenant is required")
	case p.Model.Image == "":
		return fmt.Errorf("model image is required")
	case p.AudioBucketName == "" || p.AudioKeyARN == "" || p.Region == "":
		return fmt.Errorf("audio bucket name, audio key ARN and region are required")
	case !validCIDR(p.VPCCIDR):
		return fmt.Errorf("VPC CIDR %q is not a CIDR block", p.VPCCIDR)
	case p.Model.Replicas < 1 || p.Model.GPUs < 1 || p.Surge < 1:
		return fmt.Errorf("model replicas %d, GPUs %d and surge %d must be at least 1", p.Model.Replicas, p.Model.GPUs, p.Surge)
	case p.Model.Port < 1 || p.Model.Port > 65535:
		return fmt.Errorf("model port %d is not a port", p.Model.Port)
	case p.Model.CPU == "" || p.Model.Memory == "":
		return fmt.Errorf("model cpu and memory are required")
	case !strings.HasPrefix(p.Model.HealthPath, "/") || !strings.HasPrefix(p.Model.ReadyPath, "/"):
		return fmt.Errorf("model health path %q and ready path %q must start with /", p.Model.HealthPath, p.Model.ReadyPath)
	case p.Model.MaxReplicas != 0 && p.Model.MaxReplicas < p.Model.Replicas:
		return fmt.Errorf("model max replicas %d is below replicas %d", p.Model.MaxReplicas, p.Model.Replicas)
	case p.Model.MaxReplicas > p.Model.Replicas && p.ScalerGroup == "":
		return fmt.Errorf("model max replicas %d above replicas %d needs a scaler group: nothing would scale the deployment", p.Model.MaxReplicas, p.Model.Replicas)
	case p.Model.MinAvailable != nil && (*p.Model.MinAvailable < 0 || *p.Model.MinAvailable >= p.Model.Replicas):
		return fmt.Errorf("model minAvailable %d would block every drain of %d replica(s)", *p.Model.MinAvailable, p.Model.Replicas)
	}
	for _, c := range append(append([]string{}, p.IngressCIDRs...), p.DNSCIDRs...) {
		if !validCIDR(c) {
			return fmt.Errorf("CIDR %q is not a CIDR block", c)
		}
	}
	for _, b := range p.HTTPSEgress {
		if !validCIDR(b.CIDR) {
			return fmt.Errorf("HTTPS egress CIDR %q is not a CIDR block", b.CIDR)
		}
		for _, e := range b.Except {
			if !validCIDR(e) {
				return fmt.Errorf("HTTPS egress except %q is not a CIDR block", e)
			}
		}
	}
	return nil
}

// Workload is a tenant's Kubernetes objects, applied to the cluster.
type Workload struct {
	constructs.Construct
	props      Props
	objects    *Objects
	guardrails awseksv2.KubernetesManifest
	workload   awseksv2.KubernetesManifest
}

// New builds the objects and applies them through props.Cluster's kubectl provider. Props
// errors are programmer errors (the configuration is validated in the config package) and panic.
func New(scope constructs.Construct, id string, props Props) *Workload {
	if props.Cluster == nil {
		panic(fmt.Errorf("tenant workload %q: cluster is required", id))
	}
	objs, err := Build(props)
	if err != nil {
		panic(fmt.Errorf("tenant workload %q: %w", id, err))
	}
	w := &Workload{Construct: constructs.NewConstruct(scope, jsii.String(id)), props: props.withDefaults(), objects: objs}
	w.guardrails = awseksv2.NewKubernetesManifest(w.Construct, jsii.String("Guardrails"), &awseksv2.KubernetesManifestProps{
		Cluster:  props.Cluster,
		Manifest: manifest(objs.Guardrails()),
	})
	w.workload = awseksv2.NewKubernetesManifest(w.Construct, jsii.String("Workload"), &awseksv2.KubernetesManifestProps{
		Cluster:  props.Cluster,
		Manifest: manifest(objs.Workload()),
	})
	w.workload.Node().AddDependency(w.guardrails)
	return w
}

// Objects are the typed objects applied.
func (w *Workload) Objects() *Objects { return w.objects }

// GuardrailsManifest applies the namespace and its guardrails. Anything else applied in the
// namespace (e.g. a TargetGroupBinding) should depend on it.
func (w *Workload) GuardrailsManifest() awseksv2.KubernetesManifest { return w.guardrails }

// WorkloadManifest applies the Deployment, Service and PDB.
func (w *Workload) WorkloadManifest() awseksv2.KubernetesManifest { return w.workload }

// Namespace is the tenant's namespace.
func (w *Workload) Namespace() string { return w.props.Namespace }

// ServiceName is the name of the ClusterIP Service in front of the pods.
func (w *Workload) ServiceName() string { return w.props.Name }

// ServicePort is the Service's (and the pods') TCP port.
func (w *Workload) ServicePort() int { return w.props.Model.Port }

// manifest converts typed objects to the plain maps KubernetesManifest takes.
func manifest(objs []any) *[]*map[string]interface{} {
	out := make([]*map[string]interface{}, 0, len(objs))
	for _, o := range objs {
		m, err := ToMap(o)
		if err != nil {
			panic(err)
		}
		out = append(out, &m)
	}
	return &out
}

// ToMap converts a typed Kubernetes object to a plain map through its JSON form, dropping the
// zero values the typed structs cannot omit (null creationTimestamp, empty status).
func ToMap(obj any) (map[string]interface{}, error) {
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("kubernetes object %T: %w", obj, err)
	}
	var m map[string]interface{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("kubernetes object %T: %w", obj, err)
	}
	delete(m, "status")
	prune(m)
	return m, nil
}

// prune removes null values, recursively. Empty maps stay: some mean something (a NetworkPolicy's
// podSelector {} selects every pod; emptyDir {} is a volume).
func prune(v any) {
	switch x := v.(type) {
	case map[string]interface{}:
		for k, e := range x {
			if e == nil {
				delete(x, k)
				continue
			}
			prune(e)
		}
	case []interface{}:
		for _, e := range x {
			prune(e)
		}
	}
}
