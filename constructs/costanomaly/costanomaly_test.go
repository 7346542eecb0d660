package costanomaly_test

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/constructs/constructtest"
	"github.com/voicevault/voicevault/constructs/costanomaly"
)

func TestMain(m *testing.M) { constructtest.Main(m) }

type obj = map[string]any
type arr = []any

func decode(t *testing.T, v any) obj {
	t.Helper()
	var out obj
	require.NoError(t, json.Unmarshal([]byte(v.(string)), &out))
	return out
}

func TestCostAnomalyMonitorWatchesTaggedSpendAndNotifiesTheTopicImmediately(t *testing.T) {
	stack := constructtest.NewStackIn(t, costanomaly.Region)
	topic := awssns.NewTopic(stack, jsii.String("Alarms"), nil)
	costanomaly.New(stack, "Cost", costanomaly.Props{Name: "voicevault-test", Topic: topic, TagKey: "ManagedBy", TagValue: "voicevault"})
	tpl := constructtest.StackTemplate(t, stack)

	monitors := tpl.Resources("AWS::CE::AnomalyMonitor")
	require.Len(t, monitors, 1)
	var monitorID string
	for id, m := range monitors {
		monitorID = id
		p := m["Properties"].(obj)
		assert.Equal(t, "CUSTOM", p["MonitorType"])
		assert.Equal(t, obj{"Tags": obj{"Key": "ManagedBy", "Values": arr{"voicevault"}, "MatchOptions": arr{"EQUAL"}}}, decode(t, p["MonitorSpecification"]))
	}
	subs := tpl.Resources("AWS::CE::AnomalySubscription")
	require.Len(t, subs, 1)
	for _, s := range subs {
		p := s["Properties"].(obj)
		assert.Equal(t, "IMMEDIATE", p["Frequency"])
		assert.Equal(t, arr{obj{"Fn::GetAtt": arr{monitorID, "MonitorArn"}}}, p["MonitorArnList"])
		assert.Equal(t, arr{obj{"Type": "SNS", "Address": obj{"Ref": constructtest.LogicalID(t, topic)}}}, p["Subscribers"])
		assert.Equal(t, obj{"Dimensions": obj{
			"Key": "ANOMALY_TOTAL_IMPACT_ABSOLUTE", "MatchOptions": arr{"GREATER_THAN_OR_EQUAL"}, "Values": arr{"100"},
		}}, decode(t, p["ThresholdExpression"]))
	}
}

func TestCostAnomalyRefusesARegionWhoseCloudFormationLacksCostExplorer(t *testing.T) {
	stack := constructtest.NewStackIn(t, "eu-west-1")
	topic := awssns.NewTopic(stack, jsii.String("Alarms"), nil)
	err := constructtest.Catch(func() {
		costanomaly.New(stack, "Cost", costanomaly.Props{Name: "n", Topic: topic, TagKey: "k", TagValue: "v"})
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "stack region eu-west-1; CloudFormation has Cost Explorer resources only in us-east-1")
}
