package audiostore_test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/constructs/audiostore"
	"github.com/voicevault/voicevault/constructs/constructtest"
	"github.com/voicevault/voicevault/constructs/kmskey"
	"github.com/voicevault/voicevault/internal/audiolayout"
)

func TestMain(m *testing.M) { constructtest.Main(m) }

const bucketName = "vv-acme-prod-111111111111-eu-west-1"

// synth builds a stack with an audio store (edited by edit) granted to a role, and returns its template.
func synth(t *testing.T, edit func(*audiostore.Props)) *constructtest.Template {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("S"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")}})
	key := kmskey.New(stack, "Key", kmskey.Props{Alias: "test/tenant", Description: "test"})
	p := audiostore.Props{
		BucketName:      bucketName,
		Key:             key,
		AccessLogBucket: awss3.Bucket_FromBucketName(stack, jsii.String("Logs"), jsii.String("vv-access-logs-prod")),
	}
	if edit != nil {
		edit(&p)
	}
	s := audiostore.New(stack, "Audio", p)
	role := awsiam.NewRole(stack, jsii.String("Workload"), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("pods.eks.amazonaws.com"), nil)})
	s.GrantReadWrite(role)
	return constructtest.StackTemplate(t, stack)
}

var shared *constructtest.Template

func defaults(t *testing.T) *constructtest.Template {
	if shared == nil {
		shared = synth(t, nil)
	}
	return shared
}

func keyArn() any { return map[string]any{"Fn::GetAtt": []any{"Key961B73FD", "Arn"}} }

func TestBucketEncryptsWithTheTenantKeyAndABucketKeyAndBlocksSSEC(t *testing.T) {
	defaults(t).HasResourceProperties("AWS::S3::Bucket", map[string]any{
		"BucketName": bucketName,
		"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
			"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": keyArn()},
			"BucketKeyEnabled":              true,
			"BlockedEncryptionTypes":        map[string]any{"EncryptionType": []any{"SSE-C"}},
		}}},
	})
}

func TestBucketBlocksAllPublicAccessAndDisablesACLs(t *testing.T) {
	defaults(t).HasResourceProperties("AWS::S3::Bucket", map[string]any{
		"PublicAccessBlockConfiguration": map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
		"OwnershipControls":              map[string]any{"Rules": []any{map[string]any{"ObjectOwnership": "BucketOwnerEnforced"}}},
	})
}

func TestBucketIsVersionedLoggedAndRetained(t *testing.T) {
	tpl := defaults(t)
	tpl.HasResource("AWS::S3::Bucket", map[string]any{
		"Properties": assertions.Match_ObjectLike(&map[string]any{
			"VersioningConfiguration": map[string]any{"Status": "Enabled"},
			"LoggingConfiguration":    map[string]any{"DestinationBucketName": "vv-access-logs-prod", "LogFilePrefix": "audio/" + bucketName + "/"},
		}),
		"DeletionPolicy":      "RetainExceptOnCreate",
		"UpdateReplacePolicy": "Retain",
	})
	synth(t, func(p *audiostore.Props) { p.AccessLogPrefix = "audio/acme/" }).HasResourceProperties("AWS::S3::Bucket", map[string]any{
		"LoggingConfiguration": map[string]any{"DestinationBucketName": "vv-access-logs-prod", "LogFilePrefix": "audio/acme/"},
	})
}

func rules(t *testing.T, tpl *constructtest.Template) map[string]map[string]any {
	t.Helper()
	buckets := tpl.Resources("AWS::S3::Bucket")
	require.Len(t, buckets, 1)
	out := map[string]map[string]any{}
	for _, b := range buckets {
		for _, r := range b["Properties"].(map[string]any)["LifecycleConfiguration"].(map[string]any)["Rules"].([]any) {
			rule := r.(map[string]any)
			out[rule["Id"].(string)] = rule
		}
	}
	return out
}

func TestLifecycleExpiresCurrentAndNoncurrentVersionsAfterTheRetention(t *testing.T) {
	cases := []struct {
		name       string
		days, want int
	}{
		{"default", 0, audiostore.DefaultRetentionDays},
		{"configured", 30, 30},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tpl := defaults(t)
			if tc.days != 0 {
				tpl = synth(t, func(p *audiostore.Props) { p.RetentionDays = tc.days })
			}
			r := rules(t, tpl)[audiostore.RuleRetention]
			require.NotNil(t, r)
			assert.Equal(t, "Enabled", r["Status"])
			assert.EqualValues(t, tc.want, r["ExpirationInDays"])
			assert.EqualValues(t, tc.want, r["NoncurrentVersionExpiration"].(map[string]any)["NoncurrentDays"])
			assert.EqualValues(t, 1, r["AbortIncompleteMultipartUpload"].(map[string]any)["DaysAfterInitiation"])
			assert.Nil(t, r["Prefix"], "applies to the whole bucket")
			assert.Nil(t, r["TagFilters"], "applies to the whole bucket")
		})
	}
}

func TestLifecycleErasesTaggedVersionsAndExpiredDeleteMarkers(t *testing.T) {
	r := rules(t, defaults(t))
	erase := r[audiostore.RuleEraseTagged]
	require.NotNil(t, erase)
	assert.Equal(t, []any{map[string]any{"Key": audiolayout.EraseTagKey, "Value": audiolayout.EraseTagValue}}, erase["TagFilters"])
	assert.EqualValues(t, 1, erase["ExpirationInDays"])
	assert.EqualValues(t, 1, erase["NoncurrentVersionExpiration"].(map[string]any)["NoncurrentDays"])
	markers := r[audiostore.RuleDeleteMarkers]
	require.NotNil(t, markers)
	assert.Equal(t, true, markers["ExpiredObjectDeleteMarker"])
}

func TestBucketPolicyRefusesPlainHTTPAndTLSBelow12(t *testing.T) {
	tpl := defaults(t)
	tpl.HasResourceProperties("AWS::S3::BucketPolicy", map[string]any{
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
			assertions.Match_ObjectLike(&map[string]any{"Effect": "Deny", "Action": "s3:*", "Principal": map[string]any{"AWS": "*"}, "Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}}),
			assertions.Match_ObjectLike(&map[string]any{"Effect": "Deny", "Action": "s3:*", "Principal": map[string]any{"AWS": "*"}, "Condition": map[string]any{"NumericLessThan": map[string]any{"s3:TlsVersion": 1.2}}}),
		})},
	})
}

// The denies use ...IfExists: an upload that names no encryption gets the bucket default (the
// tenant key, with the bucket key) and must not be refused.
func TestBucketPolicyRefusesUploadsAskingForAnotherEncryptionButNotDefaultOnes(t *testing.T) {
	defaults(t).HasResourceProperties("AWS::S3::BucketPolicy", map[string]any{
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
			map[string]any{
				"Sid": "DenyEncryptionOtherThanKMS", "Effect": "Deny", "Action": "s3:PutObject", "Principal": map[string]any{"AWS": "*"},
				"Resource":  assertions.Match_AnyValue(),
				"Condition": map[string]any{"StringNotEqualsIfExists": map[string]any{"s3:x-amz-server-side-encryption": "aws:kms"}},
			},
			map[string]any{
				"Sid": "DenyKMSKeyOtherThanTenantKey", "Effect": "Deny", "Action": "s3:PutObject", "Principal": map[string]any{"AWS": "*"},
				"Resource":  assertions.Match_AnyValue(),
				"Condition": map[string]any{"StringNotEqualsIfExists": map[string]any{"s3:x-amz-server-side-encryption-aws-kms-key-id": keyArn()}},
			},
		})},
	})
}

var bucketArn = map[string]any{"Fn::Join": []any{"", []any{"arn:", map[string]any{"Ref": "AWS::Partition"}, ":s3:::" + bucketName}}}

var viaS3 = map[string]any{"StringEquals": map[string]any{
	"kms:ViaService":                   "s3.eu-west-1.amazonaws.com",
	"kms:EncryptionContext:aws:s3:arn": bucketArn,
}}

func TestGrantIsACustomerManagedPolicyAttachedToTheRole(t *testing.T) {
	tpl := defaults(t)
	assert.Empty(t, tpl.Resources("AWS::IAM::Policy"), "no inline policy (HIPAA/NIST/PCI IAMNoInlinePolicy)")
	for _, r := range tpl.Resources("AWS::IAM::Role") {
		assert.NotContains(t, r["Properties"], "Policies", "no inline policy on the role")
	}
	policies := tpl.Resources("AWS::IAM::ManagedPolicy")
	require.Len(t, policies, 1)
	for id, p := range policies {
		assert.Regexp(t, "^AudioReadWriteWorkload[0-9A-F]{8}$", id)
		assert.Equal(t, []any{map[string]any{"Ref": "Workload692FF5F4"}}, p["Properties"].(map[string]any)["Roles"])
	}
}

func TestGrantGivesTheVoicesPrefixOnlyAndTheKeyOnlyThroughS3ForThisBucket(t *testing.T) {
	policies := defaults(t).Resources("AWS::IAM::ManagedPolicy")
	require.Len(t, policies, 1)
	for _, p := range policies {
		stmts := p["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any)
		require.Len(t, stmts, 3)
		objects := stmts[0].(map[string]any)
		assert.ElementsMatch(t, audiostore.ObjectActions, objects["Action"])
		assert.Equal(t, map[string]any{"Fn::Join": []any{"", []any{map[string]any{"Fn::GetAtt": []any{"AudioBucket3176805C", "Arn"}}, "/voices/*"}}}, objects["Resource"])
		list := stmts[1].(map[string]any)
		assert.Equal(t, "s3:ListBucket", list["Action"])
		assert.Equal(t, map[string]any{"StringLike": map[string]any{"s3:prefix": "voices/*"}}, list["Condition"])
		key := stmts[2].(map[string]any)
		assert.ElementsMatch(t, audiostore.KeyActions, key["Action"])
		assert.Equal(t, keyArn(), key["Resource"])
		assert.Equal(t, viaS3, key["Condition"])
		for _, s := range stmts {
			assert.Equal(t, "Allow", s.(map[string]any)["Effect"])
			assert.NotContains(t, s.(map[string]any)["Action"], "s3:DeleteObjectVersion", "permanent deletion is the erase tool's")
		}
	}
}

func TestKeyPolicyLetsOnlyTheGranteeUseTheKeyAndOnlyThroughS3ForThisBucket(t *testing.T) {
	keys := defaults(t).Resources("AWS::KMS::Key")
	require.Len(t, keys, 1)
	for _, k := range keys {
		stmts := k["Properties"].(map[string]any)["KeyPolicy"].(map[string]any)["Statement"].([]any)
		var data []map[string]any
		for _, s := range stmts {
			st := s.(map[string]any)
			if st["Sid"] != "KeyAdministrationByAccount" {
				data = append(data, st)
			}
		}
		require.Len(t, data, 1, "one data-plane statement: the grantee's")
		assert.Equal(t, map[string]any{"AWS": map[string]any{"Fn::GetAtt": []any{"Workload692FF5F4", "Arn"}}}, data[0]["Principal"])
		assert.ElementsMatch(t, audiostore.KeyActions, data[0]["Action"])
		assert.Equal(t, viaS3, data[0]["Condition"])
	}
}

func TestNewPanicsOnMissingProps(t *testing.T) {
	cases := map[string]func(*audiostore.Props){
		"bucket name": func(p *audiostore.Props) { p.BucketName = "" },
		"key":         func(p *audiostore.Props) { p.Key = nil },
		"log bucket":  func(p *audiostore.Props) { p.AccessLogBucket = nil },
		"retention":   func(p *audiostore.Props) { p.RetentionDays = -1 },
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			err := constructtest.Catch(func() { synth(t, edit) })
			require.Error(t, err)
			assert.Contains(t, err.Error(), `audio store "Audio"`)
		})
	}
}

func TestImportedAccessLogBucketWarningIsAcknowledged(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("S"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")}})
	audiostore.New(stack, "Audio", audiostore.Props{
		BucketName:      bucketName,
		Key:             kmskey.New(stack, "Key", kmskey.Props{Alias: "test/tenant", Description: "test"}),
		AccessLogBucket: awss3.Bucket_FromBucketName(stack, jsii.String("Logs"), jsii.String("vv-access-logs-prod")),
	})
	var warnings []string
	require.NoError(t, constructtest.Catch(func() {
		for _, m := range *assertions.Annotations_FromStack(stack).FindWarning(jsii.String("*"), assertions.Match_AnyValue()) {
			warnings = append(warnings, *m.Id+": "+fmt.Sprint(m.Entry.Data))
		}
	}))
	assert.Empty(t, warnings, "the CDK's %s warning is acknowledged", audiostore.AccessLogsPolicyWarning)
}
