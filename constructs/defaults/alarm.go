package defaults

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// AlarmProps configures an alarm.
type AlarmProps struct {
	Name        string                           // Required. The alarm's name.
	Description string                           // Required. What happened and what to do.
	Metric      awscloudwatch.IMetric            // Required.
	Threshold   float64                          // Required.
	Comparison  awscloudwatch.ComparisonOperator // Default: greater than or equal to the threshold.
	// EvaluationPeriods and DatapointsToAlarm: "M of N" periods. Default: 1 of 1.
	EvaluationPeriods int
	DatapointsToAlarm int
	// Topic is notified when the alarm fires. Default: no action (the caller adds one).
	Topic awssns.ITopic
}

// Alarm creates an alarm whose missing data is not breaching (a quiet metric is no incident) and
// that notifies Topic.
func Alarm(scope constructs.Construct, id string, p AlarmProps) awscloudwatch.Alarm {
	cmp := p.Comparison
	if cmp == "" {
		cmp = awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD
	}
	periods := p.EvaluationPeriods
	if periods == 0 {
		periods = 1
	}
	props := &awscloudwatch.AlarmProps{
		AlarmName:          jsii.String(p.Name),
		AlarmDescription:   jsii.String(p.Description),
		Metric:             p.Metric,
		Threshold:          jsii.Number(p.Threshold),
		EvaluationPeriods:  jsii.Number(float64(periods)),
		ComparisonOperator: cmp,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	}
	if p.DatapointsToAlarm > 0 {
		props.DatapointsToAlarm = jsii.Number(float64(p.DatapointsToAlarm))
	}
	a := awscloudwatch.NewAlarm(scope, jsii.String(id), props)
	if p.Topic != nil {
		a.AddAlarmAction(awscloudwatchactions.NewSnsAction(p.Topic))
	}
	return a
}
