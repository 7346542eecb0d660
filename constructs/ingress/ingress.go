// Package ingress is an environment's shared private entry for tenant APIs: one API Gateway VPC
// link (V2) and one internal Application Load Balancer with one listener. Each tenant adds a
// listener rule and a target group from its own stack (package tenantroute); its REST API
// reaches the listener through the VPC link with the integration target set to the listener.
//
// Why VPC link V2 to an ALB (REST API private integrations gained it in late 2025; the pinned
// CDK has IntegrationTarget on AWS::ApiGateway::Method but no L2 for it) rather than V1 to an NLB:
// an NLB routes by port only, so every tenant would need a listener port of its own (and a V1
// link is tied to its NLBs); an ALB routes by header and path, so one listener serves every
// tenant and a tenant is one rule plus one target group. Quotas per environment (account and
// Region, defaults): VPC links 10 (one used), listener rules 100 per ALB and target groups 100
// per ALB (adjustable), so about 100 API tenants per environment before a quota increase; a
// dedicated environment (its own account or Region) has its own.
//
// Only the VPC link's security group may reach the load balancer, so the tenant header the API
// integration sets can't be forged from inside the VPC.
package ingress

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawsec2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// TenantHeader is the request header a tenant's API integration sets to the tenant's name (a
// static value that replaces whatever the client sent) and its listener rule matches on.
const TenantHeader = "X-VoiceVault-Tenant"

// Ports of the listener.
const (
	HTTPPort  = 80
	HTTPSPort = 443
)

// TargetPorts is the range of pod ports the load balancer may reach in the VPC (tenant model
// ports are validated to be at least 1024).
var TargetPorts = [2]int{1024, 65535}

// Props configures the shared ingress.
type Props struct {
	Name string      // Required. Prefix for names, e.g. voicevault-prod.
	VPC  awsec2.IVpc // Required.
	// Subnets for the load balancer and the VPC link. Default: the VPC's isolated subnets if it
	// has any (VoiceVault's VPCs have no internet route), else its private subnets.
	Subnets *awsec2.SubnetSelection
	// Certificate turns the listener into HTTPS on 443 with a TLS 1.3/1.2 policy. Default: none
	// (HTTP on 80, inside the VPC only; see config.Ingress).
	Certificate awscertificatemanager.ICertificate
	// AccessLogBucket receives the load balancer's access logs (SSE-S3: ALB cannot write
	// KMS-encrypted buckets). When the bucket is defined in the same app the CDK adds the log
	// delivery statements to its policy; an imported bucket's policy must already allow them.
	AccessLogBucket awss3.IBucket // Required.
	AccessLogPrefix string        // Default: "ingress-alb".
}

// Ingress is the shared VPC link, load balancer and listener.
type Ingress interface {
	constructs.Construct
	VPCLink() awsapigatewayv2.VpcLink
	LoadBalancer() awselasticloadbalancingv2.ApplicationLoadBalancer
	Listener() awselasticloadbalancingv2.ApplicationListener
	SecurityGroup() awsec2.SecurityGroup        // the load balancer's
	VPCLinkSecurityGroup() awsec2.SecurityGroup // the VPC link's
	TLS() bool
}

type ingress struct {
	constructs.Construct
	link     awsapigatewayv2.VpcLink
	alb      awselasticloadbalancingv2.ApplicationLoadBalancer
	listener awselasticloadbalancingv2.ApplicationListener
	albSG    awsec2.SecurityGroup
	linkSG   awsec2.SecurityGroup
	tls      bool
}

func (i *ingress) VPCLink() awsapigatewayv2.VpcLink { return i.link }
func (i *ingress) LoadBalancer() awselasticloadbalancingv2.ApplicationLoadBalancer {
	return i.alb
}
func (i *ingress) Listener() awselasticloadbalancingv2.ApplicationListener { return i.listener }
func (i *ingress) SecurityGroup() awsec2.SecurityGroup                     { return i.albSG }
func (i *ingress) VPCLinkSecurityGroup() awsec2.SecurityGroup              { return i.linkSG }
func (i *ingress) TLS() bool                                               { return i.tls }

// New creates the shared ingress.
func New(scope constructs.Construct, id string, props Props) Ingress {
	p := props
	if p.Name == "" || p.VPC == nil || p.AccessLogBucket == nil {
		panic(fmt.Errorf("ingress %q: name, vpc and access log bucket are required", id))
	}
	if p.AccessLogPrefix == "" {
		p.AccessLogPrefix = "ingress-alb"
	}
	if p.Subnets == nil {
		p.Subnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}
		if n := p.VPC.IsolatedSubnets(); n != nil && len(*n) > 0 {
			p.Subnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}
		}
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	in := &ingress{Construct: c, tls: p.Certificate != nil}
	port := HTTPPort
	if in.tls {
		port = HTTPSPort
	}

	in.linkSG = awsec2.NewSecurityGroup(c, jsii.String("VPCLinkSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              p.VPC,
		Description:      jsii.String(p.Name + " API Gateway VPC link: to the ingress load balancer only"),
		AllowAllOutbound: jsii.Bool(false),
	})
	in.albSG = awsec2.NewSecurityGroup(c, jsii.String("LoadBalancerSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              p.VPC,
		Description:      jsii.String(p.Name + " ingress load balancer: from the API Gateway VPC link only, to tenant pods"),
		AllowAllOutbound: jsii.Bool(false),
	})
	listenerPort := awsec2.Port_Tcp(jsii.Number(float64(port)))
	in.linkSG.AddEgressRule(in.albSG, listenerPort, jsii.String("to the ingress listener"), jsii.Bool(false))
	in.albSG.AddIngressRule(in.linkSG, listenerPort, jsii.String("from the API Gateway VPC link"), jsii.Bool(false))
	in.albSG.AddEgressRule(awsec2.Peer_Ipv4(p.VPC.VpcCidrBlock()), awsec2.Port_TcpRange(jsii.Number(float64(TargetPorts[0])), jsii.Number(float64(TargetPorts[1]))),
		jsii.String("to tenant pods (ip targets) in the VPC"), jsii.Bool(false))

	in.link = awsapigatewayv2.NewVpcLink(c, jsii.String("VPCLink"), &awsapigatewayv2.VpcLinkProps{
		Vpc:            p.VPC,
		VpcLinkName:    jsii.String(p.Name + "-ingress"),
		Subnets:        p.Subnets,
		SecurityGroups: &[]interfacesawsec2.ISecurityGroupRef{in.linkSG},
	})

	in.alb = awselasticloadbalancingv2.NewApplicationLoadBalancer(c, jsii.String("LoadBalancer"), &awselasticloadbalancingv2.ApplicationLoadBalancerProps{
		Vpc:            p.VPC,
		VpcSubnets:     p.Subnets,
		InternetFacing: jsii.Bool(false),
		SecurityGroup:  in.albSG,
		// No deletion protection: it would stop CloudFormation from deleting the load balancer
		// when the stack's first create rolls back (and then the VPC, its subnets and security
		// groups), leaving debris to clean by hand. What protects it instead: the stack's
		// termination protection, and no runtime role may call elasticloadbalancing:Delete*.
		DeletionProtection:      jsii.Bool(false),
		DropInvalidHeaderFields: jsii.Bool(true),
		DesyncMitigationMode:    awselasticloadbalancingv2.DesyncMitigationMode_STRICTEST,
		IdleTimeout:             awscdk.Duration_Seconds(jsii.Number(60)), // above API Gateway's 29 s integration timeout
	})
	in.alb.LogAccessLogs(p.AccessLogBucket, jsii.String(p.AccessLogPrefix))

	listener := &awselasticloadbalancingv2.BaseApplicationListenerProps{
		Port: jsii.Number(float64(port)),
		Open: jsii.Bool(false), // no 0.0.0.0/0 rule: the security group admits the VPC link only
		// No tenant matched: nothing is forwarded.
		DefaultAction: awselasticloadbalancingv2.ListenerAction_FixedResponse(jsii.Number(404), &awselasticloadbalancingv2.FixedResponseOptions{
			ContentType: jsii.String("application/json"), MessageBody: jsii.String(`{"message":"Not Found"}`),
		}),
	}
	if in.tls {
		listener.Protocol = awselasticloadbalancingv2.ApplicationProtocol_HTTPS
		listener.Certificates = &[]awselasticloadbalancingv2.IListenerCertificate{awselasticloadbalancingv2.ListenerCertificate_FromCertificateManager(p.Certificate)}
		listener.SslPolicy = awselasticloadbalancingv2.SslPolicy_TLS13_12_RES_PQ
	} else {
		listener.Protocol = awselasticloadbalancingv2.ApplicationProtocol_HTTP
	}
	in.listener = in.alb.AddListener(jsii.String("Listener"), listener)
	return in
}
