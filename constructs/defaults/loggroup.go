package defaults

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// LogGroupProps configures a log group.
type LogGroupProps struct {
	Name          string      // Required. Full log group name.
	Key           awskms.IKey // Required. Customer-managed key; its policy must let CloudWatch Logs use it for Name.
	RetentionDays int         // Default: DefaultLogRetentionDays (365).
}

// LogGroup creates a KMS-encrypted log group with retention, retained on stack deletion (it is
// evidence). Every VoiceVault log group is made here; the Lambda functions that the CDK creates
// inside its own constructs (custom-resource providers, the EKS kubectl provider) are pointed at
// one with RedirectFunction, so that no function writes to an unencrypted /aws/lambda/... group
// that Lambda would otherwise create on first invocation.
func LogGroup(scope constructs.Construct, id string, p LogGroupProps) awslogs.LogGroup {
	if p.Name == "" || p.Key == nil {
		panic(fmt.Errorf("log group %q: name and key are required", id))
	}
	return awslogs.NewLogGroup(scope, jsii.String(id), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String(p.Name),
		EncryptionKey: p.Key,
		Retention:     Retention(p.RetentionDays),
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE,
	})
}

// RedirectFunction makes the Lambda function fn (a CDK-created one we cannot pass a log group
// to) log to group: it sets LoggingConfig.LogGroup on the AWS::Lambda::Function resource (an
// escape hatch: the enclosing CDK construct exposes no log group option) and removes the
// unencrypted /aws/lambda/<name> group that the @aws-cdk/aws-lambda:useCdkManagedLogGroup
// feature flag would add next to it. fn is the L2 function or its AWS::Lambda::Function resource.
func RedirectFunction(fn constructs.IConstruct, group awslogs.ILogGroup) {
	res := functionResource(fn)
	// An override, not CfnFunction.SetLoggingConfig: it merges with what the construct set
	// (log format, levels), and it also works on the plain CfnResource of a CustomResourceProvider.
	res.AddPropertyOverride(jsii.String("LoggingConfig.LogGroup"), group.LogGroupName())
	res.Node().AddDependency(group)
	// Only the L2 Function adds the flagged group, as its child "LogGroup".
	if _, isL2 := fn.(awslambda.Function); isL2 {
		if child := fn.Node().TryFindChild(jsii.String("LogGroup")); child != nil {
			if _, isGroup := child.(awslogs.LogGroup); isGroup {
				fn.Node().TryRemoveChild(jsii.String("LogGroup"))
			}
		}
	}
}

// LogWritePolicy is the statement a function's role needs to write to group, and nothing more:
// logs:CreateLogStream and logs:PutLogEvents on the group's streams.
func LogWritePolicy(group awslogs.ILogGroup) awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
		Resources: jsii.Strings(*group.LogGroupArn()), // the group ARN ends in :*, covering its streams
	})
}

func functionResource(fn constructs.IConstruct) awscdk.CfnResource {
	if r, ok := fn.(awscdk.CfnResource); ok {
		return r
	}
	if f, ok := fn.(awslambda.Function); ok {
		return f.Node().DefaultChild().(awscdk.CfnResource)
	}
	panic(fmt.Errorf("log redirect: %s is not a Lambda function", *fn.Node().Path()))
}
