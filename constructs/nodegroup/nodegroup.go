// Package nodegroup builds a hardened EKS managed node group on Bottlerocket: a launch template
// that requires IMDSv2 with a hop limit of 1 (pods cannot reach the node's credentials), encrypts
// both Bottlerocket volumes with a customer-managed key and switches off the SSM and admin host
// containers; a node role with only what a node needs; labels and, for GPU nodes, a taint that
// keeps everything but GPU workloads off them.
package nodegroup

import (
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseksv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Labels and taints VoiceVault puts on nodes.
const (
	NodeClassLabel  = "voicevault.io/node-class"
	NodeClassGPU    = "gpu"
	NodeClassSystem = "system"
	GPUTaintKey     = "nvidia.com/gpu" // also the extended resource the NVIDIA device plugin advertises
	GPUTaintValue   = "true"
)

// Bottlerocket block devices: a small OS volume and the data volume (images, container storage).
const (
	OSDevice   = "/dev/xvda"
	DataDevice = "/dev/xvdb"
)

// NodePolicies are the AWS managed policies of a node role: joining the cluster (and Pod Identity's
// AssumeRoleForPodIdentity) and pulling images. The VPC CNI has its own Pod Identity role.
var NodePolicies = []string{"AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly"}

// UserData is the Bottlerocket settings (TOML) EKS merges into the nodes' own: no SSM agent
// (control container) and no admin container, so there is no shell on the nodes and nothing that
// needs the SSM endpoints or public ECR at boot.
const UserData = `[settings.host-containers.control]
enabled = false

[settings.host-containers.admin]
enabled = false
`

// Props configures a node group.
type Props struct {
	Cluster awseksv2.ICluster // Required.
	Subnets []awsec2.ISubnet  // Required. Private subnets.
	Key     awskms.IKey       // Required. Encrypts the node volumes.
	// GPU selects the Bottlerocket NVIDIA AMI and taints the nodes nvidia.com/gpu=true:NoSchedule.
	// Default: false (Bottlerocket x86_64, no taint).
	GPU           bool
	InstanceTypes []string // Required.
	MinSize       int      // Default: 0.
	DesiredSize   int      // Default: MinSize.
	MaxSize       int      // Default: DesiredSize (at least 1).
	DiskSizeGiB   int      // Required. Size of the data volume.
	// Labels are added to NodeClassLabel, which is "gpu" or "system" unless given here.
	Labels map[string]string
	// Tenant dedicates the nodes to one tenant: they are labelled and tainted
	// TenantKey=<tenant>:NoSchedule, so that only that tenant's pods (which tolerate the taint and
	// select the label) run on them. Default: none (shared nodes).
	Tenant string
}

// TenantKey is the label and taint key of nodes dedicated to a tenant.
const TenantKey = "voicevault.io/tenant"

// NodeGroup is a managed node group with its launch template and role.
type NodeGroup interface {
	constructs.Construct
	Nodegroup() awseksv2.Nodegroup
	LaunchTemplate() awsec2.LaunchTemplate
	Role() awsiam.Role
}

type nodeGroup struct {
	constructs.Construct
	ng   awseksv2.Nodegroup
	lt   awsec2.LaunchTemplate
	role awsiam.Role
}

func (n *nodeGroup) Nodegroup() awseksv2.Nodegroup         { return n.ng }
func (n *nodeGroup) LaunchTemplate() awsec2.LaunchTemplate { return n.lt }
func (n *nodeGroup) Role() awsiam.Role                     { return n.role }

// New builds the node group.
func New(scope constructs.Construct, id string, p Props) NodeGroup {
	if p.Cluster == nil || len(p.Subnets) == 0 || p.Key == nil || len(p.InstanceTypes) == 0 || p.DiskSizeGiB <= 0 {
		panic(fmt.Errorf("node group %q: cluster, subnets, key, instance types and disk size are required", id))
	}
	if p.DesiredSize == 0 {
		p.DesiredSize = p.MinSize
	}
	if p.MaxSize == 0 {
		p.MaxSize = max(p.DesiredSize, 1)
	}
	if p.MinSize > p.DesiredSize || p.DesiredSize > p.MaxSize {
		panic(fmt.Errorf("node group %q: sizes min %d, desired %d, max %d are not in order", id, p.MinSize, p.DesiredSize, p.MaxSize))
	}
	n := &nodeGroup{}
	constructs.NewConstruct_Override(n, scope, jsii.String(id))

	AllowAutoScalingVolumes(p.Key)
	encrypted := func(size float64) awsec2.BlockDeviceVolume {
		props := &awsec2.EbsDeviceProps{
			Encrypted: jsii.Bool(true), KmsKey: p.Key, VolumeType: awsec2.EbsDeviceVolumeType_GP3, DeleteOnTermination: jsii.Bool(true),
		}
		if size > 0 {
			props.VolumeSize = jsii.Number(size)
		}
		return awsec2.NewBlockDeviceVolume(props, nil)
	}
	n.lt = awsec2.NewLaunchTemplate(n, jsii.String("LaunchTemplate"), &awsec2.LaunchTemplateProps{
		HttpEndpoint:            jsii.Bool(true),
		HttpTokens:              awsec2.LaunchTemplateHttpTokens_REQUIRED,
		HttpPutResponseHopLimit: jsii.Number(1),
		BlockDevices: &[]*awsec2.BlockDevice{
			// The OS volume keeps the AMI's snapshot size; only its encryption is set.
			{DeviceName: jsii.String(OSDevice), Volume: encrypted(0)},
			{DeviceName: jsii.String(DataDevice), Volume: encrypted(float64(p.DiskSizeGiB))},
		},
		UserData: awsec2.UserData_Custom(jsii.String(UserData)),
		// No security group, instance profile or AMI here: managed node groups then attach the
		// cluster security group, create the instance profile from NodeRole and pick the
		// Bottlerocket release for the cluster version.
	})

	n.role = awsiam.NewRole(n, jsii.String("NodeRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil),
		Description: jsii.String("EKS node (" + id + "): join the cluster, pull images"),
	})
	for _, name := range NodePolicies {
		n.role.AddManagedPolicy(awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String(name)))
	}

	labels := map[string]*string{NodeClassLabel: jsii.String(NodeClassSystem)}
	amiType := awseksv2.NodegroupAmiType_BOTTLEROCKET_X86_64
	var taints *[]*awseksv2.TaintSpec
	if p.GPU {
		labels[NodeClassLabel] = jsii.String(NodeClassGPU)
		amiType = awseksv2.NodegroupAmiType_BOTTLEROCKET_X86_64_NVIDIA // NVIDIA driver and device plugin built in
		taints = &[]*awseksv2.TaintSpec{{Key: jsii.String(GPUTaintKey), Value: jsii.String(GPUTaintValue), Effect: awseksv2.TaintEffect_NO_SCHEDULE}}
	}
	for _, k := range slices.Sorted(maps.Keys(p.Labels)) {
		labels[k] = jsii.String(p.Labels[k])
	}
	if p.Tenant != "" {
		labels[TenantKey] = jsii.String(p.Tenant)
		tenant := &awseksv2.TaintSpec{Key: jsii.String(TenantKey), Value: jsii.String(p.Tenant), Effect: awseksv2.TaintEffect_NO_SCHEDULE}
		if taints == nil {
			taints = &[]*awseksv2.TaintSpec{}
		}
		*taints = append(*taints, tenant)
	}
	n.ng = awseksv2.NewNodegroup(n, jsii.String("NodeGroup"), &awseksv2.NodegroupProps{
		Cluster:            p.Cluster,
		AmiType:            amiType,
		LaunchTemplateSpec: &awseksv2.LaunchTemplateSpec{Id: n.lt.LaunchTemplateId(), Version: n.lt.LatestVersionNumber()},
		NodeRole:           n.role,
		Subnets:            &awsec2.SubnetSelection{Subnets: &p.Subnets},
		MinSize:            jsii.Number(float64(p.MinSize)),
		DesiredSize:        jsii.Number(float64(p.DesiredSize)),
		MaxSize:            jsii.Number(float64(p.MaxSize)),
		Labels:             &labels,
		Taints:             taints,
	})
	// Instance types go on the AWS::EKS::Nodegroup directly: the L2 checks them against a GPU
	// family list that lags EC2 (p5, gr6, ... would be rejected as not matching the NVIDIA AMI).
	n.ng.Node().DefaultChild().(awseksv2.CfnNodegroup).SetInstanceTypes(jsii.Strings(p.InstanceTypes...))
	return n
}

// AutoScalingServiceLinkedRole is the path and name of EC2 Auto Scaling's service-linked role,
// which launches the instances of managed node groups.
const AutoScalingServiceLinkedRole = "role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"

// AllowAutoScalingVolumes lets the EC2 Auto Scaling service-linked role (which launches managed
// node group instances) use key for their EBS volumes, through EC2 only. Without it, instances
// with volumes encrypted under a customer-managed key fail to launch. Idempotent per key.
//
// The role is named in a condition (aws:PrincipalArn), not as the statement's principal: KMS
// rejects a key policy whose Principal names a role that does not exist (PutKeyPolicy /
// CreateKey: MalformedPolicyDocumentException), and AWS creates this service-linked role only
// when the account's first Auto Scaling group is created — in a new account, after this key.
// The principal is "*", narrowed to exactly that role of this account, calling through EC2 in
// this Region (KMS developer guide, "Key policies": "AWS": "*" with aws:PrincipalArn; EC2 Auto
// Scaling user guide, "Required AWS KMS key policy for use with encrypted volumes").
func AllowAutoScalingVolumes(key awskms.IKey) {
	if key.Node().TryFindChild(jsii.String(markerID)) != nil {
		return
	}
	if c, ok := key.(constructs.Construct); ok {
		constructs.NewConstruct(c, jsii.String(markerID))
	}
	stack := awscdk.Stack_Of(key)
	slrARN := fmt.Sprintf("arn:%s:iam::%s:%s", *stack.Partition(), *stack.Account(), AutoScalingServiceLinkedRole)
	onlyTheRole := map[string]any{
		"aws:PrincipalArn":  slrARN,
		"kms:ViaService":    "ec2." + *stack.Region() + ".amazonaws.com",
		"kms:CallerAccount": *stack.Account(),
	}
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("EC2AutoScalingNodeVolumes"),
		Actions:    jsii.Strings("kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"StringEquals": onlyTheRole},
	}), jsii.Bool(false))
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("EC2AutoScalingNodeVolumeGrants"),
		Actions:    jsii.Strings("kms:CreateGrant"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"StringEquals": onlyTheRole, "Bool": map[string]any{"kms:GrantIsForAWSResource": "true"}},
	}), jsii.Bool(false))
}

const markerID = "AllowsAutoScalingNodeVolumes"
