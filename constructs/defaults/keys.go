package defaults

import (
	"fmt"
	"sync"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"
)

// logsAllowed holds the keys AllowCloudWatchLogs has added its statement to.
var logsAllowed sync.Map

// AllowCloudWatchLogs lets CloudWatch Logs in this stack's account and region use the key for
// log groups whose name matches one of logGroupPatterns (e.g. "/voicevault/prod/*"), and nothing
// else. It adds one statement with a fixed Sid: call it once per key, with every pattern.
func AllowCloudWatchLogs(key awskms.IKey, logGroupPatterns ...string) {
	if len(logGroupPatterns) == 0 {
		panic(fmt.Errorf("kms key %s: AllowCloudWatchLogs needs at least one log group pattern", *key.Node().Path()))
	}
	// A second call would add a second statement with the same Sid, which a key policy must not
	// have: KMS refuses the policy (MalformedPolicyDocumentException) and the stack fails to create.
	if _, twice := logsAllowed.LoadOrStore(key, true); twice {
		panic(fmt.Errorf("kms key %s: AllowCloudWatchLogs called twice; pass every log group pattern in one call", *key.Node().Path()))
	}
	stack := awscdk.Stack_Of(key)
	region, account := *stack.Region(), *stack.Account()
	arns := make([]string, len(logGroupPatterns))
	for i, p := range logGroupPatterns {
		arns[i] = fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s", *stack.Partition(), region, account, p)
	}
	var arnLike any = arns
	if len(arns) == 1 {
		arnLike = arns[0]
	}
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchLogsForVoiceVaultLogGroups"),
		Actions:    jsii.Strings("kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logs."+region+".amazonaws.com"), nil)},
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]interface{}{
			"ArnLike": map[string]interface{}{
				"kms:EncryptionContext:aws:logs:arn": arnLike,
			},
		},
	}), jsii.Bool(false))
}
