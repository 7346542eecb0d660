package cideploy

import (
	"slices"
	"sort"
)

// RuntimeServices are the services VoiceVault's roles call at run time: the EKS cluster and its
// nodes (EC2, ELB, ECR, Auto Scaling, SSM agent), controllers (ELB, WAF, Shield, ACM, tagging),
// Lambda functions (authorizer, kubectl and custom-resource providers: logs, X-Ray, Secrets
// Manager, SQS dead-letter queues), tenant workloads (S3, KMS through Pod Identity), alarms
// (CloudWatch, SNS) and the AWS Config recorder role. The boundary is the ceiling of every role
// the app creates: a role's own policy still grants only what its construct asked for.
var RuntimeServices = []string{
	"acm", "autoscaling", "cloudwatch", "config", "ec2", "ec2messages", "ecr", "eks", "elasticloadbalancing",
	"kms", "lambda", "logs", "s3", "secretsmanager", "shield", "sns", "sqs", "ssm", "ssmmessages",
	"tag", "wafv2", "xray",
}

// RuntimeActions are single actions of services otherwise outside the ceiling.
var RuntimeActions = []string{
	"eks-auth:AssumeRoleForPodIdentity", // the Pod Identity agent on the nodes
	"iam:CreateServiceLinkedRole",       // EKS, ELB and Auto Scaling create their service-linked roles on first use
	"iam:GetRole",
	"iam:ListAttachedRolePolicies",
	"sts:AssumeRole", // the kubectl provider assumes the cluster's kubectl role
	"sts:GetCallerIdentity",
	"sts:TagSession",
}

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
// A boundary grants nothing; it caps. Its Allow statements name whole services (the 6,144
// characters of one managed policy can't hold every action), the Deny statements name actions.
func BoundaryStatements(t Target, executionServices []string) []Statement {
	exec := t.ExecutionRoleARNs() // one per bootstrap region
	notExec := map[string]map[string][]string{"ArnNotEquals": {"aws:PrincipalArn": exec}}
	var runtime []string
	for _, s := range RuntimeServices {
		runtime = append(runtime, s+":*")
	}
	var deploy []string
	for _, s := range executionServices {
		deploy = append(deploy, s+":*")
	}
	sort.Strings(deploy)
	return []Statement{
		{Sid: "CeilingRuntimeServices", Effect: "Allow", Actions: runtime, Resources: []string{"*"}},
		{Sid: "CeilingRuntimeActions", Effect: "Allow", Actions: slices.Clone(RuntimeActions), Resources: []string{"*"}},
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
				"arn:" + t.Partition() + ":iam::aws:policy/AdministratorAccess",
				"arn:" + t.Partition() + ":iam::aws:policy/IAMFullAccess",
				"arn:" + t.Partition() + ":iam::aws:policy/PowerUserAccess",
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
