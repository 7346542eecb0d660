// Package modelregistry creates the ECR repository that holds an environment's TTS model images:
// immutable tags, scan on push, encrypted with a customer-managed key, pulls by the environment's
// node roles only, a lifecycle that never expires a tagged image (the one a tenant runs), retained
// when the stack is deleted.
package modelregistry

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecr"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// DefaultUntaggedAfterDays is when untagged images (failed pushes, pushes without a tag) expire.
// Tagged images never expire: tags are immutable, so an image keeps its tag for ever, and tenants
// pin the digest of a tagged image (docs/tenant.md). A count-based rule ("keep the last N") would
// expire the image of a tenant that has not upgraded for N releases; there is none.
const DefaultUntaggedAfterDays = 7

// PullActions are the ECR actions only an image pull needs (the manifest, then each layer's
// download URL); only Props.PullRoles may call them. ecr:BatchCheckLayerAvailability is left out:
// pushes call it too (https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-push-iam.html).
var PullActions = []string{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"}

// Props configures the registry.
type Props struct {
	Name string      // Required. Repository name, e.g. voicevault/prod/tts.
	Key  awskms.IKey // Required. Encrypts the images.
	// PullRoles are the only principals that may pull images (the environment's node roles): the
	// repository policy denies PullActions to every other principal, this account's included.
	// Required.
	PullRoles         []awsiam.IRole
	UntaggedAfterDays int // Default: DefaultUntaggedAfterDays.
}

// Registry is the model image repository.
type Registry interface {
	constructs.Construct
	Repository() awsecr.Repository
}

type registry struct {
	constructs.Construct
	repo awsecr.Repository
}

func (r *registry) Repository() awsecr.Repository { return r.repo }

// New creates the repository.
func New(scope constructs.Construct, id string, p Props) Registry {
	if p.Name == "" || p.Key == nil || len(p.PullRoles) == 0 {
		panic(fmt.Errorf("model registry %q: name, key and pull roles are required", id))
	}
	if p.UntaggedAfterDays == 0 {
		p.UntaggedAfterDays = DefaultUntaggedAfterDays
	}
	r := &registry{}
	constructs.NewConstruct_Override(r, scope, jsii.String(id))
	allowECR(p.Key)
	r.repo = awsecr.NewRepository(r, jsii.String("Repository"), &awsecr.RepositoryProps{
		RepositoryName:     jsii.String(p.Name),
		ImageTagMutability: awsecr.TagMutability_IMMUTABLE, // a tag always names the same image; workloads pin digests anyway
		ImageScanOnPush:    jsii.Bool(true),
		Encryption:         awsecr.RepositoryEncryption_KMS(),
		EncryptionKey:      p.Key,
		RemovalPolicy:      awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE,
		EmptyOnDelete:      jsii.Bool(false),
		LifecycleRules: &[]*awsecr.LifecycleRule{
			{
				RulePriority: jsii.Number(1),
				Description:  jsii.String(fmt.Sprintf("expire untagged images after %d days", p.UntaggedAfterDays)),
				TagStatus:    awsecr.TagStatus_UNTAGGED,
				MaxImageAge:  awscdk.Duration_Days(jsii.Number(float64(p.UntaggedAfterDays))),
			},
		},
	})
	// Pulls by the node roles only. aws:PrincipalArn is the role's ARN for its sessions; a
	// condition, not a principal list, so the policy does not depend on the roles' unique IDs.
	roleARNs := make([]string, len(p.PullRoles))
	for i, role := range p.PullRoles {
		roleARNs[i] = *role.RoleArn()
	}
	r.repo.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("PullsByNodeRolesOnly"),
		Effect:     awsiam.Effect_DENY,
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings(PullActions...),
		Conditions: &map[string]any{"ArnNotEquals": map[string]any{"aws:PrincipalArn": roleARNs}},
	}))
	return r
}

// allowECR lets principals of this account create, through ECR only, the grant ECR needs to
// encrypt a repository's images (ECR creates it with the caller's credentials: here the
// CloudFormation deployment role). The key policy does not delegate to IAM, so without this the
// repository cannot be created.
func allowECR(key awskms.IKey) {
	stack := awscdk.Stack_Of(key)
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("ECRRepositoryEncryptionGrant"),
		Actions:    jsii.Strings("kms:CreateGrant"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewAccountRootPrincipal()},
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"kms:ViaService": "ecr." + *stack.Region() + ".amazonaws.com", "kms:CallerAccount": *stack.Account()},
			"Bool":         map[string]any{"kms:GrantIsForAWSResource": "true"},
		},
	}), jsii.Bool(false))
}
