// Package apiaccount sets API Gateway's account-level CloudWatch Logs role, once per environment
// (tenant APIs set cloudWatchRole false, see package apiedge). The role may write only the log
// groups it is given (the tenants' access log groups) and the execution log groups API Gateway
// names after each API; it cannot create log groups, so API Gateway can't make an unencrypted one
// (tenant stacks create them first, encrypted).
package apiaccount

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Props configures the account's API Gateway logging.
type Props struct {
	// Environment names the environment in descriptions. Required.
	Environment string
	// AccessLogGroups are the names (patterns) of the access log groups the role may write, e.g.
	// "/voicevault/*/tenant/*/api-access". Required.
	AccessLogGroups []string
}

// Add adds the logging role APIGatewayLoggingRole, its policy APIGatewayLoggingPolicy and the
// AWS::ApiGateway::Account APIGatewayAccount to scope (the platform stack: the IDs predate this
// package, and a construct of its own would rename the resources), and returns the role.
func Add(scope constructs.Construct, p Props) awsiam.Role {
	if p.Environment == "" || len(p.AccessLogGroups) == 0 {
		panic(fmt.Errorf("api gateway account: environment and access log groups are required"))
	}
	// The role is the account's and Region's (it serves every API there), so the ARNs name the
	// account and Region by pseudo parameters.
	logs := func(name string) string {
		return fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s", *awscdk.Aws_PARTITION(), *awscdk.Aws_REGION(), *awscdk.Aws_ACCOUNT_ID(), name)
	}
	role := awsiam.NewRole(scope, jsii.String("APIGatewayLoggingRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("apigateway.amazonaws.com"), nil),
		Description: jsii.String("API Gateway account logging role for VoiceVault " + p.Environment + ": tenant API access and execution logs"),
	})
	writable := []string{logs("API-Gateway-Execution-Logs_*")}
	for _, g := range p.AccessLogGroups {
		writable = append(writable, logs(g+":*"))
	}
	policy := awsiam.NewManagedPolicy(scope, jsii.String("APIGatewayLoggingPolicy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("API Gateway writes tenant API access and execution log streams; it cannot create log groups"),
		Roles:       &[]awsiam.IRole{role},
		Statements: &[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("WriteTenantAPILogGroups"),
				Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"),
				Resources: jsii.Strings(writable...),
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("ListLogGroups"),
				Actions:   jsii.Strings("logs:DescribeLogGroups"),
				Resources: jsii.Strings(logs("*")), // a list action: it has no narrower resource
			}),
		},
	})
	account := awsapigateway.NewCfnAccount(scope, jsii.String("APIGatewayAccount"), &awsapigateway.CfnAccountProps{
		CloudWatchRoleArn: role.RoleArn(),
	})
	account.Node().AddDependency(role, policy)
	return role
}
