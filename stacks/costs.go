package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/constructs/alarmtopic"
	"github.com/voicevault/voicevault/constructs/costanomaly"
	"github.com/voicevault/voicevault/naming"
)

// Costs is the <env>-costs stack of an environment outside us-east-1: its cost anomaly monitor
// and subscription, which CloudFormation can create only in us-east-1 (AWS::CE::*), and the topic
// they notify. Cost Anomaly Detection accepts an SNS subscriber only in a topic of us-east-1 whose
// policy lets costalerts.amazonaws.com publish, and immediate alerts only through SNS (AWS Cost
// Management user guide, "Creating an Amazon SNS topic for anomaly notifications"); so the stack
// has its own encrypted topic there, with the environment's alarmEmail subscribed — the people
// the environment's alarm topic reaches.
type Costs struct {
	Stack       awscdk.Stack
	Env         *config.Environment
	AlarmTopic  alarmtopic.AlarmTopic
	CostAnomaly costanomaly.CostAnomaly
}

// NewCosts builds the <env>-costs stack for env (env.HasCostsStack()). It is deployed through the
// us-east-1 bootstrap of the environment's qualifier (config.BootstrapRegions).
func NewCosts(scope awscdk.App, env *config.Environment) *Costs {
	stack := newStack(scope, stackSpec{
		name:        naming.CostsStack(env.Name),
		description: "VoiceVault cost anomaly alerts for environment " + env.Name + " (" + env.Region + "): Cost Explorer resources exist only in " + config.CostRegion,
		env:         env,
		region:      config.CostRegion,
		tags: map[string]string{
			"Environment":     env.Name,
			"Owner":           env.Owner,
			"DataSensitivity": "internal",
			"Tenant":          "shared",
			"ManagedBy":       ManagedBy,
		},
		extra: []config.Tags{env.Tags},
	})
	c := &Costs{Stack: stack, Env: env}
	c.AlarmTopic = alarmtopic.New(stack, "Alarms", alarmtopic.Props{
		TopicName:  naming.CostAlertsTopic(env.Name),
		KeyAlias:   naming.KeyAlias(env.Name, "cost-alerts"),
		Email:      env.AlarmEmail,
		Publishers: []string{alarmtopic.CostAlerts},
	})
	c.CostAnomaly = costanomaly.New(stack, "CostAnomaly", costanomaly.Props{
		Name:     naming.Prefix(env.Name),
		Topic:    c.AlarmTopic.Topic(),
		TagKey:   "ManagedBy",
		TagValue: ManagedBy,
	})
	return c
}
