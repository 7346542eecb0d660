// Package logalarm is VoiceVault's one way to alarm on log events: a metric filter that counts
// the events matching a pattern in a log group, and an alarm on that count per period that
// notifies an SNS action. The CIS monitoring alarms (cisalarms) and the misuse alarms
// (misusealarms) are each a table of these.
package logalarm

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/voicevault/voicevault/constructs/defaults"
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
	// Topic is notified when the alarm fires. Required.
	Topic awssns.ITopic
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
	return defaults.Alarm(scope, id+"Alarm", defaults.AlarmProps{
		Name:        p.AlarmName,
		Description: p.Description,
		Metric: mf.Metric(&awscloudwatch.MetricOptions{
			Statistic: jsii.String("Sum"),
			Period:    awscdk.Duration_Minutes(jsii.Number(float64(p.PeriodMinutes))),
		}),
		Threshold: float64(p.Threshold),
		Topic:     p.Topic,
	})
}
