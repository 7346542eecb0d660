package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/jsii-runtime-go"

	"github.com/voicevault/voicevault/constructs/apiaccount"
	"github.com/voicevault/voicevault/constructs/ingress"
	"github.com/voicevault/voicevault/constructs/podpaths"
	"github.com/voicevault/voicevault/constructs/waf"
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
	// The paths into the tenant pods, once per model port for all tenants (constructs/podpaths).
	var ports []int
	scalers := false
	for _, t := range p.Tenants {
		ports = append(ports, t.Model.Port)
		scalers = scalers || t.Model.Autoscaling != nil
	}
	if len(ports) > 0 {
		p.PodPaths = podpaths.New(stack, "PodPaths", podpaths.Props{
			Name: naming.Prefix(env.Name), VPC: p.VPC, ClusterSecurityGroupID: *p.Cluster.Cluster().ClusterSecurityGroupId(),
			LoadBalancer: p.Ingress.SecurityGroup(), Ports: ports, Scalers: scalers,
		})
		if sg := p.PodPaths.ScalerSecurityGroup(); sg != nil {
			awsssm.NewStringParameter(stack, jsii.String("PodScalerSGIDParam"), &awsssm.StringParameterProps{
				ParameterName: jsii.String(naming.Param(env.Name, naming.ParamPodScalerSGID)),
				StringValue:   sg.SecurityGroupId(),
				Description:   jsii.String("VoiceVault " + env.Name + ": pod scalers' security group ID"),
			})
		}
	}
	apiaccount.Add(stack, apiaccount.Props{Environment: env.Name, AccessLogGroups: []string{naming.APIAccessLogGroup("*", "*")}})
	waf.AllowLogDelivery(stack, "WAFLogDelivery", waf.LogDeliveryProps{
		PolicyName: naming.Prefix(env.Name) + "-waf-logs",
		ACLNames:   naming.Prefix(env.Name) + "-*",
	})
}
