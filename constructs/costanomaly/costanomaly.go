// Package costanomaly watches VoiceVault's spend with AWS Cost Anomaly Detection: a custom
// monitor over the costs tagged ManagedBy=voicevault (GPU nodes dominate them) and an
// immediate subscription that notifies an SNS topic when an anomaly's total impact reaches a
// threshold.
//
// L1 only (awsce.CfnAnomalyMonitor, CfnAnomalySubscription): Cost Explorer has no L2. The tag
// must be activated as a cost allocation tag in the payer account's Billing console before the
// monitor sees costs; activation is not a CloudFormation resource.
//
// CloudFormation knows the AWS::CE types only in Region (templates elsewhere fail with
// "Unrecognized resource types"), so build this only in a stack of that region.
package costanomaly

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsce"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Region is the only region whose CloudFormation accepts Cost Explorer resources (Cost
// Explorer is a global service with its endpoint there).
const Region = "us-east-1"

// DefaultThresholdUSD is the total impact, in US dollars, from which an anomaly is notified.
const DefaultThresholdUSD = 100

// Props configures the monitor and subscription.
type Props struct {
	Name     string        // Required. Monitor and subscription name, e.g. voicevault-prod.
	Topic    awssns.ITopic // Required. Notified immediately (its policy must let costalerts.amazonaws.com publish).
	TagKey   string        // Required. Cost allocation tag the monitor selects on, e.g. ManagedBy.
	TagValue string        // Required. e.g. voicevault.
	// ThresholdUSD is the absolute total impact from which anomalies are notified.
	// Default: DefaultThresholdUSD.
	ThresholdUSD int
}

// CostAnomaly is the monitor and its subscription.
type CostAnomaly interface {
	constructs.Construct
	Monitor() awsce.CfnAnomalyMonitor
	Subscription() awsce.CfnAnomalySubscription
}

type costAnomaly struct {
	constructs.Construct
	monitor      awsce.CfnAnomalyMonitor
	subscription awsce.CfnAnomalySubscription
}

// New creates the monitor and the subscription.
func New(scope constructs.Construct, id string, props Props) CostAnomaly {
	if props.Name == "" || props.Topic == nil || props.TagKey == "" || props.TagValue == "" {
		panic(fmt.Errorf("cost anomaly %q: name, topic and tag are required", id))
	}
	threshold := props.ThresholdUSD
	if threshold == 0 {
		threshold = DefaultThresholdUSD
	}
	if threshold < 0 {
		panic(fmt.Errorf("cost anomaly %q: threshold %d must be positive", id, threshold))
	}
	if r := awscdk.Stack_Of(scope).Region(); *r != Region {
		panic(fmt.Errorf("cost anomaly %q: stack region %s; CloudFormation has Cost Explorer resources only in %s", id, *r, Region))
	}
	c := &costAnomaly{}
	constructs.NewConstruct_Override(c, scope, jsii.String(id))
	c.monitor = awsce.NewCfnAnomalyMonitor(c, jsii.String("Monitor"), &awsce.CfnAnomalyMonitorProps{
		MonitorName: jsii.String(props.Name + "-spend"),
		MonitorType: jsii.String("CUSTOM"),
		MonitorSpecification: mustJSON(map[string]any{
			"Tags": map[string]any{"Key": props.TagKey, "Values": []string{props.TagValue}, "MatchOptions": []string{"EQUAL"}},
		}),
	})
	c.subscription = awsce.NewCfnAnomalySubscription(c, jsii.String("Subscription"), &awsce.CfnAnomalySubscriptionProps{
		SubscriptionName: jsii.String(props.Name + "-spend-alerts"),
		Frequency:        jsii.String("IMMEDIATE"), // SNS subscribers require IMMEDIATE
		MonitorArnList:   &[]interface{}{c.monitor.AttrMonitorArn()},
		Subscribers: &[]*awsce.CfnAnomalySubscription_SubscriberProperty{{
			Type:    jsii.String("SNS"),
			Address: props.Topic.TopicArn(),
		}},
		ThresholdExpression: mustJSON(map[string]any{
			"Dimensions": map[string]any{
				"Key":          "ANOMALY_TOTAL_IMPACT_ABSOLUTE",
				"MatchOptions": []string{"GREATER_THAN_OR_EQUAL"},
				"Values":       []string{strconv.Itoa(threshold)},
			},
		}),
	})
	return c
}

// mustJSON encodes v with sorted keys (encoding/json sorts maps), so templates stay stable.
func mustJSON(v any) *string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return jsii.String(string(b))
}

func (c *costAnomaly) Monitor() awsce.CfnAnomalyMonitor           { return c.monitor }
func (c *costAnomaly) Subscription() awsce.CfnAnomalySubscription { return c.subscription }
