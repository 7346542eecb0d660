package defaults

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
)

// LambdaVPCStatements are the EC2 permissions Lambda needs to attach a function to the VPC
// (what AWSLambdaVPCAccessExecutionRole grants, scoped): network interfaces are created only in
// these subnets with this security group. Describe calls cannot be scoped to resources, and the
// interface IDs do not exist before Lambda creates them, hence network-interface/* in this
// account and region.
// The ARNs use the pseudo parameters (not the stack's literal region and account) so that the
// wildcard reads the same in every environment's template and in the suppression registry.
func LambdaVPCStatements(subnetIDs []*string, securityGroupID *string) []awsiam.PolicyStatement {
	ec2ARN := func(resource string) string {
		return fmt.Sprintf("arn:%s:ec2:%s:%s:%s", *awscdk.Aws_PARTITION(), *awscdk.Aws_REGION(), *awscdk.Aws_ACCOUNT_ID(), resource)
	}
	create := []string{ec2ARN("network-interface/*"), ec2ARN("security-group/" + *securityGroupID)}
	for _, id := range subnetIDs {
		create = append(create, ec2ARN("subnet/"+*id))
	}
	return []awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"),
			Resources: jsii.Strings("*"),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("ec2:CreateNetworkInterface"),
			Resources: jsii.Strings(create...),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"),
			Resources: jsii.Strings(ec2ARN("network-interface/*")),
		}),
	}
}
