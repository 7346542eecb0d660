package trail_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/constructs/constructtest"
	"github.com/voicevault/voicevault/constructs/trail"
)

func TestMain(m *testing.M) { constructtest.Main(m) }

type obj = map[string]any
type arr = []any

var like, with = constructtest.Like, constructtest.ArrayWith

func re(s string) assertions.Matcher { return assertions.Match_StringLikeRegexp(jsii.String(s)) }

const trailARN = "arn:aws:cloudtrail:" + constructtest.TestRegion + ":" + constructtest.TestAccount + ":trail/voicevault-test"

func synth(t *testing.T, buckets []string) *constructtest.Template {
	t.Helper()
	stack := constructtest.NewStack(t)
	trail.New(stack, "Trail", trail.Props{
		TrailName:        "voicevault-test",
		KeyAlias:         "voicevault/test/cloudtrail",
		AccessLogs:       awss3.NewBucket(stack, jsii.String("AccessLogs"), nil),
		LogGroupName:     "/voicevault/test/cloudtrail",
		LogRetentionDays: 731,
		DataEventBuckets: buckets,
	})
	return constructtest.StackTemplate(t, stack)
}

var two *constructtest.Template

func template(t *testing.T) *constructtest.Template {
	if two == nil {
		two = synth(t, []string{"vv-acme-test", "vv-globex-test"})
	}
	return two.With(t)
}

func TestTrailIsMultiRegionValidatedAndKMSEncrypted(t *testing.T) {
	template(t).HasResourceProperties("AWS::CloudTrail::Trail", obj{
		"TrailName":                  "voicevault-test",
		"IsMultiRegionTrail":         true,
		"IncludeGlobalServiceEvents": true,
		"EnableLogFileValidation":    true,
		"IsLogging":                  true,
		"KMSKeyId":                   obj{"Fn::GetAtt": arr{re("^TrailKey"), "Arn"}},
		"S3BucketName":               obj{"Ref": re("^TrailBucket")},
		"CloudWatchLogsLogGroupArn":  obj{"Fn::GetAtt": arr{re("^TrailLogGroup"), "Arn"}},
	})
}

func TestTrailLogGroupIsEncryptedWithTheTrailKeyAndRetained(t *testing.T) {
	template(t).HasResource("AWS::Logs::LogGroup", obj{
		"DeletionPolicy": "RetainExceptOnCreate",
		"Properties": like(obj{
			"LogGroupName":    "/voicevault/test/cloudtrail",
			"KmsKeyId":        obj{"Fn::GetAtt": arr{re("^TrailKey"), "Arn"}},
			"RetentionInDays": 731,
		}),
	})
}

func TestTrailBucketIsEncryptedWithTheTrailKeyAndLogsItsAccess(t *testing.T) {
	template(t).HasResourceProperties("AWS::S3::Bucket", obj{
		"BucketEncryption": obj{"ServerSideEncryptionConfiguration": with(like(obj{
			"ServerSideEncryptionByDefault": obj{"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": obj{"Fn::GetAtt": arr{re("^TrailKey"), "Arn"}}},
		}))},
		"LoggingConfiguration":           obj{"DestinationBucketName": obj{"Ref": re("^AccessLogs")}, "LogFilePrefix": "cloudtrail/"},
		"PublicAccessBlockConfiguration": obj{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
		"VersioningConfiguration":        obj{"Status": "Enabled"},
		"LifecycleConfiguration":         assertions.Match_AnyValue(),
	})
}

func TestTrailBucketAcceptsOnlyThisTrailOverTLS(t *testing.T) {
	tpl := template(t)
	var found bool
	for _, p := range tpl.Resources("AWS::S3::BucketPolicy") {
		for _, s := range p["Properties"].(obj)["PolicyDocument"].(obj)["Statement"].(arr) {
			st := s.(obj)
			if st["Sid"] != "OnlyThisTrailDelivers" {
				continue
			}
			found = true
			assert.Equal(t, "Deny", st["Effect"])
			assert.Equal(t, obj{"Service": "cloudtrail.amazonaws.com"}, st["Principal"])
			assert.ElementsMatch(t, arr{"s3:GetBucketAcl", "s3:PutObject"}, st["Action"])
			arn, ok := constructtest.Plain(st["Condition"].(obj)["StringNotEquals"].(obj)["aws:SourceArn"])
			require.True(t, ok)
			assert.Equal(t, trailARN, arn)
		}
	}
	assert.True(t, found, "the trail bucket denies every other trail")
	tpl.HasResourceProperties("AWS::S3::BucketPolicy", obj{
		"Bucket":         obj{"Ref": re("^TrailBucket")},
		"PolicyDocument": like(obj{"Statement": with(like(obj{"Effect": "Deny", "Condition": obj{"Bool": obj{"aws:SecureTransport": "false"}}}))}),
	})
}

func TestTrailKeyLetsCloudTrailEncryptForThisTrailOnly(t *testing.T) {
	keys := template(t).Resources("AWS::KMS::Key")
	require.Len(t, keys, 1)
	sids := map[string]obj{}
	for _, k := range keys {
		assert.Equal(t, true, k["Properties"].(obj)["EnableKeyRotation"])
		for _, s := range k["Properties"].(obj)["KeyPolicy"].(obj)["Statement"].(arr) {
			st := s.(obj)
			sids[st["Sid"].(string)] = st
		}
	}
	enc := sids["CloudTrailEncryptsThisTrailsLogs"]
	require.NotNil(t, enc)
	assert.Equal(t, "kms:GenerateDataKey*", enc["Action"])
	arn, _ := constructtest.Plain(enc["Condition"].(obj)["StringEquals"].(obj)["aws:SourceArn"])
	assert.Equal(t, trailARN, arn)
	dec := sids["AccountDecryptsCloudTrailLogFiles"]
	require.NotNil(t, dec)
	assert.ElementsMatch(t, arr{"kms:Decrypt", "kms:ReEncryptFrom"}, dec["Action"])
	assert.Equal(t, constructtest.TestAccount, dec["Condition"].(obj)["StringEquals"].(obj)["kms:CallerAccount"])
	logs := sids["CloudWatchLogsForVoiceVaultLogGroups"]
	require.NotNil(t, logs)
	lg, _ := constructtest.Plain(logs["Condition"].(obj)["ArnLike"].(obj)["kms:EncryptionContext:aws:logs:arn"])
	assert.Equal(t, "arn:aws:logs:"+constructtest.TestRegion+":"+constructtest.TestAccount+":log-group:/voicevault/test/cloudtrail", lg)
	assert.Len(t, sids, 5, "administration, CloudTrail (2), account decryption of log files, CloudWatch Logs")
}

// selectors returns the trail's advanced event selectors, with ARNs rendered.
func selectors(t *testing.T, tpl *constructtest.Template) (names []string, dataBuckets []string) {
	t.Helper()
	trails := tpl.Resources("AWS::CloudTrail::Trail")
	require.Len(t, trails, 1)
	for _, tr := range trails {
		props := tr["Properties"].(obj)
		assert.NotContains(t, props, "EventSelectors", "basic selectors would conflict with advanced ones")
		for _, s := range props["AdvancedEventSelectors"].(arr) {
			sel := s.(obj)
			names = append(names, sel["Name"].(string))
			for _, f := range sel["FieldSelectors"].(arr) {
				fs := f.(obj)
				if fs["Field"] != "resources.ARN" {
					continue
				}
				for _, v := range fs["StartsWith"].(arr) {
					arn, ok := constructtest.Plain(v)
					require.True(t, ok)
					dataBuckets = append(dataBuckets, arn)
				}
			}
		}
	}
	return names, dataBuckets
}

func TestTrailDataEventsNameExactlyTheGivenBuckets(t *testing.T) {
	tpl := template(t)
	names, buckets := selectors(t, tpl)
	assert.Equal(t, []string{trail.ManagementSelectorName, trail.DataSelectorName}, names)
	assert.Equal(t, []string{"arn:aws:s3:::vv-acme-test/", "arn:aws:s3:::vv-globex-test/"}, buckets)
	tpl.HasResourceProperties("AWS::CloudTrail::Trail", obj{
		"AdvancedEventSelectors": arr{obj{
			"Name":           trail.ManagementSelectorName,
			"FieldSelectors": arr{obj{"Field": "eventCategory", "Equals": arr{"Management"}}},
		}, obj{
			"Name": trail.DataSelectorName,
			"FieldSelectors": arr{
				obj{"Field": "eventCategory", "Equals": arr{"Data"}},
				obj{"Field": "resources.type", "Equals": arr{"AWS::S3::Object"}},
				obj{"Field": "resources.ARN", "StartsWith": assertions.Match_AnyValue()},
			},
		}},
	})
}

func TestTrailWithoutBucketsRecordsManagementEventsOnly(t *testing.T) {
	names, buckets := selectors(t, synth(t, nil))
	assert.Equal(t, []string{trail.ManagementSelectorName}, names)
	assert.Empty(t, buckets)
}

func TestTrailRejectsAnInvalidLogRetention(t *testing.T) {
	stack := constructtest.NewStack(t)
	err := constructtest.Catch(func() {
		trail.New(stack, "T", trail.Props{TrailName: "t", KeyAlias: "t/t", AccessLogs: awss3.NewBucket(stack, jsii.String("A"), nil), LogGroupName: "/t", LogRetentionDays: 42})
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "log retention of 42 days is not a CloudWatch Logs retention value")
}
