package gpunodepool_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/constructs/gpunodepool"
)

func spec() gpunodepool.Spec {
	return gpunodepool.Spec{
		Name: "tenant-acme-gpu", RoleName: "node-role", SubnetIDs: []string{"subnet-a", "subnet-b"}, SecurityGroupIDs: []string{"sg-cluster"},
		KeyARN: "arn:aws:kms:eu-west-1:123456789012:key/k", DiskSizeGiB: 100, InstanceTypes: []string{"g6.xlarge", "g5.xlarge"}, MaxGPUs: 3,
		Labels: map[string]string{"voicevault.io/node-class": "gpu", "voicevault.io/tenant": "acme"},
		Taints: []gpunodepool.Taint{{Key: "nvidia.com/gpu", Value: "true", Effect: "NoSchedule"}, {Key: "voicevault.io/tenant", Value: "acme", Effect: "NoSchedule"}},
	}
}

func TestNodeClassEncryptsTheNodeVolumeWithTheKeyInThePrivateSubnets(t *testing.T) {
	nc, _, err := gpunodepool.Build(spec())
	require.NoError(t, err)
	assert.Equal(t, "eks.amazonaws.com/v1", nc.APIVersion)
	assert.Equal(t, "NodeClass", nc.Kind)
	assert.Equal(t, "node-role", nc.Spec.Role)
	assert.Equal(t, []gpunodepool.SelectorTerm{{ID: "subnet-a"}, {ID: "subnet-b"}}, nc.Spec.SubnetSelectorTerms)
	assert.Equal(t, []gpunodepool.SelectorTerm{{ID: "sg-cluster"}}, nc.Spec.SecurityGroupSelectorTerms)
	assert.Equal(t, gpunodepool.EphemeralStorage{Size: "100Gi", IOPS: 3000, Throughput: 125, KMSKeyID: "arn:aws:kms:eu-west-1:123456789012:key/k"}, nc.Spec.EphemeralStorage)
	assert.Equal(t, "DefaultAllow", nc.Spec.NetworkPolicy, "tenant NetworkPolicies are enforced on Auto Mode nodes")
}

func TestNodePoolKeepsTheGPUTaintLabelsAndLimit(t *testing.T) {
	_, np, err := gpunodepool.Build(spec())
	require.NoError(t, err)
	assert.Equal(t, "karpenter.sh/v1", np.APIVersion)
	assert.Equal(t, "NodePool", np.Kind)
	s := np.Spec.Template.Spec
	assert.Equal(t, gpunodepool.NodeClassRef{Group: "eks.amazonaws.com", Kind: "NodeClass", Name: "tenant-acme-gpu"}, s.NodeClassRef)
	assert.Contains(t, s.Taints, gpunodepool.Taint{Key: "nvidia.com/gpu", Value: "true", Effect: "NoSchedule"})
	assert.Contains(t, s.Taints, gpunodepool.Taint{Key: "voicevault.io/tenant", Value: "acme", Effect: "NoSchedule"})
	assert.Equal(t, map[string]string{"voicevault.io/node-class": "gpu", "voicevault.io/tenant": "acme"}, np.Spec.Template.Metadata.Labels)
	assert.Contains(t, s.Requirements, gpunodepool.Requirement{Key: "node.kubernetes.io/instance-type", Operator: "In", Values: []string{"g5.xlarge", "g6.xlarge"}})
	assert.Contains(t, s.Requirements, gpunodepool.Requirement{Key: "karpenter.sh/capacity-type", Operator: "In", Values: []string{"on-demand"}})
	assert.Equal(t, map[string]string{"nvidia.com/gpu": "3"}, np.Spec.Limits)
	assert.Equal(t, "336h", s.ExpireAfter)
}

func TestNodePoolRemovesEmptyNodesOneAtATime(t *testing.T) {
	_, np, err := gpunodepool.Build(spec())
	require.NoError(t, err)
	assert.Equal(t, gpunodepool.Disruption{ConsolidationPolicy: "WhenEmpty", ConsolidateAfter: "10m", Budgets: []gpunodepool.Budget{{Nodes: "1"}}}, np.Spec.Disruption)
}

func TestBuildRejectsBadSpecs(t *testing.T) {
	for name, tc := range map[string]struct {
		mut  func(*gpunodepool.Spec)
		want string
	}{
		"name":      {func(s *gpunodepool.Spec) { s.Name = "GPU_pool" }, `name "GPU_pool" is not a DNS-1123 label`},
		"no limit":  {func(s *gpunodepool.Spec) { s.MaxGPUs = 0 }, "max GPUs 0 must be at least 1"},
		"no types":  {func(s *gpunodepool.Spec) { s.InstanceTypes = nil }, "instance types are required"},
		"no subnet": {func(s *gpunodepool.Spec) { s.SubnetIDs = nil }, "subnets and security groups are required"},
		"no key":    {func(s *gpunodepool.Spec) { s.KeyARN = "" }, "role name and key ARN are required"},
		"no disk":   {func(s *gpunodepool.Spec) { s.DiskSizeGiB = 0 }, "disk size 0 GiB must be at least 1"},
	} {
		t.Run(name, func(t *testing.T) {
			s := spec()
			tc.mut(&s)
			_, _, err := gpunodepool.Build(s)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
