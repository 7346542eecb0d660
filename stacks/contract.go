package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/jsii-runtime-go"

	"github.com/voicevault/voicevault/config"
)

// The platform → tenant contract. A tenant stack needs a few values from its platform stack
// (kubectl provider, VPC, shared ingress). It does not take them through CloudFormation exports,
// which would freeze them while any tenant imports them and so block platform changes. Instead:
//   - names that can be derived from the configuration are derived on both sides (config.ClusterName,
//     config.AudioBucketName, config.AccessLogBucketName, config.AlarmTopicName);
//   - the rest are SSM parameters the platform stack writes under ParamPrefix(env) and tenant stacks
//     read as deploy-time parameters (AWS::SSM::Parameter::Value<String>);
//   - tenant stacks depend on their platform stack (deploy order), without exports.

// ParamPrefix is the SSM path of an environment's platform parameters.
func ParamPrefix(env string) string { return "/voicevault/" + env + "/platform/" }

// Parameter keys under ParamPrefix.
const (
	ParamKubectlServiceToken = "kubectl-service-token" // the kubectl provider's custom-resource service token
	ParamKubectlRoleARN      = "kubectl-role-arn"      // the role the kubectl provider uses on the cluster
	ParamVPCID               = "vpc-id"
	ParamClusterSGID         = "cluster-security-group-id"
	ParamIngressListenerARN  = "ingress-listener-arn" // shared internal load balancer listener: tenant listener rules
	// ParamIngressLoadBalancerARN is the shared internal load balancer: the integration target of
	// every tenant API method (REST API + VPC link V2 takes the load balancer's ARN).
	ParamIngressLoadBalancerARN = "ingress-load-balancer-arn"
	ParamIngressVPCLinkID       = "ingress-vpc-link-id"  // shared API Gateway VPC link
	ParamIngressALBDNS          = "ingress-alb-dns-name" // shared internal load balancer DNS name
	// ParamIngressSecurityGroupID is the shared load balancer's security group: tenant
	// TargetGroupBindings admit it to their pods' port.
	ParamIngressSecurityGroupID = "ingress-security-group-id"
)

// ParamName is the full SSM parameter name of key in env.
func ParamName(env *config.Environment, key string) string { return ParamPrefix(env.Name) + key }

// platformParam is the deploy-time value of the platform's SSM parameter key, read in stack
// (an AWS::SSM::Parameter::Value<String> template parameter, one per name and stack).
func platformParam(stack awscdk.Stack, env *config.Environment, key string) string {
	return *awsssm.StringParameter_ValueForStringParameter(stack, jsii.String(ParamName(env, key)), nil)
}
