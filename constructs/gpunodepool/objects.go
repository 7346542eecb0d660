package gpunodepool

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
)

// The Kubernetes API groups of EKS Auto Mode's node autoscaling (Karpenter underneath). Their Go
// types live in modules VoiceVault does not depend on, so the objects are the small typed
// structs below: the fields VoiceVault sets, with the API's JSON names.
const (
	NodePoolAPIVersion  = "karpenter.sh/v1"
	NodeClassAPIVersion = "eks.amazonaws.com/v1"
	NodeClassGroup      = "eks.amazonaws.com"
)

// Well-known requirement keys (EKS user guide, "Create a Node Pool for EKS Auto Mode",
// https://docs.aws.amazon.com/eks/latest/userguide/create-node-pool.html).
const (
	InstanceTypeKey = "node.kubernetes.io/instance-type"
	CapacityTypeKey = "karpenter.sh/capacity-type"
	ArchKey         = "kubernetes.io/arch"
)

// GPUResource is the extended resource the limits count (the NVIDIA device plugin's).
const GPUResource = "nvidia.com/gpu"

// Defaults.
const (
	// DefaultConsolidateAfter is how long a GPU node stays empty before Auto Mode removes it: long
	// enough that a replica rescheduled after a deployment or a short lull finds the node (a cold
	// GPU node takes minutes to boot and load a model), short enough that idle GPUs stop billing.
	DefaultConsolidateAfter = "10m"
	// DefaultExpireAfter replaces a node after 14 days (Auto Mode's ceiling is 21 days, EKS user
	// guide, "Create a Node Pool for EKS Auto Mode"): nodes pick up new Auto Mode AMIs, which carry
	// the security patches, in a predictable rhythm.
	DefaultExpireAfter = "336h"
	// DefaultDisruptionBudget is how many nodes of the pool Auto Mode may disrupt at once
	// (consolidation, expiry, drift): one, so a tenant never loses two GPU nodes to maintenance.
	DefaultDisruptionBudget = "1"
	// VolumeIOPS and VolumeThroughput are the node volume's gp3 baseline (also Auto Mode's default).
	VolumeIOPS       = 3000
	VolumeThroughput = 125
)

// NodeClass is an eks.amazonaws.com/v1 NodeClass: where and how Auto Mode launches the nodes.
type NodeClass struct {
	APIVersion string        `json:"apiVersion"`
	Kind       string        `json:"kind"`
	Metadata   Meta          `json:"metadata"`
	Spec       NodeClassSpec `json:"spec"`
}

// NodeClassSpec is the part of the NodeClass spec VoiceVault sets (EKS user guide, "Create a Node
// Class for Amazon EKS", https://docs.aws.amazon.com/eks/latest/userguide/create-node-class.html).
type NodeClassSpec struct {
	Role                       string            `json:"role"`
	SubnetSelectorTerms        []SelectorTerm    `json:"subnetSelectorTerms"`
	SecurityGroupSelectorTerms []SelectorTerm    `json:"securityGroupSelectorTerms"`
	EphemeralStorage           EphemeralStorage  `json:"ephemeralStorage"`
	NetworkPolicy              string            `json:"networkPolicy"`
	NetworkPolicyEventLogs     string            `json:"networkPolicyEventLogs"`
	Tags                       map[string]string `json:"tags,omitempty"`
}

// SelectorTerm selects a subnet or security group by ID.
type SelectorTerm struct {
	ID string `json:"id"`
}

// EphemeralStorage is the node's volume (EBS gp3), encrypted with KMSKeyID.
type EphemeralStorage struct {
	Size       string `json:"size"`
	IOPS       int    `json:"iops"`
	Throughput int    `json:"throughput"`
	KMSKeyID   string `json:"kmsKeyID"`
}

// NodePool is a karpenter.sh/v1 NodePool: which nodes Auto Mode may launch for pending pods,
// how many, and when it removes them.
type NodePool struct {
	APIVersion string       `json:"apiVersion"`
	Kind       string       `json:"kind"`
	Metadata   Meta         `json:"metadata"`
	Spec       NodePoolSpec `json:"spec"`
}

// NodePoolSpec is the NodePool's spec.
type NodePoolSpec struct {
	Template   NodeClaimTemplate `json:"template"`
	Limits     map[string]string `json:"limits"`
	Disruption Disruption        `json:"disruption"`
}

// NodeClaimTemplate is what every node of the pool gets.
type NodeClaimTemplate struct {
	Metadata struct {
		Labels map[string]string `json:"labels"`
	} `json:"metadata"`
	Spec NodeClaimSpec `json:"spec"`
}

// NodeClaimSpec is a node's class, taints, requirements and lifetime.
type NodeClaimSpec struct {
	NodeClassRef NodeClassRef  `json:"nodeClassRef"`
	Taints       []Taint       `json:"taints"`
	Requirements []Requirement `json:"requirements"`
	ExpireAfter  string        `json:"expireAfter"`
}

// NodeClassRef names the NodeClass.
type NodeClassRef struct {
	Group string `json:"group"`
	Kind  string `json:"kind"`
	Name  string `json:"name"`
}

// Taint is a node taint.
type Taint struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Effect string `json:"effect"`
}

// Requirement is a node-selector requirement.
type Requirement struct {
	Key      string   `json:"key"`
	Operator string   `json:"operator"`
	Values   []string `json:"values"`
}

// Disruption is when Auto Mode may remove the pool's nodes.
type Disruption struct {
	ConsolidationPolicy string   `json:"consolidationPolicy"`
	ConsolidateAfter    string   `json:"consolidateAfter"`
	Budgets             []Budget `json:"budgets"`
}

// Budget caps how many nodes are disrupted at once.
type Budget struct {
	Nodes string `json:"nodes"`
}

// Meta is object metadata (both kinds are cluster-scoped).
type Meta struct {
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels,omitempty"`
}

// Spec is the value-level input of Build (the construct resolves roles, subnets and keys to it).
type Spec struct {
	Name             string // NodePool and NodeClass name (DNS-1123).
	RoleName         string // The node IAM role's name (NodeClass spec.role).
	SubnetIDs        []string
	SecurityGroupIDs []string
	KeyARN           string // Encrypts the node volumes.
	DiskSizeGiB      int
	InstanceTypes    []string
	MaxGPUs          int // The pool's limit on nvidia.com/gpu across its nodes.
	Labels           map[string]string
	Taints           []Taint
	ConsolidateAfter string
	ExpireAfter      string
	Tags             map[string]string
}

var reName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

// Build returns the NodeClass and NodePool of s. It is pure: no CDK, no jsii.
func Build(s Spec) (*NodeClass, *NodePool, error) {
	switch {
	case !reName.MatchString(s.Name):
		return nil, nil, fmt.Errorf("name %q is not a DNS-1123 label", s.Name)
	case s.RoleName == "" || s.KeyARN == "":
		return nil, nil, fmt.Errorf("node pool %q: role name and key ARN are required", s.Name)
	case len(s.SubnetIDs) == 0 || len(s.SecurityGroupIDs) == 0:
		return nil, nil, fmt.Errorf("node pool %q: subnets and security groups are required", s.Name)
	case len(s.InstanceTypes) == 0:
		return nil, nil, fmt.Errorf("node pool %q: instance types are required", s.Name)
	case s.MaxGPUs < 1:
		return nil, nil, fmt.Errorf("node pool %q: max GPUs %d must be at least 1", s.Name, s.MaxGPUs)
	case s.DiskSizeGiB < 1:
		return nil, nil, fmt.Errorf("node pool %q: disk size %d GiB must be at least 1", s.Name, s.DiskSizeGiB)
	}
	if s.ConsolidateAfter == "" {
		s.ConsolidateAfter = DefaultConsolidateAfter
	}
	if s.ExpireAfter == "" {
		s.ExpireAfter = DefaultExpireAfter
	}
	terms := func(ids []string) []SelectorTerm {
		out := make([]SelectorTerm, 0, len(ids))
		for _, id := range ids {
			out = append(out, SelectorTerm{ID: id})
		}
		return out
	}
	meta := Meta{Name: s.Name, Labels: map[string]string{"app.kubernetes.io/part-of": "voicevault"}}
	nc := &NodeClass{
		APIVersion: NodeClassAPIVersion, Kind: "NodeClass", Metadata: meta,
		Spec: NodeClassSpec{
			Role:                       s.RoleName,
			SubnetSelectorTerms:        terms(s.SubnetIDs),
			SecurityGroupSelectorTerms: terms(s.SecurityGroupIDs),
			EphemeralStorage: EphemeralStorage{
				Size: strconv.Itoa(s.DiskSizeGiB) + "Gi", IOPS: VolumeIOPS, Throughput: VolumeThroughput, KMSKeyID: s.KeyARN,
			},
			// Tenant namespaces rely on NetworkPolicies (default deny): Auto Mode nodes enforce
			// them with DefaultAllow for pods no policy selects (EKS user guide, "Use Network
			// Policies with EKS Auto Mode"); the controller switch is the amazon-vpc-cni ConfigMap
			// the vpc-cni add-on writes (enableNetworkPolicy).
			NetworkPolicy:          "DefaultAllow",
			NetworkPolicyEventLogs: "Disabled",
			Tags:                   maps.Clone(s.Tags),
		},
	}
	np := &NodePool{APIVersion: NodePoolAPIVersion, Kind: "NodePool", Metadata: meta}
	np.Spec.Template.Metadata.Labels = maps.Clone(s.Labels)
	types := slices.Clone(s.InstanceTypes)
	slices.Sort(types)
	np.Spec.Template.Spec = NodeClaimSpec{
		NodeClassRef: NodeClassRef{Group: NodeClassGroup, Kind: "NodeClass", Name: s.Name},
		Taints:       slices.Clone(s.Taints),
		Requirements: []Requirement{
			// Exactly the configured instance types: the capacity model validated these.
			{Key: InstanceTypeKey, Operator: "In", Values: types},
			{Key: CapacityTypeKey, Operator: "In", Values: []string{"on-demand"}},
			{Key: ArchKey, Operator: "In", Values: []string{"amd64"}},
		},
		ExpireAfter: s.ExpireAfter,
	}
	np.Spec.Limits = map[string]string{GPUResource: strconv.Itoa(s.MaxGPUs)}
	// WhenEmpty, not WhenEmptyOrUnderutilized: moving a running model to pack nodes tighter costs
	// a cold model load per move; a node goes when its last TTS pod has gone.
	np.Spec.Disruption = Disruption{ConsolidationPolicy: "WhenEmpty", ConsolidateAfter: s.ConsolidateAfter, Budgets: []Budget{{Nodes: DefaultDisruptionBudget}}}
	return nc, np, nil
}
