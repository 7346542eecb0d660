package logbucket_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/constructs/constructtest"
	"github.com/voicevault/voicevault/constructs/kmskey"
	"github.com/voicevault/voicevault/constructs/logbucket"
)

func TestMain(m *testing.M) { constructtest.Main(m) }

type obj = map[string]any
type arr = []any

var like, with = constructtest.Like, constructtest.ArrayWith

func synth(t *testing.T, props logbucket.Props) *constructtest.Template {
	t.Helper()
	stack := constructtest.NewStack(t)
	props.Key = kmskey.New(stack, "Key", kmskey.Props{Alias: "test/logs", Description: "test"})
	props.AccessLogs = awss3.NewBucket(stack, jsii.String("AccessLogs"), nil)
	logbucket.New(stack, "Logs", props)
	return constructtest.StackTemplate(t, stack)
}

var defaults *constructtest.Template

func template(t *testing.T) *constructtest.Template {
	if defaults == nil {
		defaults = synth(t, logbucket.Props{AccessLogPrefix: "logs/"})
	}
	return defaults.With(t)
}

func TestLogBucketEncryptsWithTheCustomerManagedKey(t *testing.T) {
	template(t).HasResourceProperties("AWS::S3::Bucket", obj{
		"BucketEncryption": obj{"ServerSideEncryptionConfiguration": arr{obj{
			"BucketKeyEnabled": true,
			"ServerSideEncryptionByDefault": obj{
				"SSEAlgorithm":   "aws:kms",
				"KMSMasterKeyID": obj{"Fn::GetAtt": arr{assertions.Match_StringLikeRegexp(jsii.String("^Key")), "Arn"}},
			},
		}}},
	})
}

func TestLogBucketIsLockedDown(t *testing.T) {
	tpl := template(t)
	tpl.HasResource("AWS::S3::Bucket", obj{
		"DeletionPolicy": "RetainExceptOnCreate",
		"Properties": like(obj{
			"PublicAccessBlockConfiguration": obj{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
			"VersioningConfiguration":        obj{"Status": "Enabled"},
			"LifecycleConfiguration": obj{"Rules": with(like(obj{
				"ExpirationInDays":            logbucket.DefaultRetentionDays,
				"NoncurrentVersionExpiration": obj{"NoncurrentDays": logbucket.DefaultRetentionDays},
			}))},
			"BucketEncryption": assertions.Match_AnyValue(),
		}),
	})
	tpl.HasResourceProperties("AWS::S3::BucketPolicy", obj{
		"Bucket": obj{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^Logs"))},
		"PolicyDocument": like(obj{"Statement": with(
			like(obj{"Effect": "Deny", "Condition": obj{"Bool": obj{"aws:SecureTransport": "false"}}}),
			like(obj{"Effect": "Deny", "Condition": obj{"NumericLessThan": obj{"s3:TlsVersion": 1.2}}}),
		)}),
	})
}

func TestLogBucketSendsAccessLogsThatOnlyItMayDeliver(t *testing.T) {
	tpl := template(t)
	tpl.HasResourceProperties("AWS::S3::Bucket", obj{
		"LoggingConfiguration": obj{"DestinationBucketName": obj{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^AccessLogs"))}, "LogFilePrefix": "logs/"},
	})
	tpl.HasResourceProperties("AWS::S3::BucketPolicy", obj{
		"Bucket": obj{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^AccessLogs"))},
		"PolicyDocument": like(obj{"Statement": with(like(obj{
			"Effect":    "Allow",
			"Principal": obj{"Service": "logging.s3.amazonaws.com"},
			"Condition": obj{
				"ArnLike":      obj{"aws:SourceArn": obj{"Fn::GetAtt": arr{assertions.Match_StringLikeRegexp(jsii.String("^Logs")), "Arn"}}},
				"StringEquals": obj{"aws:SourceAccount": constructtest.TestAccount},
			},
		}))}),
	})
}

func TestLogBucketObjectLockIsOffByDefault(t *testing.T) {
	template(t).HasResourceProperties("AWS::S3::Bucket", obj{
		"BucketEncryption":        assertions.Match_AnyValue(),
		"ObjectLockEnabled":       assertions.Match_Absent(),
		"ObjectLockConfiguration": assertions.Match_Absent(),
		"LoggingConfiguration":    assertions.Match_AnyValue(),
	})
}

func TestLogBucketObjectLockUsesGovernanceRetention(t *testing.T) {
	synth(t, logbucket.Props{RetentionDays: 400, ObjectLockDays: 365}).HasResourceProperties("AWS::S3::Bucket", obj{
		"ObjectLockEnabled": true,
		"ObjectLockConfiguration": obj{
			"ObjectLockEnabled": "Enabled",
			"Rule":              obj{"DefaultRetention": obj{"Mode": "GOVERNANCE", "Days": 365}},
		},
	})
}

func TestLogBucketRejectsObjectLockLongerThanRetention(t *testing.T) {
	stack := constructtest.NewStack(t)
	err := constructtest.Catch(func() {
		logbucket.New(stack, "L", logbucket.Props{
			Key:        kmskey.New(stack, "K", kmskey.Props{Alias: "t/k", Description: "t"}),
			AccessLogs: awss3.NewBucket(stack, jsii.String("A"), nil), RetentionDays: 30, ObjectLockDays: 31,
		})
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "object lock of 31 days must be between 0 and the retention of 30 days")
}
