// Package logbucket creates a locked-down bucket for AWS service log delivery (CloudTrail, AWS
// Config): SSE-KMS with a customer-managed key and S3 Bucket Keys, all public access blocked,
// TLS-only (TLS 1.2+), versioned, server access logs to the environment's access-log bucket,
// lifecycle expiry of current and noncurrent versions, optional Object Lock, retained when the
// stack is deleted.
package logbucket

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/voicevault/voicevault/constructs/defaults"
)

// DefaultRetentionDays is how long log objects (and their noncurrent versions) are kept.
const DefaultRetentionDays = 365

// Props configures a log bucket.
type Props struct {
	Key             awskms.IKey   // Required. Default encryption key of the bucket.
	AccessLogs      awss3.IBucket // Required. Receives this bucket's server access logs.
	AccessLogPrefix string        // Default: the construct ID followed by a slash.
	RetentionDays   int           // Default: DefaultRetentionDays. Expires current and noncurrent versions.
	// ObjectLockDays turns on S3 Object Lock with a default retention of this many days (at most
	// RetentionDays). Default: 0, Object Lock off. Object Lock can only be enabled on a bucket at
	// creation without an AWS Support request, so decide before the first deploy.
	ObjectLockDays int
	// ObjectLockCompliance makes that default retention COMPLIANCE mode: no one, the account's
	// root user included, can delete or overwrite a locked version before its retention ends.
	// Default: false, GOVERNANCE mode (a principal with s3:BypassGovernanceRetention can).
	ObjectLockCompliance bool
}

// New creates the bucket.
func New(scope constructs.Construct, id string, props Props) awss3.Bucket {
	if props.Key == nil || props.AccessLogs == nil {
		panic(fmt.Errorf("log bucket %q: key and access-log bucket are required", id))
	}
	days := props.RetentionDays
	if days == 0 {
		days = DefaultRetentionDays
	}
	if props.ObjectLockDays < 0 || props.ObjectLockDays > days {
		panic(fmt.Errorf("log bucket %q: object lock of %d days must be between 0 and the retention of %d days", id, props.ObjectLockDays, days))
	}
	prefix := props.AccessLogPrefix
	if prefix == "" {
		prefix = id + "/"
	}
	bp := defaults.Bucket(&awss3.BucketProps{
		Encryption:       awss3.BucketEncryption_KMS,
		EncryptionKey:    props.Key,
		BucketKeyEnabled: jsii.Bool(true),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("ExpireLogs"),
			Expiration:                          awscdk.Duration_Days(jsii.Number(float64(days))),
			NoncurrentVersionExpiration:         awscdk.Duration_Days(jsii.Number(float64(days))),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(7)),
		}},
	})
	if props.ObjectLockDays > 0 {
		bp.ObjectLockEnabled = jsii.Bool(true)
		lock := awscdk.Duration_Days(jsii.Number(float64(props.ObjectLockDays)))
		bp.ObjectLockDefaultRetention = awss3.ObjectLockRetention_Governance(lock)
		if props.ObjectLockCompliance {
			bp.ObjectLockDefaultRetention = awss3.ObjectLockRetention_Compliance(lock)
		}
		// Retain, even on a failed first create: a bucket holding locked objects can't be emptied,
		// so CloudFormation could not delete it and the rollback would fail instead. Retained (its
		// name is generated, so a retry creates a new one), the rollback completes and the few
		// locked files stay where the lock says they must.
		bp.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
	}
	b := awss3.NewBucket(scope, jsii.String(id), bp)
	enableAccessLogs(b, props.AccessLogs, prefix)
	return b
}

// enableAccessLogs sends b's server access logs to target under prefix and lets S3 log delivery
// write there for b only. It does what BucketProps.ServerAccessLogsBucket does under the
// @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy flag, without depending on the flag: the
// flags in cdk.json apply under the CDK CLI but not to the app run directly or in tests, and
// without it the L2 switches the target to ACL-based delivery, which BucketOwnerEnforced forbids.
func enableAccessLogs(b awss3.Bucket, target awss3.IBucket, prefix string) {
	b.Node().DefaultChild().(awss3.CfnBucket).SetLoggingConfiguration(&awss3.CfnBucket_LoggingConfigurationProperty{
		DestinationBucketName: target.BucketName(),
		LogFilePrefix:         jsii.String(prefix),
	})
	target.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:    jsii.Strings("s3:PutObject"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logging.s3.amazonaws.com"), nil)},
		Resources:  jsii.Strings(*target.ArnForObjects(jsii.String(prefix + "*"))),
		Conditions: &map[string]interface{}{
			"ArnLike":      map[string]interface{}{"aws:SourceArn": b.BucketArn()},
			"StringEquals": map[string]interface{}{"aws:SourceAccount": awscdk.Stack_Of(b).Account()},
		},
	}))
}
