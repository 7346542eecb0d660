// Package misusealarms raises the environment's misuse alarms from its CloudTrail log group: API
// activity from regions outside the allowed list, unusual deletes of tenant audio, and changes to
// the model registry by anyone but the deployment roles. Each is a CloudWatch Logs metric filter
// and an alarm to the environment's alarm topic, in the shape of package cisalarms.
package misusealarms

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/voicevault/voicevault/constructs/logalarm"
)

// Namespace is the CloudWatch metric namespace of the filters' metrics.
const Namespace = "VoiceVault/Misuse"

// MaxPatternLength is the longest filter pattern CloudWatch Logs accepts.
const MaxPatternLength = 1024

// RegistryEvents are the ECR calls that change the model registry (its images or its policies), as
// filter values: Put* (PutImage, PutLifecyclePolicy, PutImageTagMutability,
// PutImageScanningConfiguration, …) and Delete* (DeleteRepository, DeleteRepositoryPolicy,
// DeleteLifecyclePolicy, …) as wildcards, which keeps the pattern within 1,024 characters.
var RegistryEvents = []string{"Put*", "Delete*", "BatchDeleteImage", "SetRepositoryPolicy"}

// Props configures the alarms.
type Props struct {
	LogGroup        awslogs.ILogGroup // Required. The CloudTrail log group (every region's events: the trail is multi-region).
	Topic           awssns.ITopic     // Required. Notified when an alarm fires.
	AlarmNamePrefix string            // Required. e.g. voicevault-prod-misuse-.
	AllowedRegions  []string          // Required. Regions API calls may come from.
	// RepositoryName is the model registry (ECR repository) whose changes alarm. Required.
	RepositoryName string
	// TrustedRoleARNs may change the registry without an alarm (the CloudFormation execution role,
	// the CDK image-publishing role, model publishers). Default: none.
	TrustedRoleARNs []string
	// Thresholds: the count within PeriodMinutes that raises each alarm. Each defaults to 1.
	ForeignRegionCalls, AudioDeletes, RegistryChanges int
	PeriodMinutes                                     int // Default: 5.
}

// Filter is one monitored event class.
type Filter struct {
	ID          string // Construct ID and metric name; stable.
	Description string
	Pattern     string
	Threshold   int
}

// Alarms are the metric filters and alarms.
type Alarms interface {
	constructs.Construct
	Filters() []Filter
	Alarms() []awscloudwatch.Alarm
}

type alarms struct {
	constructs.Construct
	filters []Filter
	alarms  []awscloudwatch.Alarm
}

func (c *alarms) Filters() []Filter             { return c.filters }
func (c *alarms) Alarms() []awscloudwatch.Alarm { return c.alarms }

var reRegion = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$`)

// ForeignRegionPattern matches CloudTrail events whose awsRegion is none of regions.
func ForeignRegionPattern(regions []string) string {
	var parts []string
	for _, r := range regions {
		if !reRegion.MatchString(r) {
			panic(fmt.Errorf("misuse alarms: %q is not a region", r))
		}
		parts = append(parts, fmt.Sprintf(`($.awsRegion != "%s")`, r))
	}
	return "{ " + strings.Join(parts, " && ") + " }"
}

// AudioDeletePattern matches object deletions recorded as S3 data events. The trail records data
// events for the tenant audio buckets only (package trail), so every such event is on one of them.
func AudioDeletePattern() string {
	return `{ ($.eventSource = "s3.amazonaws.com") && ($.eventCategory = "Data") && (($.eventName = "DeleteObject") || ($.eventName = "DeleteObjects")) }`
}

// RegistryChangePattern matches RegistryEvents on repository by a caller that is not one of the
// trusted roles' sessions (arn:<partition>:sts::<account>:assumed-role/<name>/<session>).
func RegistryChangePattern(repository string, trustedRoleARNs []string) string {
	var events []string
	for _, e := range RegistryEvents {
		events = append(events, fmt.Sprintf(`($.eventName = "%s")`, e))
	}
	parts := []string{`($.eventSource = "ecr.amazonaws.com")`, fmt.Sprintf(`($.requestParameters.repositoryName = "%s")`, repository), "(" + strings.Join(events, " || ") + ")"}
	for _, arn := range trustedRoleARNs {
		parts = append(parts, fmt.Sprintf(`($.userIdentity.arn != "%s")`, AssumedRolePattern(arn)))
	}
	return "{ " + strings.Join(parts, " && ") + " }"
}

// AssumedRolePattern is the userIdentity.arn pattern of any session of role roleARN
// (arn:<partition>:sts::<account>:assumed-role/<name>/<session>).
func AssumedRolePattern(roleARN string) string {
	parts := strings.SplitN(roleARN, ":", 6)
	if len(parts) != 6 || parts[2] != "iam" || !strings.HasPrefix(parts[5], "role/") {
		panic(fmt.Errorf("misuse alarms: %q is not a role ARN", roleARN))
	}
	name := parts[5][strings.LastIndex(parts[5], "/")+1:]
	// "*:" stands for arn:<partition>:sts: (keeps the pattern short); the account stays.
	return "*:" + parts[4] + ":assumed-role/" + name + "/*"
}

// New creates the filters and alarms.
func New(scope constructs.Construct, id string, props Props) Alarms {
	if props.LogGroup == nil || props.Topic == nil || props.AlarmNamePrefix == "" || len(props.AllowedRegions) == 0 || props.RepositoryName == "" {
		panic(fmt.Errorf("misuse alarms %q: log group, topic, alarm name prefix, allowed regions and repository are required", id))
	}
	period := props.PeriodMinutes
	if period == 0 {
		period = 5
	}
	one := func(v int) int {
		if v == 0 {
			return 1
		}
		return v
	}
	c := &alarms{filters: []Filter{
		{"ForeignRegionCalls", "API calls from regions outside " + strings.Join(props.AllowedRegions, ", "), ForeignRegionPattern(props.AllowedRegions), one(props.ForeignRegionCalls)},
		{"AudioDeletes", "Unusual number of deletions of tenant audio (DeleteObject, DeleteObjects)", AudioDeletePattern(), one(props.AudioDeletes)},
		{"ModelRegistryChanges", "Changes to the model registry " + props.RepositoryName + " outside the deployment roles", RegistryChangePattern(props.RepositoryName, props.TrustedRoleARNs), one(props.RegistryChanges)},
	}}
	constructs.NewConstruct_Override(c, scope, jsii.String(id))
	for _, f := range c.filters {
		if len(f.Pattern) > MaxPatternLength {
			panic(fmt.Errorf("misuse alarms %q: %s filter pattern is %d characters; CloudWatch Logs allows %d", id, f.ID, len(f.Pattern), MaxPatternLength))
		}
		a := logalarm.New(c, f.ID, logalarm.Props{
			LogGroup: props.LogGroup, Pattern: f.Pattern, Namespace: Namespace, MetricName: f.ID,
			AlarmName:     props.AlarmNamePrefix + f.ID,
			Description:   fmt.Sprintf("%s: %d or more in %d minutes (VoiceVault misuse detection; the audit queries say who and from where)", f.Description, f.Threshold, period),
			Threshold:     f.Threshold,
			PeriodMinutes: period,
			Topic:         props.Topic,
		})
		c.alarms = append(c.alarms, a)
	}
	return c
}
