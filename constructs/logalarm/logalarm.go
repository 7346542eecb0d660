// Package logalarm is VoiceVault's one way to alarm on log events: a metric filter that counts
// the events matching a pattern in a log group, and an alarm on that count per period that
// notifies an SNS action. The CIS monitoring alarms (cisalarms) and the misuse alarms
// (misusealarms) are each a table of these.
package logalarm

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Props configures one counted pattern and its alarm.
type Props struct {
	LogGroup    awslogs.ILogGroup // Required.
	Pattern     string            // Required. A CloudWatch Logs filter pattern.
	Namespace   string            // Required. The metric's namespace.
	MetricName  string            // Required.
	AlarmName   string            // Required.
	Description string            // Required. The alarm's description.
	// Threshold is the count per period at or above which the alarm fires. Default: 1.
	Threshold     int
	PeriodMinutes int // Default: 5.
	// Action is notified when the alarm fires. Required.
	Action awscloudwatch.IAlarmAction
}

// New adds the metric filter <id>Filter and the alarm <id>Alarm to scope. Missing data (no
// matching event) is not breaching.
func New(scope constructs.Construct, id string, p Props) awscloudwatch.Alarm {
	if p.Threshold == 0 {
		p.Threshold = 1
	}
	if p.PeriodMinutes == 0 {
		p.PeriodMinutes = 5
	}
	mf := awslogs.NewMetricFilter(scope, jsii.String(id+"Filter"), &awslogs.MetricFilterProps{
		LogGroup:        p.LogGroup,
		FilterPattern:   awslogs.FilterPattern_Literal(jsii.String(p.Pattern)),
		MetricNamespace: jsii.String(p.Namespace),
		MetricName:      jsii.String(p.MetricName),
		MetricValue:     jsii.String("1"),
	})
	a := awscloudwatch.NewAlarm(scope, jsii.String(id+"Alarm"), &awscloudwatch.AlarmProps{
		AlarmName:        jsii.String(p.AlarmName),
		AlarmDescription: jsii.String(p.Description),
		Metric: mf.Metric(&awscloudwatch.MetricOptions{
			Statistic: jsii.String("Sum"),
			Period:    awscdk.Duration_Minutes(jsii.Number(float64(p.PeriodMinutes))),
		}),
		Threshold:          jsii.Number(float64(p.Threshold)),
		EvaluationPeriods:  jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	a.AddAlarmAction(p.Action)
	return a
}
