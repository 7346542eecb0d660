package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBottlerocketReservations holds the reservation formulas to Bottlerocket's documented
// defaults (https://bottlerocket.dev/en/os/latest/api/settings/kubernetes/: kube-reserved memory
// 11 × max-pods + 255 MiB; CPU 6% of the first core, 1% of the second, 0.5% of cores 3-4, 0.25%
// above 4).
func TestBottlerocketReservations(t *testing.T) {
	assert.Equal(t, 893, KubeReservedMemoryMiB(58))
	for vcpus, want := range map[int]int{1: 60, 2: 70, 4: 80, 8: 90, 48: 190, 192: 550} {
		assert.Equal(t, want, KubeReservedCPUMilli(vcpus), "%d vCPUs", vcpus)
	}
}

// TestDefaultModelFitsTheDefaultGPUNode: the README's numbers for a g6.xlarge, and the default
// model request fits on one with its reservations.
func TestDefaultModelFitsTheDefaultGPUNode(t *testing.T) {
	s, ok := Instance(DefaultGPUNodes.InstanceTypes[0])
	require.True(t, ok)
	assert.Equal(t, Allocatable{CPUMilli: 3520, MemoryMiB: 13394, GPUs: 1}, NodeAllocatable(s))
	r, ok := Model{CPU: DefaultModelCPU, Memory: DefaultModelMemory, GPUs: DefaultGPUsPerReplica}.Request()
	require.True(t, ok)
	assert.Equal(t, 1, PodsPerNode(s, r))
	big, _ := Model{CPU: "4", Memory: "16Gi", GPUs: 1}.Request()
	assert.Equal(t, 0, PodsPerNode(s, big), "the old default (the whole instance) fits nowhere")
}

func TestPodsPerNodeIsTheTightestResource(t *testing.T) {
	s, _ := Instance("g6.12xlarge") // 48 vCPU, 192 GiB, 4 GPUs
	r, _ := Model{CPU: "3", Memory: "12Gi", GPUs: 1}.Request()
	assert.Equal(t, 4, PodsPerNode(s, r), "GPUs bound it")
	r, _ = Model{CPU: "20", Memory: "12Gi", GPUs: 1}.Request()
	assert.Equal(t, 2, PodsPerNode(s, r), "CPU bounds it")
}

// TestInstanceTableRowsAreCompleteAndSourced: every row has its numbers and an AWS source, GPU
// rows cite EC2's accelerated computing page, and every supported GPU family has rows.
func TestInstanceTableRowsAreCompleteAndSourced(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range InstanceTable {
		assert.False(t, seen[s.Type], "%s listed twice", s.Type)
		seen[s.Type] = true
		assert.True(t, s.VCPUs > 0 && s.MemoryGiB > 0 && s.MaxPods > 0, s.Type)
		assert.True(t, strings.HasPrefix(s.Source, "https://docs.aws.amazon.com/ec2/latest/instancetypes/"), s.Type)
		if s.GPUs > 0 {
			assert.Equal(t, SourceAccelerated, s.Source, s.Type)
			assert.Positive(t, s.GPUMemoryGiB, s.Type)
		}
	}
	for _, f := range []string{"g4dn", "g5", "g6", "g6e", "p4d", "p5"} {
		assert.True(t, seen[f+".xlarge"] || seen[f+".24xlarge"] || seen[f+".48xlarge"], f)
	}
	_, arm := Instance("g5g.xlarge")
	assert.False(t, arm, "g5g is Arm: the x86_64 NVIDIA node OS does not run on it")
}

func TestExampleConfigFits(t *testing.T) {
	c, err := Load("example.yaml")
	require.NoError(t, err)
	for _, tn := range c.Tenants {
		e, _ := c.Environment(tn.Environment)
		nodes := e.GPUNodes
		if tn.DedicatedGPUNodes != nil {
			nodes = *tn.DedicatedGPUNodes
		}
		r, ok := tn.Model.Request()
		require.True(t, ok)
		for _, it := range nodes.InstanceTypes {
			s, _ := Instance(it)
			assert.Positive(t, PodsPerNode(s, r), "%s on %s", tn.Name, it)
		}
	}
}

func TestBurstGPUsIsTheRoomAboveTheWarmNodes(t *testing.T) {
	n := func(v int) *int { return &v }
	for _, tc := range []struct {
		g    NodeGroup
		want int
	}{
		{NodeGroup{InstanceTypes: []string{"g6.xlarge", "g5.xlarge"}, DesiredSize: n(1), MaxSize: n(4)}, 3},
		{NodeGroup{InstanceTypes: []string{"g6.12xlarge"}, DesiredSize: n(0), MaxSize: n(2)}, 8},
		{NodeGroup{InstanceTypes: []string{"g6.xlarge"}, DesiredSize: n(3), MaxSize: n(3)}, 0},
		{NodeGroup{InstanceTypes: []string{"x9.unknown"}, DesiredSize: n(0), MaxSize: n(3)}, 0},
	} {
		if got := tc.g.BurstGPUs(); got != tc.want {
			t.Errorf("%v desired %d max %d: BurstGPUs %d, want %d", tc.g.InstanceTypes, *tc.g.DesiredSize, *tc.g.MaxSize, got, tc.want)
		}
	}
}
