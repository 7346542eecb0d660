package cideploy

import (
	"slices"
	"sort"
	"strings"
)

// The runtime ceiling of the boundary is not listed here: it is derived (access.Ceiling) from the
// must-allow flows the constructs declare (flows.go in each construct package) and from the AWS
// managed policies the capped roles carry, and passed in as Props.Runtime. A construct that starts
// calling a new API declares the flow; the boundary follows.

// AuditActions are the calls that would blind the environment's detective controls. Only the
// CloudFormation execution role may make them (switching a service off is a reviewed template
// change); every runtime role is denied them.
var AuditActions = []string{
	"access-analyzer:DeleteAnalyzer",
	"cloudtrail:DeleteTrail", "cloudtrail:PutEventSelectors", "cloudtrail:StopLogging", "cloudtrail:UpdateTrail",
	"config:DeleteConfigurationRecorder", "config:DeleteDeliveryChannel", "config:StopConfigurationRecorder",
	"ec2:DeleteFlowLogs",
	"guardduty:DeleteDetector", "guardduty:UpdateDetector",
	"kms:DisableKey", "kms:DisableKeyRotation", "kms:PutKeyPolicy",
	"logs:DeleteLogGroup", "logs:DeleteRetentionPolicy",
	"macie2:DisableMacie",
	"securityhub:BatchDisableStandards", "securityhub:DisableSecurityHub",
	"wafv2:DeleteLoggingConfiguration",
}

// BoundaryStatements is the permissions boundary of every role the environment's stacks create
// and of the CloudFormation execution role itself (cdk bootstrap --custom-permissions-boundary).
// A boundary grants nothing; it caps. runtime is the derived ceiling of the runtime roles
// (access.Ceiling: service:* entries and single IAM/STS actions); the execution role's ceiling is
// the services of its execution policy. Deny statements name actions.
func BoundaryStatements(t Target, executionServices, runtime []string) []Statement {
	exec := t.ExecutionRoleARNs() // one per bootstrap region
	notExec := map[string]map[string][]string{"ArnNotEquals": {"aws:PrincipalArn": exec}}
	var services, actions []string
	for _, a := range runtime {
		if strings.HasSuffix(a, ":*") {
			services = append(services, a)
		} else {
			actions = append(actions, a)
		}
	}
	var deploy []string
	for _, s := range executionServices {
		deploy = append(deploy, s+":*")
	}
	sort.Strings(deploy)
	return []Statement{
		{Sid: "CeilingRuntimeServices", Effect: "Allow", Actions: services, Resources: []string{"*"}},
		{Sid: "CeilingRuntimeActions", Effect: "Allow", Actions: actions, Resources: []string{"*"}},
		{Sid: "CeilingCloudFormationExecution", Effect: "Allow", Actions: deploy, Resources: []string{"*"},
			Conditions: map[string]map[string][]string{"ArnEquals": {"aws:PrincipalArn": exec}}},
		{Sid: "DenyIAMUsersAndLongLivedCredentials", Effect: "Deny",
			Actions: []string{"iam:AddUserToGroup", "iam:AttachUserPolicy", "iam:CreateAccessKey", "iam:CreateGroup", "iam:CreateLoginProfile",
				"iam:CreateServiceSpecificCredential", "iam:CreateUser", "iam:PutUserPolicy", "iam:UpdateAccessKey", "iam:UpdateLoginProfile",
				"iam:UploadSSHPublicKey", "iam:UploadSigningCertificate"},
			Resources: []string{"*"}},
		{Sid: "DenyBoundaryRemoval", Effect: "Deny", Actions: []string{"iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"}, Resources: []string{"*"}},
		{Sid: "DenyRolesWithoutTheBoundary", Effect: "Deny",
			Actions:    []string{"iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:AttachRolePolicy", "iam:PutRolePolicy"},
			Resources:  []string{"*"},
			Conditions: map[string]map[string][]string{"StringNotEquals": {"iam:PermissionsBoundary": {t.BoundaryARN()}}}},
		{Sid: "DenyAdministratorPolicies", Effect: "Deny", Actions: []string{"iam:AttachRolePolicy"}, Resources: []string{"*"},
			Conditions: map[string]map[string][]string{"ArnEquals": {"iam:PolicyARN": {
				"arn:" + t.partition() + ":iam::aws:policy/AdministratorAccess",
				"arn:" + t.partition() + ":iam::aws:policy/IAMFullAccess",
				"arn:" + t.partition() + ":iam::aws:policy/PowerUserAccess",
			}}}},
		{Sid: "DenyChangesToDeliveryAndBootstrap", Effect: "Deny", Actions: iamWriteVerbs, Resources: t.DeliveryARNs()},
		{Sid: "DenyOrganizationsAndAccountSettings", Effect: "Deny", Actions: []string{"account:*", "organizations:*"}, Resources: []string{"*"}},
		{Sid: "DenyAuditTamperingByRuntimeRoles", Effect: "Deny", Actions: slices.Clone(AuditActions), Resources: []string{"*"}, Conditions: notExec},
		{Sid: "DenyKeyDeletion", Effect: "Deny", Actions: []string{"kms:ScheduleKeyDeletion"}, Resources: []string{"*"}},
		{Sid: "DenyDataExposure", Effect: "Deny",
			Actions: []string{"ec2:AcceptVpcPeeringConnection", "ec2:CreateVpcPeeringConnection", "ec2:ModifyImageAttribute", "ec2:ModifySnapshotAttribute",
				"lambda:CreateFunctionUrlConfig", "lambda:UpdateFunctionUrlConfig", "s3:DeleteAccountPublicAccessBlock", "s3:PutAccountPublicAccessBlock"},
			Resources: []string{"*"}},
	}
}
