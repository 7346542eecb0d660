package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/jsii-runtime-go"

	"github.com/voicevault/voicevault/constructs/ingress"
	"github.com/voicevault/voicevault/naming"
)

// addIngress adds the environment's shared API ingress to the platform stack: the VPC link and
// internal load balancer every tenant API reaches its workload through (package ingress), the
// SSM parameters tenant stacks read them from, API Gateway's account-level logging role, and the
// log delivery policy for the tenants' WAF logs.
func addIngress(p *Platform) {
	env, stack := p.Env, p.Stack
	var cert awscertificatemanager.ICertificate
	if env.Ingress.TLS() {
		cert = awscertificatemanager.Certificate_FromCertificateArn(stack, jsii.String("IngressCertificate"), jsii.String(env.Ingress.CertificateARN))
	}
	p.Ingress = ingress.New(stack, "Ingress", ingress.Props{
		Name:        naming.Prefix(env.Name),
		VPC:         p.VPC,
		Certificate: cert,
		// The baseline's access-log bucket (SSE-S3): defined in this stack, so the CDK adds the
		// load balancer's log delivery to its policy.
		AccessLogBucket: p.AccessLogs,
	})
	for _, prm := range []struct{ id, key, value, what string }{
		{"IngressListenerARNParam", naming.ParamIngressListenerARN, *p.Ingress.Listener().ListenerArn(), "shared ingress listener ARN (tenant listener rules)"},
		{"IngressLoadBalancerARNParam", naming.ParamIngressLoadBalancerARN, *p.Ingress.LoadBalancer().LoadBalancerArn(), "shared ingress load balancer ARN (tenant API integration target)"},
		{"IngressVPCLinkIDParam", naming.ParamIngressVPCLinkID, *p.Ingress.VPCLink().VpcLinkId(), "shared API Gateway VPC link (V2) ID"},
		{"IngressALBDNSParam", naming.ParamIngressALBDNS, *p.Ingress.LoadBalancer().LoadBalancerDnsName(), "shared internal load balancer DNS name"},
		{"IngressSecurityGroupIDParam", naming.ParamIngressSecurityGroupID, *p.Ingress.SecurityGroup().SecurityGroupId(), "shared internal load balancer security group ID"},
	} {
		awsssm.NewStringParameter(stack, jsii.String(prm.id), &awsssm.StringParameterProps{
			ParameterName: jsii.String(naming.Param(env.Name, prm.key)),
			StringValue:   jsii.String(prm.value),
			Description:   jsii.String("VoiceVault " + env.Name + ": " + prm.what),
		})
	}
	addAPIGatewayAccount(p)
	addWAFLogDelivery(p)
}

// addAPIGatewayAccount sets API Gateway's CloudWatch role for the account and Region, once per
// environment (tenant APIs set cloudWatchRole false, see package apiedge). The role may write
// only the tenants' access log groups and the execution log groups API Gateway names after each
// API; it cannot create log groups, so API Gateway can't make an unencrypted one (tenant stacks
// create them first, encrypted).
func addAPIGatewayAccount(p *Platform) {
	env, stack := p.Env, p.Stack
	// The role is the account's and Region's (it serves every API there), so the ARNs name the
	// account and Region by pseudo parameters and tenant access log groups of any environment.
	logs := func(name string) string {
		return fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s", *awscdk.Aws_PARTITION(), *awscdk.Aws_REGION(), *awscdk.Aws_ACCOUNT_ID(), name)
	}
	role := awsiam.NewRole(stack, jsii.String("APIGatewayLoggingRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("apigateway.amazonaws.com"), nil),
		Description: jsii.String("API Gateway account logging role for VoiceVault " + env.Name + ": tenant API access and execution logs"),
	})
	policy := awsiam.NewManagedPolicy(stack, jsii.String("APIGatewayLoggingPolicy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("API Gateway writes tenant API access and execution log streams; it cannot create log groups"),
		Roles:       &[]awsiam.IRole{role},
		Statements: &[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:     jsii.String("WriteTenantAPILogGroups"),
				Actions: jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"),
				Resources: jsii.Strings(
					logs("API-Gateway-Execution-Logs_*"),
					logs(naming.APIAccessLogGroup("*", "*")+":*"),
				),
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("ListLogGroups"),
				Actions:   jsii.Strings("logs:DescribeLogGroups"),
				Resources: jsii.Strings(logs("*")), // a list action: it has no narrower resource
			}),
		},
	})
	account := awsapigateway.NewCfnAccount(stack, jsii.String("APIGatewayAccount"), &awsapigateway.CfnAccountProps{
		CloudWatchRoleArn: role.RoleArn(),
	})
	account.Node().AddDependency(role, policy)
}

// addWAFLogDelivery lets the log delivery service write the tenants' WAF log groups
// (aws-waf-logs-voicevault-<env>-*) with one account-level resource policy. Without it AWS WAF
// appends each log group to a policy of its own, and the account's resource policies (10, of at
// most 5,120 characters each) run out after a few dozen tenants.
func addWAFLogDelivery(p *Platform) {
	env, stack := p.Env, p.Stack
	awslogs.NewResourcePolicy(stack, jsii.String("WAFLogDelivery"), &awslogs.ResourcePolicyProps{
		ResourcePolicyName: jsii.String(naming.Prefix(env.Name) + "-waf-logs"),
		PolicyStatements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("WAFLogDelivery"),
			Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("delivery.logs.amazonaws.com"), nil)},
			Actions:    jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
			Resources: jsii.Strings(fmt.Sprintf("arn:%s:logs:%s:%s:log-group:aws-waf-logs-voicevault-%s-*:log-stream:*",
				*stack.Partition(), env.Region, env.Account, env.Name)),
			Conditions: &map[string]interface{}{
				"StringEquals": map[string]interface{}{"aws:SourceAccount": env.Account},
				"ArnLike":      map[string]interface{}{"aws:SourceArn": fmt.Sprintf("arn:%s:logs:%s:%s:*", *stack.Partition(), env.Region, env.Account)},
			},
		})},
	})
}
