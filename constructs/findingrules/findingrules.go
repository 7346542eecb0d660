// Package findingrules forwards serious security findings to the alarm topic: one EventBridge
// rule each for GuardDuty, Security Hub and Macie findings, filtered by severity, and one for ECR
// image scans of the model repositories that found a vulnerability of critical severity.
//
// The rules exist whether or not the environment creates the services itself: an account whose
// GuardDuty or Security Hub is run by an organization's delegated administrator still receives
// its own findings as events.
package findingrules

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawsevents"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// GuardDutyMinSeverity is the lowest GuardDuty severity forwarded: 7.0-8.9 is High, 9.0+ Critical.
const GuardDutyMinSeverity = 7

// SecurityHubSeverities are the Security Hub severity labels forwarded.
var SecurityHubSeverities = []string{"CRITICAL", "HIGH"}

// MacieSeverities are the Macie severity descriptions forwarded.
var MacieSeverities = []string{"High"}

// Props configures the rules.
type Props struct {
	// Topic is where findings go. Required. Its policy must already let events.amazonaws.com
	// publish (alarmtopic does, for this account only): the rules add nothing to it.
	Topic          awssns.ITopic
	RuleNamePrefix string // Required. e.g. voicevault-prod-; the source follows.
	// ImageRepositories are ECR repositories whose completed image scans with at least one
	// CRITICAL finding alarm. Default: none (no image scan rule).
	ImageRepositories []string
}

// ImageScanSeverity is the ECR scan severity whose findings alarm.
const ImageScanSeverity = "CRITICAL"

// FindingRules are the rules, by source.
type FindingRules interface {
	constructs.Construct
	GuardDuty() awsevents.Rule
	SecurityHub() awsevents.Rule
	Macie() awsevents.Rule
	// ImageScans is the ECR image scan rule, nil without Props.ImageRepositories.
	ImageScans() awsevents.Rule
}

type findingRules struct {
	constructs.Construct
	guardDuty, securityHub, macie, imageScans awsevents.Rule
}

// New creates the three rules.
func New(scope constructs.Construct, id string, props Props) FindingRules {
	if props.Topic == nil || props.RuleNamePrefix == "" {
		panic(fmt.Errorf("finding rules %q: topic and rule name prefix are required", id))
	}
	c := &findingRules{}
	constructs.NewConstruct_Override(c, scope, jsii.String(id))
	target := &topicTarget{topic: props.Topic}
	rule := func(rid, name, desc string, p *awsevents.EventPattern) awsevents.Rule {
		return awsevents.NewRule(c, jsii.String(rid), &awsevents.RuleProps{
			RuleName:     jsii.String(props.RuleNamePrefix + name),
			Description:  jsii.String(desc),
			EventPattern: p,
			Targets:      &[]awsevents.IRuleTarget{target},
		})
	}
	c.guardDuty = rule("GuardDuty", "guardduty-findings", fmt.Sprintf("GuardDuty findings of severity %d or more to the alarm topic", GuardDutyMinSeverity),
		&awsevents.EventPattern{
			Source:     jsii.Strings("aws.guardduty"),
			DetailType: jsii.Strings("GuardDuty Finding"),
			Detail:     &map[string]interface{}{"severity": []interface{}{map[string]interface{}{"numeric": []interface{}{">=", GuardDutyMinSeverity}}}},
		})
	c.securityHub = rule("SecurityHub", "securityhub-findings", "New, active Security Hub findings of severity HIGH or CRITICAL to the alarm topic",
		&awsevents.EventPattern{
			Source:     jsii.Strings("aws.securityhub"),
			DetailType: jsii.Strings("Security Hub Findings - Imported"),
			Detail: &map[string]interface{}{"findings": map[string]interface{}{
				"Severity":    map[string]interface{}{"Label": strs(SecurityHubSeverities)},
				"Workflow":    map[string]interface{}{"Status": []interface{}{"NEW"}},
				"RecordState": []interface{}{"ACTIVE"},
			}},
		})
	c.macie = rule("Macie", "macie-findings", "High-severity Macie findings to the alarm topic",
		&awsevents.EventPattern{
			Source:     jsii.Strings("aws.macie"),
			DetailType: jsii.Strings("Macie Finding"),
			Detail:     &map[string]interface{}{"severity": map[string]interface{}{"description": strs(MacieSeverities)}},
		})
	if len(props.ImageRepositories) > 0 {
		// Basic scanning's event (https://docs.aws.amazon.com/AmazonECR/latest/userguide/ecr-eventbridge.html,
		// "Event for an image scan completed"): detail.finding-severity-counts counts by severity.
		c.imageScans = rule("ImageScans", "ecr-image-scan-critical", "Completed ECR scans of model images with CRITICAL findings to the alarm topic",
			&awsevents.EventPattern{
				Source:     jsii.Strings("aws.ecr"),
				DetailType: jsii.Strings("ECR Image Scan"),
				Detail: &map[string]interface{}{
					"scan-status":     []interface{}{"COMPLETE"},
					"repository-name": strs(props.ImageRepositories),
					"finding-severity-counts": map[string]interface{}{
						ImageScanSeverity: []interface{}{map[string]interface{}{"numeric": []interface{}{">", 0}}},
					},
				},
			})
	}
	return c
}

// topicTarget sends a rule's events to an SNS topic. It replaces awseventstargets.SnsTopic,
// which adds a topic-policy statement letting events.amazonaws.com publish with no condition
// (any account's rule could then use the topic); the alarm topic's own statement is limited to
// this account.
type topicTarget struct{ topic awssns.ITopic }

func (t *topicTarget) Bind(_ interfacesawsevents.IRuleRef, _ *string) *awsevents.RuleTargetConfig {
	return &awsevents.RuleTargetConfig{Arn: t.topic.TopicArn()}
}

func strs(s []string) []interface{} {
	out := make([]interface{}, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func (c *findingRules) GuardDuty() awsevents.Rule   { return c.guardDuty }
func (c *findingRules) SecurityHub() awsevents.Rule { return c.securityHub }
func (c *findingRules) Macie() awsevents.Rule       { return c.macie }
func (c *findingRules) ImageScans() awsevents.Rule  { return c.imageScans }
