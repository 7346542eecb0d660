package alarmtopic_test

import (
	"slices"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/constructs/alarmtopic"
	"github.com/voicevault/voicevault/constructs/constructtest"
	"github.com/voicevault/voicevault/constructs/kmskey"
)

func TestMain(m *testing.M) { constructtest.Main(m) }

type obj = map[string]any
type arr = []any

var like, with = constructtest.Like, constructtest.ArrayWith

var (
	tpl        *constructtest.Template
	publishers []string
)

// template has the default publishers plus Cost Anomaly Detection, allowed twice.
func template(t *testing.T) *constructtest.Template {
	t.Helper()
	if tpl == nil {
		stack := constructtest.NewStack(t)
		at := alarmtopic.New(stack, "Alarms", alarmtopic.Props{TopicName: "voicevault-test-alarms", KeyAlias: "voicevault/test/alarms", Email: "secops@example.com"})
		at.AllowPublisher(alarmtopic.CostAlerts)
		at.AllowPublisher(alarmtopic.CostAlerts)
		publishers = at.Publishers()
		tpl = constructtest.StackTemplate(t, stack)
	}
	return tpl.With(t)
}

func TestAlarmTopicIsEncryptedWithItsOwnRotatingKey(t *testing.T) {
	tpl := template(t)
	tpl.HasResourceProperties("AWS::SNS::Topic", obj{
		"TopicName":      "voicevault-test-alarms",
		"KmsMasterKeyId": obj{"Fn::GetAtt": arr{assertions.Match_StringLikeRegexp(jsii.String("^AlarmsKey")), "Arn"}},
	})
	tpl.ResourceCountIs("AWS::KMS::Key", 1)
	tpl.HasResourceProperties("AWS::KMS::Key", obj{"EnableKeyRotation": true})
}

func TestAlarmTopicKeyIsUsableOnlyByThePublishingServicesOfThisAccount(t *testing.T) {
	template(t)
	assert.Equal(t, []string{alarmtopic.CloudWatch, alarmtopic.EventBridge, alarmtopic.CostAlerts}, publishers)
	var services []string
	for _, k := range template(t).Resources("AWS::KMS::Key") {
		for _, s := range k["Properties"].(obj)["KeyPolicy"].(obj)["Statement"].(arr) {
			st := s.(obj)
			if st["Sid"] == "KeyAdministrationByAccount" {
				for _, a := range st["Action"].(arr) {
					assert.Contains(t, kmskey.AdminActions, a, "the account keeps administration only")
				}
				continue
			}
			svc, ok := st["Principal"].(obj)["Service"].(string)
			require.True(t, ok, "statement %v: only service principals may use the key", st["Sid"])
			services = append(services, svc)
			assert.ElementsMatch(t, arr{"kms:Decrypt", "kms:GenerateDataKey*"}, st["Action"])
			assert.Equal(t, obj{"StringEquals": obj{"aws:SourceAccount": constructtest.TestAccount}}, st["Condition"])
		}
	}
	assert.Equal(t, publishers, services, "one key statement per publisher, none twice")
}

func TestAlarmTopicPolicyLetsOnlyPublishersOfThisAccountPublishAndOnlyOverTLS(t *testing.T) {
	pols := template(t).Resources("AWS::SNS::TopicPolicy")
	require.Len(t, pols, 1)
	var services []string
	for _, p := range pols {
		for _, s := range p["Properties"].(obj)["PolicyDocument"].(obj)["Statement"].(arr) {
			st := s.(obj)
			if st["Effect"] == "Deny" {
				assert.Equal(t, obj{"Bool": obj{"aws:SecureTransport": "false"}}, st["Condition"])
				continue
			}
			services = append(services, st["Principal"].(obj)["Service"].(string))
			assert.Equal(t, "sns:Publish", st["Action"])
			assert.Equal(t, obj{"StringEquals": obj{"aws:SourceAccount": constructtest.TestAccount}}, st["Condition"])
		}
	}
	assert.Equal(t, publishers, services)
}

func TestAlarmTopicSubscribesTheAlarmEmail(t *testing.T) {
	template(t).HasResourceProperties("AWS::SNS::Subscription", obj{"Protocol": "email", "Endpoint": "secops@example.com"})
}

func TestAlarmTopicRejectsANonServicePublisher(t *testing.T) {
	stack := constructtest.NewStack(t)
	at := alarmtopic.New(stack, "A", alarmtopic.Props{TopicName: "t", KeyAlias: "t/a"})
	err := constructtest.Catch(func() { at.AllowPublisher("arn:aws:iam::123456789012:root") })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is not a service principal")
	assert.True(t, slices.Equal(alarmtopic.DefaultPublishers, at.Publishers()))
}
