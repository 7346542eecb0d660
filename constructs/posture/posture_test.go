package posture_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/constructs/constructtest"
	"github.com/voicevault/voicevault/constructs/posture"
)

func TestMain(m *testing.M) { constructtest.Main(m) }

type obj = map[string]any
type arr = []any

func off() *bool { return jsii.Bool(false) }

func synth(t *testing.T, props posture.Props) (*constructtest.Template, posture.Posture) {
	t.Helper()
	stack := constructtest.NewStack(t)
	props.Name = "voicevault-test"
	props.AccessLogs = awss3.NewBucket(stack, jsii.String("AccessLogs"), nil)
	props.KeyAlias = "voicevault/test/config"
	p := posture.New(stack, "Posture", props)
	return constructtest.StackTemplate(t, stack), p
}

var (
	allOn   *constructtest.Template
	allOnPo posture.Posture
)

func template(t *testing.T) (*constructtest.Template, posture.Posture) {
	if allOn == nil {
		allOn, allOnPo = synth(t, posture.Props{})
	}
	return allOn.With(t), allOnPo
}

func TestSecurityHubEnablesFoundationalAndCISStandardsOfTheStackRegion(t *testing.T) {
	tpl, p := template(t)
	tpl.HasResourceProperties("AWS::SecurityHub::Hub", obj{"EnableDefaultStandards": false, "ControlFindingGenerator": "SECURITY_CONTROL", "AutoEnableControls": true})
	hubID := constructtest.LogicalID(t, p.Hub())
	var arns []string
	for _, s := range tpl.Resources("AWS::SecurityHub::Standard") {
		arn, ok := constructtest.Plain(s["Properties"].(obj)["StandardsArn"])
		require.True(t, ok)
		arns = append(arns, arn)
		assert.Equal(t, arr{hubID}, s["DependsOn"], "a standard needs the hub")
	}
	assert.ElementsMatch(t, []string{
		"arn:aws:securityhub:" + constructtest.TestRegion + "::" + posture.FoundationalStandard,
		"arn:aws:securityhub:" + constructtest.TestRegion + "::" + posture.CISStandard,
	}, arns)
}

func TestConfigRecorderRecordsEverythingAndDeliversToTheEncryptedBucket(t *testing.T) {
	tpl, p := template(t)
	keyID, bucketID, roleID := constructtest.LogicalID(t, p.ConfigKey()), constructtest.LogicalID(t, p.ConfigBucket()), constructtest.LogicalID(t, p.ConfigRole())
	tpl.HasResourceProperties("AWS::Config::ConfigurationRecorder", obj{
		"RoleARN":        obj{"Fn::GetAtt": arr{roleID, "Arn"}},
		"RecordingGroup": obj{"AllSupported": true, "IncludeGlobalResourceTypes": true},
	})
	tpl.HasResourceProperties("AWS::Config::DeliveryChannel", obj{
		"S3BucketName": obj{"Ref": bucketID},
		"S3KmsKeyArn":  obj{"Fn::GetAtt": arr{keyID, "Arn"}},
	})
	tpl.HasResourceProperties("AWS::S3::Bucket", obj{
		"BucketEncryption": obj{"ServerSideEncryptionConfiguration": arr{obj{
			"BucketKeyEnabled":              true,
			"ServerSideEncryptionByDefault": obj{"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": obj{"Fn::GetAtt": arr{keyID, "Arn"}}},
		}}},
		"LoggingConfiguration":           obj{"DestinationBucketName": obj{"Ref": constructtest.LogicalID(t, p.ConfigBucket().Stack().Node().FindChild(jsii.String("AccessLogs")))}, "LogFilePrefix": "config/"},
		"PublicAccessBlockConfiguration": obj{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
		"VersioningConfiguration":        obj{"Status": "Enabled"},
		"LifecycleConfiguration":         obj{"Rules": arr{obj{"Id": "ExpireLogs", "Status": "Enabled", "ExpirationInDays": 365, "NoncurrentVersionExpiration": obj{"NoncurrentDays": 365}, "AbortIncompleteMultipartUpload": obj{"DaysAfterInitiation": 7}}}},
		"OwnershipControls":              obj{"Rules": arr{obj{"ObjectOwnership": "BucketOwnerEnforced"}}},
	})
}

func TestConfigRoleDeliversThroughACustomerManagedPolicyTheChannelWaitsFor(t *testing.T) {
	tpl, p := template(t)
	roleID, policyID := constructtest.LogicalID(t, p.ConfigRole()), constructtest.LogicalID(t, p.ConfigPolicy())
	tpl.ResourceCountIs("AWS::IAM::Policy", 0) // no inline policy (IAMNoInlinePolicy)
	tpl.HasResourceProperties("AWS::IAM::ManagedPolicy", obj{
		"Roles": arr{obj{"Ref": roleID}},
		"PolicyDocument": obj{"Statement": arr{
			obj{"Sid": "DeliverToConfigBucket", "Action": "s3:PutObject", "Effect": "Allow", "Resource": assertions.Match_AnyValue()},
			obj{"Sid": "CheckConfigBucket", "Action": "s3:GetBucketAcl", "Effect": "Allow", "Resource": assertions.Match_AnyValue()},
			obj{"Sid": "EncryptConfigDeliveries", "Action": arr{"kms:Decrypt", "kms:GenerateDataKey"}, "Effect": "Allow", "Resource": assertions.Match_AnyValue()},
		}},
	})
	tpl.HasResource("AWS::Config::DeliveryChannel", obj{"DependsOn": assertions.Match_ArrayWith(&[]any{policyID})})
}

func TestConfigKeyIsUsableOnlyByTheRecorderRoleThroughS3(t *testing.T) {
	tpl, p := template(t)
	roleID := constructtest.LogicalID(t, p.ConfigRole())
	key := tpl.Resources("AWS::KMS::Key")[constructtest.LogicalID(t, p.ConfigKey())]
	require.NotNil(t, key)
	var users []any
	for _, s := range key["Properties"].(obj)["KeyPolicy"].(obj)["Statement"].(arr) {
		st := s.(obj)
		if st["Sid"] == "KeyAdministrationByAccount" {
			continue
		}
		users = append(users, st["Principal"])
		assert.Equal(t, obj{"StringEquals": obj{"kms:ViaService": "s3." + constructtest.TestRegion + ".amazonaws.com"}}, st["Condition"])
	}
	assert.Equal(t, arr{obj{"AWS": obj{"Fn::GetAtt": arr{roleID, "Arn"}}}}, users)
	tpl.HasResourceProperties("AWS::IAM::Role", obj{
		"AssumeRolePolicyDocument": obj{"Version": "2012-10-17", "Statement": arr{obj{
			"Action": "sts:AssumeRole", "Effect": "Allow",
			"Principal": obj{"Service": "config.amazonaws.com"},
			"Condition": obj{"StringEquals": obj{"aws:SourceAccount": constructtest.TestAccount}},
		}}},
	})
}

func TestConfigRulesCoverEveryPromiseAndWaitForTheRecorder(t *testing.T) {
	tpl, p := template(t)
	recorderID := constructtest.LogicalID(t, p.Recorder())
	rules := tpl.Resources("AWS::Config::ConfigRule")
	assert.Len(t, rules, len(posture.Rules))
	got := map[string]string{}
	for _, r := range rules {
		pr := r["Properties"].(obj)
		src := pr["Source"].(obj)
		assert.Equal(t, "AWS", src["Owner"])
		got[pr["ConfigRuleName"].(string)] = src["SourceIdentifier"].(string)
		assert.Contains(t, r["DependsOn"], recorderID, "rule %s needs the recorder", pr["ConfigRuleName"])
	}
	for _, want := range []string{
		"s3-bucket-ssl-requests-only", "s3-bucket-server-side-encryption-enabled", "s3-bucket-public-read-prohibited",
		"s3-bucket-public-write-prohibited", "eks-endpoint-no-public-access", "eks-secrets-encrypted", "cloudtrail-enabled",
		"cloud-trail-log-file-validation-enabled", "cmk-backing-key-rotation-enabled", "kms-cmk-not-scheduled-for-deletion",
		"iam-policy-no-statements-with-admin-access", "restricted-ssh", "vpc-flow-logs-enabled", "api-gw-execution-logging-enabled",
	} {
		assert.Contains(t, got, "voicevault-test-"+want)
	}
	assert.Equal(t, "INCOMING_SSH_DISABLED", got["voicevault-test-restricted-ssh"])
	assert.Equal(t, "CLOUD_TRAIL_ENABLED", got["voicevault-test-cloudtrail-enabled"])
}

func TestAccessAnalyzerCoversTheAccount(t *testing.T) {
	tpl, _ := template(t)
	tpl.HasResourceProperties("AWS::AccessAnalyzer::Analyzer", obj{"Type": "ACCOUNT", "AnalyzerName": "voicevault-test-account"})
}

func TestMacieIsEnabledAndPublishesEvery15Minutes(t *testing.T) {
	tpl, _ := template(t)
	tpl.HasResourceProperties("AWS::Macie::Session", obj{"Status": "ENABLED", "FindingPublishingFrequency": "FIFTEEN_MINUTES"})
}

// Each switch removes its service only; the Config rules stay (they evaluate with the
// organization's recorder).
func TestEachPostureSwitchTurnsOffItsServiceOnly(t *testing.T) {
	tpl, _ := synth(t, posture.Props{SecurityHub: off(), ConfigRecorder: off(), AccessAnalyzer: off(), Macie: off()})
	for _, typ := range []string{
		"AWS::SecurityHub::Hub", "AWS::SecurityHub::Standard", "AWS::Config::ConfigurationRecorder", "AWS::Config::DeliveryChannel",
		"AWS::KMS::Key", "AWS::IAM::Role", "AWS::AccessAnalyzer::Analyzer", "AWS::Macie::Session",
	} {
		tpl.ResourceCountIs(typ, 0)
	}
	tpl.ResourceCountIs("AWS::S3::Bucket", 1) // the test's access-log bucket only
	rules := tpl.Resources("AWS::Config::ConfigRule")
	assert.Len(t, rules, len(posture.Rules))
	for id, r := range rules {
		assert.NotContains(t, r, "DependsOn", id)
	}
}
