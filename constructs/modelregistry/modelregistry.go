// Package modelregistry creates the ECR repository that holds an environment's TTS model images:
// immutable tags, scan on push, encrypted with a customer-managed key, a lifecycle that bounds
// what is kept, retained when the stack is deleted.
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

// Defaults of the lifecycle rules.
const (
	DefaultKeepImages        = 30 // tagged images kept (the oldest beyond this are expired)
	DefaultUntaggedAfterDays = 7  // untagged images (failed or superseded pushes) expire after this
)

// Props configures the registry.
type Props struct {
	Name              string      // Required. Repository name, e.g. voicevault/prod/tts.
	Key               awskms.IKey // Required. Encrypts the images.
	KeepImages        int         // Default: DefaultKeepImages.
	UntaggedAfterDays int         // Default: DefaultUntaggedAfterDays.
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
	if p.Name == "" || p.Key == nil {
		panic(fmt.Errorf("model registry %q: name and key are required", id))
	}
	if p.KeepImages == 0 {
		p.KeepImages = DefaultKeepImages
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
			{
				RulePriority:  jsii.Number(2),
				Description:   jsii.String(fmt.Sprintf("keep the last %d images", p.KeepImages)),
				TagStatus:     awsecr.TagStatus_ANY,
				MaxImageCount: jsii.Number(float64(p.KeepImages)),
			},
		},
	})
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
