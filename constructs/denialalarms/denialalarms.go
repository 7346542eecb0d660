// Package denialalarms raises alarms on spikes of a tenant's authorizer denials, by reason: one
// CloudWatch Logs metric filter over the authorizer's JSON log counts every denial with the
// tenant and the reason as dimensions, and one alarm per watched reason notifies the alarm topic.
package denialalarms

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/voicevault/voicevault/constructs/defaults"
)

// Names of the metric and of the authorizer log's fields the filter reads (lambda/authorizer/authz
// logs "decision", "reason" and "tenant" with every decision; a test holds them to its source).
const (
	Namespace     = "VoiceVault/Authorizer"
	MetricName    = "Denials"
	DecisionField = "decision"
	ReasonField   = "reason"
	TenantField   = "tenant"
	DenyDecision  = "deny"
)

// Pattern matches the authorizer's deny decisions.
var Pattern = fmt.Sprintf(`{ $.%s = "%s" }`, DecisionField, DenyDecision)

// Props configures the alarms.
type Props struct {
	LogGroup        awslogs.ILogGroup // Required. The tenant authorizer's log group.
	Topic           awssns.ITopic     // Required. Notified when an alarm fires.
	Tenant          string            // Required. The tenant (the value of the log's tenant field).
	AlarmNamePrefix string            // Required. e.g. voicevault-prod-acme-authorizer-denials-; the reason follows.
	Reasons         []string          // Required. Reasons with an alarm each.
	Threshold       int               // Required. Denials per reason within PeriodMinutes that raise its alarm.
	PeriodMinutes   int               // Default: 5.
}

// Alarms are the metric filter and one alarm per reason.
type Alarms interface {
	constructs.Construct
	Filter() awslogs.MetricFilter
	Alarms() map[string]awscloudwatch.Alarm // by reason
}

type alarms struct {
	constructs.Construct
	filter awslogs.MetricFilter
	alarms map[string]awscloudwatch.Alarm
}

func (c *alarms) Filter() awslogs.MetricFilter           { return c.filter }
func (c *alarms) Alarms() map[string]awscloudwatch.Alarm { return c.alarms }

// New creates the filter and the alarms.
func New(scope constructs.Construct, id string, props Props) Alarms {
	if props.LogGroup == nil || props.Topic == nil || props.Tenant == "" || props.AlarmNamePrefix == "" || len(props.Reasons) == 0 || props.Threshold < 1 {
		panic(fmt.Errorf("denial alarms %q: log group, topic, tenant, alarm name prefix, reasons and a positive threshold are required", id))
	}
	period := props.PeriodMinutes
	if period == 0 {
		period = 5
	}
	c := &alarms{alarms: map[string]awscloudwatch.Alarm{}}
	constructs.NewConstruct_Override(c, scope, jsii.String(id))
	c.filter = awslogs.NewMetricFilter(c, jsii.String("Filter"), &awslogs.MetricFilterProps{
		LogGroup:        props.LogGroup,
		FilterPattern:   awslogs.FilterPattern_Literal(jsii.String(Pattern)),
		MetricNamespace: jsii.String(Namespace),
		MetricName:      jsii.String(MetricName),
		MetricValue:     jsii.String("1"),
		Dimensions:      &map[string]*string{"Tenant": jsii.String("$." + TenantField), "Reason": jsii.String("$." + ReasonField)},
	})
	for _, r := range props.Reasons {
		c.alarms[r] = defaults.Alarm(c, constructID(r), defaults.AlarmProps{
			Name:        props.AlarmNamePrefix + r,
			Description: fmt.Sprintf("Tenant %s's authorizer denied %d or more requests for reason %s in %d minutes", props.Tenant, props.Threshold, r, period),
			Metric: awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
				Namespace:     jsii.String(Namespace),
				MetricName:    jsii.String(MetricName),
				DimensionsMap: &map[string]*string{"Tenant": jsii.String(props.Tenant), "Reason": jsii.String(r)},
				Statistic:     jsii.String("Sum"),
				Period:        awscdk.Duration_Minutes(jsii.Number(float64(period))),
			}),
			Threshold: float64(props.Threshold),
			Topic:     props.Topic,
		})
	}
	return c
}

// constructID turns a reason (bad_signature) into a construct ID (BadSignature).
func constructID(reason string) string {
	out := []byte{}
	up := true
	for i := 0; i < len(reason); i++ {
		ch := reason[i]
		if ch == '_' {
			up = true
			continue
		}
		if up && ch >= 'a' && ch <= 'z' {
			ch -= 'a' - 'A'
		}
		up = false
		out = append(out, ch)
	}
	return string(out)
}
