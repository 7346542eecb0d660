// Package accesslogs creates an environment's S3 server-access-log bucket: the target of the
// server access logs of every other bucket in the environment (platform log buckets and the
// tenants' audio buckets, which import it by its derived name).
//
// Encryption is SSE-S3, the documented exception to "every data store uses a customer-managed
// key": S3 server access logging cannot deliver to a bucket whose default encryption is SSE-KMS.
// Everything else follows the bucket rules: public access blocked, TLS-only, versioned,
// lifecycle expiry, retained on stack delete. It does not log its own accesses (a bucket
// logging to itself loops).
package accesslogs

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/voicevault/voicevault/constructs/defaults"
)

// DefaultRetentionDays is how long access-log objects (and their noncurrent versions) are kept.
const DefaultRetentionDays = 365

// DefaultSourceBuckets is the bucket-name pattern whose access logs the bucket accepts.
const DefaultSourceBuckets = "vv-*"

// Props configures the access-log bucket.
type Props struct {
	BucketName    string // Required. Derived from the configuration (config.AccessLogBucketName).
	RetentionDays int    // Default: DefaultRetentionDays.
	// SourceBuckets is the name pattern (ArnLike on aws:SourceArn) of the buckets outside this
	// construct's stack that may log here, always limited to this stack's account.
	// Default: DefaultSourceBuckets. Buckets in the same stack that name this bucket as their
	// server-access-log target are added by the CDK with their exact ARN.
	SourceBuckets string
}

// New creates the bucket and its log-delivery policy.
func New(scope constructs.Construct, id string, props Props) awss3.Bucket {
	if props.BucketName == "" {
		panic(fmt.Errorf("access-log bucket %q: bucket name is required", id))
	}
	days := props.RetentionDays
	if days == 0 {
		days = DefaultRetentionDays
	}
	sources := props.SourceBuckets
	if sources == "" {
		sources = DefaultSourceBuckets
	}
	b := awss3.NewBucket(scope, jsii.String(id), defaults.Bucket(&awss3.BucketProps{
		BucketName: jsii.String(props.BucketName),
		Encryption: awss3.BucketEncryption_S3_MANAGED, // S3 log delivery cannot write SSE-KMS targets
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("ExpireAccessLogs"),
			Expiration:                          awscdk.Duration_Days(jsii.Number(float64(days))),
			NoncurrentVersionExpiration:         awscdk.Duration_Days(jsii.Number(float64(days))),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(7)),
		}},
	}))
	stack := awscdk.Stack_Of(b)
	b.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("S3ServerAccessLogsFromEnvironmentBuckets"),
		Actions:    jsii.Strings("s3:PutObject"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logging.s3.amazonaws.com"), nil)},
		Resources:  jsii.Strings(*b.ArnForObjects(jsii.String("*"))),
		Conditions: &map[string]interface{}{
			"StringEquals": map[string]interface{}{"aws:SourceAccount": stack.Account()},
			"ArnLike":      map[string]interface{}{"aws:SourceArn": "arn:" + *stack.Partition() + ":s3:::" + sources},
		},
	}))
	return b
}
