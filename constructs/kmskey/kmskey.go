// Package kmskey creates customer-managed KMS keys with VoiceVault's defaults: rotation on,
// retained on stack deletion, 30-day deletion window, and a key policy that gives the
// account only key *administration*. Nobody can encrypt or decrypt with a key until a grant
// (GrantX on the key, or an explicit service statement) names them.
package kmskey

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// AdminActions are the key-administration actions the account keeps on every key, so the key
// stays manageable (CloudFormation updates its policy through them). No data-plane action.
var AdminActions = []string{
	"kms:CancelKeyDeletion", "kms:CreateAlias", "kms:DeleteAlias", "kms:DescribeKey",
	"kms:DisableKey", "kms:EnableKey", "kms:EnableKeyRotation", "kms:GetKeyPolicy",
	"kms:GetKeyRotationStatus", "kms:ListAliases", "kms:ListGrants", "kms:ListKeyPolicies",
	"kms:ListResourceTags", "kms:PutKeyPolicy", "kms:RevokeGrant", "kms:RotateKeyOnDemand",
	"kms:ScheduleKeyDeletion", "kms:TagResource", "kms:UntagResource", "kms:UpdateAlias",
	"kms:UpdateKeyDescription",
}

// Props configures a key.
type Props struct {
	Alias       string // Required. Without the alias/ prefix, e.g. voicevault/prod/platform.
	Description string // Required. Says what the key protects.
}

// New creates a customer-managed symmetric key with rotation.
func New(scope constructs.Construct, id string, props Props) awskms.Key {
	if props.Alias == "" || props.Description == "" {
		panic(fmt.Errorf("kms key %q: alias and description are required", id))
	}
	if strings.HasPrefix(props.Alias, "alias/") {
		panic(fmt.Errorf("kms key %q: alias %q must not start with alias/", id, props.Alias))
	}
	policy := awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{
		Statements: &[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:        jsii.String("KeyAdministrationByAccount"),
				Actions:    jsii.Strings(AdminActions...),
				Principals: &[]awsiam.IPrincipal{awsiam.NewAccountRootPrincipal()},
				Resources:  jsii.Strings("*"),
			}),
		},
	})
	return awskms.NewKey(scope, jsii.String(id), &awskms.KeyProps{
		Alias:             jsii.String("alias/" + props.Alias),
		Description:       jsii.String(props.Description),
		EnableKeyRotation: jsii.Bool(true),
		RotationPeriod:    awscdk.Duration_Days(jsii.Number(365)),
		PendingWindow:     awscdk.Duration_Days(jsii.Number(30)),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE,
		Policy:            policy,
	})
}
