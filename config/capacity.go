package config

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
)

// InstanceSpec is what an EC2 instance type offers and how many pods its node may run.
type InstanceSpec struct {
	Type         string // e.g. g6.xlarge
	VCPUs        int
	MemoryGiB    int // as EC2 sells it; the OS sees less (VMMemoryOverheadPercent)
	GPUs         int // NVIDIA GPUs; 0 for system instance types
	GPUMemoryGiB int // per GPU
	// MaxPods is the node's pod limit from the VPC CNI's ENI table: ENIs × (IPv4 addresses per
	// ENI − 1) + 2. Bottlerocket sets kubelet's max-pods from the same table, and kube-reserved
	// memory grows with it.
	MaxPods int
	Source  string // the AWS page the row comes from
}

// Sources of the instance table.
const (
	// SourceAccelerated is EC2's accelerated computing instance specifications (vCPUs, memory,
	// GPUs and GPU memory of the g and p families).
	SourceAccelerated = "https://docs.aws.amazon.com/ec2/latest/instancetypes/ac.html"
	// SourceGeneralPurpose, SourceComputeOptimized and SourceMemoryOptimized are EC2's
	// specifications of the m, c and r families (system nodes).
	SourceGeneralPurpose   = "https://docs.aws.amazon.com/ec2/latest/instancetypes/gp.html"
	SourceComputeOptimized = "https://docs.aws.amazon.com/ec2/latest/instancetypes/co.html"
	SourceMemoryOptimized  = "https://docs.aws.amazon.com/ec2/latest/instancetypes/mo.html"
	// SourceMaxPods is the ENI-based max-pods table of the EKS AMIs, which Bottlerocket uses too.
	SourceMaxPods = "https://github.com/awslabs/amazon-eks-ami/blob/main/templates/shared/runtime/eni-max-pods.txt"
	// SourceReservations is Bottlerocket's kubelet settings (kube-reserved defaults, eviction).
	SourceReservations = "https://bottlerocket.dev/en/os/latest/api/settings/kubernetes/"
)

// gpuRow and sysRow keep the table below one line per instance type.
func gpuRow(t string, vcpu, mem, gpus, gpuMem, pods int) InstanceSpec {
	return InstanceSpec{Type: t, VCPUs: vcpu, MemoryGiB: mem, GPUs: gpus, GPUMemoryGiB: gpuMem, MaxPods: pods, Source: SourceAccelerated}
}

func sysRow(t string, vcpu, mem, pods int, source string) InstanceSpec {
	return InstanceSpec{Type: t, VCPUs: vcpu, MemoryGiB: mem, MaxPods: pods, Source: source}
}

// InstanceTable is every instance type VoiceVault can size nodes of: the x86_64 NVIDIA types the
// Bottlerocket NVIDIA AMI runs on (g4dn T4 16 GiB, g5 A10G 24 GiB, g6 L4 24 GiB, g6e L40S 48 GiB,
// p4d A100 40 GiB, p4de A100 80 GiB, p5 H100 80 GiB, p5e/p5en H200 141 GiB; g5g is Arm, which
// the node OS here is not) and common system types. Each row cites its source; max pods come
// from SourceMaxPods.
var InstanceTable = []InstanceSpec{
	gpuRow("g4dn.xlarge", 4, 16, 1, 16, 29),
	gpuRow("g4dn.2xlarge", 8, 32, 1, 16, 29),
	gpuRow("g4dn.4xlarge", 16, 64, 1, 16, 29),
	gpuRow("g4dn.8xlarge", 32, 128, 1, 16, 58),
	gpuRow("g4dn.12xlarge", 48, 192, 4, 16, 234),
	gpuRow("g4dn.16xlarge", 64, 256, 1, 16, 58),
	gpuRow("g4dn.metal", 96, 384, 8, 16, 737),
	gpuRow("g5.xlarge", 4, 16, 1, 24, 58),
	gpuRow("g5.2xlarge", 8, 32, 1, 24, 58),
	gpuRow("g5.4xlarge", 16, 64, 1, 24, 234),
	gpuRow("g5.8xlarge", 32, 128, 1, 24, 234),
	gpuRow("g5.12xlarge", 48, 192, 4, 24, 737),
	gpuRow("g5.16xlarge", 64, 256, 1, 24, 234),
	gpuRow("g5.24xlarge", 96, 384, 4, 24, 737),
	gpuRow("g5.48xlarge", 192, 768, 8, 24, 345),
	gpuRow("g6.xlarge", 4, 16, 1, 24, 58),
	gpuRow("g6.2xlarge", 8, 32, 1, 24, 58),
	gpuRow("g6.4xlarge", 16, 64, 1, 24, 234),
	gpuRow("g6.8xlarge", 32, 128, 1, 24, 234),
	gpuRow("g6.12xlarge", 48, 192, 4, 24, 234),
	gpuRow("g6.16xlarge", 64, 256, 1, 24, 737),
	gpuRow("g6.24xlarge", 96, 384, 4, 24, 737),
	gpuRow("g6.48xlarge", 192, 768, 8, 24, 737),
	gpuRow("g6e.xlarge", 4, 32, 1, 48, 58),
	gpuRow("g6e.2xlarge", 8, 64, 1, 48, 58),
	gpuRow("g6e.4xlarge", 16, 128, 1, 48, 234),
	gpuRow("g6e.8xlarge", 32, 256, 1, 48, 234),
	gpuRow("g6e.12xlarge", 48, 384, 4, 48, 292),
	gpuRow("g6e.16xlarge", 64, 512, 1, 48, 737),
	gpuRow("g6e.24xlarge", 96, 768, 4, 48, 492),
	gpuRow("g6e.48xlarge", 192, 1536, 8, 48, 492),
	gpuRow("p4d.24xlarge", 96, 1152, 8, 40, 737),
	gpuRow("p4de.24xlarge", 96, 1152, 8, 80, 737),
	gpuRow("p5.4xlarge", 16, 256, 1, 80, 118),
	gpuRow("p5.48xlarge", 192, 2048, 8, 80, 100),
	gpuRow("p5e.48xlarge", 192, 2048, 8, 141, 100),
	gpuRow("p5en.48xlarge", 192, 2048, 8, 141, 198),

	sysRow("m5.large", 2, 8, 29, SourceGeneralPurpose),
	sysRow("m5.xlarge", 4, 16, 58, SourceGeneralPurpose),
	sysRow("m5.2xlarge", 8, 32, 58, SourceGeneralPurpose),
	sysRow("m5.4xlarge", 16, 64, 234, SourceGeneralPurpose),
	sysRow("m6i.large", 2, 8, 29, SourceGeneralPurpose),
	sysRow("m6i.xlarge", 4, 16, 58, SourceGeneralPurpose),
	sysRow("m6i.2xlarge", 8, 32, 58, SourceGeneralPurpose),
	sysRow("m6i.4xlarge", 16, 64, 234, SourceGeneralPurpose),
	sysRow("m6a.large", 2, 8, 29, SourceGeneralPurpose),
	sysRow("m6a.xlarge", 4, 16, 58, SourceGeneralPurpose),
	sysRow("m6a.2xlarge", 8, 32, 58, SourceGeneralPurpose),
	sysRow("m7i.large", 2, 8, 29, SourceGeneralPurpose),
	sysRow("m7i.xlarge", 4, 16, 58, SourceGeneralPurpose),
	sysRow("m7i.2xlarge", 8, 32, 58, SourceGeneralPurpose),
	sysRow("c6i.large", 2, 4, 29, SourceComputeOptimized),
	sysRow("c6i.xlarge", 4, 8, 58, SourceComputeOptimized),
	sysRow("c6i.2xlarge", 8, 16, 58, SourceComputeOptimized),
	sysRow("c7i.large", 2, 4, 29, SourceComputeOptimized),
	sysRow("c7i.xlarge", 4, 8, 58, SourceComputeOptimized),
	sysRow("r6i.large", 2, 16, 29, SourceMemoryOptimized),
	sysRow("r6i.xlarge", 4, 32, 58, SourceMemoryOptimized),
}

// Instance returns the table row of an instance type.
func Instance(instanceType string) (InstanceSpec, bool) {
	i := slices.IndexFunc(InstanceTable, func(s InstanceSpec) bool { return s.Type == instanceType })
	if i < 0 {
		return InstanceSpec{}, false
	}
	return InstanceTable[i], true
}

// GPUInstanceTypes are the GPU rows' types, in table order.
func GPUInstanceTypes() []string {
	var out []string
	for _, s := range InstanceTable {
		if s.GPUs > 0 {
			out = append(out, s.Type)
		}
	}
	return out
}

// Node reservations of the node OS (Bottlerocket, which EKS Auto Mode nodes run too), and what
// VoiceVault sets aside on every GPU node for the node's own pods.
const (
	// EvictionMemoryMiB is kubelet's hard eviction threshold (memory.available < 100Mi).
	EvictionMemoryMiB = 100
	// VMMemoryOverheadPercent is the part of an instance's nominal memory the OS does not see
	// (firmware, kernel): the figure Karpenter, and so EKS Auto Mode, assumes by default
	// (https://karpenter.sh/docs/reference/settings/, VM_MEMORY_OVERHEAD_PERCENT 0.075).
	VMMemoryOverheadPercent = 7.5
	// NodeDaemonCPUMilli and NodeDaemonMemoryMiB are requests of the pods every GPU node runs
	// besides the model (VPC CNI, kube-proxy, Pod Identity agent, the CloudWatch agent, Fluent
	// Bit and the DCGM exporter of the observability add-on): VoiceVault's own budget, kept
	// above the add-ons' default requests.
	NodeDaemonCPUMilli  = 400
	NodeDaemonMemoryMiB = 768
)

// RolloutSurge is how many extra replicas a tenant's rolling update starts before it stops an old
// one (the Deployment's maxSurge, with maxUnavailable 0): the node group needs room for them.
const RolloutSurge = 1

// KubeReservedMemoryMiB is the memory Bottlerocket reserves for the kubelet and container
// runtime: 11 MiB per pod of max-pods plus 255 MiB (SourceReservations).
func KubeReservedMemoryMiB(maxPods int) int { return 11*maxPods + 255 }

// KubeReservedCPUMilli is the CPU Bottlerocket reserves (SourceReservations, the same tiers as
// GKE's and the EKS AMIs'): 6% of the first core, 1% of the second, 0.5% of the third and
// fourth, 0.25% of every core above four.
func KubeReservedCPUMilli(vcpus int) int {
	// Tenths of a millicore per core: 6% of 1000m is 60m = 600 tenths.
	tiers := []struct{ cores, tenths int }{{1, 600}, {1, 100}, {2, 50}, {1 << 30, 25}}
	left, out := vcpus, 0
	for _, t := range tiers {
		n := min(left, t.cores)
		out += n * t.tenths
		left -= n
	}
	return out / 10
}

// Allocatable is what the scheduler can place on one node of s: capacity minus the node OS's
// reservations, minus VoiceVault's node-daemon budget on GPU nodes.
type Allocatable struct {
	CPUMilli  int64
	MemoryMiB int64
	GPUs      int
}

// NodeAllocatable computes s's allocatable resources for pods.
func NodeAllocatable(s InstanceSpec) Allocatable {
	visible := float64(s.MemoryGiB*1024) * (1 - VMMemoryOverheadPercent/100)
	mem := int64(visible) - int64(KubeReservedMemoryMiB(s.MaxPods)) - EvictionMemoryMiB
	cpu := int64(s.VCPUs*1000 - KubeReservedCPUMilli(s.VCPUs))
	if s.GPUs > 0 {
		mem -= NodeDaemonMemoryMiB
		cpu -= NodeDaemonCPUMilli
	}
	return Allocatable{CPUMilli: cpu, MemoryMiB: mem, GPUs: s.GPUs}
}

// PodRequest is what one TTS replica asks the scheduler for.
type PodRequest struct {
	CPUMilli  int64
	MemoryMiB int64
	GPUs      int
}

// Request is the model's per-replica request, or false when a quantity does not parse (which
// validation reports on its own field).
func (m Model) Request() (PodRequest, bool) {
	cpu, err1 := resource.ParseQuantity(m.CPU)
	mem, err2 := resource.ParseQuantity(m.Memory)
	if err1 != nil || err2 != nil {
		return PodRequest{}, false
	}
	return PodRequest{CPUMilli: cpu.MilliValue(), MemoryMiB: (mem.Value() + (1<<20 - 1)) >> 20, GPUs: m.GPUs}, true
}

// PodsPerNode is how many replicas of r fit on one node of s (0: none).
func PodsPerNode(s InstanceSpec, r PodRequest) int {
	a := NodeAllocatable(s)
	if r.GPUs < 1 || r.CPUMilli < 0 || r.MemoryMiB < 0 {
		return 0
	}
	n := a.GPUs / r.GPUs
	if r.CPUMilli > 0 {
		n = min(n, int(a.CPUMilli/r.CPUMilli))
	}
	if r.MemoryMiB > 0 {
		n = min(n, int(a.MemoryMiB/r.MemoryMiB))
	}
	return max(n, 0)
}

// validateCapacity checks that every tenant's replicas fit on its GPU nodes and that the
// environment's node groups can hold every tenant's minimum replicas at once.
func (c *Config) validateCapacity(ck *checker, tenantIndex map[string]int) {
	for ei := range c.Environments {
		e := &c.Environments[ei]
		var shared []string
		var scaled []scaledTenant
		need, maxSurge, surgeTenant := 0, 0, ""
		for _, t := range c.TenantsIn(e.Name) {
			p := fmt.Sprintf("tenants[%d]", tenantIndex[t.Name])
			nodes, field := e.GPUNodes, fmt.Sprintf("environments[%d].gpuNodes", ei)
			if t.DedicatedGPUNodes != nil {
				nodes, field = *t.DedicatedGPUNodes, p+".dedicatedGpuNodes"
			}
			gpus, ok := t.checkFit(ck, p, nodes, field)
			if !ok {
				continue
			}
			surge := RolloutSurge * t.Model.GPUs
			if t.DedicatedGPUNodes != nil {
				// The tenant's own node group holds its replicas alone.
				own := t.Model.Replicas * t.Model.GPUs
				switch hold := *nodes.MaxSize * gpus; {
				case own > hold:
					ck.add(field+".maxSize", "tenant %q needs %d GPU(s) at its minimum replicas (%d × %d); %d node(s) × %d GPU(s) hold %d (raise maxSize or lower model.replicas)",
						t.Name, own, t.Model.Replicas, t.Model.GPUs, *nodes.MaxSize, gpus, hold)
				case own+surge > hold:
					ck.add(field+".maxSize", "%d node(s) × %d GPU(s) hold %d GPU(s), all taken by tenant %q's minimum replicas: a rolling update starts %d more replica(s) (%d GPU(s)) before stopping one and would never finish (raise maxSize to at least %d)",
						*nodes.MaxSize, gpus, hold, t.Name, RolloutSurge, surge, (own+surge+gpus-1)/gpus)
				default:
					t.checkPeak(ck, p, field, *nodes.MaxSize, gpus, 0, "")
				}
				continue
			}
			if t.Model.Autoscaling != nil {
				scaled = append(scaled, scaledTenant{&t, p})
			}
			need += t.Model.Replicas * t.Model.GPUs
			maxSurge = max(maxSurge, surge)
			if surge == maxSurge {
				surgeTenant = t.Name
			}
			shared = append(shared, fmt.Sprintf("%s %d×%d", t.Name, t.Model.Replicas, t.Model.GPUs))
		}
		if len(shared) == 0 {
			continue
		}
		perNode := minGPUs(e.GPUNodes.InstanceTypes)
		if perNode == 0 {
			continue
		}
		field := fmt.Sprintf("environments[%d].gpuNodes.maxSize", ei)
		switch hold := *e.GPUNodes.MaxSize * perNode; {
		case need > hold:
			ck.add(field, "tenants need %d GPU(s) at their minimum replicas (%s; replicas × GPUs); %d node(s) × %d GPU(s) hold %d (raise maxSize to at least %d or lower model.replicas)",
				need, strings.Join(shared, ", "), *e.GPUNodes.MaxSize, perNode, hold, (need+perNode-1)/perNode)
		case need+maxSurge > hold:
			// One rolling update at a time is the least the shared nodes must allow.
			ck.add(field, "%d node(s) × %d GPU(s) hold %d GPU(s), and the tenants' minimum replicas take %d (%s): a rolling update of tenant %q starts %d more replica(s) (%d GPU(s)) before stopping one and would never finish (raise maxSize to at least %d)",
				*e.GPUNodes.MaxSize, perNode, hold, need, strings.Join(shared, ", "), surgeTenant, RolloutSurge, maxSurge, (need+maxSurge+perNode-1)/perNode)
		default:
			// Each autoscaled tenant must be able to reach its maximum while the others run their minimum.
			for _, st := range scaled {
				st.t.checkPeak(ck, st.p, field[:len(field)-len(".maxSize")], *e.GPUNodes.MaxSize, perNode, need-st.t.Model.Replicas*st.t.Model.GPUs, "the other tenants' minimum replicas")
			}
		}
	}
}

// scaledTenant is an autoscaled tenant on the shared GPU nodes and its field path.
type scaledTenant struct {
	t *Tenant
	p string
}

// checkPeak reports a tenant whose autoscaling maximum the node group cannot hold: maxSize nodes
// of perNode GPUs, of which others (what other tenants keep) are taken. A scaler asking for more
// would leave pods Pending for ever (docs/tenant.md, "Pod autoscaling").
func (t *Tenant) checkPeak(ck *checker, p, field string, maxSize, perNode, others int, othersWhat string) {
	a := t.Model.Autoscaling
	if a == nil {
		return
	}
	peak := a.MaxReplicas * t.Model.GPUs
	hold := maxSize * perNode
	if peak+others <= hold {
		return
	}
	with := ""
	if others > 0 {
		with = fmt.Sprintf(" beside %s (%d GPU(s))", othersWhat, others)
	}
	ck.add(p+".model.autoscaling.maxReplicas", "tenant %q scales up to %d replica(s) × %d GPU(s) = %d GPU(s)%s; %s.maxSize %d node(s) × %d GPU(s) hold %d (lower maxReplicas to at most %d or raise maxSize to at least %d)",
		t.Name, a.MaxReplicas, t.Model.GPUs, peak, with, field, maxSize, perNode, hold, max((hold-others)/t.Model.GPUs, 0), (peak+others+perNode-1)/perNode)
}

// checkFit reports a replica that fits on none of the node group's instance types, and returns
// the fewest GPUs a node of the group has.
func (t *Tenant) checkFit(ck *checker, p string, nodes NodeGroup, field string) (int, bool) {
	r, ok := t.Model.Request()
	if !ok || len(nodes.InstanceTypes) == 0 {
		return 0, false
	}
	var specs []InstanceSpec
	for _, it := range nodes.InstanceTypes {
		if s, known := Instance(it); known && s.GPUs > 0 {
			specs = append(specs, s)
		}
	}
	if len(specs) != len(nodes.InstanceTypes) {
		return 0, false // an unknown instance type is reported on its own field
	}
	for _, s := range specs {
		if PodsPerNode(s, r) > 0 {
			return minGPUs(nodes.InstanceTypes), true
		}
	}
	var best []string
	for _, s := range specs {
		a := NodeAllocatable(s)
		best = append(best, fmt.Sprintf("%s allocates %dm CPU, %d MiB, %d GPU(s)", s.Type, a.CPUMilli, a.MemoryMiB, a.GPUs))
	}
	ck.add(p+".model", "a replica of tenant %q (cpu %s = %dm, memory %s = %d MiB, %d GPU(s)) fits on no instance type of %s: %s (lower model.cpu/memory/gpus or choose a larger instance type)",
		t.Name, t.Model.CPU, r.CPUMilli, t.Model.Memory, r.MemoryMiB, r.GPUs, field, strings.Join(best, "; "))
	return 0, false
}

// minGPUs is the fewest GPUs among instance types (0 if any is unknown).
func minGPUs(types []string) int {
	out := 0
	for i, it := range types {
		s, ok := Instance(it)
		if !ok {
			return 0
		}
		if i == 0 || s.GPUs < out {
			out = s.GPUs
		}
	}
	return out
}

// BurstGPUs is how many GPUs EKS Auto Mode may add above the group's warm nodes (desiredSize,
// a managed node group) for pending pods: (maxSize − desiredSize) nodes of the type with the
// fewest GPUs, so the group never holds more than maxSize nodes' worth. 0 when no type is known.
func (g NodeGroup) BurstGPUs() int {
	if g.MaxSize == nil || g.DesiredSize == nil {
		return 0
	}
	return max(*g.MaxSize-*g.DesiredSize, 0) * minGPUs(g.InstanceTypes)
}
