// Package threatdetection enables Amazon GuardDuty in an account and region: a detector with
// the protection plans VoiceVault relies on (S3 data events, EKS audit logs, EKS runtime
// monitoring with GuardDuty managing the EKS add-on, EBS malware scans, Lambda network logs).
//
// GuardDuty has no L2 construct in aws-cdk-lib: this uses the L1 CfnDetector.
// Malware Protection for S3 (a plan per tenant audio bucket) is not here: a plan needs its
// bucket to exist, and the buckets live in the tenant stacks, which deploy after the platform
// (see docs/baseline.md).
package threatdetection

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsguardduty"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// DefaultFindingPublishingFrequency is how often updated findings are re-published to
// EventBridge (new findings are always published within about five minutes).
const DefaultFindingPublishingFrequency = "FIFTEEN_MINUTES"

// Feature is a GuardDuty protection plan (detector feature) and its additional configuration.
type Feature struct {
	Name       string
	Additional []string // additional configuration names turned on with the feature
}

// Features are the detector features turned on, in template order.
var Features = []Feature{
	{Name: "S3_DATA_EVENTS"},
	{Name: "EKS_AUDIT_LOGS"},
	// GuardDuty installs and updates its security agent as an EKS add-on and creates the
	// guardduty-data VPC endpoint the agent needs in a VPC without internet egress.
	{Name: "RUNTIME_MONITORING", Additional: []string{"EKS_ADDON_MANAGEMENT"}},
	{Name: "EBS_MALWARE_PROTECTION"},
	{Name: "LAMBDA_NETWORK_LOGS"},
}

// Props configures the detector.
type Props struct {
	FindingPublishingFrequency string // Default: DefaultFindingPublishingFrequency.
	// VolumeKey encrypts the EBS volumes that Malware Protection for EC2 scans (the node
	// volumes). Default: none (volumes under AWS managed keys only). Its key policy then lets
	// GuardDuty's malware-protection service-linked role snapshot and re-encrypt them (see
	// AllowMalwareScan).
	VolumeKey awskms.Key
}

// ThreatDetection is the GuardDuty detector.
type ThreatDetection interface {
	constructs.Construct
	Detector() awsguardduty.CfnDetector
}

type threatDetection struct {
	constructs.Construct
	detector awsguardduty.CfnDetector
}

// New enables GuardDuty with Features.
func New(scope constructs.Construct, id string, props Props) ThreatDetection {
	freq := props.FindingPublishingFrequency
	if freq == "" {
		freq = DefaultFindingPublishingFrequency
	}
	c := &threatDetection{}
	constructs.NewConstruct_Override(c, scope, jsii.String(id))
	features := make([]interface{}, len(Features))
	for i, f := range Features {
		fc := &awsguardduty.CfnDetector_CFNFeatureConfigurationProperty{Name: jsii.String(f.Name), Status: jsii.String("ENABLED")}
		if len(f.Additional) > 0 {
			add := make([]interface{}, len(f.Additional))
			for j, a := range f.Additional {
				add[j] = &awsguardduty.CfnDetector_CFNFeatureAdditionalConfigurationProperty{Name: jsii.String(a), Status: jsii.String("ENABLED")}
			}
			fc.AdditionalConfiguration = &add
		}
		features[i] = fc
	}
	// L1: no GuardDuty L2 exists. DataSources is the legacy form of Features; only Features is set.
	c.detector = awsguardduty.NewCfnDetector(c, jsii.String("Detector"), &awsguardduty.CfnDetectorProps{
		Enable:                     jsii.Bool(true),
		FindingPublishingFrequency: jsii.String(freq),
		Features:                   &features,
	})
	if props.VolumeKey != nil {
		AllowMalwareScan(props.VolumeKey)
	}
	return c
}

// MalwareProtectionRoleName is the service-linked role of GuardDuty Malware Protection for EC2.
const MalwareProtectionRoleName = "aws-service-role/malware-protection.guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDutyMalwareProtection"

// AllowMalwareScan lets GuardDuty Malware Protection for EC2 scan volumes encrypted with key: its
// service-linked role creates grants for the snapshots it takes, re-encrypts them and describes
// the key (what its AWS managed policy, AmazonGuardDutyMalwareProtectionServiceRolePolicy, asks
// of a customer managed key). The role appears only when GuardDuty first uses it, and KMS rejects
// a key policy naming a principal that does not exist: the statement names the account and
// matches the role by aws:PrincipalArn.
// https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonGuardDutyMalwareProtectionServiceRolePolicy.html
func AllowMalwareScan(key awskms.Key) {
	stack := awscdk.Stack_Of(key)
	onlyTheRole := map[string]interface{}{
		"ArnEquals":    map[string]interface{}{"aws:PrincipalArn": "arn:" + *stack.Partition() + ":iam::" + *stack.Account() + ":role/" + MalwareProtectionRoleName},
		"StringEquals": map[string]interface{}{"kms:CallerAccount": *stack.Account()},
	}
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("GuardDutyMalwareScanOfVolumes"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewAccountRootPrincipal()},
		Actions:    jsii.Strings("kms:DescribeKey", "kms:ReEncryptFrom", "kms:ReEncryptTo"),
		Resources:  jsii.Strings("*"),
		Conditions: &onlyTheRole,
	}), jsii.Bool(false))
	// Grants only for AWS resources (the scan's snapshot volumes): the key can't be lent.
	grants := map[string]interface{}{"Bool": map[string]interface{}{"kms:GrantIsForAWSResource": "true"}}
	for k, v := range onlyTheRole {
		grants[k] = v
	}
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("GuardDutyMalwareScanGrants"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewAccountRootPrincipal()},
		Actions:    jsii.Strings("kms:CreateGrant"),
		Resources:  jsii.Strings("*"),
		Conditions: &grants,
	}), jsii.Bool(false))
}

func (c *threatDetection) Detector() awsguardduty.CfnDetector { return c.detector }
