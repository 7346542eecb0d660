// Package posture turns on the account/region posture services: AWS Security Hub with the AWS
// Foundational Security Best Practices and CIS AWS Foundations Benchmark standards, an AWS
// Config recorder and delivery channel (to an encrypted, locked-down bucket), the AWS Config
// managed rules in Rules, an IAM Access Analyzer (account zone of trust) and Amazon Macie.
// Each service has its own switch; the Config rules are always created (they evaluate with
// whichever recorder the account has, here or the organization's).
//
// L1 resources, where aws-cdk-lib has no L2: Security Hub (CfnHub, CfnStandard), the Config
// recorder and delivery channel (CfnConfigurationRecorder, CfnDeliveryChannel), Access Analyzer
// (CfnAnalyzer) and Macie (CfnSession). The Config rules are L2 awsconfig.ManagedRule.
package posture

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsaccessanalyzer"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsconfig"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsmacie"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecurityhub"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/voicevault/voicevault/constructs/kmskey"
	"github.com/voicevault/voicevault/constructs/logbucket"
)

// Rule is an AWS Config managed rule and the promise it checks.
type Rule struct {
	Name       string            // Rule name after the prefix; by convention the AWS name of the managed rule.
	Identifier string            // The managed rule identifier (awsconfig.ManagedRuleIdentifiers_*).
	Promise    string            // What VoiceVault promises that the rule checks.
	Params     map[string]string // Input parameters. Default: none.
}

// Rules are the managed rules created in every environment.
var Rules = []Rule{
	{"s3-bucket-ssl-requests-only", "S3_BUCKET_SSL_REQUESTS_ONLY", "Buckets refuse plain HTTP", nil},
	{"s3-bucket-server-side-encryption-enabled", "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED", "Buckets encrypt by default", nil},
	{"s3-default-encryption-kms", "S3_DEFAULT_ENCRYPTION_KMS", "Data buckets encrypt with KMS (the access-log bucket is the documented SSE-S3 exception)", nil},
	{"s3-bucket-public-read-prohibited", "S3_BUCKET_PUBLIC_READ_PROHIBITED", "No bucket is publicly readable", nil},
	{"s3-bucket-public-write-prohibited", "S3_BUCKET_PUBLIC_WRITE_PROHIBITED", "No bucket is publicly writable", nil},
	{"s3-bucket-level-public-access-prohibited", "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED", "Every bucket blocks public access", nil},
	{"s3-bucket-versioning-enabled", "S3_BUCKET_VERSIONING_ENABLED", "Buckets are versioned", nil},
	{"s3-bucket-logging-enabled", "S3_BUCKET_LOGGING_ENABLED", "Buckets write server access logs", nil},
	{"eks-endpoint-no-public-access", "EKS_ENDPOINT_NO_PUBLIC_ACCESS", "The EKS API endpoint is private", nil},
	{"eks-secrets-encrypted", "EKS_SECRETS_ENCRYPTED", "Kubernetes secrets are encrypted with KMS", nil},
	{"eks-cluster-logging-enabled", "EKS_CLUSTER_LOGGING_ENABLED", "EKS control-plane logs are on", nil},
	{"cloudtrail-enabled", "CLOUD_TRAIL_ENABLED", "A CloudTrail trail records the account", nil},
	{"cloud-trail-log-file-validation-enabled", "CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED", "Trail log files are signed (validation)", nil},
	{"cloud-trail-encryption-enabled", "CLOUD_TRAIL_ENCRYPTION_ENABLED", "Trail log files are encrypted with KMS", nil},
	{"cloud-trail-cloud-watch-logs-enabled", "CLOUD_TRAIL_CLOUD_WATCH_LOGS_ENABLED", "The trail delivers to CloudWatch Logs (CIS alarms)", nil},
	{"cloudwatch-log-group-encrypted", "CLOUDWATCH_LOG_GROUP_ENCRYPTED", "Log groups are encrypted with KMS", nil},
	{"cmk-backing-key-rotation-enabled", "CMK_BACKING_KEY_ROTATION_ENABLED", "Customer-managed keys rotate", nil},
	{"kms-cmk-not-scheduled-for-deletion", "KMS_CMK_NOT_SCHEDULED_FOR_DELETION", "No customer-managed key is pending deletion", nil},
	{"sns-encrypted-kms", "SNS_ENCRYPTED_KMS", "SNS topics are encrypted with KMS", nil},
	{"iam-policy-no-statements-with-admin-access", "IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS", "No customer policy allows *:*", nil},
	{"iam-root-access-key-check", "IAM_ROOT_ACCESS_KEY_CHECK", "The root user has no access keys", nil},
	{"root-account-mfa-enabled", "ROOT_ACCOUNT_MFA_ENABLED", "The root user has MFA", nil},
	{"restricted-ssh", "INCOMING_SSH_DISABLED", "No security group allows SSH from anywhere", nil},
	{"ec2-imdsv2-check", "EC2_IMDSV2_CHECK", "Instances require IMDSv2", nil},
	{"vpc-flow-logs-enabled", "VPC_FLOW_LOGS_ENABLED", "VPCs have flow logs", nil},
	{"api-gw-execution-logging-enabled", "API_GW_EXECUTION_LOGGING_ENABLED", "API stages log execution", nil},
	{"api-gw-associated-with-waf", "API_GW_ASSOCIATED_WITH_WAF", "API stages have a web ACL", nil},
	{"guardduty-enabled-centralized", "GUARDDUTY_ENABLED_CENTRALIZED", "GuardDuty is on (here or by the organization)", nil},
	{"securityhub-enabled", "SECURITYHUB_ENABLED", "Security Hub is on (here or by the organization)", nil},
}

// Security Hub standards enabled, as paths under arn:<partition>:securityhub:<region>::.
const (
	FoundationalStandard = "standards/aws-foundational-security-best-practices/v/1.0.0"
	CISStandard          = "standards/cis-aws-foundations-benchmark/v/3.0.0"
)

// DefaultMacieFindingPublishingFrequency is how often Macie re-publishes updated findings.
const DefaultMacieFindingPublishingFrequency = "FIFTEEN_MINUTES"

// Props configures the posture services. A nil switch means on.
type Props struct {
	Name       string        // Required. Prefix of physical names, e.g. voicevault-prod.
	AccessLogs awss3.IBucket // Required when ConfigRecorder is on. Receives the Config bucket's access logs.
	KeyAlias   string        // Required when ConfigRecorder is on. Alias of the Config delivery key, without alias/.

	SecurityHub    *bool // Default: on.
	ConfigRecorder *bool // Default: on. The recorder, delivery channel, bucket, key and role.
	AccessAnalyzer *bool // Default: on.
	Macie          *bool // Default: on.

	ConfigRetentionDays int // Default: logbucket.DefaultRetentionDays. Expiry of Config snapshots and history.
}

// Posture is what was created; an accessor returns nil for a service switched off.
type Posture interface {
	constructs.Construct
	Hub() awssecurityhub.CfnHub
	Standards() []awssecurityhub.CfnStandard
	Recorder() awsconfig.CfnConfigurationRecorder
	DeliveryChannel() awsconfig.CfnDeliveryChannel
	ConfigBucket() awss3.Bucket
	ConfigKey() awskms.Key
	ConfigRole() awsiam.Role
	Rules() []awsconfig.ManagedRule // always, in the order of Rules
	Analyzer() awsaccessanalyzer.CfnAnalyzer
	Macie() awsmacie.CfnSession
}

type posture struct {
	constructs.Construct
	hub       awssecurityhub.CfnHub
	standards []awssecurityhub.CfnStandard
	recorder  awsconfig.CfnConfigurationRecorder
	channel   awsconfig.CfnDeliveryChannel
	bucket    awss3.Bucket
	key       awskms.Key
	role      awsiam.Role
	rules     []awsconfig.ManagedRule
	analyzer  awsaccessanalyzer.CfnAnalyzer
	macie     awsmacie.CfnSession
}

func on(b *bool) bool { return b == nil || *b }

// New creates the switched-on services and the Config rules.
func New(scope constructs.Construct, id string, props Props) Posture {
	if props.Name == "" {
		panic(fmt.Errorf("posture %q: name is required", id))
	}
	if on(props.ConfigRecorder) && (props.AccessLogs == nil || props.KeyAlias == "") {
		panic(fmt.Errorf("posture %q: the config recorder needs an access-log bucket and a key alias", id))
	}
	c := &posture{}
	constructs.NewConstruct_Override(c, scope, jsii.String(id))
	if on(props.SecurityHub) {
		c.addSecurityHub()
	}
	if on(props.ConfigRecorder) {
		c.addRecorder(props)
	}
	c.addRules(props.Name)
	if on(props.AccessAnalyzer) {
		// L1: Access Analyzer has no L2.
		c.analyzer = awsaccessanalyzer.NewCfnAnalyzer(c, jsii.String("AccessAnalyzer"), &awsaccessanalyzer.CfnAnalyzerProps{
			AnalyzerName: jsii.String(props.Name + "-account"),
			Type:         jsii.String("ACCOUNT"),
		})
	}
	if on(props.Macie) {
		// L1: Macie has no L2, and CloudFormation has no resource for classification jobs.
		c.macie = awsmacie.NewCfnSession(c, jsii.String("Macie"), &awsmacie.CfnSessionProps{
			Status:                     jsii.String("ENABLED"),
			FindingPublishingFrequency: jsii.String(DefaultMacieFindingPublishingFrequency),
		})
	}
	return c
}

func (c *posture) addSecurityHub() {
	// L1: Security Hub has no L2. Default standards off: the standards below are explicit.
	c.hub = awssecurityhub.NewCfnHub(c, jsii.String("SecurityHub"), &awssecurityhub.CfnHubProps{
		EnableDefaultStandards:  jsii.Bool(false),
		ControlFindingGenerator: jsii.String("SECURITY_CONTROL"),
		AutoEnableControls:      jsii.Bool(true),
	})
	stack := awscdk.Stack_Of(c)
	for _, s := range []struct{ id, path string }{
		{"FoundationalStandard", FoundationalStandard},
		{"CISStandard", CISStandard},
	} {
		// Standards ARNs are regional: built from the stack's (configured) region.
		std := awssecurityhub.NewCfnStandard(c, jsii.String(s.id), &awssecurityhub.CfnStandardProps{
			StandardsArn: jsii.String(fmt.Sprintf("arn:%s:securityhub:%s::%s", *stack.Partition(), *stack.Region(), s.path)),
		})
		std.Node().AddDependency(c.hub)
		c.standards = append(c.standards, std)
	}
}

func (c *posture) addRecorder(props Props) {
	stack := awscdk.Stack_Of(c)
	account := stack.Account()
	c.key = kmskey.New(c, "ConfigKey", kmskey.Props{
		Alias:       props.KeyAlias,
		Description: "VoiceVault AWS Config delivery (" + props.Name + "): configuration snapshots and history",
	})
	c.bucket = logbucket.New(c, "ConfigBucket", logbucket.Props{
		Key:             c.key,
		AccessLogs:      props.AccessLogs,
		AccessLogPrefix: "config/",
		RetentionDays:   props.ConfigRetentionDays,
	})
	// A role of its own rather than the Config service-linked role, which CloudFormation cannot
	// create idempotently (it fails where the role already exists).
	c.role = awsiam.NewRole(c, jsii.String("ConfigRole"), &awsiam.RoleProps{
		Description: jsii.String("AWS Config recorder for " + props.Name + ": reads resource configuration, delivers to the Config bucket"),
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("config.amazonaws.com"), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]interface{}{"StringEquals": map[string]interface{}{"aws:SourceAccount": account}},
		}),
		ManagedPolicies: &[]awsiam.IManagedPolicy{awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("service-role/AWS_ConfigRole"))},
	})
	c.role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:     jsii.String("DeliverToConfigBucket"),
		Actions: jsii.Strings("s3:PutObject"),
		// The pseudo-parameter (not the literal account) keeps the path, and so the reviewed
		// nag suppression of its wildcard, the same in every environment.
		Resources: jsii.Strings(*c.bucket.ArnForObjects(jsii.String("AWSLogs/" + *awscdk.Aws_ACCOUNT_ID() + "/Config/*"))),
	}))
	c.role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("CheckConfigBucket"),
		Actions:   jsii.Strings("s3:GetBucketAcl"),
		Resources: jsii.Strings(*c.bucket.BucketArn()),
	}))
	c.role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("EncryptConfigDeliveries"),
		Actions:   jsii.Strings("kms:Decrypt", "kms:GenerateDataKey"),
		Resources: jsii.Strings(*c.key.KeyArn()),
	}))
	// The key policy must name the role too: the key does not delegate data-plane use to IAM.
	c.key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("ConfigRecorderEncryptsDeliveries"),
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewArnPrincipal(c.role.RoleArn())},
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]interface{}{
			"StringEquals": map[string]interface{}{"kms:ViaService": "s3." + *stack.Region() + ".amazonaws.com"},
		},
	}), jsii.Bool(false))

	// L1: no L2 for the recorder or delivery channel.
	c.recorder = awsconfig.NewCfnConfigurationRecorder(c, jsii.String("Recorder"), &awsconfig.CfnConfigurationRecorderProps{
		Name:    jsii.String(props.Name),
		RoleArn: c.role.RoleArn(),
		RecordingGroup: &awsconfig.CfnConfigurationRecorder_RecordingGroupProperty{
			AllSupported:               jsii.Bool(true),
			IncludeGlobalResourceTypes: jsii.Bool(true),
		},
	})
	c.channel = awsconfig.NewCfnDeliveryChannel(c, jsii.String("DeliveryChannel"), &awsconfig.CfnDeliveryChannelProps{
		Name:         jsii.String(props.Name),
		S3BucketName: c.bucket.BucketName(),
		S3KmsKeyArn:  c.key.KeyArn(),
		ConfigSnapshotDeliveryProperties: &awsconfig.CfnDeliveryChannel_ConfigSnapshotDeliveryPropertiesProperty{
			DeliveryFrequency: jsii.String("TwentyFour_Hours"),
		},
	})
	// A delivery channel needs its recorder; the role must be able to deliver before it starts.
	c.channel.Node().AddDependency(c.recorder)
	c.channel.Node().AddDependency(c.role)
}

func (c *posture) addRules(prefix string) {
	for _, r := range Rules {
		props := &awsconfig.ManagedRuleProps{
			Identifier:     jsii.String(r.Identifier),
			ConfigRuleName: jsii.String(prefix + "-" + r.Name),
			Description:    jsii.String("VoiceVault: " + r.Promise),
		}
		if len(r.Params) > 0 {
			params := map[string]interface{}{}
			for k, v := range r.Params {
				params[k] = v
			}
			props.InputParameters = &params
		}
		rule := awsconfig.NewManagedRule(c, jsii.String(ruleID(r.Name)), props)
		if c.recorder != nil {
			rule.Node().AddDependency(c.recorder) // rules fail to create without a recorder
		}
		c.rules = append(c.rules, rule)
	}
}

// ruleID turns "s3-bucket-ssl-requests-only" into the construct ID "S3BucketSslRequestsOnly".
func ruleID(name string) string {
	b := []byte{}
	up := true
	for i := 0; i < len(name); i++ {
		ch := name[i]
		if ch == '-' {
			up = true
			continue
		}
		if up && ch >= 'a' && ch <= 'z' {
			ch -= 'a' - 'A'
		}
		up = false
		b = append(b, ch)
	}
	return string(b) + "Rule"
}

func (c *posture) Hub() awssecurityhub.CfnHub                    { return c.hub }
func (c *posture) Standards() []awssecurityhub.CfnStandard       { return c.standards }
func (c *posture) Recorder() awsconfig.CfnConfigurationRecorder  { return c.recorder }
func (c *posture) DeliveryChannel() awsconfig.CfnDeliveryChannel { return c.channel }
func (c *posture) ConfigBucket() awss3.Bucket                    { return c.bucket }
func (c *posture) ConfigKey() awskms.Key                         { return c.key }
func (c *posture) ConfigRole() awsiam.Role                       { return c.role }
func (c *posture) Rules() []awsconfig.ManagedRule                { return c.rules }
func (c *posture) Analyzer() awsaccessanalyzer.CfnAnalyzer       { return c.analyzer }
func (c *posture) Macie() awsmacie.CfnSession                    { return c.macie }
