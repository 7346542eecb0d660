// Package audiostore creates a tenant's audio bucket: SSE-KMS with the tenant's key (S3 bucket
// key on), uploads under any other encryption refused, TLS 1.2+ only, all public access blocked,
// ACLs off (bucket owner enforced), versioned, server access logs to the platform's log bucket,
// lifecycle expiry of current and noncurrent versions, a tag-driven erasure rule, and retained
// when its stack is deleted. The key layout inside the bucket is internal/audiolayout's.
package audiostore

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/voicevault/voicevault/constructs/defaults"
	"github.com/voicevault/voicevault/internal/audiolayout"
)

// Defaults.
const (
	DefaultRetentionDays             = 90
	DefaultAbortIncompleteUploadDays = 1
)

// AccessLogsPolicyWarning is the CDK warning New acknowledges: the CDK cannot add S3 log
// delivery to an imported access-log bucket's policy (the bucket's owner does).
const AccessLogsPolicyWarning = "@aws-cdk/aws-s3:accessLogsPolicyNotAdded"

// Lifecycle rule IDs, as they appear in the template.
const (
	RuleRetention     = "expire-after-retention"
	RuleEraseTagged   = "erase-tagged-versions"
	RuleDeleteMarkers = "remove-expired-delete-markers"
)

// Props configures an audio store.
type Props struct {
	BucketName string // Required. Globally unique; e.g. naming.Env.AudioBucket.
	// Key is the tenant's customer-managed key. Required. It encrypts every object, and the
	// bucket refuses uploads that ask for any other key.
	Key awskms.IKey
	// AccessLogBucket receives the bucket's server access logs. Required (the platform's log
	// bucket). When it is imported, its own policy must already admit S3 log delivery for this
	// bucket (the platform's does, for every vv-* bucket of its account): the CDK cannot add to an
	// imported bucket's policy, and New acknowledges the CDK's warning saying so.
	AccessLogBucket awss3.IBucket
	// AccessLogPrefix is the log object prefix in AccessLogBucket. Default: "audio/<bucket name>/".
	AccessLogPrefix string
	// RetentionDays is how long an object version lives: current versions expire (become
	// noncurrent) this many days after creation, and noncurrent versions are deleted this many
	// days after they became noncurrent. Default: 90.
	RetentionDays int
	// AbortIncompleteUploadDays aborts multipart uploads left incomplete this long. Default: 1.
	AbortIncompleteUploadDays int
}

func (p Props) withDefaults() Props {
	if p.RetentionDays == 0 {
		p.RetentionDays = DefaultRetentionDays
	}
	if p.AbortIncompleteUploadDays == 0 {
		p.AbortIncompleteUploadDays = DefaultAbortIncompleteUploadDays
	}
	if p.AccessLogPrefix == "" {
		p.AccessLogPrefix = "audio/" + p.BucketName + "/"
	}
	return p
}

func (p Props) validate() error {
	switch {
	case p.BucketName == "":
		return fmt.Errorf("bucket name is required")
	case p.Key == nil:
		return fmt.Errorf("key is required")
	case p.AccessLogBucket == nil:
		return fmt.Errorf("access log bucket is required")
	case p.RetentionDays < 1:
		return fmt.Errorf("retention days %d must be at least 1", p.RetentionDays)
	case p.AbortIncompleteUploadDays < 1:
		return fmt.Errorf("abort incomplete upload days %d must be at least 1", p.AbortIncompleteUploadDays)
	}
	return nil
}

// AudioStore is a tenant's audio bucket and the key that encrypts it.
type AudioStore struct {
	constructs.Construct
	bucket awss3.Bucket
	key    awskms.IKey
	name   string
}

// New creates the audio store. Props errors are programmer errors (the configuration is
// validated in the config package) and panic.
func New(scope constructs.Construct, id string, props Props) *AudioStore {
	p := props.withDefaults()
	if err := p.validate(); err != nil {
		panic(fmt.Errorf("audio store %q: %w", id, err))
	}
	s := &AudioStore{Construct: constructs.NewConstruct(scope, jsii.String(id)), key: p.Key, name: p.BucketName}
	days := func(n int) awscdk.Duration { return awscdk.Duration_Days(jsii.Number(float64(n))) }
	s.bucket = awss3.NewBucket(s.Construct, jsii.String("Bucket"), defaults.Bucket(&awss3.BucketProps{
		BucketName:             jsii.String(p.BucketName),
		Encryption:             awss3.BucketEncryption_KMS,
		EncryptionKey:          p.Key,
		BucketKeyEnabled:       jsii.Bool(true),
		BlockedEncryptionTypes: &[]awss3.BlockedEncryptionType{awss3.BlockedEncryptionType_SSE_C()},
		ServerAccessLogsBucket: p.AccessLogBucket,
		ServerAccessLogsPrefix: jsii.String(p.AccessLogPrefix),
		LifecycleRules: &[]*awss3.LifecycleRule{
			{
				Id:                                  jsii.String(RuleRetention),
				Expiration:                          days(p.RetentionDays),
				NoncurrentVersionExpiration:         days(p.RetentionDays),
				AbortIncompleteMultipartUploadAfter: days(p.AbortIncompleteUploadDays),
			},
			{
				Id:                          jsii.String(RuleEraseTagged),
				TagFilters:                  &map[string]interface{}{audiolayout.EraseTagKey: audiolayout.EraseTagValue},
				Expiration:                  days(1),
				NoncurrentVersionExpiration: days(1),
			},
			{
				// Expiration by days and ExpiredObjectDeleteMarker cannot share a rule.
				Id:                        jsii.String(RuleDeleteMarkers),
				ExpiredObjectDeleteMarker: jsii.Bool(true),
			},
		},
	}))
	// The log bucket is imported (it is the platform stack's), so the CDK cannot add the log
	// delivery statement to its policy and warns. The platform's access-log bucket already lets
	// logging.s3.amazonaws.com write for every vv-* bucket of its account (constructs/accesslogs).
	awscdk.Annotations_Of(s.bucket).AcknowledgeWarning(jsii.String(AccessLogsPolicyWarning), jsii.String(
		"the access-log bucket's own policy (constructs/accesslogs) admits S3 log delivery for the environment's vv-* buckets"))
	s.denyOtherEncryption()
	return s
}

// denyOtherEncryption refuses uploads that ask for an encryption other than this tenant's key.
// The conditions are ...IfExists: an upload that names no encryption gets the bucket default
// (this key, with the bucket key), so only an explicit request for SSE-S3, DSSE-KMS or another
// KMS key is refused. The key must be named by its ARN, as the header carries it. SSE-C is
// blocked by the bucket's BlockedEncryptionTypes.
func (s *AudioStore) denyOtherEncryption() {
	objects := s.bucket.ArnForObjects(jsii.String("*"))
	for _, st := range []struct{ sid, key, want string }{
		{"DenyEncryptionOtherThanKMS", "s3:x-amz-server-side-encryption", "aws:kms"},
		{"DenyKMSKeyOtherThanTenantKey", "s3:x-amz-server-side-encryption-aws-kms-key-id", *s.key.KeyArn()},
	} {
		s.bucket.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String(st.sid),
			Effect:     awsiam.Effect_DENY,
			Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
			Actions:    jsii.Strings("s3:PutObject"),
			Resources:  &[]*string{objects},
			Conditions: &map[string]interface{}{
				"StringNotEqualsIfExists": map[string]interface{}{st.key: st.want},
			},
		}))
	}
}

// DataActions are the object-data actions RestrictDataAccess denies outside the VPC: reading,
// writing, tagging, deleting, restoring and listing objects and their versions. Bucket
// configuration (policy, lifecycle, encryption, notifications) is not data access: CloudFormation
// and AWS services manage it from outside any VPC.
var DataActions = []string{
	"s3:GetObject*", "s3:PutObject*", "s3:DeleteObject*", "s3:RestoreObject", "s3:ReplicateObject",
	"s3:AbortMultipartUpload", "s3:ListMultipartUploadParts", "s3:ListBucketMultipartUploads",
	"s3:ListBucket", "s3:ListBucketVersions",
}

// RestrictDataAccess denies every DataActions request that does not come from inside vpcID
// (aws:SourceVpc: through the VPC's S3 gateway endpoint, whose policy admits only this account's
// principals) unless its principal is one of exempt (role ARNs: the services and operators that
// must reach the objects from outside, e.g. GuardDuty Malware Protection's role and the erasure
// roles). A stolen workload credential used from anywhere else reads nothing. The statement
// names no principal to allow: an exempt role still needs its own IAM permissions, and reading
// content needs the tenant key, whose policy names only the roles that decrypt.
func (s *AudioStore) RestrictDataAccess(vpcID string, exempt ...*string) {
	if vpcID == "" || len(exempt) == 0 {
		panic(fmt.Errorf("audio store %q: the VPC and at least one exempt role (the malware scanner's) are required", *s.Node().Id()))
	}
	s.bucket.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("DenyDataAccessFromOutsideTheVPC"),
		Effect:     awsiam.Effect_DENY,
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings(DataActions...),
		Resources:  &[]*string{s.bucket.BucketArn(), s.bucket.ArnForObjects(jsii.String("*"))},
		Conditions: &map[string]interface{}{
			"StringNotEquals": map[string]interface{}{"aws:SourceVpc": vpcID},
			"ArnNotEquals":    map[string]interface{}{"aws:PrincipalArn": exempt},
		},
	}))
}

// Bucket is the audio bucket.
func (s *AudioStore) Bucket() awss3.IBucket { return s.bucket }

// Key is the key that encrypts the bucket.
func (s *AudioStore) Key() awskms.IKey { return s.key }

// ObjectActions are the object actions GrantReadWrite gives: read, write and delete (a delete
// marker; permanent erasure of versions is cmd/erase's, run by an operator).
var ObjectActions = []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"}

// KeyActions are the key actions GrantReadWrite gives, only through S3 for this bucket.
var KeyActions = []string{"kms:Decrypt", "kms:GenerateDataKey"}

// GrantReadWrite lets role read, write and delete objects under audiolayout.VoicesPrefix, list
// that prefix, and use the key through S3 for this bucket only (kms:ViaService and the bucket ARN
// as encryption context, which is what S3 sends with a bucket key). The role's statements are a
// customer-managed policy attached to it (returned; construct ID "ReadWrite" followed by the
// role's path in its stack, e.g. ReadWriteIdentityRole), not an inline one: the HIPAA, NIST and PCI packs reject inline policies. The
// key statement also goes to the key policy: the key policy trusts IAM for key administration
// only (constructs/kmskey), so it must name the role.
func (s *AudioStore) GrantReadWrite(role awsiam.IRole) awsiam.ManagedPolicy {
	stack := awscdk.Stack_Of(s.Construct)
	// The bucket's ARN from its name, not a reference to it: the key policy names it, and the
	// bucket already depends on the key (a reference would be a cycle).
	bucketArn := jsii.String("arn:" + *stack.Partition() + ":s3:::" + s.name)
	viaS3 := &map[string]interface{}{
		"StringEquals": map[string]interface{}{
			"kms:ViaService":                   "s3." + *stack.Region() + ".amazonaws.com",
			"kms:EncryptionContext:aws:s3:arn": bucketArn,
		},
	}
	uid := *awscdk.Names_UniqueId(role)
	policy := awsiam.NewManagedPolicy(s.Construct, jsii.String("ReadWrite"+policyID(stack, role)), &awsiam.ManagedPolicyProps{
		Description: jsii.String("Read, write and delete the voices of audio bucket " + s.name + ", through its key"),
		Roles:       &[]awsiam.IRole{role},
		Statements: &[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("AudioObjectsReadWrite"),
				Actions:   jsii.Strings(ObjectActions...),
				Resources: &[]*string{s.bucket.ArnForObjects(jsii.String(audiolayout.VoicesPrefix + "*"))},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:        jsii.String("AudioListVoices"),
				Actions:    jsii.Strings("s3:ListBucket"),
				Resources:  &[]*string{bucketArn},
				Conditions: &map[string]interface{}{"StringLike": map[string]interface{}{"s3:prefix": audiolayout.VoicesPrefix + "*"}},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:        jsii.String("AudioKeyThroughS3"),
				Actions:    jsii.Strings(KeyActions...),
				Resources:  &[]*string{s.key.KeyArn()},
				Conditions: viaS3,
			}),
		},
	})
	s.key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AudioKeyThroughS3For" + uid),
		Actions:    jsii.Strings(KeyActions...),
		Principals: &[]awsiam.IPrincipal{role.GrantPrincipal()},
		Resources:  jsii.Strings("*"),
		Conditions: viaS3,
	}), jsii.Bool(false))
	return policy
}

var reNonAlnum = regexp.MustCompile(`[^A-Za-z0-9]`)

// policyID names a grant's policy after the role: its construct path below stack (stable and
// readable in the template), or its unique ID when the role is in another stack.
func policyID(stack awscdk.Stack, role awsiam.IRole) string {
	prefix := *stack.Node().Path() + "/"
	if p := *role.Node().Path(); strings.HasPrefix(p, prefix) {
		return reNonAlnum.ReplaceAllString(strings.TrimPrefix(p, prefix), "")
	}
	return *awscdk.Names_UniqueId(role)
}
