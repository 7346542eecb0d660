package defaults_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"

	"github.com/voicevault/voicevault/constructs/constructtest"
	"github.com/voicevault/voicevault/constructs/defaults"
)

func TestMain(m *testing.M) { constructtest.Main(m) }

func TestRetentionDefaultsToAYearAndRefusesOtherValues(t *testing.T) {
	assert.Equal(t, defaults.Retention(365), defaults.Retention(0))
	assert.Panics(t, func() { defaults.Retention(42) })
	_, ok := defaults.RetentionLookup(42)
	assert.False(t, ok)
}

func TestSharedDefaults(t *testing.T) {
	stack := constructtest.NewStack(t)
	key := awskms.NewKey(stack, jsii.String("Key"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
	awss3.NewBucket(stack, jsii.String("Bucket"), defaults.Bucket(&awss3.BucketProps{}))
	defaults.LogGroup(stack, "Logs", defaults.LogGroupProps{Name: "/voicevault/test/x", Key: key})
	defaults.AllowCloudWatchLogs(key, "/voicevault/test/*")
	topic := awssns.NewTopic(stack, jsii.String("Topic"), nil)
	metric := awscloudwatch.NewMetric(&awscloudwatch.MetricProps{Namespace: jsii.String("X"), MetricName: jsii.String("Y")})
	defaults.Alarm(stack, "Alarm", defaults.AlarmProps{Name: "x", Description: "y", Metric: metric, Threshold: 1, Topic: topic})
	tpl := constructtest.StackTemplate(t, stack)

	tpl.HasResource("AWS::S3::Bucket", constructtest.Like(map[string]any{
		"DeletionPolicy": "RetainExceptOnCreate",
		"Properties": constructtest.Like(map[string]any{
			"PublicAccessBlockConfiguration": map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
			"VersioningConfiguration":        map[string]any{"Status": "Enabled"},
			"OwnershipControls":              map[string]any{"Rules": []any{map[string]any{"ObjectOwnership": "BucketOwnerEnforced"}}},
		}),
	}))
	tpl.HasResourceProperties("AWS::S3::BucketPolicy", constructtest.Like(map[string]any{"PolicyDocument": constructtest.Like(map[string]any{
		"Statement": constructtest.ArrayWith(constructtest.Like(map[string]any{"Effect": "Deny", "Condition": map[string]any{"NumericLessThan": map[string]any{"s3:TlsVersion": 1.2}}})),
	})}))
	tpl.HasResource("AWS::Logs::LogGroup", constructtest.Like(map[string]any{
		"DeletionPolicy": "RetainExceptOnCreate",
		"Properties": map[string]any{
			"LogGroupName":    "/voicevault/test/x",
			"RetentionInDays": 365,
			"KmsKeyId":        map[string]any{"Fn::GetAtt": []any{constructtest.LogicalID(t, key), "Arn"}},
		},
	}))
	tpl.HasResourceProperties("AWS::CloudWatch::Alarm", constructtest.Like(map[string]any{
		"TreatMissingData":   "notBreaching",
		"ComparisonOperator": "GreaterThanOrEqualToThreshold",
		"EvaluationPeriods":  1,
		"AlarmActions":       []any{map[string]any{"Ref": constructtest.LogicalID(t, topic)}},
	}))
	tpl.HasResourceProperties("AWS::KMS::Key", constructtest.Like(map[string]any{"KeyPolicy": constructtest.Like(map[string]any{
		"Statement": constructtest.ArrayWith(constructtest.Like(map[string]any{
			"Sid":       "CloudWatchLogsForVoiceVaultLogGroups",
			"Condition": map[string]any{"ArnLike": map[string]any{"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:123456789012:log-group:/voicevault/test/*"}},
		})),
	})}))
}

func TestLogGroupsNeedANameAndAKey(t *testing.T) {
	stack := constructtest.NewStack(t)
	assert.Panics(t, func() { defaults.LogGroup(stack, "NoKey", defaults.LogGroupProps{Name: "/x"}) })
	key := awskms.NewKey(stack, jsii.String("K"), nil)
	assert.Panics(t, func() { defaults.AllowCloudWatchLogs(key) })
	defaults.AllowCloudWatchLogs(key, "/a/*")
	err := constructtest.Catch(func() { defaults.AllowCloudWatchLogs(key, "/b/*") })
	assert.ErrorContains(t, err, "AllowCloudWatchLogs called twice; pass every log group pattern in one call")
}
