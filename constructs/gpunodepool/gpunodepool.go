// Package gpunodepool gives an EKS Auto Mode cluster a GPU node pool that scales with pending
// pods: a NodeClass (private subnets, the cluster security group, the node volume encrypted with
// a customer-managed key, network policies enforced) and a NodePool (exactly the configured GPU
// instance types, on-demand, the GPU taint and labels, a limit on GPUs, nodes removed when
// empty), applied through the cluster's kubectl provider; the nodes' IAM role and its EC2 access
// entry; and the key-policy statements Auto Mode needs to encrypt the node volumes.
//
// Auto Mode nodes are Bottlerocket-based, with a read-only root file system, no SSH or SSM
// access, and IMDSv2 required with a hop limit of 1 — none of which a NodeClass can change (EKS
// user guide, "Learn about Amazon EKS Auto Mode Managed instances",
// https://docs.aws.amazon.com/eks/latest/userguide/automode-learn-instances.html). The NVIDIA
// driver and device plugin are part of the Auto Mode AMI.
package gpunodepool

import (
	"encoding/json"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseksv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// NodePolicies are the AWS managed policies of an Auto Mode node role (EKS user guide, "Amazon
// EKS Auto Mode node IAM role"): join the cluster and pull images. Nothing else.
var NodePolicies = []string{"AmazonEKSWorkerNodeMinimalPolicy", "AmazonEC2ContainerRegistryPullOnly"}

// Props configures a GPU node pool.
type Props struct {
	// Cluster is an EKS Auto Mode cluster (compute enabled); it receives the access entry and the
	// objects through its kubectl provider. Required.
	Cluster awseksv2.ICluster
	// ClusterRole is the cluster's IAM role: Auto Mode launches the nodes with it, so the key
	// policy lets it use Key for their volumes. Required.
	ClusterRole awsiam.IRole
	Key         awskms.IKey      // Required. Encrypts the nodes' ephemeral storage.
	Subnets     []awsec2.ISubnet // Required. Private subnets of the nodes.
	// SecurityGroupIDs are the nodes' security groups. Required: the EKS cluster security group,
	// which the tenants' load-balancer paths and the control plane use.
	SecurityGroupIDs []string
	Name             string   // Required. NodePool and NodeClass name, DNS-1123.
	InstanceTypes    []string // Required. GPU instance types.
	MaxGPUs          int      // Required. The pool's limit on GPUs, across its nodes.
	DiskSizeGiB      int      // Required. Size of the node volume.
	Labels           map[string]string
	Taints           []Taint
	ConsolidateAfter string // Default: DefaultConsolidateAfter.
	ExpireAfter      string // Default: DefaultExpireAfter.
}

// GPUNodePool is the node pool, its node role and what applies them.
type GPUNodePool struct {
	constructs.Construct
	role        awsiam.Role
	accessEntry awseksv2.AccessEntry
	manifest    awseksv2.KubernetesManifest
	nodeClass   *NodeClass
	nodePool    *NodePool
}

// Role is the nodes' IAM role (NodePolicies only).
func (g *GPUNodePool) Role() awsiam.Role { return g.role }

// AccessEntry lets the nodes join the cluster (type EC2).
func (g *GPUNodePool) AccessEntry() awseksv2.AccessEntry { return g.accessEntry }

// Manifest applies the NodeClass and the NodePool.
func (g *GPUNodePool) Manifest() awseksv2.KubernetesManifest { return g.manifest }

// NodeClass is the applied NodeClass.
func (g *GPUNodePool) NodeClass() *NodeClass { return g.nodeClass }

// NodePool is the applied NodePool.
func (g *GPUNodePool) NodePool() *NodePool { return g.nodePool }

// New builds the pool.
func New(scope constructs.Construct, id string, p Props) *GPUNodePool {
	if p.Cluster == nil || p.ClusterRole == nil || p.Key == nil || len(p.Subnets) == 0 {
		panic(fmt.Errorf("gpu node pool %q: cluster, cluster role, key and subnets are required", id))
	}
	g := &GPUNodePool{Construct: constructs.NewConstruct(scope, jsii.String(id))}
	g.role = awsiam.NewRole(g.Construct, jsii.String("NodeRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil),
		Description: jsii.String("EKS Auto Mode node (" + p.Name + "): join the cluster, pull images"),
	})
	for _, name := range NodePolicies {
		g.role.AddManagedPolicy(awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String(name)))
	}
	// A custom NodeClass's role needs an access entry of type EC2 (EKS user guide, "Create a Node
	// Class for Amazon EKS", "Create node class access entry"); that type carries the node
	// permissions itself: EKS (and the CDK) refuse access policies on it.
	g.accessEntry = awseksv2.NewAccessEntry(g.Construct, jsii.String("AccessEntry"), &awseksv2.AccessEntryProps{
		Cluster:         p.Cluster,
		Principal:       g.role.RoleArn(),
		AccessEntryType: awseksv2.AccessEntryType_EC2,
		AccessPolicies:  &[]awseksv2.IAccessPolicy{},
	})
	AllowAutoModeVolumes(p.Key, p.ClusterRole)

	subnets := make([]string, 0, len(p.Subnets))
	for _, s := range p.Subnets {
		subnets = append(subnets, *s.SubnetId())
	}
	nc, np, err := Build(Spec{
		Name: p.Name, RoleName: *g.role.RoleName(), SubnetIDs: subnets, SecurityGroupIDs: p.SecurityGroupIDs,
		KeyARN: *p.Key.KeyArn(), DiskSizeGiB: p.DiskSizeGiB, InstanceTypes: p.InstanceTypes, MaxGPUs: p.MaxGPUs,
		Labels: p.Labels, Taints: p.Taints, ConsolidateAfter: p.ConsolidateAfter, ExpireAfter: p.ExpireAfter,
	})
	if err != nil {
		panic(fmt.Errorf("gpu node pool %q: %w", id, err))
	}
	g.nodeClass, g.nodePool = nc, np
	g.manifest = awseksv2.NewKubernetesManifest(g.Construct, jsii.String("Manifest"), &awseksv2.KubernetesManifestProps{
		Cluster:  p.Cluster,
		Manifest: &[]*map[string]any{toMap(nc), toMap(np)},
	})
	// Nodes can join only with the access entry, and launch only when the key lets Auto Mode use it.
	g.manifest.Node().AddDependency(g.accessEntry, g.role)
	if k, ok := p.Key.(constructs.IConstruct); ok {
		g.manifest.Node().AddDependency(k)
	}
	return g
}

func toMap(obj any) *map[string]any {
	b, err := json.Marshal(obj)
	if err != nil {
		panic(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		panic(err)
	}
	return &m
}

// AllowAutoModeVolumes lets the cluster role, with which EKS Auto Mode launches instances, use
// key for their EBS volumes: the two statements of the EKS user guide, "Enable EBS Volume
// Encryption with Customer Managed KMS Keys for EKS Auto Mode"
// (https://docs.aws.amazon.com/eks/latest/userguide/auto-kms.html), with grants only for AWS
// resources. The cluster role is created in the same stack before the key policy names it
// (the principal-exists rule). Idempotent per key.
func AllowAutoModeVolumes(key awskms.IKey, clusterRole awsiam.IRole) {
	if key.Node().TryFindChild(jsii.String(markerID)) != nil {
		return
	}
	if c, ok := key.(constructs.Construct); ok {
		constructs.NewConstruct(c, jsii.String(markerID))
	}
	principal := &[]awsiam.IPrincipal{awsiam.NewArnPrincipal(clusterRole.RoleArn())}
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("EKSAutoModeNodeVolumes"),
		Actions:    jsii.Strings("kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"),
		Principals: principal,
		Resources:  jsii.Strings("*"),
	}), jsii.Bool(false))
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("EKSAutoModeNodeVolumeGrants"),
		Actions:    jsii.Strings("kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"),
		Principals: principal,
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"Bool": map[string]any{"kms:GrantIsForAWSResource": "true"}},
	}), jsii.Bool(false))
}

const markerID = "AllowsAutoModeNodeVolumes"
