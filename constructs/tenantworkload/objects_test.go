package tenantworkload

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/voicevault/voicevault/naming"
)

// The model's port and probe paths in these tests (config's defaults; config tests check docs/tenant.md states those).
const (
	testPort       = 8080
	testHealthPath = "/healthz"
	testReadyPath  = "/readyz"
)

const image = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/voicevault/tts@sha256:4c1f0a3e2b8d9c7f6e5d4c3b2a19081726354a5b6c7d8e9f0a1b2c3d4e5f6a7b"

func testProps() Props {
	return Props{
		Tenant: "acme",
		Model: Model{Image: image, Replicas: 2, Port: testPort, GPUs: 1, CPU: "3", Memory: "12Gi",
			HealthPath: testHealthPath, ReadyPath: testReadyPath},
		Surge:              1,
		AudioBucketName:    "vv-acme-prod-111111111111-eu-west-1",
		AudioKeyARN:        "arn:aws:kms:eu-west-1:111111111111:key/k",
		Region:             "eu-west-1",
		VPCCIDR:            "10.40.0.0/16",
		PodSecurityVersion: "v1.34",
	}
}

func build(t *testing.T, edit func(*Props)) *Objects {
	t.Helper()
	p := testProps()
	if edit != nil {
		edit(&p)
	}
	o, err := Build(p)
	require.NoError(t, err)
	return o
}

func TestNamespaceEnforcesTheRestrictedPodSecurityStandardAtAPinnedVersion(t *testing.T) {
	ns := build(t, nil).Namespace
	assert.Equal(t, "tenant-acme", ns.Name)
	for _, mode := range []string{"enforce", "audit", "warn"} {
		assert.Equal(t, "restricted", ns.Labels["pod-security.kubernetes.io/"+mode], mode)
		assert.Equal(t, "v1.34", ns.Labels["pod-security.kubernetes.io/"+mode+"-version"], mode)
	}
	assert.Equal(t, "acme", ns.Labels[TenantLabel])
}

func TestQuotaCoversTheReplicasPlusTheRolloutSurge(t *testing.T) {
	cases := []struct {
		replicas, gpus      int
		cpu, memory         string
		pods, wantGPUs      int64
		wantCPU, wantMemory string
	}{
		{1, 1, "4", "16Gi", 2, 2, "8", "32Gi"},
		{2, 1, "4", "16Gi", 3, 3, "12", "48Gi"},
		{3, 2, "500m", "2Gi", 4, 8, "2", "8Gi"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%d replicas x %d GPUs", tc.replicas, tc.gpus), func(t *testing.T) {
			q := build(t, func(p *Props) {
				p.Model.Replicas, p.Model.GPUs, p.Model.CPU, p.Model.Memory = tc.replicas, tc.gpus, tc.cpu, tc.memory
			}).Quota.Spec.Hard
			eq := func(name corev1.ResourceName, want string) {
				got, ok := q[name]
				require.True(t, ok, name)
				assert.Zero(t, got.Cmp(resource.MustParse(want)), "%s: got %s, want %s", name, got.String(), want)
			}
			eq(corev1.ResourcePods, fmt.Sprint(tc.pods))
			eq("requests.nvidia.com/gpu", fmt.Sprint(tc.wantGPUs))
			eq(corev1.ResourceRequestsCPU, tc.wantCPU)
			eq(corev1.ResourceLimitsCPU, tc.wantCPU)
			eq(corev1.ResourceRequestsMemory, tc.wantMemory)
			eq(corev1.ResourceLimitsMemory, tc.wantMemory)
		})
	}
}

// TestScaledWorkloadLeavesTheReplicaCountToItsScaler: with MaxReplicas above Replicas the
// Deployment carries no spec.replicas (kubectl apply would reset the scaler's count on every
// deployment), the quota admits MaxReplicas plus the surge, and the scaler's Role can only read
// and patch this Deployment's scale and list the namespace's EndpointSlices.
func TestScaledWorkloadLeavesTheReplicaCountToItsScaler(t *testing.T) {
	fixed := build(t, nil)
	require.NotNil(t, fixed.Deployment.Spec.Replicas)
	assert.EqualValues(t, 2, *fixed.Deployment.Spec.Replicas)
	assert.Nil(t, fixed.ScalerRole)

	o := build(t, func(p *Props) { p.Model.MaxReplicas, p.ScalerGroup = 5, "voicevault:pod-scaler:acme" })
	assert.Nil(t, o.Deployment.Spec.Replicas)
	d, err := ToMap(o.Deployment)
	require.NoError(t, err)
	assert.NotContains(t, d["spec"], "replicas")
	pods := o.Quota.Spec.Hard[corev1.ResourcePods]
	assert.EqualValues(t, 6, pods.Value(), "MaxReplicas + surge")
	gpus := o.Quota.Spec.Hard["requests.nvidia.com/gpu"]
	assert.EqualValues(t, 6, gpus.Value())

	require.NotNil(t, o.ScalerRole)
	assert.Equal(t, "tenant-acme", o.ScalerRole.Namespace)
	require.Len(t, o.ScalerRole.Rules, 2)
	scale, ep := o.ScalerRole.Rules[0], o.ScalerRole.Rules[1]
	assert.Equal(t, []string{"apps"}, scale.APIGroups)
	assert.Equal(t, []string{"deployments/scale"}, scale.Resources)
	assert.Equal(t, []string{"tts"}, scale.ResourceNames)
	assert.Equal(t, []string{"get", "patch"}, scale.Verbs)
	assert.Equal(t, []string{"discovery.k8s.io"}, ep.APIGroups)
	assert.Equal(t, []string{"endpointslices"}, ep.Resources)
	assert.Equal(t, []string{"list"}, ep.Verbs)
	for _, r := range o.ScalerRole.Rules {
		for _, v := range append(append(append([]string{}, r.Verbs...), r.Resources...), r.APIGroups...) {
			assert.NotEqual(t, "*", v, "no wildcards")
		}
	}
	require.Len(t, o.ScalerBinding.Subjects, 1)
	assert.Equal(t, "Group", o.ScalerBinding.Subjects[0].Kind)
	assert.Equal(t, "voicevault:pod-scaler:acme", o.ScalerBinding.Subjects[0].Name)
	assert.Equal(t, ScalerRoleName, o.ScalerBinding.RoleRef.Name)
	assert.Equal(t, "Role", o.ScalerBinding.RoleRef.Kind)
	g := o.Guardrails()
	assert.Same(t, o.ScalerBinding, g[len(g)-1], "the scaler's access is a guardrail: it exists before the pods")
	for _, obj := range []any{o.ScalerRole, o.ScalerBinding} {
		m, err := ToMap(obj)
		require.NoError(t, err)
		assert.Equal(t, "acme", m["metadata"].(map[string]any)["labels"].(map[string]any)[TenantLabel])
	}
}

func TestQuotaForbidsLoadBalancerAndNodePortServicesAndVolumeClaims(t *testing.T) {
	q := build(t, nil).Quota.Spec.Hard
	for _, r := range []corev1.ResourceName{corev1.ResourceServicesLoadBalancers, corev1.ResourceServicesNodePorts, corev1.ResourcePersistentVolumeClaims} {
		v, ok := q[r]
		require.True(t, ok, r)
		assert.True(t, v.IsZero(), r)
	}
}

func TestLimitRangeCapsContainersAtThePodSizeWithDefaultsWithinTheCap(t *testing.T) {
	for _, cpu := range []string{"4", "250m"} {
		l := build(t, func(p *Props) { p.Model.CPU = cpu }).Limits.Spec.Limits
		require.Len(t, l, 1)
		assert.Equal(t, corev1.LimitTypeContainer, l[0].Type)
		max := l[0].Max[corev1.ResourceCPU]
		assert.Zero(t, max.Cmp(resource.MustParse(cpu)))
		for _, list := range []corev1.ResourceList{l[0].Default, l[0].DefaultRequest} {
			for name, v := range list {
				m := l[0].Max[name]
				assert.LessOrEqual(t, v.Cmp(m), 0, "%s default %s above max %s", name, v.String(), m.String())
			}
		}
	}
}

func policy(o *Objects, name string) *networkingv1.NetworkPolicy {
	for _, np := range o.NetworkPolicies {
		if np.Name == name {
			return np
		}
	}
	return nil
}

func TestNetworkPolicyDeniesAllIngressAndEgressByDefault(t *testing.T) {
	deny := policy(build(t, nil), PolicyDefaultDeny)
	require.NotNil(t, deny)
	assert.Empty(t, deny.Spec.PodSelector.MatchLabels, "selects every pod")
	assert.Empty(t, deny.Spec.PodSelector.MatchExpressions, "selects every pod")
	assert.ElementsMatch(t, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}, deny.Spec.PolicyTypes)
	assert.Empty(t, deny.Spec.Ingress)
	assert.Empty(t, deny.Spec.Egress)
}

func TestIngressIsOnlyTheModelPortFromTheLoadBalancerCIDRs(t *testing.T) {
	cases := map[string]struct {
		edit func(*Props)
		want []string
	}{
		"default: the VPC":      {nil, []string{"10.40.0.0/16"}},
		"load-balancer subnets": {func(p *Props) { p.IngressCIDRs = []string{"10.40.0.0/24", "10.40.1.0/24"} }, []string{"10.40.0.0/24", "10.40.1.0/24"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			o := build(t, tc.edit)
			var rules []networkingv1.NetworkPolicyIngressRule
			for _, np := range o.NetworkPolicies {
				rules = append(rules, np.Spec.Ingress...)
			}
			require.Len(t, rules, 1, "one ingress rule in the namespace")
			r := rules[0]
			require.Len(t, r.Ports, 1)
			assert.Equal(t, corev1.ProtocolTCP, *r.Ports[0].Protocol)
			assert.Equal(t, 8080, r.Ports[0].Port.IntValue())
			var cidrs []string
			for _, peer := range r.From {
				require.NotNil(t, peer.IPBlock, "only address blocks, no pod or namespace selectors")
				assert.Empty(t, peer.IPBlock.Except)
				cidrs = append(cidrs, peer.IPBlock.CIDR)
			}
			assert.Equal(t, tc.want, cidrs)
		})
	}
}

func TestEgressIsOnlyDNSTheAWSEndpointsAndThePodIdentityAgent(t *testing.T) {
	o := build(t, func(p *Props) {
		p.HTTPSEgress = []networkingv1.IPBlock{{CIDR: "10.40.0.0/16"}, {CIDR: "0.0.0.0/0", Except: []string{"10.0.0.0/8"}}}
	})
	got := map[string][]string{} // "proto/port" -> peers
	for _, np := range o.NetworkPolicies {
		for _, r := range np.Spec.Egress {
			require.NotEmpty(t, r.Ports, "%s: a rule without ports allows every port", np.Name)
			require.NotEmpty(t, r.To, "%s: a rule without peers allows every destination", np.Name)
			for _, port := range r.Ports {
				k := fmt.Sprintf("%s/%d", *port.Protocol, port.Port.IntValue())
				for _, peer := range r.To {
					switch {
					case peer.IPBlock != nil:
						got[k] = append(got[k], fmt.Sprintf("%s %v", peer.IPBlock.CIDR, peer.IPBlock.Except))
					case peer.NamespaceSelector != nil && peer.PodSelector != nil:
						got[k] = append(got[k], fmt.Sprint(peer.NamespaceSelector.MatchLabels, peer.PodSelector.MatchLabels))
					default:
						t.Errorf("%s: peer %+v is wider than one namespace's pods", np.Name, peer)
					}
				}
			}
		}
	}
	coreDNS := "map[kubernetes.io/metadata.name:kube-system] map[k8s-app:kube-dns]"
	assert.Equal(t, map[string][]string{
		"UDP/53":  {coreDNS, "10.40.0.0/16 []"},
		"TCP/53":  {coreDNS, "10.40.0.0/16 []"},
		"TCP/443": {"10.40.0.0/16 []", "0.0.0.0/0 [10.0.0.0/8]"},
		"TCP/80":  {"169.254.170.23/32 []"},
	}, got)
}

func TestHTTPSEgressDefaultsToTheVPCOnly(t *testing.T) {
	np := policy(build(t, nil), PolicyEgressAWSAPIs)
	require.NotNil(t, np)
	require.Len(t, np.Spec.Egress, 1)
	require.Len(t, np.Spec.Egress[0].To, 1)
	assert.Equal(t, "10.40.0.0/16", np.Spec.Egress[0].To[0].IPBlock.CIDR)
}

func TestServiceAccountAndPodsGetNoKubernetesAPIToken(t *testing.T) {
	o := build(t, nil)
	require.NotNil(t, o.ServiceAccount.AutomountServiceAccountToken)
	assert.False(t, *o.ServiceAccount.AutomountServiceAccountToken)
	pod := o.Deployment.Spec.Template.Spec
	assert.Equal(t, o.ServiceAccount.Name, pod.ServiceAccountName)
	require.NotNil(t, pod.AutomountServiceAccountToken)
	assert.False(t, *pod.AutomountServiceAccountToken)
}

// restrictedViolations checks a pod against the Pod Security Standard "restricted" (the
// checks of k8s.io/pod-security-admission's restricted level that a pod spec can fail).
func restrictedViolations(pod corev1.PodSpec) []string {
	var v []string
	if pod.HostNetwork || pod.HostPID || pod.HostIPC {
		v = append(v, "host namespaces")
	}
	allowedVolumes := []string{"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"}
	for _, vol := range pod.Volumes {
		kind := "other"
		switch {
		case vol.EmptyDir != nil:
			kind = "emptyDir"
		case vol.ConfigMap != nil:
			kind = "configMap"
		case vol.Secret != nil:
			kind = "secret"
		case vol.Projected != nil:
			kind = "projected"
		}
		if !slices.Contains(allowedVolumes, kind) {
			v = append(v, "volume "+vol.Name+" type")
		}
	}
	podNonRoot := pod.SecurityContext != nil && pod.SecurityContext.RunAsNonRoot != nil && *pod.SecurityContext.RunAsNonRoot
	podSeccomp := pod.SecurityContext != nil && pod.SecurityContext.SeccompProfile != nil
	if pod.SecurityContext != nil && pod.SecurityContext.RunAsUser != nil && *pod.SecurityContext.RunAsUser == 0 {
		v = append(v, "pod runAsUser 0")
	}
	for _, c := range append(append([]corev1.Container{}, pod.InitContainers...), pod.Containers...) {
		sc := c.SecurityContext
		if sc == nil {
			v = append(v, c.Name+": no securityContext")
			continue
		}
		if sc.Privileged != nil && *sc.Privileged {
			v = append(v, c.Name+": privileged")
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			v = append(v, c.Name+": allowPrivilegeEscalation")
		}
		if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
			v = append(v, c.Name+": capabilities not dropped")
		} else {
			for _, a := range sc.Capabilities.Add {
				if a != "NET_BIND_SERVICE" {
					v = append(v, c.Name+": adds "+string(a))
				}
			}
		}
		if !(podNonRoot || (sc.RunAsNonRoot != nil && *sc.RunAsNonRoot)) || (sc.RunAsNonRoot != nil && !*sc.RunAsNonRoot) {
			v = append(v, c.Name+": runAsNonRoot")
		}
		if sc.RunAsUser != nil && *sc.RunAsUser == 0 {
			v = append(v, c.Name+": runAsUser 0")
		}
		seccomp := sc.SeccompProfile
		if seccomp == nil && podSeccomp {
			seccomp = pod.SecurityContext.SeccompProfile
		}
		if seccomp == nil || (seccomp.Type != corev1.SeccompProfileTypeRuntimeDefault && seccomp.Type != corev1.SeccompProfileTypeLocalhost) {
			v = append(v, c.Name+": seccomp")
		}
		for _, p := range c.Ports {
			if p.HostPort != 0 {
				v = append(v, c.Name+": hostPort")
			}
		}
	}
	return v
}

func TestPodPassesTheRestrictedPodSecurityStandard(t *testing.T) {
	pod := build(t, nil).Deployment.Spec.Template.Spec
	assert.Empty(t, restrictedViolations(pod))

	// The checker itself catches a weakened pod.
	weak := *pod.DeepCopy()
	yes := true
	weak.Containers[0].SecurityContext.AllowPrivilegeEscalation = &yes
	weak.Containers[0].SecurityContext.Capabilities.Drop = nil
	weak.HostNetwork = true
	assert.Len(t, restrictedViolations(weak), 3)
}

func TestContainerIsHardenedBeyondRestricted(t *testing.T) {
	pod := build(t, nil).Deployment.Spec.Template.Spec
	require.Len(t, pod.Containers, 1)
	sc := pod.Containers[0].SecurityContext
	assert.True(t, *sc.ReadOnlyRootFilesystem, "read-only root file system")
	assert.False(t, *sc.Privileged)
	assert.Equal(t, RunAsID, *sc.RunAsUser)
	assert.Equal(t, RunAsID, *sc.RunAsGroup)
	assert.Equal(t, []corev1.Capability{"ALL"}, sc.Capabilities.Drop)
	assert.Empty(t, sc.Capabilities.Add)
	assert.Equal(t, corev1.SeccompProfileTypeRuntimeDefault, sc.SeccompProfile.Type, "container-level seccomp")
	psc := pod.SecurityContext
	assert.Equal(t, corev1.SeccompProfileTypeRuntimeDefault, psc.SeccompProfile.Type, "pod-level seccomp")
	assert.True(t, *psc.RunAsNonRoot)
	assert.Equal(t, RunAsID, *psc.RunAsUser)
	assert.False(t, *pod.EnableServiceLinks)
}

func TestOnlyEmptyDirsWithSizeLimitsAreWritable(t *testing.T) {
	pod := build(t, nil).Deployment.Spec.Template.Spec
	mounts := map[string]string{}
	for _, m := range pod.Containers[0].VolumeMounts {
		assert.False(t, m.ReadOnly)
		mounts[m.Name] = m.MountPath
	}
	assert.Equal(t, map[string]string{"tmp": TmpPath, "model-cache": ModelCachePath}, mounts)
	for _, v := range pod.Volumes {
		require.NotNil(t, v.EmptyDir, v.Name)
		require.NotNil(t, v.EmptyDir.SizeLimit, v.Name)
		assert.False(t, v.EmptyDir.SizeLimit.IsZero(), v.Name)
	}
}

func TestPodRunsOnGPUNodesAndRequestsItsGPUsAsALimit(t *testing.T) {
	pod := build(t, func(p *Props) { p.Model.GPUs = 2 }).Deployment.Spec.Template.Spec
	c := pod.Containers[0]
	req, lim := c.Resources.Requests[GPUResource], c.Resources.Limits[GPUResource]
	assert.Equal(t, int64(2), req.Value())
	assert.Zero(t, req.Cmp(lim), "GPU request = limit")
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage} {
		rq, lm := c.Resources.Requests[r], c.Resources.Limits[r]
		assert.False(t, rq.IsZero(), r)
		assert.Zero(t, rq.Cmp(lm), "%s request = limit", r)
	}
	assert.Equal(t, map[string]string{"voicevault.io/node-class": "gpu"}, pod.NodeSelector)
	assert.Equal(t, []corev1.Toleration{{Key: "nvidia.com/gpu", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}, pod.Tolerations)
	assert.Equal(t, naming.GPUNodeLabelKey, GPUNodeLabelKey)
	assert.Equal(t, naming.GPUTaintKey, GPUTaintKey)
}

// TestDedicatedNodesPodsSelectAndTolerateOnlyTheTenantsNodes: with dedicated GPU nodes the pods
// select the tenant's label and tolerate its taint by value (not Exists: another tenant's
// dedicated nodes stay closed to them).
func TestDedicatedNodesPodsSelectAndTolerateOnlyTheTenantsNodes(t *testing.T) {
	pod := build(t, func(p *Props) { p.DedicatedNodes = true }).Deployment.Spec.Template.Spec
	assert.Equal(t, map[string]string{"voicevault.io/node-class": "gpu", "voicevault.io/tenant": "acme"}, pod.NodeSelector)
	assert.Equal(t, []corev1.Toleration{
		{Key: "nvidia.com/gpu", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
		{Key: "voicevault.io/tenant", Operator: corev1.TolerationOpEqual, Value: "acme", Effect: corev1.TaintEffectNoSchedule},
	}, pod.Tolerations)
}

func TestProbesUseTheModelHealthAndReadyPaths(t *testing.T) {
	c := build(t, func(p *Props) { p.Model.HealthPath, p.Model.ReadyPath, p.Model.Port = "/live", "/ready", 9000 }).Deployment.Spec.Template.Spec.Containers[0]
	for name, pr := range map[string]*corev1.Probe{"startup": c.StartupProbe, "liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
		require.NotNil(t, pr, name)
		require.NotNil(t, pr.HTTPGet, name)
		assert.Equal(t, PortName, pr.HTTPGet.Port.String(), name)
	}
	assert.Equal(t, "/live", c.StartupProbe.HTTPGet.Path)
	assert.Equal(t, "/live", c.LivenessProbe.HTTPGet.Path)
	assert.Equal(t, "/ready", c.ReadinessProbe.HTTPGet.Path)
	assert.Equal(t, int32(9000), c.Ports[0].ContainerPort)
}

func TestPodsSpreadAcrossZonesAndHosts(t *testing.T) {
	tsc := build(t, nil).Deployment.Spec.Template.Spec.TopologySpreadConstraints
	keys := map[string]corev1.UnsatisfiableConstraintAction{}
	for _, c := range tsc {
		keys[c.TopologyKey] = c.WhenUnsatisfiable
		assert.Equal(t, int32(1), c.MaxSkew)
		assert.Equal(t, map[string]string{"app.kubernetes.io/name": "tts", "app.kubernetes.io/instance": "acme"}, c.LabelSelector.MatchLabels)
	}
	assert.Equal(t, map[string]corev1.UnsatisfiableConstraintAction{
		"topology.kubernetes.io/zone": corev1.ScheduleAnyway,
		"kubernetes.io/hostname":      corev1.DoNotSchedule,
	}, keys)
}

func TestContainerEnvNamesTheTenantBucketKeyAndRegion(t *testing.T) {
	c := build(t, nil).Deployment.Spec.Template.Spec.Containers[0]
	env := map[string]string{}
	for _, e := range c.Env {
		assert.Nil(t, e.ValueFrom)
		env[e.Name] = e.Value
	}
	assert.Equal(t, "vv-acme-prod-111111111111-eu-west-1", env["AUDIO_BUCKET"])
	assert.Equal(t, "arn:aws:kms:eu-west-1:111111111111:key/k", env["AUDIO_KMS_KEY_ARN"])
	assert.Equal(t, "eu-west-1", env["AWS_REGION"])
	assert.Equal(t, image, c.Image, "the configured image, by digest")
}

func TestDisruptionBudgetOnlyWithMoreThanOneReplica(t *testing.T) {
	for replicas, want := range map[int]bool{1: false, 2: true, 3: true} {
		o := build(t, func(p *Props) { p.Model.Replicas = replicas })
		assert.Equal(t, int32(replicas), *o.Deployment.Spec.Replicas)
		if !want {
			assert.Nil(t, o.PDB, "%d replica(s): a PDB would block node drains", replicas)
			assert.Len(t, o.Workload(), 2)
			continue
		}
		require.NotNil(t, o.PDB, "%d replicas", replicas)
		assert.Equal(t, 1, o.PDB.Spec.MaxUnavailable.IntValue())
		assert.Equal(t, o.Deployment.Spec.Selector.MatchLabels, o.PDB.Spec.Selector.MatchLabels)
	}
}

func TestDisruptionBudgetMinAvailableLeavesOneReplicaToDrain(t *testing.T) {
	two := 2
	o := build(t, func(p *Props) { p.Model.Replicas, p.Model.MinAvailable = 3, &two })
	require.NotNil(t, o.PDB)
	assert.Equal(t, 2, o.PDB.Spec.MinAvailable.IntValue())
	assert.Nil(t, o.PDB.Spec.MaxUnavailable)

	zero := 0
	assert.Nil(t, build(t, func(p *Props) { p.Model.MinAvailable = &zero }).PDB, "minAvailable 0: no budget")

	_, err := Build(func() Props { p := testProps(); p.Model.Replicas, p.Model.MinAvailable = 2, &two; return p }())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "model minAvailable 2 would block every drain of 2 replica(s)")
}

func TestServiceIsClusterIPNamedForTheModelPort(t *testing.T) {
	s := build(t, nil).Service
	assert.Equal(t, naming.ServiceName, s.Name)
	assert.Equal(t, corev1.ServiceTypeClusterIP, s.Spec.Type)
	require.Len(t, s.Spec.Ports, 1)
	assert.Equal(t, int32(8080), s.Spec.Ports[0].Port)
	assert.Equal(t, PortName, s.Spec.Ports[0].TargetPort.String())
	assert.Equal(t, testProps().withDefaults().Selector(), s.Spec.Selector)
}

func TestEveryObjectIsInTheTenantNamespaceAndLabelledWithTheTenant(t *testing.T) {
	o := build(t, nil)
	for _, obj := range append(o.Guardrails(), o.Workload()...) {
		m, err := ToMap(obj)
		require.NoError(t, err)
		meta := m["metadata"].(map[string]any)
		if m["kind"] != "Namespace" {
			assert.Equal(t, "tenant-acme", meta["namespace"], m["kind"])
		}
		assert.Equal(t, "acme", meta["labels"].(map[string]any)[TenantLabel], m["kind"])
		assert.NotEmpty(t, m["apiVersion"], m["kind"])
	}
}

func TestToMapDropsNullsAndStatusButKeepsEmptySelectors(t *testing.T) {
	o := build(t, nil)
	deny, err := ToMap(policy(o, PolicyDefaultDeny))
	require.NoError(t, err)
	assert.Equal(t, map[string]any{}, deny["spec"].(map[string]any)["podSelector"], "podSelector {} selects every pod and is required")
	d, err := ToMap(o.Deployment)
	require.NoError(t, err)
	assert.NotContains(t, d, "status")
	assert.NotContains(t, d["metadata"], "creationTimestamp")
	assert.NotContains(t, d["spec"].(map[string]any)["template"].(map[string]any)["metadata"], "creationTimestamp")
}

func TestBuildRejectsIncompleteProps(t *testing.T) {
	cases := map[string]func(*Props){
		"tenant":        func(p *Props) { p.Tenant = "" },
		"image":         func(p *Props) { p.Model.Image = "" },
		"bucket":        func(p *Props) { p.AudioBucketName = "" },
		"vpc cidr":      func(p *Props) { p.VPCCIDR = "10.40.0.1/16" },
		"ingress cidr":  func(p *Props) { p.IngressCIDRs = []string{"nowhere"} },
		"egress except": func(p *Props) { p.HTTPSEgress = []networkingv1.IPBlock{{CIDR: "0.0.0.0/0", Except: []string{"x"}}} },
		"cpu":           func(p *Props) { p.Model.CPU = "four" },
		"replicas":      func(p *Props) { p.Model.Replicas = -1 },
		"max replicas":  func(p *Props) { p.Model.MaxReplicas, p.ScalerGroup = 1, "g" },
		"no scaler":     func(p *Props) { p.Model.MaxReplicas = 4 },
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			p := testProps()
			edit(&p)
			_, err := Build(p)
			assert.Error(t, err)
		})
	}
}

// TestDocsStateTheModelImageContract keeps docs/tenant.md's model image contract in step with the
// values the workload uses.
func TestDocsStateTheModelImageContract(t *testing.T) {
	b, err := os.ReadFile("../../docs/tenant.md")
	require.NoError(t, err)
	doc := string(b)
	for _, v := range []string{MetricsPath, MetricInferenceSeconds, MetricInferenceRequests, MetricInferenceInFlight,
		TmpPath, ModelCachePath, strconv.Itoa(int(RunAsID))} {
		assert.Contains(t, doc, v)
	}
}
