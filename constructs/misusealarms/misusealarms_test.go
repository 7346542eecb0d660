package misusealarms_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/constructs/constructtest"
	"github.com/voicevault/voicevault/constructs/misusealarms"
	"github.com/voicevault/voicevault/internal/review/filterpattern"
)

func TestMain(m *testing.M) { constructtest.Main(m) }

type obj = map[string]any

const (
	execRole = "arn:aws:iam::123456789012:role/cdk-vvault-cfn-exec-role-123456789012-eu-west-1"
	repo     = "voicevault/test/tts"
)

func match(t *testing.T, pattern, event string) bool {
	t.Helper()
	ok, err := filterpattern.Match(pattern, event)
	require.NoError(t, err, pattern)
	return ok
}

// Sample events follow the CloudTrail record contents ("CloudTrail record contents for
// management, data, and network activity events", AWS CloudTrail user guide).
func TestForeignRegionPatternMatchesOnlyRegionsOutsideTheList(t *testing.T) {
	p := misusealarms.ForeignRegionPattern([]string{"eu-west-1", "us-east-1"})
	assert.Equal(t, `{ ($.awsRegion != "eu-west-1") && ($.awsRegion != "us-east-1") }`, p)
	assert.True(t, match(t, p, `{"eventSource":"ec2.amazonaws.com","eventName":"RunInstances","awsRegion":"ap-south-2"}`))
	assert.False(t, match(t, p, `{"eventSource":"ec2.amazonaws.com","eventName":"RunInstances","awsRegion":"eu-west-1"}`))
	assert.False(t, match(t, p, `{"eventSource":"iam.amazonaws.com","eventName":"CreateRole","awsRegion":"us-east-1"}`), "global services record in us-east-1")
}

func TestAudioDeletePatternMatchesObjectDeletionsOnly(t *testing.T) {
	p := misusealarms.AudioDeletePattern()
	assert.True(t, match(t, p, `{"eventSource":"s3.amazonaws.com","eventCategory":"Data","eventName":"DeleteObject","requestParameters":{"bucketName":"vv-acme-prod","key":"v/1.wav"}}`))
	assert.True(t, match(t, p, `{"eventSource":"s3.amazonaws.com","eventCategory":"Data","eventName":"DeleteObjects"}`))
	assert.False(t, match(t, p, `{"eventSource":"s3.amazonaws.com","eventCategory":"Data","eventName":"GetObject"}`))
	assert.False(t, match(t, p, `{"eventSource":"s3.amazonaws.com","eventCategory":"Management","eventName":"DeleteBucket"}`))
}

func TestRegistryChangePatternSparesOnlyTrustedRoles(t *testing.T) {
	p := misusealarms.RegistryChangePattern(repo, []string{execRole})
	push := func(arn string) string {
		return `{"eventSource":"ecr.amazonaws.com","eventName":"PutImage","requestParameters":{"repositoryName":"` + repo + `"},"userIdentity":{"type":"AssumedRole","arn":"` + arn + `"}}`
	}
	assert.False(t, match(t, p, push("arn:aws:sts::123456789012:assumed-role/cdk-vvault-cfn-exec-role-123456789012-eu-west-1/AWSCloudFormation")))
	assert.True(t, match(t, p, push("arn:aws:sts::123456789012:assumed-role/developer/alice")))
	assert.True(t, match(t, p, push("arn:aws:iam::123456789012:root")))
	assert.True(t, match(t, p, `{"eventSource":"ecr.amazonaws.com","eventName":"SetRepositoryPolicy","requestParameters":{"repositoryName":"`+repo+`"},"userIdentity":{"arn":"arn:aws:sts::123456789012:assumed-role/x/y"}}`))
	assert.False(t, match(t, p, `{"eventSource":"ecr.amazonaws.com","eventName":"PutImage","requestParameters":{"repositoryName":"other"},"userIdentity":{"arn":"arn:aws:sts::123456789012:assumed-role/x/y"}}`))
	assert.False(t, match(t, p, `{"eventSource":"ecr.amazonaws.com","eventName":"BatchGetImage","requestParameters":{"repositoryName":"`+repo+`"},"userIdentity":{"arn":"arn:aws:sts::123456789012:assumed-role/x/y"}}`))
	assert.Equal(t, "*:1:assumed-role/name/*", misusealarms.AssumedRolePattern("arn:aws:iam::1:role/path/name"))
	assert.True(t, match(t, p, `{"eventSource":"ecr.amazonaws.com","eventName":"DeleteRepository","requestParameters":{"repositoryName":"`+repo+`"},"userIdentity":{"arn":"arn:aws:sts::999999999999:assumed-role/cdk-vvault-cfn-exec-role-123456789012-eu-west-1/x"}}`), "the same role name in another account is not trusted")
}

func TestMisuseAlarmsNotifyTheTopicAtTheirThresholds(t *testing.T) {
	stack := constructtest.NewStack(t)
	a := misusealarms.New(stack, "Misuse", misusealarms.Props{
		LogGroup:        awslogs.NewLogGroup(stack, jsii.String("Trail"), nil),
		Topic:           awssns.NewTopic(stack, jsii.String("Alarms"), nil),
		AlarmNamePrefix: "voicevault-test-misuse-",
		AllowedRegions:  []string{"eu-west-1", "us-east-1"},
		RepositoryName:  repo, TrustedRoleARNs: []string{execRole},
		ForeignRegionCalls: 1, AudioDeletes: 100, RegistryChanges: 2,
	})
	tpl := constructtest.StackTemplate(t, stack)
	tpl.ResourceCountIs("AWS::Logs::MetricFilter", 3)
	for _, f := range a.Filters() {
		tpl.HasResourceProperties("AWS::Logs::MetricFilter", obj{
			"FilterPattern":         f.Pattern,
			"MetricTransformations": []any{obj{"MetricNamespace": misusealarms.Namespace, "MetricName": f.ID, "MetricValue": "1"}},
		})
	}
	for name, th := range map[string]float64{"ForeignRegionCalls": 1, "AudioDeletes": 100, "ModelRegistryChanges": 2} {
		tpl.HasResourceProperties("AWS::CloudWatch::Alarm", obj{
			"AlarmName": "voicevault-test-misuse-" + name, "MetricName": name, "Namespace": misusealarms.Namespace,
			"Threshold": th, "Period": float64(300), "Statistic": "Sum", "ComparisonOperator": "GreaterThanOrEqualToThreshold",
			"AlarmActions": []any{obj{"Ref": constructtest.LogicalID(t, stack.Node().FindChild(jsii.String("Alarms")))}},
		})
	}
}
