// Package alarmtopic creates an environment's alarm topic: an SNS topic encrypted with a
// dedicated customer-managed key, TLS-only, with an e-mail subscription. Only the AWS services
// named as publishers (CloudWatch alarms, EventBridge rules, Cost Anomaly Detection, …) may use
// the key, and only on behalf of this account.
package alarmtopic

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/voicevault/voicevault/constructs/kmskey"
)

// Service principals that publish alarms and findings.
const (
	CloudWatch  = "cloudwatch.amazonaws.com" // metric alarms (platform and tenant stacks)
	EventBridge = "events.amazonaws.com"     // rules forwarding GuardDuty / Security Hub findings
	CostAlerts  = "costalerts.amazonaws.com" // Cost Anomaly Detection subscriptions
)

// DefaultPublishers are the services allowed to publish when Props.Publishers is empty.
var DefaultPublishers = []string{CloudWatch, EventBridge}

// Props configures the alarm topic.
type Props struct {
	TopicName  string   // Required. Physical name, derived from the configuration (config.AlarmTopicName).
	KeyAlias   string   // Required. Alias of the topic's key, without the alias/ prefix.
	Email      string   // Default: no subscription.
	Publishers []string // Service principals allowed to publish. Default: DefaultPublishers. More with AllowPublisher.
}

// AlarmTopic is the encrypted topic and its key.
type AlarmTopic interface {
	constructs.Construct
	Topic() awssns.Topic
	Key() awskms.Key
	// AllowPublisher lets service (a service principal such as costalerts.amazonaws.com)
	// publish to the topic and use its key, on behalf of this account only. Idempotent.
	AllowPublisher(service string)
	// Publishers lists the services allowed to publish, in the order they were allowed.
	Publishers() []string
}

type alarmTopic struct {
	constructs.Construct
	topic      awssns.Topic
	key        awskms.Key
	publishers []string
}

// New creates the topic, its key and the e-mail subscription.
func New(scope constructs.Construct, id string, props Props) AlarmTopic {
	if props.TopicName == "" || props.KeyAlias == "" {
		panic(fmt.Errorf("alarm topic %q: topic name and key alias are required", id))
	}
	c := &alarmTopic{}
	constructs.NewConstruct_Override(c, scope, jsii.String(id))
	c.key = kmskey.New(c, "Key", kmskey.Props{
		Alias:       props.KeyAlias,
		Description: "VoiceVault alarm topic " + props.TopicName + ": SNS message encryption",
	})
	c.topic = awssns.NewTopic(c, jsii.String("Topic"), &awssns.TopicProps{
		TopicName:   jsii.String(props.TopicName),
		DisplayName: jsii.String("VoiceVault alarms"),
		MasterKey:   c.key,
		EnforceSSL:  jsii.Bool(true),
	})
	if props.Email != "" {
		c.topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(props.Email), nil))
	}
	publishers := props.Publishers
	if len(publishers) == 0 {
		publishers = DefaultPublishers
	}
	for _, p := range publishers {
		c.AllowPublisher(p)
	}
	return c
}

func (c *alarmTopic) Topic() awssns.Topic  { return c.topic }
func (c *alarmTopic) Key() awskms.Key      { return c.key }
func (c *alarmTopic) Publishers() []string { return slices.Clone(c.publishers) }

func (c *alarmTopic) AllowPublisher(service string) {
	if !strings.HasSuffix(service, ".amazonaws.com") {
		panic(fmt.Errorf("alarm topic: publisher %q is not a service principal", service))
	}
	if slices.Contains(c.publishers, service) {
		return
	}
	c.publishers = append(c.publishers, service)
	account := awscdk.Stack_Of(c).Account()
	sid := sidFor(service)
	principal := awsiam.NewServicePrincipal(jsii.String(service), nil)
	sameAccount := &map[string]interface{}{"StringEquals": map[string]interface{}{"aws:SourceAccount": account}}
	// SNS calls KMS on the publisher's behalf: the publishing service needs a data key to
	// encrypt the message and Decrypt to reuse it. Nothing else may use this key.
	c.key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("Publish" + sid),
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Principals: &[]awsiam.IPrincipal{principal},
		Resources:  jsii.Strings("*"), // a key policy's resource is the key itself
		Conditions: sameAccount,
	}), jsii.Bool(false))
	c.topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("Publish" + sid),
		Actions:    jsii.Strings("sns:Publish"),
		Principals: &[]awsiam.IPrincipal{principal},
		Resources:  jsii.Strings(*c.topic.TopicArn()),
		Conditions: sameAccount,
	}))
}

// sidFor turns a service principal into a statement ID part: "costalerts.amazonaws.com" → "Costalerts".
func sidFor(service string) string {
	name := strings.TrimSuffix(service, ".amazonaws.com")
	var b strings.Builder
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '.' || r == '-' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}
