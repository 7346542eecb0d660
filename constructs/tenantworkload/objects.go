package tenantworkload

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/voicevault/voicevault/naming"
)

// GPU node placement (the platform's GPU node group sets the same values, from config).
const (
	GPUTaintKey       = naming.GPUTaintKey       // tolerated with operator Exists, effect NoSchedule
	GPUNodeLabelKey   = naming.GPUNodeLabelKey   // node selector key
	GPUNodeLabelValue = naming.GPUNodeLabelValue // node selector value
)

// GPUResource is the extended resource the NVIDIA device plugin advertises.
const GPUResource corev1.ResourceName = "nvidia.com/gpu"

// Pod identity and file system layout.
const (
	RunAsID        int64 = 65532 // non-root UID and GID (the distroless "nonroot" user)
	TmpPath              = "/tmp"
	ModelCachePath       = "/var/cache/model"
	PortName             = "http"
	// PodIdentityAgentCIDR is where the EKS Pod Identity Agent serves credentials on every node.
	PodIdentityAgentCIDR = "169.254.170.23/32"
	PodIdentityAgentPort = 80
)

// Defaults.
const (
	DefaultModelCacheSize     = "10Gi"
	DefaultTmpSize            = "1Gi"
	DefaultPodSecurityVersion = "latest"
	// logHeadroom is the ephemeral storage a pod gets beyond its emptyDir volumes (container logs).
	logHeadroom = "1Gi"
)

// The model image's metrics contract (docs/tenant.md, "Model images"): Prometheus text on the
// model port. The tenant's pod scaler (lambda/podscaler), in the VPC, reads them through the
// ingress policy's VPC CIDR.
const (
	MetricsPath             = "/metrics"
	MetricInferenceSeconds  = "voicevault_inference_duration_seconds" // histogram, by route
	MetricInferenceRequests = "voicevault_inference_requests_total"   // counter, by route and outcome
	MetricInferenceInFlight = "voicevault_inference_in_flight"        // gauge: requests on the GPU now
)

// NetworkPolicy names.
const (
	PolicyDefaultDeny      = "default-deny-all"
	PolicyIngressFromLB    = "allow-ingress-from-load-balancer"
	PolicyEgressDNS        = "allow-egress-dns"
	PolicyEgressAWSAPIs    = "allow-egress-aws-apis"
	PolicyEgressPodIdAgent = "allow-egress-pod-identity-agent"
)

// Objects are the Kubernetes objects of one tenant, as typed values.
type Objects struct {
	Namespace       *corev1.Namespace
	Quota           *corev1.ResourceQuota
	Limits          *corev1.LimitRange
	NetworkPolicies []*networkingv1.NetworkPolicy // default deny first
	ServiceAccount  *corev1.ServiceAccount
	ScalerRole      *rbacv1.Role        // nil without Props.ScalerGroup
	ScalerBinding   *rbacv1.RoleBinding // nil without Props.ScalerGroup
	Deployment      *appsv1.Deployment
	Service         *corev1.Service
	PDB             *policyv1.PodDisruptionBudget // nil for a single replica (or minAvailable 0): a PDB would block every node drain
}

// Guardrails are the namespace and what constrains it, in apply order: they exist before any pod.
func (o *Objects) Guardrails() []any {
	out := []any{o.Namespace, o.Quota, o.Limits}
	for _, np := range o.NetworkPolicies {
		out = append(out, np)
	}
	out = append(out, o.ServiceAccount)
	if o.ScalerRole != nil {
		out = append(out, o.ScalerRole, o.ScalerBinding)
	}
	return out
}

// ScalerRoleName names the pod scaler's Role and RoleBinding.
const ScalerRoleName = "pod-scaler"

// Workload is the TTS deployment and what serves it, in apply order.
func (o *Objects) Workload() []any {
	out := []any{o.Deployment, o.Service}
	if o.PDB != nil {
		out = append(out, o.PDB)
	}
	return out
}

// Selector is the label set that selects the tenant's TTS pods.
func (p Props) Selector() map[string]string {
	return map[string]string{"app.kubernetes.io/name": p.Name, "app.kubernetes.io/instance": p.Tenant}
}

func (p Props) labels() map[string]string {
	l := p.Selector()
	l["app.kubernetes.io/part-of"] = "voicevault"
	l[TenantLabel] = p.Tenant
	return l
}

// TenantLabel is on every object (and the namespace) of a tenant.
const TenantLabel = "voicevault.io/tenant"

// Build returns the objects for props (defaults applied). It is pure: no CDK, no jsii.
func Build(props Props) (*Objects, error) {
	p := props.withDefaults()
	if err := p.validate(); err != nil {
		return nil, err
	}
	m := p.Model
	cpu, err := resource.ParseQuantity(m.CPU)
	if err != nil {
		return nil, fmt.Errorf("model cpu %q: %w", m.CPU, err)
	}
	mem, err := resource.ParseQuantity(m.Memory)
	if err != nil {
		return nil, fmt.Errorf("model memory %q: %w", m.Memory, err)
	}
	cache, err := resource.ParseQuantity(p.ModelCacheSize)
	if err != nil {
		return nil, fmt.Errorf("model cache size %q: %w", p.ModelCacheSize, err)
	}
	tmp, err := resource.ParseQuantity(p.TmpSize)
	if err != nil {
		return nil, fmt.Errorf("tmp size %q: %w", p.TmpSize, err)
	}
	ephemeral := resource.MustParse(logHeadroom)
	ephemeral.Add(cache)
	ephemeral.Add(tmp)
	gpus := *resource.NewQuantity(int64(m.GPUs), resource.DecimalSI)

	perPod := corev1.ResourceList{
		corev1.ResourceCPU:              cpu,
		corev1.ResourceMemory:           mem,
		corev1.ResourceEphemeralStorage: ephemeral,
		GPUResource:                     gpus,
	}
	ns := p.Namespace
	meta := func(name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: ns, Labels: p.labels()}
	}
	o := &Objects{}

	// Namespace: Pod Security Standard "restricted", enforced, audited and warned, pinned.
	nsLabels := map[string]string{TenantLabel: p.Tenant, "app.kubernetes.io/part-of": "voicevault"}
	for _, mode := range []string{"enforce", "audit", "warn"} {
		nsLabels["pod-security.kubernetes.io/"+mode] = "restricted"
		nsLabels["pod-security.kubernetes.io/"+mode+"-version"] = p.PodSecurityVersion
	}
	o.Namespace = &corev1.Namespace{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: nsLabels},
	}

	// Quota: the most replicas plus the rollout surge, and nothing that would open the namespace
	// to the outside (no LoadBalancer or NodePort services) or hold data (no volume claims).
	pods := int64(m.MaxReplicas + p.Surge)
	times := func(q resource.Quantity) resource.Quantity {
		q = q.DeepCopy()
		q.Mul(pods)
		return q
	}
	o.Quota = &corev1.ResourceQuota{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ResourceQuota"},
		ObjectMeta: meta(p.Name),
		Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{
			corev1.ResourcePods:                                    *resource.NewQuantity(pods, resource.DecimalSI),
			corev1.ResourceRequestsCPU:                             times(cpu),
			corev1.ResourceLimitsCPU:                               times(cpu),
			corev1.ResourceRequestsMemory:                          times(mem),
			corev1.ResourceLimitsMemory:                            times(mem),
			corev1.ResourceRequestsEphemeralStorage:                times(ephemeral),
			corev1.ResourceLimitsEphemeralStorage:                  times(ephemeral),
			corev1.ResourceName("requests." + string(GPUResource)): times(gpus),
			corev1.ResourceServicesLoadBalancers:                   resource.MustParse("0"),
			corev1.ResourceServicesNodePorts:                       resource.MustParse("0"),
			corev1.ResourcePersistentVolumeClaims:                  resource.MustParse("0"),
		}},
	}

	// LimitRange: no container bigger than the model's pod; small defaults for any container
	// that names no resources (there should be none).
	o.Limits = &corev1.LimitRange{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "LimitRange"},
		ObjectMeta: meta(p.Name),
		Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
			Type: corev1.LimitTypeContainer,
			Max: corev1.ResourceList{
				corev1.ResourceCPU:              cpu,
				corev1.ResourceMemory:           mem,
				corev1.ResourceEphemeralStorage: ephemeral,
			},
			Default: corev1.ResourceList{
				corev1.ResourceCPU:              least("500m", cpu),
				corev1.ResourceMemory:           least("512Mi", mem),
				corev1.ResourceEphemeralStorage: least("1Gi", ephemeral),
			},
			DefaultRequest: corev1.ResourceList{
				corev1.ResourceCPU:              least("100m", cpu),
				corev1.ResourceMemory:           least("128Mi", mem),
				corev1.ResourceEphemeralStorage: least("256Mi", ephemeral),
			},
		}}},
	}

	o.NetworkPolicies = p.networkPolicies(meta)

	noToken := false
	o.ServiceAccount = &corev1.ServiceAccount{
		TypeMeta:                     metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta:                   meta(p.Name),
		AutomountServiceAccountToken: &noToken,
	}

	if p.ScalerGroup != "" {
		o.ScalerRole = &rbacv1.Role{
			TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "Role"},
			ObjectMeta: meta(ScalerRoleName),
			Rules: []rbacv1.PolicyRule{
				{APIGroups: []string{"apps"}, Resources: []string{"deployments/scale"}, ResourceNames: []string{p.Name}, Verbs: []string{"get", "patch"}},
				// list cannot be narrowed by name (Kubernetes RBAC, "Referring to resources").
				{APIGroups: []string{"discovery.k8s.io"}, Resources: []string{"endpointslices"}, Verbs: []string{"list"}},
			},
		}
		o.ScalerBinding = &rbacv1.RoleBinding{
			TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding"},
			ObjectMeta: meta(ScalerRoleName),
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: p.ScalerGroup}},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: ScalerRoleName},
		}
	}

	o.Deployment = p.deployment(meta(p.Name), perPod, cache, tmp)

	o.Service = &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: meta(p.Name),
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: p.Selector(),
			Ports: []corev1.ServicePort{{
				Name: PortName, Protocol: corev1.ProtocolTCP,
				Port: int32(m.Port), TargetPort: intstr.FromString(PortName),
			}},
		},
	}

	// The budget lets at least one replica go, so a node drain can always proceed (config
	// validation rejects a model.minAvailable of replicas or more).
	budget := func(spec policyv1.PodDisruptionBudgetSpec) *policyv1.PodDisruptionBudget {
		spec.Selector = &metav1.LabelSelector{MatchLabels: p.Selector()}
		return &policyv1.PodDisruptionBudget{
			TypeMeta:   metav1.TypeMeta{APIVersion: "policy/v1", Kind: "PodDisruptionBudget"},
			ObjectMeta: meta(p.Name),
			Spec:       spec,
		}
	}
	switch {
	case m.MinAvailable != nil && *m.MinAvailable > 0:
		keep := intstr.FromInt32(int32(*m.MinAvailable))
		o.PDB = budget(policyv1.PodDisruptionBudgetSpec{MinAvailable: &keep})
	case m.MinAvailable == nil && m.Replicas > 1:
		one := intstr.FromInt32(1)
		o.PDB = budget(policyv1.PodDisruptionBudgetSpec{MaxUnavailable: &one})
	}
	return o, nil
}

// least is the smaller of a default quantity and a maximum: a LimitRange default above its max
// is rejected by the API server.
func least(def string, max resource.Quantity) resource.Quantity {
	d := resource.MustParse(def)
	if d.Cmp(max) > 0 {
		return max.DeepCopy()
	}
	return d
}

func (p Props) networkPolicies(meta func(string) metav1.ObjectMeta) []*networkingv1.NetworkPolicy {
	tcp, udp := corev1.ProtocolTCP, corev1.ProtocolUDP
	port := func(proto corev1.Protocol, n int) networkingv1.NetworkPolicyPort {
		v := intstr.FromInt32(int32(n))
		return networkingv1.NetworkPolicyPort{Protocol: &proto, Port: &v}
	}
	blocks := func(cidrs []string) []networkingv1.NetworkPolicyPeer {
		var out []networkingv1.NetworkPolicyPeer
		for _, c := range cidrs {
			out = append(out, networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: c}})
		}
		return out
	}
	pods := metav1.LabelSelector{MatchLabels: p.Selector()}
	np := func(name string, types []networkingv1.PolicyType, sel metav1.LabelSelector) *networkingv1.NetworkPolicy {
		return &networkingv1.NetworkPolicy{
			TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
			ObjectMeta: meta(name),
			Spec:       networkingv1.NetworkPolicySpec{PodSelector: sel, PolicyTypes: types},
		}
	}
	ingress := []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
	egress := []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}

	deny := np(PolicyDefaultDeny, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}, metav1.LabelSelector{})

	fromLB := np(PolicyIngressFromLB, ingress, pods)
	fromLB.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{
		From:  blocks(p.IngressCIDRs),
		Ports: []networkingv1.NetworkPolicyPort{port(tcp, p.Model.Port)},
	}}

	dns := np(PolicyEgressDNS, egress, pods)
	dnsPeers := append([]networkingv1.NetworkPolicyPeer{{
		NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "kube-system"}},
		PodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"k8s-app": "kube-dns"}},
	}}, blocks(p.DNSCIDRs)...)
	dns.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{
		To:    dnsPeers,
		Ports: []networkingv1.NetworkPolicyPort{port(udp, 53), port(tcp, 53)},
	}}

	apis := np(PolicyEgressAWSAPIs, egress, pods)
	var apiPeers []networkingv1.NetworkPolicyPeer
	for _, b := range p.HTTPSEgress {
		apiPeers = append(apiPeers, networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: b.CIDR, Except: slices.Clone(b.Except)}})
	}
	apis.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{
		To:    apiPeers,
		Ports: []networkingv1.NetworkPolicyPort{port(tcp, 443)},
	}}

	agent := np(PolicyEgressPodIdAgent, egress, pods)
	agent.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{
		To:    blocks([]string{PodIdentityAgentCIDR}),
		Ports: []networkingv1.NetworkPolicyPort{port(tcp, PodIdentityAgentPort)},
	}}
	return []*networkingv1.NetworkPolicy{deny, fromLB, dns, apis, agent}
}

func (p Props) deployment(meta metav1.ObjectMeta, perPod corev1.ResourceList, cache, tmp resource.Quantity) *appsv1.Deployment {
	m := p.Model
	yes, no := true, false
	id := RunAsID
	var replicas *int32 // left to the scaler when it may scale
	if m.MaxReplicas == m.Replicas {
		replicas = ptr(int32(m.Replicas))
	}
	surge, unavailable := intstr.FromInt32(int32(p.Surge)), intstr.FromInt32(0)
	seccomp := &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}
	probe := func(path string, period, failures int32) *corev1.Probe {
		return &corev1.Probe{
			ProbeHandler:     corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromString(PortName), Scheme: corev1.URISchemeHTTP}},
			PeriodSeconds:    period,
			TimeoutSeconds:   2,
			FailureThreshold: failures,
		}
	}
	env := map[string]string{
		"AUDIO_BUCKET":               p.AudioBucketName,
		"AUDIO_KMS_KEY_ARN":          p.AudioKeyARN,
		"AWS_REGION":                 p.Region,
		"AWS_STS_REGIONAL_ENDPOINTS": "regional",
		"PORT":                       strconv.Itoa(m.Port),
		"HOME":                       TmpPath,
		"TMPDIR":                     TmpPath,
		"MODEL_CACHE_DIR":            ModelCachePath,
		"XDG_CACHE_HOME":             ModelCachePath,
	}
	var envVars []corev1.EnvVar
	for _, k := range slices.Sorted(maps.Keys(env)) {
		envVars = append(envVars, corev1.EnvVar{Name: k, Value: env[k]})
	}
	podLabels := p.labels()
	spread := func(key string, when corev1.UnsatisfiableConstraintAction) corev1.TopologySpreadConstraint {
		return corev1.TopologySpreadConstraint{
			MaxSkew:           1,
			TopologyKey:       key,
			WhenUnsatisfiable: when,
			LabelSelector:     &metav1.LabelSelector{MatchLabels: p.Selector()},
			MatchLabelKeys:    []string{"pod-template-hash"}, // count only the pods of the same rollout
		}
	}
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: meta,
		Spec: appsv1.DeploymentSpec{
			Replicas:                replicas,
			Selector:                &metav1.LabelSelector{MatchLabels: p.Selector()},
			RevisionHistoryLimit:    ptr(int32(5)),
			ProgressDeadlineSeconds: ptr(int32(1200)), // model load on a cold GPU node
			Strategy: appsv1.DeploymentStrategy{
				Type:          appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &surge, MaxUnavailable: &unavailable},
			},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: podLabels},
				Spec: corev1.PodSpec{
					ServiceAccountName:            p.Name,
					AutomountServiceAccountToken:  &no,
					EnableServiceLinks:            &no,
					TerminationGracePeriodSeconds: ptr(int64(60)),
					SecurityContext: &corev1.PodSecurityContext{
						RunAsNonRoot:   &yes,
						RunAsUser:      &id,
						RunAsGroup:     &id,
						FSGroup:        &id,
						SeccompProfile: seccomp,
					},
					NodeSelector: p.nodeSelector(),
					Tolerations:  p.tolerations(),
					TopologySpreadConstraints: []corev1.TopologySpreadConstraint{
						// Zones: soft, because GPU capacity is not guaranteed in every zone.
						spread("topology.kubernetes.io/zone", corev1.ScheduleAnyway),
						// Hosts: hard, so one node's loss takes at most one replica.
						spread("kubernetes.io/hostname", corev1.DoNotSchedule),
					},
					Containers: []corev1.Container{{
						Name:            p.Name,
						Image:           m.Image,
						ImagePullPolicy: corev1.PullIfNotPresent,
						Ports:           []corev1.ContainerPort{{Name: PortName, ContainerPort: int32(m.Port), Protocol: corev1.ProtocolTCP}},
						Env:             envVars,
						Resources:       corev1.ResourceRequirements{Requests: perPod.DeepCopy(), Limits: perPod.DeepCopy()},
						SecurityContext: &corev1.SecurityContext{
							RunAsNonRoot:             &yes,
							RunAsUser:                &id,
							RunAsGroup:               &id,
							Privileged:               &no,
							AllowPrivilegeEscalation: &no,
							ReadOnlyRootFilesystem:   &yes,
							Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
							SeccompProfile:           seccomp,
						},
						StartupProbe:   probe(m.HealthPath, 10, 60), // up to 10 minutes to load the model
						LivenessProbe:  probe(m.HealthPath, 10, 3),
						ReadinessProbe: probe(m.ReadyPath, 5, 3),
						VolumeMounts: []corev1.VolumeMount{
							{Name: "tmp", MountPath: TmpPath},
							{Name: "model-cache", MountPath: ModelCachePath},
						},
					}},
					Volumes: []corev1.Volume{
						{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: &tmp}}},
						{Name: "model-cache", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: &cache}}},
					},
				},
			},
		},
	}
}

// nodeSelector selects GPU nodes, and with DedicatedNodes only the tenant's own.
func (p Props) nodeSelector() map[string]string {
	sel := map[string]string{GPUNodeLabelKey: GPUNodeLabelValue}
	if p.DedicatedNodes {
		sel[naming.TenantNodeKey] = p.Tenant
	}
	return sel
}

// tolerations tolerate the GPU taint, and with DedicatedNodes the tenant's own taint (its value
// only: another tenant's dedicated nodes stay out of reach).
func (p Props) tolerations() []corev1.Toleration {
	out := []corev1.Toleration{{Key: GPUTaintKey, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}
	if p.DedicatedNodes {
		out = append(out, corev1.Toleration{Key: naming.TenantNodeKey, Operator: corev1.TolerationOpEqual, Value: p.Tenant, Effect: corev1.TaintEffectNoSchedule})
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// validCIDR reports whether s is an IPv4 or IPv6 prefix with no host bits.
func validCIDR(s string) bool {
	p, err := netip.ParsePrefix(s)
	return err == nil && p.Masked() == p
}
