package waf

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// LogDeliveryProps configures the log delivery policy of an environment's web ACLs.
type LogDeliveryProps struct {
	PolicyName string // Required. The account-level resource policy's name.
	// ACLNames is a pattern of the web ACL names whose log groups (LogGroupName) the policy
	// covers, e.g. "voicevault-prod-*". Required.
	ACLNames string
}

// AllowLogDelivery lets the log delivery service write the WAF log groups of the web ACLs
// ACLNames matches, with one account-level resource policy. Without it AWS WAF appends each log
// group to a policy of its own, and the account's resource policies (10, of at most 5,120
// characters each) run out after a few dozen tenants.
func AllowLogDelivery(scope constructs.Construct, id string, p LogDeliveryProps) awslogs.ResourcePolicy {
	if p.PolicyName == "" || p.ACLNames == "" {
		panic(fmt.Errorf("waf log delivery %q: policy name and ACL names are required", id))
	}
	stack := awscdk.Stack_Of(scope)
	region, account := *stack.Region(), *stack.Account()
	return awslogs.NewResourcePolicy(scope, jsii.String(id), &awslogs.ResourcePolicyProps{
		ResourcePolicyName: jsii.String(p.PolicyName),
		PolicyStatements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("WAFLogDelivery"),
			Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("delivery.logs.amazonaws.com"), nil)},
			Actions:    jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
			Resources: jsii.Strings(fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s:log-stream:*",
				*stack.Partition(), region, account, LogGroupName(p.ACLNames))),
			Conditions: &map[string]interface{}{
				"StringEquals": map[string]interface{}{"aws:SourceAccount": account},
				"ArnLike":      map[string]interface{}{"aws:SourceArn": fmt.Sprintf("arn:%s:logs:%s:%s:*", *stack.Partition(), region, account)},
			},
		})},
	})
}
