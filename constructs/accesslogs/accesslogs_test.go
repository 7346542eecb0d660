package accesslogs_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/constructs/accesslogs"
	"github.com/voicevault/voicevault/constructs/constructtest"
)

func TestMain(m *testing.M) { constructtest.Main(m) }

type obj = map[string]any
type arr = []any

var like, with = constructtest.Like, constructtest.ArrayWith

var tpl *constructtest.Template

func template(t *testing.T) *constructtest.Template {
	t.Helper()
	if tpl == nil {
		stack := constructtest.NewStack(t)
		accesslogs.New(stack, "AccessLogs", accesslogs.Props{BucketName: "vv-access-logs-test", RetentionDays: 30})
		tpl = constructtest.StackTemplate(t, stack)
	}
	return tpl.With(t)
}

func TestAccessLogBucketUsesSSES3BecauseLogDeliveryCannotWriteSSEKMS(t *testing.T) {
	template(t).HasResourceProperties("AWS::S3::Bucket", obj{
		"BucketName": "vv-access-logs-test",
		"BucketEncryption": obj{"ServerSideEncryptionConfiguration": arr{
			obj{"ServerSideEncryptionByDefault": obj{"SSEAlgorithm": "AES256"}},
		}},
	})
}

func TestAccessLogBucketBlocksPublicAccessAndEnforcesBucketOwnership(t *testing.T) {
	template(t).HasResourceProperties("AWS::S3::Bucket", obj{
		"PublicAccessBlockConfiguration": obj{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
		"OwnershipControls":              obj{"Rules": arr{obj{"ObjectOwnership": "BucketOwnerEnforced"}}},
	})
}

func TestAccessLogBucketRefusesPlainHTTP(t *testing.T) {
	template(t).HasResourceProperties("AWS::S3::BucketPolicy", obj{
		"PolicyDocument": like(obj{"Statement": with(like(obj{
			"Effect": "Deny", "Action": "s3:*",
			"Condition": obj{"Bool": obj{"aws:SecureTransport": "false"}},
		}))}),
	})
}

func TestAccessLogBucketAcceptsLogDeliveryOnlyFromThisAccountsVVBuckets(t *testing.T) {
	template(t).HasResourceProperties("AWS::S3::BucketPolicy", obj{
		"PolicyDocument": like(obj{"Statement": with(like(obj{
			"Effect":    "Allow",
			"Action":    "s3:PutObject",
			"Principal": obj{"Service": "logging.s3.amazonaws.com"},
			"Condition": obj{
				"StringEquals": obj{"aws:SourceAccount": constructtest.TestAccount},
				"ArnLike":      obj{"aws:SourceArn": "arn:aws:s3:::vv-*"}, // the stack's partition is known: aws
			},
		}))}),
	})
	// No statement lets anyone else write.
	for _, p := range template(t).Resources("AWS::S3::BucketPolicy") {
		for _, s := range p["Properties"].(obj)["PolicyDocument"].(obj)["Statement"].(arr) {
			st := s.(obj)
			if st["Effect"] == "Allow" {
				assert.Equal(t, obj{"Service": "logging.s3.amazonaws.com"}, st["Principal"])
				assert.Contains(t, st["Condition"].(obj), "StringEquals")
			}
		}
	}
}

func TestAccessLogBucketIsVersionedExpiresAndIsRetained(t *testing.T) {
	template(t).HasResource("AWS::S3::Bucket", obj{
		"DeletionPolicy":      "RetainExceptOnCreate",
		"UpdateReplacePolicy": "Retain",
		"Properties": like(obj{
			"VersioningConfiguration": obj{"Status": "Enabled"},
			"LifecycleConfiguration": obj{"Rules": with(like(obj{
				"ExpirationInDays":            30,
				"NoncurrentVersionExpiration": obj{"NoncurrentDays": 30},
				"Status":                      "Enabled",
			}))},
		}),
	})
}

func TestAccessLogBucketNeedsAName(t *testing.T) {
	err := constructtest.Catch(func() { accesslogs.New(constructtest.NewStack(t), "X", accesslogs.Props{}) })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "bucket name is required")
}
