// Package network builds an environment's private VPC: subnets in explicit availability
// zones, no public IP on anything that computes, the default security group closed, flow logs
// of all traffic to a KMS-encrypted log group, and the VPC endpoints through which nodes, pods
// and in-VPC functions reach AWS APIs without internet egress.
package network

import (
	"fmt"
	"math/bits"
	"net/netip"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53resolver"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/voicevault/voicevault/constructs/defaults"
)

// Endpoint is one interface VPC endpoint and why the VPC needs it.
type Endpoint struct {
	ID      string // construct ID, e.g. "ECRAPI"
	Service awsec2.InterfaceVpcEndpointAwsService
	Reason  string // who calls the service from inside the VPC
}

// DefaultEndpoints are the interface endpoints of every VPC: with egress "none" they are the only
// way to AWS APIs, and with egress "nat" they keep AWS API traffic off the NAT gateways. S3 is a
// gateway endpoint (free, route-table based) and is always added.
//
// Left out on purpose:
//   - Elastic Load Balancing: with EKS Auto Mode the load-balancer controller runs in the AWS-managed
//     control plane, not on our nodes (docs/platform.md). Add it if the self-managed AWS Load
//     Balancer Controller is ever installed.
//   - SSM, SSM Messages, EC2 Messages: the Bottlerocket control container (the SSM agent) is switched
//     off on our nodes (constructs/nodegroup), so nothing calls them.
//   - X-Ray and CloudWatch metrics (monitoring): no in-VPC component emits traces or custom metrics;
//     API Gateway and Lambda authorizers run outside the VPC.
func DefaultEndpoints() []Endpoint {
	return []Endpoint{
		{"ECRAPI", awsec2.InterfaceVpcEndpointAwsService_ECR(), "nodes: image manifests and auth tokens for the model images and the EKS add-on images (pulled from the regional EKS ECR account)"},
		{"ECRDocker", awsec2.InterfaceVpcEndpointAwsService_ECR_DOCKER(), "nodes: registry (docker) API for image pulls; layers then come from S3 through the gateway endpoint"},
		{"EC2", awsec2.InterfaceVpcEndpointAwsService_EC2(), "VPC CNI (aws-node): ENI and IP address management on every node; node bootstrap metadata lookups"},
		{"STS", awsec2.InterfaceVpcEndpointAwsService_STS(), "pods using IRSA or assuming roles with the AWS SDKs (regional STS; AWS_STS_REGIONAL_ENDPOINTS=regional in the kubectl provider)"},
		{"EKS", awsec2.InterfaceVpcEndpointAwsService_EKS(), "kubectl provider: aws eks update-kubeconfig (DescribeCluster); node bootstrap"},
		{"EKSAuth", awsec2.InterfaceVpcEndpointAwsService_EKS_AUTH(), "EKS Pod Identity agent: AssumeRoleForPodIdentity for the VPC CNI and tenant workload roles"},
		{"Lambda", awsec2.InterfaceVpcEndpointAwsService_LAMBDA(), "kubectl provider: the custom-resource framework function invokes the kubectl handler function through the Lambda API"},
		{"KMS", awsec2.InterfaceVpcEndpointAwsService_KMS(), "pods and in-VPC functions that call KMS directly (data keys of tenant keys); Secrets Manager decryption"},
		{"SecretsManager", awsec2.InterfaceVpcEndpointAwsService_SECRETS_MANAGER(), "workloads reading secrets (e.g. model registry or licence tokens) without egress"},
		{"Logs", awsec2.InterfaceVpcEndpointAwsService_CLOUDWATCH_LOGS(), "log shippers on the nodes (Fluent Bit / CloudWatch agent) sending container logs"},
	}
}

// Egress says how workloads in private subnets reach anything outside the VPC.
type Egress string

// The egress modes.
const (
	// EgressNone gives private subnets no route to the internet: AWS APIs through VPC endpoints only.
	EgressNone Egress = "none"
	// EgressNAT adds one NAT gateway per AZ for egress that endpoints cannot serve.
	EgressNAT Egress = "nat"
)

// Props configures the network.
type Props struct {
	CIDR   string   // Required. IPv4 CIDR of the VPC, /16 to /20.
	AZs    []string // Required. Explicit availability zone names (no lookups at synth).
	Egress Egress   // Default: none (isolated subnets, AWS APIs through endpoints only).
	// FlowLogKey encrypts the flow-log group. Required; its key policy must let CloudWatch Logs
	// use it for FlowLogGroupName (defaults.AllowCloudWatchLogs).
	FlowLogKey       awskms.IKey
	FlowLogGroupName string     // Required. e.g. /voicevault/prod/vpc-flow-logs.
	RetentionDays    int        // Default: 365. Retention of the flow-log and helper log groups.
	Endpoints        []Endpoint // Default: DefaultEndpoints().
	// HelperLogGroupName is the log group of the CDK function that closes the default security
	// group. Required; under the same key as the flow logs.
	HelperLogGroupName string
	// DNSAllowList is what the VPC may resolve when Egress is none: a Route 53 Resolver DNS
	// Firewall answers NXDOMAIN for every other name, closing DNS as an exfiltration channel of an
	// otherwise isolated network. Default: DefaultDNSAllowList. With egress "nat" there is no DNS
	// firewall (the workloads that need NAT need arbitrary names).
	DNSAllowList []string
	// NoDNSFirewall turns the DNS firewall off with egress "none". Default: false.
	NoDNSFirewall bool
}

// DefaultDNSAllowList are the names an isolated VPC needs: AWS service endpoints (private DNS of
// the interface endpoints, S3, the EKS API) under amazonaws.com and api.aws (e.g. EKS Pod
// Identity's eks-auth.<region>.api.aws), and EC2 host names.
var DefaultDNSAllowList = []string{"amazonaws.com", "*.amazonaws.com", "*.api.aws", "*.compute.internal", "*.ec2.internal"}

// Network is an environment's VPC and what was built around it.
type Network interface {
	constructs.Construct
	// VPC is the VPC.
	VPC() awsec2.Vpc
	// WorkloadSubnets selects the private subnets: cluster ENIs, nodes, endpoints, in-VPC functions.
	WorkloadSubnets() *awsec2.SubnetSelection
	// PrivateSubnets lists the subnets of WorkloadSubnets, one per zone, in zone order.
	PrivateSubnets() []awsec2.ISubnet
	// EndpointSecurityGroup guards the interface endpoints: 443 from the VPC CIDR only.
	EndpointSecurityGroup() awsec2.SecurityGroup
	// Endpoints are the interface endpoints by ID.
	Endpoints() map[string]awsec2.InterfaceVpcEndpoint
	// S3Endpoint is the S3 gateway endpoint (its policy: this account's buckets and AWSOwnedBuckets).
	S3Endpoint() awsec2.GatewayVpcEndpoint
	// FlowLog is the VPC flow log (all traffic).
	FlowLog() awsec2.FlowLog
	// FlowLogGroup is the encrypted log group the flow log writes to.
	FlowLogGroup() awslogs.LogGroup
	// FlowLogRole is the role VPC Flow Logs delivers with (this account's flow logs only).
	FlowLogRole() awsiam.Role
	// FlowLogPolicy is FlowLogRole's customer-managed policy: write to FlowLogGroup, nothing else.
	FlowLogPolicy() awsiam.ManagedPolicy
	// DNSFirewall is the DNS firewall rule group associated with the VPC, or nil (egress "nat").
	DNSFirewall() awsroute53resolver.CfnFirewallRuleGroup
}

type network struct {
	constructs.Construct
	vpc       awsec2.Vpc
	subnets   *awsec2.SubnetSelection
	private   []awsec2.ISubnet
	endpoints map[string]awsec2.InterfaceVpcEndpoint
	s3        awsec2.GatewayVpcEndpoint
	endpointG awsec2.SecurityGroup
	flowLog   awsec2.FlowLog
	flowGroup awslogs.LogGroup
	flowRole  awsiam.Role
	flowPol   awsiam.ManagedPolicy
	dnsFW     awsroute53resolver.CfnFirewallRuleGroup
}

func (n *network) VPC() awsec2.Vpc                                      { return n.vpc }
func (n *network) WorkloadSubnets() *awsec2.SubnetSelection             { return n.subnets }
func (n *network) PrivateSubnets() []awsec2.ISubnet                     { return n.private }
func (n *network) EndpointSecurityGroup() awsec2.SecurityGroup          { return n.endpointG }
func (n *network) Endpoints() map[string]awsec2.InterfaceVpcEndpoint    { return n.endpoints }
func (n *network) S3Endpoint() awsec2.GatewayVpcEndpoint                { return n.s3 }
func (n *network) FlowLog() awsec2.FlowLog                              { return n.flowLog }
func (n *network) FlowLogGroup() awslogs.LogGroup                       { return n.flowGroup }
func (n *network) FlowLogRole() awsiam.Role                             { return n.flowRole }
func (n *network) FlowLogPolicy() awsiam.ManagedPolicy                  { return n.flowPol }
func (n *network) DNSFirewall() awsroute53resolver.CfnFirewallRuleGroup { return n.dnsFW }

// Subnet group names (they are part of the construct IDs of the subnets).
const (
	PrivateSubnetGroup = "Private"
	PublicSubnetGroup  = "NAT" // only with egress "nat": holds the NAT gateways and nothing else
)

// New builds the network.
func New(scope constructs.Construct, id string, props Props) Network {
	p := props
	if p.Egress == "" {
		p.Egress = EgressNone
	}
	if p.Endpoints == nil {
		p.Endpoints = DefaultEndpoints()
	}
	privateMask, publicMask, err := subnetMasks(p.CIDR, len(p.AZs))
	if err != nil {
		panic(fmt.Errorf("network %q: %w", id, err))
	}
	if p.FlowLogKey == nil || p.FlowLogGroupName == "" || p.HelperLogGroupName == "" {
		panic(fmt.Errorf("network %q: flow log key, flow log group name and helper log group name are required", id))
	}
	n := &network{endpoints: map[string]awsec2.InterfaceVpcEndpoint{}}
	constructs.NewConstruct_Override(n, scope, jsii.String(id))

	privateType := awsec2.SubnetType_PRIVATE_ISOLATED
	subnets := []*awsec2.SubnetConfiguration{}
	natGateways := 0.0
	if p.Egress == EgressNAT {
		privateType = awsec2.SubnetType_PRIVATE_WITH_EGRESS
		natGateways = float64(len(p.AZs)) // one per zone: a zone failure does not cut the others' egress
		subnets = append(subnets, &awsec2.SubnetConfiguration{
			Name: jsii.String(PublicSubnetGroup), SubnetType: awsec2.SubnetType_PUBLIC,
			CidrMask: jsii.Number(publicMask), MapPublicIpOnLaunch: jsii.Bool(false),
		})
	}
	// The private subnets come first so that they take the low, large blocks of the CIDR.
	subnets = append([]*awsec2.SubnetConfiguration{{
		Name: jsii.String(PrivateSubnetGroup), SubnetType: privateType, CidrMask: jsii.Number(privateMask),
	}}, subnets...)

	n.vpc = awsec2.NewVpc(n, jsii.String("VPC"), &awsec2.VpcProps{
		IpAddresses:                  awsec2.IpAddresses_Cidr(jsii.String(p.CIDR)),
		AvailabilityZones:            jsii.Strings(p.AZs...),
		SubnetConfiguration:          &subnets,
		NatGateways:                  jsii.Number(natGateways),
		NatGatewaySubnets:            natSubnets(p.Egress),
		EnableDnsHostnames:           jsii.Bool(true), // private endpoint DNS and the private EKS endpoint need both
		EnableDnsSupport:             jsii.Bool(true),
		RestrictDefaultSecurityGroup: jsii.Bool(true), // explicit: not left to a feature flag
	})
	n.subnets = &awsec2.SubnetSelection{SubnetGroupName: jsii.String(PrivateSubnetGroup)}
	n.private = *n.vpc.SelectSubnets(n.subnets).Subnets
	// Load balancers the cluster creates or binds to are internal and live in these subnets.
	// (The EKS construct only tags vpc.privateSubnets, which excludes isolated subnets.)
	for _, s := range n.private {
		awscdk.Tags_Of(s).Add(jsii.String("kubernetes.io/role/internal-elb"), jsii.String("1"), nil)
	}

	n.flowGroup = defaults.LogGroup(n, "FlowLogGroup", defaults.LogGroupProps{Name: p.FlowLogGroupName, Key: p.FlowLogKey, RetentionDays: p.RetentionDays})
	n.flowRole, n.flowPol = flowLogRole(n, n.flowGroup)
	n.flowLog = n.vpc.AddFlowLog(jsii.String("FlowLog"), &awsec2.FlowLogOptions{
		// Immutable view: the CDK would otherwise write the same statements into an inline policy.
		Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(n.flowGroup, n.flowRole.WithoutPolicyUpdates(nil)),
		TrafficType: awsec2.FlowLogTrafficType_ALL,
	})
	n.flowLog.Node().AddDependency(n.flowPol)

	account, region := accountAndRegion(n)
	n.s3 = n.vpc.AddGatewayEndpoint(jsii.String("S3"), &awsec2.GatewayVpcEndpointOptions{
		Service: awsec2.GatewayVpcEndpointAwsService_S3(),
		// ECR image layers, CloudFormation custom-resource responses (pre-signed S3 URLs), tenant buckets.
		Subnets: &[]*awsec2.SubnetSelection{n.subnets},
	})
	s3EndpointPolicy(n.s3, account, region)
	n.endpointG = awsec2.NewSecurityGroup(n, jsii.String("EndpointSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              n.vpc,
		Description:      jsii.String("VPC interface endpoints: HTTPS from inside the VPC only"),
		AllowAllOutbound: jsii.Bool(false),
	})
	n.endpointG.AddIngressRule(awsec2.Peer_Ipv4(jsii.String(p.CIDR)), awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS from the VPC"), jsii.Bool(false))
	for _, e := range p.Endpoints {
		n.endpoints[e.ID] = n.vpc.AddInterfaceEndpoint(jsii.String(e.ID), &awsec2.InterfaceVpcEndpointOptions{
			Service:           e.Service,
			PrivateDnsEnabled: jsii.Bool(true),
			Subnets:           n.subnets,
			SecurityGroups:    &[]awsec2.ISecurityGroup{n.endpointG},
			Open:              jsii.Bool(false), // no implicit rule: the group above says exactly what may connect
		})
		interfaceEndpointPolicy(n.endpoints[e.ID], e.Service, account)
	}

	closeDefaultSecurityGroupHelper(n, p)
	if p.Egress == EgressNone && !p.NoDNSFirewall {
		allow := p.DNSAllowList
		if allow == nil {
			allow = DefaultDNSAllowList
		}
		n.dnsFW = dnsFirewall(n, allow)
	}
	return n
}

// dnsFirewall lets the VPC resolve only the allowed names. L1 resources: there is no stable L2
// for Route 53 Resolver DNS Firewall.
func dnsFirewall(n *network, allowed []string) awsroute53resolver.CfnFirewallRuleGroup {
	name := func(s string) *string { return jsii.String(*awscdk.Stack_Of(n).StackName() + "-" + s) }
	allow := awsroute53resolver.NewCfnFirewallDomainList(n, jsii.String("DNSAllowList"), &awsroute53resolver.CfnFirewallDomainListProps{
		Name: name("dns-allow"), Domains: jsii.Strings(allowed...),
	})
	all := awsroute53resolver.NewCfnFirewallDomainList(n, jsii.String("DNSEverything"), &awsroute53resolver.CfnFirewallDomainListProps{
		Name: name("dns-everything"), Domains: jsii.Strings("*"),
	})
	group := awsroute53resolver.NewCfnFirewallRuleGroup(n, jsii.String("DNSFirewall"), &awsroute53resolver.CfnFirewallRuleGroupProps{
		Name: name("dns-firewall"),
		FirewallRules: &[]*awsroute53resolver.CfnFirewallRuleGroup_FirewallRuleProperty{
			{
				Priority: jsii.Number(100), Action: jsii.String("ALLOW"), FirewallDomainListId: allow.AttrId(),
				// A CNAME chain that starts at an allowed name (e.g. an endpoint's private DNS
				// name to its vpce-... name) is followed.
				FirewallDomainRedirectionAction: jsii.String("TRUST_REDIRECTION_DOMAIN"),
			},
			{Priority: jsii.Number(200), Action: jsii.String("BLOCK"), BlockResponse: jsii.String("NXDOMAIN"), FirewallDomainListId: all.AttrId()},
		},
	})
	awsroute53resolver.NewCfnFirewallRuleGroupAssociation(n, jsii.String("DNSFirewallAssociation"), &awsroute53resolver.CfnFirewallRuleGroupAssociationProps{
		Name:                name("dns-firewall"),
		FirewallRuleGroupId: group.AttrId(),
		VpcId:               n.vpc.VpcId(),
		Priority:            jsii.Number(101), // the first priority a customer association may take
		// Mutation protection off: with it on, CloudFormation can't delete the association
		// when a first create rolls back (nor the VPC after it). The association is protected
		// by the stack's termination protection and by IAM: no runtime role may call
		// route53resolver:Disassociate* or Update*.
		MutationProtection: jsii.String("DISABLED"),
	})
	return group
}

func natSubnets(egress Egress) *awsec2.SubnetSelection {
	if egress != EgressNAT {
		return nil
	}
	return &awsec2.SubnetSelection{SubnetGroupName: jsii.String(PublicSubnetGroup)}
}

// closeDefaultSecurityGroupHelper tightens the CDK's stack-wide function that removes the
// default security group's rules (restrictDefaultSecurityGroup): it logs to an encrypted group
// of ours instead of an unencrypted /aws/lambda/... one, and its role loses the AWS managed
// AWSLambdaBasicExecutionRole (logs:* on every group) for a statement scoped to that group, in a
// customer-managed policy that also takes over the role's inline statement.
// The provider is a CfnResource-based singleton with no props for either, hence the overrides.
func closeDefaultSecurityGroupHelper(n *network, p Props) {
	stack := awscdk.Stack_Of(n)
	provider := stack.Node().TryFindChild(jsii.String("Custom::VpcRestrictDefaultSGCustomResourceProvider"))
	if provider == nil {
		return
	}
	group := defaults.LogGroup(n, "DefaultSecurityGroupHelperLogGroup", defaults.LogGroupProps{Name: p.HelperLogGroupName, Key: p.FlowLogKey, RetentionDays: p.RetentionDays})
	handler := provider.Node().FindChild(jsii.String("Handler")).(awscdk.CfnResource)
	defaults.RedirectFunction(handler, group)
	role := provider.Node().FindChild(jsii.String("Role")).(awscdk.CfnResource)
	role.AddPropertyDeletionOverride(jsii.String("ManagedPolicyArns"))
	// The role's inline policy (the CDK's one statement: change the rules of this VPC's default
	// security group) moves into a customer-managed policy of ours with the log statement: no
	// inline policy (IAMNoInlinePolicy of the HIPAA, NIST and PCI packs). This stack has one VPC.
	role.AddPropertyDeletionOverride(jsii.String("Policies"))
	policy := awsiam.NewManagedPolicy(n, jsii.String("DefaultSecurityGroupHelperPolicy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("CDK default-security-group helper function: remove the rules of the VPC's default security group, write its own log group"),
		Statements: &[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions: jsii.Strings("ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress"),
				Resources: jsii.Strings(fmt.Sprintf("arn:%s:ec2:%s:%s:security-group/%s",
					*stack.Partition(), *stack.Region(), *stack.Account(), *n.vpc.VpcDefaultSecurityGroup())),
			}),
			defaults.LogWritePolicy(group),
		},
		Roles: &[]awsiam.IRole{awsiam.Role_FromRoleName(n, jsii.String("DefaultSecurityGroupHelperRole"), role.Ref(), nil)},
	})
	handler.Node().AddDependency(policy)
}

// flowLogRole is the role VPC Flow Logs delivers with: assumable by the flow-logs service only
// on behalf of this account's flow logs (confused-deputy conditions), with a customer-managed
// policy that writes to group and nothing else. The CDK's own role would carry the same three
// actions in an inline policy, which the HIPAA, NIST and PCI packs reject (IAMNoInlinePolicy).
func flowLogRole(n *network, group awslogs.ILogGroup) (awsiam.Role, awsiam.ManagedPolicy) {
	stack := awscdk.Stack_Of(n)
	role := awsiam.NewRole(n, jsii.String("FlowLogRole"), &awsiam.RoleProps{
		Description: jsii.String("VPC flow logs of " + *stack.StackName() + ": deliver to the flow-log group"),
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("vpc-flow-logs.amazonaws.com"), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]any{
				"StringEquals": map[string]any{"aws:SourceAccount": *stack.Account()},
				"ArnLike":      map[string]any{"aws:SourceArn": fmt.Sprintf("arn:%s:ec2:%s:%s:vpc-flow-log/*", *stack.Partition(), *stack.Region(), *stack.Account())},
			},
		}),
	})
	policy := awsiam.NewManagedPolicy(n, jsii.String("FlowLogPolicy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("VPC flow logs: create streams in and write to the flow-log group, nothing else"),
		Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"),
			Resources: jsii.Strings(*group.LogGroupArn()), // the group ARN ends in :*, covering its streams
		})},
		Roles: &[]awsiam.IRole{role},
	})
	return role, policy
}

// subnetMasks sizes the subnets: the private subnets split the VPC into the fewest power-of-two
// blocks that leave at least one block free (pods take VPC addresses, so they get almost all of
// it); public NAT subnets, when present, are 16 times smaller and fit in that free block.
func subnetMasks(cidr string, zones int) (private, public float64, err error) {
	prefix, err := netip.ParsePrefix(cidr)
	if err != nil || !prefix.Addr().Is4() {
		return 0, 0, fmt.Errorf("vpc cidr %q is not an IPv4 CIDR", cidr)
	}
	if zones < 1 {
		return 0, 0, fmt.Errorf("at least one availability zone is required")
	}
	split := bits.Len(uint(zones)) // blocks = 2^split > zones
	priv := prefix.Bits() + split
	pub := min(priv+4, 28)
	if priv > 24 {
		return 0, 0, fmt.Errorf("vpc cidr %q is too small for %d zones", cidr, zones)
	}
	return float64(priv), float64(pub), nil
}
