package modelregistry_test

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/constructs/constructtest"
	"github.com/voicevault/voicevault/constructs/modelregistry"
)

func TestMain(m *testing.M) { constructtest.Main(m) }

var shared *constructtest.Template

func example(t *testing.T) *constructtest.Template {
	t.Helper()
	if shared == nil {
		stack := constructtest.NewStackWith(t, nil)
		key := awskms.NewKey(stack, jsii.String("Key"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
		node := func(id string) awsiam.IRole {
			return awsiam.NewRole(stack, jsii.String(id), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil)})
		}
		modelregistry.New(stack, "Models", modelregistry.Props{Name: "voicevault/test/tts", Key: key, PullRoles: []awsiam.IRole{node("GPUNodeRole"), node("SystemNodeRole")}})
		shared = constructtest.StackTemplate(t, stack)
	}
	return shared.With(t)
}

func TestRepositoryIsImmutableScannedAndKMSEncrypted(t *testing.T) {
	example(t).HasResourceProperties("AWS::ECR::Repository", map[string]any{
		"RepositoryName":             "voicevault/test/tts",
		"ImageTagMutability":         "IMMUTABLE",
		"ImageScanningConfiguration": map[string]any{"ScanOnPush": true},
		"EncryptionConfiguration": map[string]any{
			"EncryptionType": "KMS",
			"KmsKey":         map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^Key")), "Arn"}},
		},
	})
}

func TestRepositoryIsRetainedWithItsImages(t *testing.T) {
	tpl := example(t)
	tpl.HasResource("AWS::ECR::Repository", map[string]any{"DeletionPolicy": "RetainExceptOnCreate", "UpdateReplacePolicy": "Retain"})
	tpl.HasResourceProperties("AWS::ECR::Repository", map[string]any{"EmptyOnDelete": false})
	tpl.ResourceCountIs("Custom::ECRAutoDeleteImages", 0)
}

// TestLifecycleNeverExpiresATaggedImage: tenants run tagged images pinned by digest, and tags are
// immutable, so a rule that can select a tagged image (tagStatus tagged or any, e.g. "keep the
// last N") could expire a running model. Only untagged images expire
// (https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html).
func TestLifecycleNeverExpiresATaggedImage(t *testing.T) {
	repos := example(t).Resources("AWS::ECR::Repository")
	require.Len(t, repos, 1)
	for _, r := range repos {
		text := constructtest.Props(r)["LifecyclePolicy"].(map[string]any)["LifecyclePolicyText"].(string)
		var policy struct {
			Rules []struct {
				Selection struct {
					TagStatus   string `json:"tagStatus"`
					CountType   string `json:"countType"`
					CountNumber int    `json:"countNumber"`
				} `json:"selection"`
				Action struct{ Type string } `json:"action"`
			} `json:"rules"`
		}
		require.NoError(t, json.Unmarshal([]byte(text), &policy))
		require.NotEmpty(t, policy.Rules)
		for _, rule := range policy.Rules {
			assert.Equal(t, "untagged", rule.Selection.TagStatus, "a rule that can select a tagged image: %s", text)
		}
		assert.Equal(t, "sinceImagePushed", policy.Rules[0].Selection.CountType)
		assert.Equal(t, modelregistry.DefaultUntaggedAfterDays, policy.Rules[0].Selection.CountNumber)
	}
}

// TestOnlyTheNodeRolesMayPull: the repository policy denies every pull action to any principal
// whose ARN is not one of the node roles (aws:PrincipalArn is the role ARN of a role session:
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn).
func TestOnlyTheNodeRolesMayPull(t *testing.T) {
	tpl := example(t)
	repos := tpl.Resources("AWS::ECR::Repository")
	for _, r := range repos {
		doc := constructtest.Props(r)["RepositoryPolicyText"].(map[string]any)
		stmts := doc["Statement"].([]any)
		require.Len(t, stmts, 1)
		st := stmts[0].(map[string]any)
		assert.Equal(t, "Deny", st["Effect"])
		assert.Equal(t, map[string]any{"AWS": "*"}, st["Principal"])
		assert.ElementsMatch(t, modelregistry.PullActions, st["Action"])
		for _, push := range []string{"ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage"} {
			assert.NotContains(t, modelregistry.PullActions, push, "pushes stay possible")
		}
		arns := st["Condition"].(map[string]any)["ArnNotEquals"].(map[string]any)["aws:PrincipalArn"].([]any)
		require.Len(t, arns, 2)
		for i, role := range []string{"^GPUNodeRole", "^SystemNodeRole"} {
			getAtt := arns[i].(map[string]any)["Fn::GetAtt"].([]any)
			assert.Regexp(t, role, getAtt[0])
			assert.Equal(t, "Arn", getAtt[1])
		}
	}
}

func TestKeyPolicyLetsECRCreateItsGrantAndNothingElse(t *testing.T) {
	example(t).HasResourceProperties("AWS::KMS::Key", map[string]any{"KeyPolicy": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
		map[string]any{
			"Sid": "ECRRepositoryEncryptionGrant", "Effect": "Allow", "Action": "kms:CreateGrant", "Resource": "*",
			"Principal": assertions.Match_AnyValue(),
			"Condition": map[string]any{
				"StringEquals": map[string]any{"kms:ViaService": "ecr.eu-west-1.amazonaws.com", "kms:CallerAccount": "111111111111"},
				"Bool":         map[string]any{"kms:GrantIsForAWSResource": "true"},
			},
		},
	})}})
}
