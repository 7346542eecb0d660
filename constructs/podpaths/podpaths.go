// Package podpaths opens the network paths into the tenant pods, once per environment: from the
// shared ingress load balancer to each model port the environment's tenants use, and from the pod
// scalers to the API server and those ports. The pods run on nodes in the EKS cluster security
// group, which every tenant shares, so the rules belong to the platform stack, one per port:
// EC2 refuses a second identical rule (InvalidPermission.Duplicate, "AuthorizeSecurityGroupIngress",
// Amazon EC2 API Reference), so two tenant stacks adding the same load balancer → port 8080 rule
// would fail the second create, and deleting one tenant would cut the other's path. The rule count
// stays within the default 60 inbound rules per security group (Amazon VPC quotas) whatever the
// number of tenants: one per distinct port, plus the pod scalers' one per port and 443.
package podpaths

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// APIServerPort is where the pod scalers reach the cluster's private endpoint.
const APIServerPort = 443

// Props configures the paths of one environment.
type Props struct {
	Name string      // Required. Prefixes descriptions (naming.Prefix).
	VPC  awsec2.IVpc // Required.
	// ClusterSecurityGroupID is the EKS cluster security group: on the nodes that run the pods and
	// on the API server's endpoint network interfaces. Required.
	ClusterSecurityGroupID string
	// LoadBalancer is the shared ingress load balancer's security group. Required.
	LoadBalancer awsec2.ISecurityGroup
	// Ports are the model ports of the environment's tenants (duplicates are fine). Required.
	Ports []int
	// Scalers creates the pod scalers' security group (any tenant with model.autoscaling).
	// Default: false.
	Scalers bool
}

// PodPaths are the rules and the pod scalers' security group.
type PodPaths struct {
	constructs.Construct
	ports  []int
	scaler awsec2.SecurityGroup
}

// Ports are the distinct model ports opened, sorted.
func (p *PodPaths) Ports() []int { return p.ports }

// ScalerSecurityGroup is the pod scalers' security group, nil without Props.Scalers.
func (p *PodPaths) ScalerSecurityGroup() awsec2.SecurityGroup { return p.scaler }

// New opens the paths.
func New(scope constructs.Construct, id string, p Props) *PodPaths {
	if p.Name == "" || p.VPC == nil || p.ClusterSecurityGroupID == "" || p.LoadBalancer == nil || len(p.Ports) == 0 {
		panic(fmt.Errorf("pod paths %q: name, VPC, cluster security group, load balancer and ports are required", id))
	}
	ports := slices.Clone(p.Ports)
	slices.Sort(ports)
	ports = slices.Compact(ports)
	for _, port := range ports {
		if port < 1 || port > 65535 || port == APIServerPort {
			panic(fmt.Errorf("pod paths %q: model port %d is not a port the pods may use", id, port))
		}
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	out := &PodPaths{Construct: c, ports: ports}
	cluster := awsec2.SecurityGroup_FromSecurityGroupId(c, jsii.String("ClusterSecurityGroup"), jsii.String(p.ClusterSecurityGroupID),
		&awsec2.SecurityGroupImportOptions{Mutable: jsii.Bool(true), AllowAllOutbound: jsii.Bool(false)})
	tcp := func(port int) awsec2.Port { return awsec2.Port_Tcp(jsii.Number(float64(port))) }
	for _, port := range ports {
		cluster.AddIngressRule(p.LoadBalancer, tcp(port), jsii.String(p.Name+" ingress load balancer to the tenant pods on "+strconv.Itoa(port)), jsii.Bool(false))
	}
	if p.Scalers {
		out.scaler = awsec2.NewSecurityGroup(c, jsii.String("ScalerSecurityGroup"), &awsec2.SecurityGroupProps{
			Vpc:              p.VPC,
			Description:      jsii.String(p.Name + " pod scalers: to the EKS API server and the tenant pods metrics only"),
			AllowAllOutbound: jsii.Bool(false),
		})
		to := awsec2.Peer_SecurityGroupId(jsii.String(p.ClusterSecurityGroupID), nil)
		for _, port := range append([]int{APIServerPort}, ports...) {
			what := "the tenant pods metrics on " + strconv.Itoa(port)
			if port == APIServerPort {
				what = "the EKS API server"
			}
			out.scaler.AddEgressRule(to, tcp(port), jsii.String("to "+what), jsii.Bool(false))
			cluster.AddIngressRule(out.scaler, tcp(port), jsii.String(p.Name+" pod scalers to "+what), jsii.Bool(false))
		}
	}
	return out
}
