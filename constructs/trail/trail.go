// Package trail creates an environment's CloudTrail trail: multi-region, global service events,
// log file validation, encrypted with a dedicated customer-managed key, delivered to a
// locked-down log bucket (see package logbucket) and to an encrypted CloudWatch Logs log group,
// with S3 data events recorded for the named (tenant audio) buckets.
//
// The L2 awscloudtrail.Trail builds the trail, its bucket policy and its CloudWatch Logs role.
// It supports only basic event selectors, so the data events are advanced event selectors set
// on its L1 CfnTrail (SetAdvancedEventSelectors): a management-events selector plus one
// selector scoped with resources.ARN StartsWith to exactly the named buckets.
package trail

import (
	"fmt"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudtrail"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/voicevault/voicevault/constructs/defaults"
	"github.com/voicevault/voicevault/constructs/kmskey"
	"github.com/voicevault/voicevault/constructs/logbucket"
)

// MaxDataEventBuckets is how many buckets one trail's data-event selector can name: CloudTrail
// allows 500 condition values across all advanced event selectors of a trail; the management
// selector and the two fixed field selectors of the data selector use three.
const MaxDataEventBuckets = 497

// DefaultLogRetentionDays is the CloudWatch Logs retention of the trail's log group.
const DefaultLogRetentionDays = 365

// Props configures the trail.
type Props struct {
	TrailName  string        // Required. Physical name; the key and bucket policies name the trail by it.
	KeyAlias   string        // Required. Alias of the trail's key, without the alias/ prefix.
	AccessLogs awss3.IBucket // Required. Receives the trail bucket's server access logs.
	// LogGroupName is the CloudWatch Logs log group the trail also delivers to. Required.
	LogGroupName     string
	LogRetentionDays int // Default: DefaultLogRetentionDays. One of the values CloudWatch Logs accepts.
	// BucketRetentionDays is how long log files stay in the trail bucket. Default: logbucket.DefaultRetentionDays.
	BucketRetentionDays int
	// ObjectLockDays turns on S3 Object Lock in COMPLIANCE mode on the trail bucket, with this
	// default retention (at most BucketRetentionDays): no one, the account's root user included,
	// can delete or overwrite a log file before it ends (docs/baseline.md). Default: 0, off.
	ObjectLockDays int
	// DataEventBuckets are the names of the buckets whose object-level (data) events, read and
	// write, the trail records. Default: none (management events only).
	DataEventBuckets []string
}

// Trail is the trail and what it writes to.
type Trail interface {
	constructs.Construct
	Trail() awscloudtrail.Trail
	Key() awskms.Key
	Bucket() awss3.Bucket
	LogGroup() awslogs.LogGroup
	// DataEventBuckets are the buckets whose data events are recorded, in the order given.
	DataEventBuckets() []string
}

type trail struct {
	constructs.Construct
	trail    awscloudtrail.Trail
	key      awskms.Key
	bucket   awss3.Bucket
	logGroup awslogs.LogGroup
	buckets  []string
}

// New creates the trail, its key, bucket and log group.
func New(scope constructs.Construct, id string, props Props) Trail {
	if props.TrailName == "" || props.KeyAlias == "" || props.AccessLogs == nil || props.LogGroupName == "" {
		panic(fmt.Errorf("trail %q: trail name, key alias, access-log bucket and log group name are required", id))
	}
	if n := len(props.DataEventBuckets); n > MaxDataEventBuckets {
		panic(fmt.Errorf("trail %q: %d data-event buckets; one trail can select at most %d", id, n, MaxDataEventBuckets))
	}
	logRetention := props.LogRetentionDays
	if logRetention == 0 {
		logRetention = DefaultLogRetentionDays
	}
	if _, ok := defaults.RetentionLookup(logRetention); !ok {
		panic(fmt.Errorf("trail %q: log retention of %d days is not a CloudWatch Logs retention value", id, logRetention))
	}
	logGroupName := props.LogGroupName

	c := &trail{buckets: slices.Clone(props.DataEventBuckets)}
	constructs.NewConstruct_Override(c, scope, jsii.String(id))
	stack := awscdk.Stack_Of(c)
	partition, region, account := *stack.Partition(), *stack.Region(), *stack.Account()
	trailARN := fmt.Sprintf("arn:%s:cloudtrail:%s:%s:trail/%s", partition, region, account, props.TrailName)

	c.key = kmskey.New(c, "Key", kmskey.Props{
		Alias:       props.KeyAlias,
		Description: "VoiceVault CloudTrail trail " + props.TrailName + ": log files and their CloudWatch Logs copy",
	})
	allowCloudTrail(c.key, trailARN, partition, account)
	defaults.AllowCloudWatchLogs(c.key, logGroupName)

	c.bucket = logbucket.New(c, "Bucket", logbucket.Props{
		Key:             c.key,
		AccessLogs:      props.AccessLogs,
		AccessLogPrefix: "cloudtrail/",
		RetentionDays:   props.BucketRetentionDays,
		ObjectLockDays:  props.ObjectLockDays,
		// Evidence: GOVERNANCE retention yields to any principal holding s3:BypassGovernanceRetention,
		// which is what an attacker with administrator rights holds.
		ObjectLockCompliance: true,
	})
	c.logGroup = defaults.LogGroup(c, "LogGroup", defaults.LogGroupProps{Name: logGroupName, Key: c.key, RetentionDays: logRetention})
	c.trail = awscloudtrail.NewTrail(c, jsii.String("Trail"), &awscloudtrail.TrailProps{
		TrailName:                  jsii.String(props.TrailName),
		Bucket:                     c.bucket,
		EncryptionKey:              c.key,
		IsMultiRegionTrail:         jsii.Bool(true),
		IncludeGlobalServiceEvents: jsii.Bool(true),
		EnableFileValidation:       jsii.Bool(true),
		SendToCloudWatchLogs:       jsii.Bool(true),
		CloudWatchLogGroup:         c.logGroup,
	})
	// The L2's bucket statements for CloudTrail carry no aws:SourceArn: only this trail may deliver.
	c.bucket.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("OnlyThisTrailDelivers"),
		Effect:     awsiam.Effect_DENY,
		Actions:    jsii.Strings("s3:GetBucketAcl", "s3:PutObject"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudtrail.amazonaws.com"), nil)},
		Resources:  jsii.Strings(*c.bucket.BucketArn(), *c.bucket.ArnForObjects(jsii.String("*"))),
		Conditions: &map[string]interface{}{"StringNotEquals": map[string]interface{}{"aws:SourceArn": trailARN}},
	}))

	cfn := c.trail.Node().DefaultChild().(awscloudtrail.CfnTrail)
	cfn.SetAdvancedEventSelectors(advancedSelectors(partition, c.buckets))
	// A trail has either basic or advanced selectors; the L2 renders an empty basic list.
	cfn.AddPropertyDeletionOverride(jsii.String("EventSelectors"))
	return c
}

func (c *trail) Trail() awscloudtrail.Trail { return c.trail }
func (c *trail) Key() awskms.Key            { return c.key }
func (c *trail) Bucket() awss3.Bucket       { return c.bucket }
func (c *trail) LogGroup() awslogs.LogGroup { return c.logGroup }
func (c *trail) DataEventBuckets() []string { return slices.Clone(c.buckets) }

// Selector names, as they appear in the template.
const (
	ManagementSelectorName = "Management events"
	DataSelectorName       = "S3 data events for tenant audio buckets"
)

// advancedSelectors records every management event and, when buckets are named, every S3
// object-level event (read and write) on exactly those buckets.
func advancedSelectors(partition string, buckets []string) *[]interface{} {
	sel := []interface{}{&awscloudtrail.CfnTrail_AdvancedEventSelectorProperty{
		Name: jsii.String(ManagementSelectorName),
		FieldSelectors: &[]interface{}{
			&awscloudtrail.CfnTrail_AdvancedFieldSelectorProperty{Field: jsii.String("eventCategory"), EqualTo: jsii.Strings("Management")},
		},
	}}
	if len(buckets) == 0 {
		return &sel
	}
	prefixes := make([]string, len(buckets))
	for i, b := range buckets {
		prefixes[i] = "arn:" + partition + ":s3:::" + b + "/"
	}
	sel = append(sel, &awscloudtrail.CfnTrail_AdvancedEventSelectorProperty{
		Name: jsii.String(DataSelectorName),
		FieldSelectors: &[]interface{}{
			&awscloudtrail.CfnTrail_AdvancedFieldSelectorProperty{Field: jsii.String("eventCategory"), EqualTo: jsii.Strings("Data")},
			&awscloudtrail.CfnTrail_AdvancedFieldSelectorProperty{Field: jsii.String("resources.type"), EqualTo: jsii.Strings("AWS::S3::Object")},
			&awscloudtrail.CfnTrail_AdvancedFieldSelectorProperty{Field: jsii.String("resources.ARN"), StartsWith: jsii.Strings(prefixes...)},
		},
	})
	return &sel
}

// allowCloudTrail adds the key-policy statements CloudTrail needs for this trail only, and
// lets principals of this account decrypt CloudTrail log files (what they may read is then
// decided by their IAM policies and the bucket policy).
func allowCloudTrail(key awskms.IKey, trailARN, partition, account string) {
	cloudtrail := &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudtrail.amazonaws.com"), nil)}
	anyTrailOfAccount := fmt.Sprintf("arn:%s:cloudtrail:*:%s:trail/*", partition, account)
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudTrailEncryptsThisTrailsLogs"),
		Actions:    jsii.Strings("kms:GenerateDataKey*"),
		Principals: cloudtrail,
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]interface{}{
			"StringEquals": map[string]interface{}{"aws:SourceArn": trailARN},
			"StringLike":   map[string]interface{}{"kms:EncryptionContext:aws:cloudtrail:arn": anyTrailOfAccount},
		},
	}), jsii.Bool(false))
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudTrailDescribesKey"),
		Actions:    jsii.Strings("kms:DescribeKey"),
		Principals: cloudtrail,
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]interface{}{"StringEquals": map[string]interface{}{"aws:SourceArn": trailARN}},
	}), jsii.Bool(false))
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AccountDecryptsCloudTrailLogFiles"),
		Actions:    jsii.Strings("kms:Decrypt", "kms:ReEncryptFrom"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewAccountRootPrincipal()},
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]interface{}{
			"StringEquals": map[string]interface{}{"kms:CallerAccount": account},
			"StringLike":   map[string]interface{}{"kms:EncryptionContext:aws:cloudtrail:arn": anyTrailOfAccount},
		},
	}), jsii.Bool(false))
}
