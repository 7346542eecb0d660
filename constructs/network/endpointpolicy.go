package network

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
)

// AWSOwnedBucket is an S3 bucket owned by AWS that something in the VPC must reach through the
// S3 gateway endpoint, with the AWS document that names it.
type AWSOwnedBucket struct {
	Sid     string
	Actions []string
	ARN     string // objects of the bucket
	Why     string
	Doc     string
}

// AWSOwnedBuckets are the only buckets outside the environment's account that the S3 gateway
// endpoint's policy admits, for region:
//   - ECR image layers: every image pull (ours and the EKS add-on and GuardDuty agent images of
//     AWS's registries) downloads its layers from ECR's layer bucket through a pre-signed URL;
//   - CloudFormation custom-resource responses: the in-VPC kubectl provider answers CloudFormation
//     by a PUT to a pre-signed URL in this bucket; without it every Kubernetes object of every
//     stack times out (region without dashes, e.g. euwest1).
//
// Both requests are signed by AWS (pre-signed URLs), so these statements carry no principal
// condition: they name exact buckets and one action each. Not needed: Amazon Linux repositories
// (the nodes run Bottlerocket, whose updates come from its TUF repository over the internet, not
// S3, and are not fetched at all: managed node groups update by replacing nodes with a new AMI).
func AWSOwnedBuckets(region string) []AWSOwnedBucket {
	return []AWSOwnedBucket{
		{
			Sid: "ECRImageLayers", Actions: []string{"s3:GetObject"},
			ARN: fmt.Sprintf("arn:aws:s3:::prod-%s-starport-layer-bucket/*", region),
			Why: "ECR image layers (every image pull)",
			Doc: "Amazon ECR User Guide, \"Amazon ECR interface VPC endpoints (AWS PrivateLink)\": minimum Amazon S3 bucket permissions for Amazon ECR",
		},
		{
			Sid: "CloudFormationCustomResourceResponses", Actions: []string{"s3:PutObject"},
			ARN: fmt.Sprintf("arn:aws:s3:::cloudformation-custom-resource-response-%s/*", strings.ReplaceAll(region, "-", "")),
			Why: "the kubectl provider's responses to CloudFormation (every Kubernetes object)",
			Doc: "AWS CloudFormation User Guide, \"Setting up VPC endpoints for AWS CloudFormation\" (cfn-vpce-bucketnames)",
		},
	}
}

// ECRPullActions are what a node needs to pull an image. The endpoint policies of the ECR
// endpoints allow them on any registry, for this account's principals only: the EKS add-on images
// and the GuardDuty runtime agent come from AWS-owned registries whose account IDs differ per
// region and per service. A pull writes nothing; pushing stays limited to this account's registry.
var ECRPullActions = []string{"ecr:GetAuthorizationToken", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"}

// iamPrefix is the IAM service prefix of an interface endpoint's service (both ECR endpoints
// serve "ecr" actions).
func iamPrefix(e awsec2.InterfaceVpcEndpointAwsService) string {
	short := *e.ShortName()
	if strings.HasPrefix(short, "ecr.") {
		return "ecr"
	}
	return short
}

// ownPerimeter is the statement every endpoint policy starts with: this account's principals,
// this account's resources ("Data perimeters on AWS": identity and resource perimeter in VPC
// endpoint policies, aws:PrincipalAccount and aws:ResourceAccount, IAM User Guide "AWS global
// condition context keys"). The actions are the endpoint's service's: an endpoint policy is a
// ceiling, it grants nothing by itself.
func ownPerimeter(account, prefix, resourceKey string) awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("OwnPrincipalsOnOwnResources"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings(prefix + ":*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"StringEquals": map[string]any{"aws:PrincipalAccount": account, resourceKey: account}},
	})
}

// s3EndpointPolicy limits the S3 gateway endpoint to this account's buckets (s3:ResourceAccount,
// the S3 key AWS recommends for it) used by this account's principals, plus AWSOwnedBuckets.
// Anything else — a tenant's audio copied to a bucket of another account — is refused at the
// endpoint, whatever the caller's credentials.
func s3EndpointPolicy(ep awsec2.GatewayVpcEndpoint, account, region string) {
	ep.AddToPolicy(ownPerimeter(account, "s3", "s3:ResourceAccount"))
	for _, b := range AWSOwnedBuckets(region) {
		ep.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String(b.Sid),
			Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
			Actions:    jsii.Strings(b.Actions...),
			Resources:  jsii.Strings(b.ARN),
		}))
	}
}

// interfaceEndpointPolicy limits an interface endpoint to this account's principals on this
// account's resources; the ECR endpoints also let them pull from AWS-owned registries, and STS
// admits web-identity federation into this account's roles (IRSA, whose caller has no AWS
// principal yet).
func interfaceEndpointPolicy(ep awsec2.InterfaceVpcEndpoint, svc awsec2.InterfaceVpcEndpointAwsService, account string) {
	prefix := iamPrefix(svc)
	ep.AddToPolicy(ownPerimeter(account, prefix, "aws:ResourceAccount"))
	switch prefix {
	case "ecr":
		ep.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("OwnPrincipalsPullFromAWSOwnedRegistries"),
			Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
			Actions:    jsii.Strings(ECRPullActions...),
			Resources:  jsii.Strings("*"),
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:PrincipalAccount": account}},
		}))
	case "sts":
		ep.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("WebIdentityIntoOwnRoles"),
			Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
			Actions:    jsii.Strings("sts:AssumeRoleWithWebIdentity"),
			Resources:  jsii.Strings("*"),
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:ResourceAccount": account}},
		}))
	}
}

// accountAndRegion are the stack's literal account and region: the endpoint policies name them.
func accountAndRegion(n *network) (string, string) {
	stack := awscdk.Stack_Of(n)
	account, region := *stack.Account(), *stack.Region()
	if *awscdk.Token_IsUnresolved(jsii.String(account)) || *awscdk.Token_IsUnresolved(jsii.String(region)) {
		panic(fmt.Errorf("network %q: the stack needs an explicit account and region (the endpoint policies name them)", *n.Node().Id()))
	}
	return account, region
}
