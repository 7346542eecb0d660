package modelregistry_test

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/constructs/modelregistry"
	"github.com/voicevault/voicevault/internal/cdktest"
)

func TestMain(m *testing.M) { cdktest.Main(m) }

var shared *cdktest.Template

func example(t *testing.T) *cdktest.Template {
	t.Helper()
	if shared == nil {
		stack := cdktest.NewStackWith(t, nil)
		key := awskms.NewKey(stack, jsii.String("Key"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
		modelregistry.New(stack, "Models", modelregistry.Props{Name: "voicevault/test/tts", Key: key})
		shared = cdktest.StackTemplate(t, stack)
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

func TestLifecycleExpiresUntaggedImagesAndKeepsTheLastOnes(t *testing.T) {
	repos := example(t).Resources("AWS::ECR::Repository")
	require.Len(t, repos, 1)
	for _, r := range repos {
		text := cdktest.Props(r)["LifecyclePolicy"].(map[string]any)["LifecyclePolicyText"].(string)
		var policy struct {
			Rules []struct {
				Priority  int `json:"rulePriority"`
				Selection struct {
					TagStatus   string `json:"tagStatus"`
					CountType   string `json:"countType"`
					CountNumber int    `json:"countNumber"`
				} `json:"selection"`
				Action struct{ Type string } `json:"action"`
			} `json:"rules"`
		}
		require.NoError(t, json.Unmarshal([]byte(text), &policy))
		require.Len(t, policy.Rules, 2)
		assert.Equal(t, "untagged", policy.Rules[0].Selection.TagStatus)
		assert.Equal(t, "sinceImagePushed", policy.Rules[0].Selection.CountType)
		assert.Equal(t, modelregistry.DefaultUntaggedAfterDays, policy.Rules[0].Selection.CountNumber)
		assert.Equal(t, "any", policy.Rules[1].Selection.TagStatus)
		assert.Equal(t, "imageCountMoreThan", policy.Rules[1].Selection.CountType)
		assert.Equal(t, modelregistry.DefaultKeepImages, policy.Rules[1].Selection.CountNumber)
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
