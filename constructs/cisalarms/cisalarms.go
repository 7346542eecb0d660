// Package cisalarms creates the CIS AWS Foundations Benchmark monitoring controls (Security Hub
// CloudWatch.1-14) on a CloudTrail log group: one metric filter and one alarm per entry of
// Filters, each alarm notifying an SNS topic.
package cisalarms

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/voicevault/voicevault/constructs/logalarm"
)

// Filter is one monitored event class: a CloudWatch Logs filter pattern over CloudTrail events.
type Filter struct {
	ID          string // Construct ID and metric-name stem; stable (renaming replaces the resources).
	Control     string // The Security Hub control it satisfies.
	Description string
	Pattern     string
}

// Filters is the table of monitored events, in the order of the CIS benchmark.
var Filters = []Filter{
	{"RootAccountUsage", "CloudWatch.1", "Use of the root user",
		`{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }`},
	{"UnauthorizedAPICalls", "CloudWatch.2", "Unauthorized API calls",
		`{ (($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*")) && ($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }`},
	{"ConsoleSignInWithoutMFA", "CloudWatch.3", "Console sign-in without MFA",
		`{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }`},
	{"IAMPolicyChanges", "CloudWatch.4", "IAM policy changes",
		`{ ($.eventName = DeleteGroupPolicy) || ($.eventName = DeleteRolePolicy) || ($.eventName = DeleteUserPolicy) || ($.eventName = PutGroupPolicy) || ($.eventName = PutRolePolicy) || ($.eventName = PutUserPolicy) || ($.eventName = CreatePolicy) || ($.eventName = DeletePolicy) || ($.eventName = CreatePolicyVersion) || ($.eventName = DeletePolicyVersion) || ($.eventName = AttachRolePolicy) || ($.eventName = DetachRolePolicy) || ($.eventName = AttachUserPolicy) || ($.eventName = DetachUserPolicy) || ($.eventName = AttachGroupPolicy) || ($.eventName = DetachGroupPolicy) }`},
	{"CloudTrailChanges", "CloudWatch.5", "CloudTrail configuration changes",
		`{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }`},
	{"ConsoleAuthenticationFailures", "CloudWatch.6", "Console authentication failures",
		`{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }`},
	{"CMKDisabledOrScheduledForDeletion", "CloudWatch.7", "Customer-managed key disabled or scheduled for deletion",
		`{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) }`},
	{"S3BucketPolicyChanges", "CloudWatch.8", "S3 bucket policy changes",
		`{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }`},
	{"ConfigChanges", "CloudWatch.9", "AWS Config configuration changes",
		`{ ($.eventSource = config.amazonaws.com) && (($.eventName = StopConfigurationRecorder) || ($.eventName = DeleteDeliveryChannel) || ($.eventName = PutDeliveryChannel) || ($.eventName = PutConfigurationRecorder)) }`},
	{"SecurityGroupChanges", "CloudWatch.10", "Security group changes",
		`{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }`},
	{"NACLChanges", "CloudWatch.11", "Network ACL changes",
		`{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }`},
	{"NetworkGatewayChanges", "CloudWatch.12", "Network gateway changes",
		`{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || ($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }`},
	{"RouteTableChanges", "CloudWatch.13", "Route table changes",
		`{ ($.eventSource = ec2.amazonaws.com) && (($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable)) }`},
	{"VPCChanges", "CloudWatch.14", "VPC changes",
		`{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }`},
}

// DefaultNamespace is the CloudWatch metric namespace of the filters' metrics.
const DefaultNamespace = "VoiceVault/CISBenchmark"

// Props configures the alarms.
type Props struct {
	LogGroup        awslogs.ILogGroup // Required. The CloudTrail log group.
	Topic           awssns.ITopic     // Required. Notified when an alarm fires.
	AlarmNamePrefix string            // Required. e.g. voicevault-prod-cis-; the filter ID follows.
	Namespace       string            // Default: DefaultNamespace.
}

// Alarms are the metric filters and alarms, one pair per entry of Filters.
type Alarms interface {
	constructs.Construct
	Alarms() []awscloudwatch.Alarm // in the order of Filters
}

type alarms struct {
	constructs.Construct
	alarms []awscloudwatch.Alarm
}

// New creates one metric filter and one alarm per entry of Filters.
func New(scope constructs.Construct, id string, props Props) Alarms {
	if props.LogGroup == nil || props.Topic == nil || props.AlarmNamePrefix == "" {
		panic(fmt.Errorf("cis alarms %q: log group, topic and alarm name prefix are required", id))
	}
	ns := props.Namespace
	if ns == "" {
		ns = DefaultNamespace
	}
	c := &alarms{}
	constructs.NewConstruct_Override(c, scope, jsii.String(id))
	for _, f := range Filters {
		a := logalarm.New(c, f.ID, logalarm.Props{
			LogGroup: props.LogGroup, Pattern: f.Pattern, Namespace: ns, MetricName: f.ID,
			AlarmName:   props.AlarmNamePrefix + f.ID,
			Description: f.Description + " (CIS monitoring control, Security Hub " + f.Control + ")",
			Topic:       props.Topic,
		})
		c.alarms = append(c.alarms, a)
	}
	return c
}

func (c *alarms) Alarms() []awscloudwatch.Alarm { return c.alarms }
