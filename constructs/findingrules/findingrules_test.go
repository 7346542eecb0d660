package findingrules_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/constructs/alarmtopic"
	"github.com/voicevault/voicevault/constructs/constructtest"
	"github.com/voicevault/voicevault/constructs/findingrules"
)

func TestMain(m *testing.M) { constructtest.Main(m) }

type obj = map[string]any
type arr = []any

var tpl *constructtest.Template

func template(t *testing.T) *constructtest.Template {
	t.Helper()
	if tpl == nil {
		stack := constructtest.NewStack(t)
		at := alarmtopic.New(stack, "Alarms", alarmtopic.Props{TopicName: "alarms", KeyAlias: "test/alarms"})
		findingrules.New(stack, "Findings", findingrules.Props{Topic: at.Topic(), RuleNamePrefix: "voicevault-test-", ImageRepositories: []string{"voicevault/test/tts"}})
		tpl = constructtest.StackTemplate(t, stack)
	}
	return tpl.With(t)
}

func rules(t *testing.T) map[string]obj {
	out := map[string]obj{}
	for _, r := range template(t).Resources("AWS::Events::Rule") {
		p := r["Properties"].(obj)
		out[p["Name"].(string)] = p
		targets := p["Targets"].(arr)
		require.Len(t, targets, 1)
		assert.Equal(t, obj{"Ref": "AlarmsTopic3A2DFEBA"}, targets[0].(obj)["Arn"], "%s targets the alarm topic", p["Name"])
		assert.Equal(t, "ENABLED", p["State"])
	}
	return out
}

func TestGuardDutyFindingsOfSeverity7OrMoreGoToTheAlarmTopic(t *testing.T) {
	assert.Equal(t, 7, findingrules.GuardDutyMinSeverity)
	r := rules(t)["voicevault-test-guardduty-findings"]
	require.NotNil(t, r)
	assert.Equal(t, obj{
		"source":      arr{"aws.guardduty"},
		"detail-type": arr{"GuardDuty Finding"},
		"detail":      obj{"severity": arr{obj{"numeric": arr{">=", float64(findingrules.GuardDutyMinSeverity)}}}},
	}, r["EventPattern"])
}

func TestSecurityHubHighAndCriticalFindingsGoToTheAlarmTopic(t *testing.T) {
	r := rules(t)["voicevault-test-securityhub-findings"]
	require.NotNil(t, r)
	p := r["EventPattern"].(obj)
	assert.Equal(t, arr{"aws.securityhub"}, p["source"])
	assert.Equal(t, arr{"CRITICAL", "HIGH"}, p["detail"].(obj)["findings"].(obj)["Severity"].(obj)["Label"])
}

func TestMacieHighFindingsGoToTheAlarmTopic(t *testing.T) {
	r := rules(t)["voicevault-test-macie-findings"]
	require.NotNil(t, r)
	assert.Equal(t, arr{"aws.macie"}, r["EventPattern"].(obj)["source"])
	assert.Equal(t, arr{"High"}, r["EventPattern"].(obj)["detail"].(obj)["severity"].(obj)["description"])
}

func TestFindingRulesAddNoUnconditionedPublisherToTheTopicPolicy(t *testing.T) {
	assert.Len(t, rules(t), 4)
	for _, p := range template(t).Resources("AWS::SNS::TopicPolicy") {
		for _, s := range p["Properties"].(obj)["PolicyDocument"].(obj)["Statement"].(arr) {
			st := s.(obj)
			if st["Effect"] == "Allow" {
				assert.Equal(t, obj{"StringEquals": obj{"aws:SourceAccount": constructtest.TestAccount}}, st["Condition"], "statement %v", st["Sid"])
			}
		}
	}
}

// TestCriticalImageScanFindingsGoToTheAlarmTopic: ECR's scan-complete event
// (https://docs.aws.amazon.com/AmazonECR/latest/userguide/ecr-eventbridge.html) of the model
// repository with a CRITICAL count above zero alarms.
func TestCriticalImageScanFindingsGoToTheAlarmTopic(t *testing.T) {
	r := rules(t)["voicevault-test-ecr-image-scan-critical"]
	require.NotNil(t, r)
	assert.Equal(t, obj{
		"source":      arr{"aws.ecr"},
		"detail-type": arr{"ECR Image Scan"},
		"detail": obj{
			"scan-status":             arr{"COMPLETE"},
			"repository-name":         arr{"voicevault/test/tts"},
			"finding-severity-counts": obj{"CRITICAL": arr{obj{"numeric": arr{">", float64(0)}}}},
		},
	}, r["EventPattern"])
}
