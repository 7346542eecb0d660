package cisalarms_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/constructs/cisalarms"
	"github.com/voicevault/voicevault/constructs/constructtest"
)

func TestMain(m *testing.M) { constructtest.Main(m) }

type obj = map[string]any
type arr = []any

// The controls the issue promises, by filter ID.
var required = []string{
	"RootAccountUsage", "UnauthorizedAPICalls", "IAMPolicyChanges", "CMKDisabledOrScheduledForDeletion",
	"SecurityGroupChanges", "NACLChanges", "RouteTableChanges", "ConsoleAuthenticationFailures",
}

func TestCISFilterTableCoversThePromisedControlsOnce(t *testing.T) {
	ids := map[string]bool{}
	controls := map[string]bool{}
	for _, f := range cisalarms.Filters {
		assert.False(t, ids[f.ID], "duplicate filter %s", f.ID)
		assert.False(t, controls[f.Control], "duplicate control %s", f.Control)
		ids[f.ID], controls[f.Control] = true, true
		p := strings.TrimSpace(f.Pattern)
		assert.True(t, strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}"), "%s: a JSON filter pattern", f.ID)
		assert.Equal(t, strings.Count(p, "("), strings.Count(p, ")"), "%s: balanced parentheses", f.ID)
	}
	for _, id := range required {
		assert.True(t, ids[id], "missing filter %s", id)
	}
}

func TestEveryCISFilterHasAnAlarmThatNotifiesTheTopic(t *testing.T) {
	stack := constructtest.NewStack(t)
	lg := awslogs.NewLogGroup(stack, jsii.String("Trail"), nil)
	topic := awssns.NewTopic(stack, jsii.String("Alarms"), nil)
	c := cisalarms.New(stack, "CIS", cisalarms.Props{LogGroup: lg, Topic: topic, AlarmNamePrefix: "voicevault-test-cis-"})
	assert.Len(t, c.Alarms(), len(cisalarms.Filters))
	tpl := constructtest.StackTemplate(t, stack)
	lgID, topicID := constructtest.LogicalID(t, lg), constructtest.LogicalID(t, topic)
	tpl.ResourceCountIs("AWS::Logs::MetricFilter", len(cisalarms.Filters))
	tpl.ResourceCountIs("AWS::CloudWatch::Alarm", len(cisalarms.Filters))

	patterns := map[string]string{} // metric name → pattern
	for _, mf := range tpl.Resources("AWS::Logs::MetricFilter") {
		p := mf["Properties"].(obj)
		assert.Equal(t, obj{"Ref": lgID}, p["LogGroupName"])
		tr := p["MetricTransformations"].(arr)[0].(obj)
		assert.Equal(t, cisalarms.DefaultNamespace, tr["MetricNamespace"])
		assert.Equal(t, "1", tr["MetricValue"])
		patterns[tr["MetricName"].(string)] = p["FilterPattern"].(string)
	}
	alarms := map[string]obj{}
	for _, a := range tpl.Resources("AWS::CloudWatch::Alarm") {
		p := a["Properties"].(obj)
		alarms[p["MetricName"].(string)] = p
	}
	for _, f := range cisalarms.Filters {
		assert.Equal(t, f.Pattern, patterns[f.ID], "%s filter", f.ID)
		a := alarms[f.ID]
		require.NotNil(t, a, "%s alarm", f.ID)
		assert.Equal(t, "voicevault-test-cis-"+f.ID, a["AlarmName"])
		assert.Equal(t, cisalarms.DefaultNamespace, a["Namespace"])
		assert.Equal(t, "GreaterThanOrEqualToThreshold", a["ComparisonOperator"])
		assert.EqualValues(t, 1, a["Threshold"])
		assert.Equal(t, "Sum", a["Statistic"])
		assert.Equal(t, arr{obj{"Ref": topicID}}, a["AlarmActions"], "%s notifies the topic", f.ID)
	}
}
