package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/jsii-runtime-go"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/naming"
)

// The platform → tenant contract. A tenant stack needs a few values from its platform stack
// (kubectl provider, VPC, shared ingress). It does not take them through CloudFormation exports,
// which would freeze them while any tenant imports them and so block platform changes. Instead:
//   - names that can be derived from the configuration are derived on both sides (package naming:
//     Cluster, Env.AudioBucket, Env.AccessLogBucket, AlarmTopic);
//   - the rest are SSM parameters the platform stack writes under naming.ParamPrefix(env) and tenant stacks
//     read as deploy-time parameters (AWS::SSM::Parameter::Value<String>);
//   - tenant stacks depend on their platform stack (deploy order), without exports.

// platformParam is the deploy-time value of the platform's SSM parameter key, read in stack
// (an AWS::SSM::Parameter::Value<String> template parameter, one per name and stack).
func platformParam(stack awscdk.Stack, env *config.Environment, key string) string {
	return *awsssm.StringParameter_ValueForStringParameter(stack, jsii.String(naming.Param(env.Name, key)), nil)
}
