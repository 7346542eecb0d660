package cideploy

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// This file is the catalog the CloudFormation execution policy is computed from: which IAM
// service each CloudFormation resource type belongs to, and what CloudFormation may do to that
// service's resources. The execution policy holds exactly the services of the resource types the
// environment's templates contain (plus Mechanics and each service's declared dependencies);
// a test recomputes this from the synthesized templates and fails on any difference.
//
// The action lists use verb wildcards (Create*, Delete*, ...) for the services whose resources
// CloudFormation creates under generated names and IDs: CloudFormation needs create, update,
// delete and read on them, and the exact calls differ between resource-handler versions. They
// never use a service-wide wildcard, never include data-plane reads (s3:GetObject on data,
// logs:GetLogEvents, secretsmanager:GetSecretValue), and are further limited by resource
// scoping, the region condition and the permissions boundary (which denies the dangerous calls
// outright, see boundary.go).
//
// These lists are the reviewed baseline. handlers.go adds, per resource type the templates hold,
// every action its CloudFormation handlers call (from the type's registry schema, handlers.json)
// that the baseline misses, unless HandlerExceptions refuses it with a reason.

// Service is what the execution role may do to one AWS service's resources.
type Service struct {
	// Actions are the service's actions (without the prefix) CloudFormation calls to create,
	// update, delete and read its resources.
	Actions []string
	// Resources scope the statement, with placeholders {partition} {region} {account} {env}
	// {qualifier}. Default: "*" limited to the environment's region by aws:RequestedRegion
	// (the resources get generated names or IDs that can't be known in advance, and several
	// of these actions support no resource-level permissions).
	Resources []string
	// Global marks a service whose API is not regional (IAM, Cost Explorer): no region condition.
	Global bool
	// Dependencies are other services' actions CloudFormation calls while handling this
	// service's resources (e.g. EKS reads subnets). Default: none.
	Dependencies []string
	// ServiceLinkedRoles are the service principals whose service-linked role the first
	// resource of this service creates (iam:CreateServiceLinkedRole, conditioned on the name).
	ServiceLinkedRoles []string
	// KMSViaService lets CloudFormation use customer-managed keys through this service
	// (e.g. Secrets Manager encrypts a generated secret with the caller's key permissions).
	KMSViaService bool
}

// resourceTypePrefixes maps the service part of a CloudFormation type (AWS::<Part>::...) to its
// IAM service prefix, where the two differ or are not simply lowercase.
var resourceTypePrefixes = map[string]string{
	"AccessAnalyzer":           "access-analyzer",
	"ApiGateway":               "apigateway",
	"ApiGatewayV2":             "apigateway",
	"ApplicationAutoScaling":   "application-autoscaling",
	"AutoScaling":              "autoscaling",
	"CE":                       "ce",
	"CertificateManager":       "acm",
	"CloudTrail":               "cloudtrail",
	"CloudWatch":               "cloudwatch",
	"Config":                   "config",
	"EC2":                      "ec2",
	"ECR":                      "ecr",
	"EKS":                      "eks",
	"ElasticLoadBalancingV2":   "elasticloadbalancing",
	"Events":                   "events",
	"GuardDuty":                "guardduty",
	"IAM":                      "iam",
	"KMS":                      "kms",
	"Lambda":                   "lambda",
	"Logs":                     "logs",
	"Macie":                    "macie2",
	"Route53":                  "route53",
	"Route53Resolver":          "route53resolver",
	"S3":                       "s3",
	"SNS":                      "sns",
	"SQS":                      "sqs",
	"SSM":                      "ssm",
	"SecretsManager":           "secretsmanager",
	"SecurityHub":              "securityhub",
	"WAFv2":                    "wafv2",
	"XRay":                     "xray",
	"ElasticLoadBalancing":     "elasticloadbalancing",
	"EventSchemas":             "schemas",
	"StepFunctions":            "states",
	"KinesisFirehose":          "firehose",
	"OpenSearchService":        "es",
	"CloudFront":               "cloudfront",
	"ResourceGroups":           "resource-groups",
	"Budgets":                  "budgets",
	"Inspector":                "inspector",
	"InspectorV2":              "inspector2",
	"Detective":                "detective",
	"Shield":                   "shield",
	"NetworkFirewall":          "network-firewall",
	"CodeBuild":                "codebuild",
	"Cognito":                  "cognito-idp",
	"DynamoDB":                 "dynamodb",
	"Kinesis":                  "kinesis",
	"Backup":                   "backup",
	"EFS":                      "elasticfilesystem",
	"ServiceCatalog":           "servicecatalog",
	"ApplicationInsights":      "applicationinsights",
	"Oam":                      "oam",
	"Synthetics":               "synthetics",
	"SSMIncidents":             "ssm-incidents",
	"SSMContacts":              "ssm-contacts",
	"Scheduler":                "scheduler",
	"Pipes":                    "pipes",
	"CloudFormation":           "cloudformation",
	"ServiceDiscovery":         "servicediscovery",
	"GlobalAccelerator":        "globalaccelerator",
	"IdentityStore":            "identitystore",
	"ResourceExplorer2":        "resource-explorer-2",
	"SecurityLake":             "securitylake",
	"CloudWatchLogs":           "logs",
	"Organizations":            "organizations",
	"VpcLattice":               "vpc-lattice",
	"AuditManager":             "auditmanager",
	"FMS":                      "fms",
	"ACMPCA":                   "acm-pca",
	"Athena":                   "athena",
	"Glue":                     "glue",
	"RDS":                      "rds",
	"ElastiCache":              "elasticache",
	"EMR":                      "elasticmapreduce",
	"SageMaker":                "sagemaker",
	"CodePipeline":             "codepipeline",
	"CodeCommit":               "codecommit",
	"CodeArtifact":             "codeartifact",
	"Signer":                   "signer",
	"MemoryDB":                 "memorydb",
	"ElasticBeanstalk":         "elasticbeanstalk",
	"NetworkManager":           "networkmanager",
	"RolesAnywhere":            "rolesanywhere",
	"InternetMonitor":          "internetmonitor",
	"Route53RecoveryReadiness": "route53-recovery-readiness",
}

// Refused resource types: VoiceVault never creates these, and the execution policy refuses to
// cover them (long-lived credentials, identities outside roles, account-wide changes).
var refused = map[string]string{
	"AWS::IAM::User":                "IAM users: VoiceVault uses roles only",
	"AWS::IAM::AccessKey":           "access keys are long-lived credentials",
	"AWS::IAM::Group":               "IAM groups hold users; VoiceVault uses roles only",
	"AWS::IAM::UserToGroupAddition": "IAM users: VoiceVault uses roles only",
	"AWS::IAM::UserPolicy":          "IAM users: VoiceVault uses roles only",
	"AWS::IAM::GroupPolicy":         "IAM groups: VoiceVault uses roles only",
	"AWS::IAM::SAMLProvider":        "identity federation belongs to the account, not to an environment",
	"AWS::IAM::VirtualMFADevice":    "MFA devices belong to users",
	"AWS::CloudFormation::Stack":    "nested stacks would need a separate review of their templates",
	"AWS::CloudFormation::Macro":    "macros run arbitrary code at deploy time",
}

// noPermissions are types CloudFormation handles itself, with no call to another service.
var noPermissions = []string{
	"AWS::CDK::Metadata",
	"AWS::CloudFormation::WaitCondition",
	"AWS::CloudFormation::WaitConditionHandle",
}

// ServiceOf returns the IAM service prefix whose permissions CloudFormation needs to handle a
// resource of type typ; "" for types that need none. Custom resources (Custom::* and
// AWS::CloudFormation::CustomResource) map to lambda: CloudFormation invokes their provider
// function. It fails for types the execution policy refuses or does not know.
func ServiceOf(typ string) (string, error) {
	if reason, ok := refused[typ]; ok {
		return "", fmt.Errorf("resource type %s is refused by the CloudFormation execution policy: %s", typ, reason)
	}
	if slices.Contains(noPermissions, typ) {
		return "", nil
	}
	if IsCustomResource(typ) {
		return "lambda", nil
	}
	parts := strings.Split(typ, "::")
	if len(parts) != 3 || parts[0] != "AWS" {
		return "", fmt.Errorf("resource type %q is not AWS::<Service>::<Resource> or Custom::<Name>", typ)
	}
	if svc, ok := resourceTypePrefixes[parts[1]]; ok {
		return svc, nil
	}
	return "", fmt.Errorf("resource type %s: its service %q has no IAM prefix in constructs/cideploy/catalog.go (add it to resourceTypePrefixes)", typ, parts[1])
}

// IsCustomResource reports whether typ is a custom resource backed by a Lambda function.
func IsCustomResource(typ string) bool {
	return strings.HasPrefix(typ, "Custom::") || typ == "AWS::CloudFormation::CustomResource"
}

// Mechanic is a permission CloudFormation or the CDK needs whatever the templates contain.
type Mechanic struct {
	Service string
	Actions []string
	// Resources, with the placeholders of Service.Resources.
	Resources []string
	Reason    string
}

// Mechanics are in every execution policy. sts is not among them: the execution role assumes
// no role (CloudFormation assumes it); sts:AssumeRole belongs to the deploy and diff roles.
var Mechanics = []Mechanic{
	{
		Service: "ssm",
		Actions: []string{"ssm:GetParameter", "ssm:GetParameters"},
		Resources: []string{
			"arn:{partition}:ssm:{region}:{account}:parameter/cdk-bootstrap/{qualifier}/*",
			"arn:{partition}:ssm:{region}:{account}:parameter/voicevault/{env}/*",
			"arn:{partition}:ssm:{region}::parameter/aws/service/*",
		},
		Reason: "CloudFormation resolves SSM-typed template parameters and {{resolve:ssm}} references: the CDK bootstrap version, the platform-to-tenant contract (/voicevault/<env>/), public AMI and service parameters (/aws/service/)",
	},
	{
		Service:   "s3",
		Actions:   []string{"s3:GetObject", "s3:GetObjectVersion"},
		Resources: []string{"arn:{partition}:s3:::cdk-{qualifier}-assets-{account}-{region}/*"},
		Reason:    "services read CDK file assets (Lambda code, the kubectl layer) from the bootstrap bucket with the caller's credentials",
	},
}

// MechanicServices are the services of Mechanics, sorted.
func MechanicServices() []string {
	var out []string
	for _, m := range Mechanics {
		if !slices.Contains(out, m.Service) {
			out = append(out, m.Service)
		}
	}
	sort.Strings(out)
	return out
}

// Catalog is the execution-policy entry of every service a VoiceVault template may use, by IAM
// prefix. A resource type whose service is missing here fails the synth with a message naming it.
var Catalog = map[string]Service{
	"access-analyzer": {
		Actions:            []string{"CreateAnalyzer", "DeleteAnalyzer", "GetAnalyzer", "ListAnalyzers", "UpdateAnalyzer", "CreateArchiveRule", "DeleteArchiveRule", "UpdateArchiveRule", "GetArchiveRule", "ListArchiveRules", "ApplyArchiveRule", "TagResource", "UntagResource", "ListTagsForResource"},
		ServiceLinkedRoles: []string{"access-analyzer.amazonaws.com"},
	},
	"acm": {
		Actions: []string{"RequestCertificate", "DeleteCertificate", "DescribeCertificate", "ListCertificates", "AddTagsToCertificate", "RemoveTagsFromCertificate", "ListTagsForCertificate", "UpdateCertificateOptions"},
	},
	"apigateway": {
		// API Gateway's IAM actions are the HTTP methods of its management API.
		Actions:            []string{"GET", "POST", "PUT", "PATCH", "DELETE", "UpdateRestApiPolicy", "AddCertificateToDomain", "RemoveCertificateFromDomain", "SetWebACL"},
		Resources:          []string{"arn:{partition}:apigateway:{region}::/*"},
		Dependencies:       []string{"ec2:DescribeVpcs", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "elasticloadbalancing:DescribeLoadBalancers", "acm:DescribeCertificate", "logs:DescribeLogGroups"},
		ServiceLinkedRoles: []string{"ops.apigateway.amazonaws.com"},
	},
	"autoscaling": {
		Actions:            []string{"CreateAutoScalingGroup", "UpdateAutoScalingGroup", "DeleteAutoScalingGroup", "Describe*", "CreateOrUpdateTags", "DeleteTags", "PutLifecycleHook", "DeleteLifecycleHook", "PutScalingPolicy", "DeletePolicy", "SetInstanceProtection", "EnableMetricsCollection", "DisableMetricsCollection"},
		Dependencies:       []string{"ec2:RunInstances", "ec2:CreateTags"},
		ServiceLinkedRoles: []string{"autoscaling.amazonaws.com"},
	},
	"athena": {
		// The environment's audit workgroup and its saved queries (constructs/auditqueries).
		Actions:   []string{"CreateWorkGroup", "DeleteWorkGroup", "GetWorkGroup", "UpdateWorkGroup", "CreateNamedQuery", "DeleteNamedQuery", "GetNamedQuery", "UpdateNamedQuery", "ListNamedQueries", "TagResource", "UntagResource", "ListTagsForResource"},
		Resources: []string{"arn:{partition}:athena:{region}:{account}:workgroup/voicevault-{env}-*"},
		// The workgroup handler checks its output location and key (registry schema of AWS::Athena::WorkGroup).
		Dependencies: []string{"s3:GetBucketLocation", "kms:DescribeKey"},
		// The registry schema's create handler lists iam:CreateServiceLinkedRole: allowed for
		// Athena's own service name only (the service-linked-role statement's condition).
		ServiceLinkedRoles: []string{"athena.amazonaws.com"},
	},
	"ce": {
		Actions: []string{"CreateAnomalyMonitor", "UpdateAnomalyMonitor", "DeleteAnomalyMonitor", "GetAnomalyMonitors", "CreateAnomalySubscription", "UpdateAnomalySubscription", "DeleteAnomalySubscription", "GetAnomalySubscriptions", "TagResource", "UntagResource", "ListTagsForResource"},
		Global:  true, // Cost Explorer answers in us-east-1 only
	},
	"cloudtrail": {
		Actions:            []string{"CreateTrail", "DeleteTrail", "UpdateTrail", "StartLogging", "StopLogging", "GetTrail", "GetTrailStatus", "DescribeTrails", "ListTrails", "PutEventSelectors", "GetEventSelectors", "PutInsightSelectors", "GetInsightSelectors", "AddTags", "RemoveTags", "ListTags"},
		Dependencies:       []string{"s3:GetBucketPolicy", "kms:DescribeKey", "logs:DescribeLogGroups"},
		ServiceLinkedRoles: []string{"cloudtrail.amazonaws.com"},
	},
	"cloudwatch": {
		Actions: []string{"PutMetricAlarm", "PutCompositeAlarm", "DeleteAlarms", "DescribeAlarms", "EnableAlarmActions", "DisableAlarmActions", "PutDashboard", "DeleteDashboards", "GetDashboard", "PutAnomalyDetector", "DeleteAnomalyDetector", "DescribeAnomalyDetectors", "TagResource", "UntagResource", "ListTagsForResource"},
	},
	"config": {
		Actions:            []string{"Put*", "Delete*", "Describe*", "Get*", "List*", "StartConfigurationRecorder", "StopConfigurationRecorder", "TagResource", "UntagResource"},
		Dependencies:       []string{"s3:GetBucketAcl", "s3:GetBucketPolicy", "sns:GetTopicAttributes"},
		ServiceLinkedRoles: []string{"config.amazonaws.com"},
	},
	"ec2": {
		Actions: []string{"Describe*", "GetManagedPrefixListEntries", "GetLaunchTemplateData", "GetSecurityGroupsForVpc", "Create*", "Delete*", "Modify*", "Associate*", "Disassociate*", "Attach*", "Detach*", "Authorize*", "Revoke*", "Replace*", "Allocate*", "Release*", "UpdateSecurityGroupRuleDescriptionsEgress", "UpdateSecurityGroupRuleDescriptionsIngress"},
	},
	"ecr": {
		Actions:       []string{"CreateRepository", "DeleteRepository", "DescribeRepositories", "PutImageScanningConfiguration", "PutImageTagMutability", "PutLifecyclePolicy", "DeleteLifecyclePolicy", "GetLifecyclePolicy", "SetRepositoryPolicy", "DeleteRepositoryPolicy", "GetRepositoryPolicy", "PutReplicationConfiguration", "DescribeRegistry", "PutRegistryScanningConfiguration", "GetRegistryScanningConfiguration", "CreatePullThroughCacheRule", "DeletePullThroughCacheRule", "DescribePullThroughCacheRules", "CreateRepositoryCreationTemplate", "DeleteRepositoryCreationTemplate", "DescribeRepositoryCreationTemplates", "UpdateRepositoryCreationTemplate", "TagResource", "UntagResource", "ListTagsForResource"},
		KMSViaService: true,
	},
	"eks": {
		Actions:            []string{"Describe*", "List*", "Create*", "Delete*", "Update*", "Associate*", "Disassociate*", "TagResource", "UntagResource"},
		Dependencies:       []string{"ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeVpcs", "ec2:DescribeLaunchTemplateVersions", "kms:DescribeKey", "ssm:GetParameter"},
		ServiceLinkedRoles: []string{"eks.amazonaws.com", "eks-nodegroup.amazonaws.com"},
		KMSViaService:      true,
	},
	"elasticloadbalancing": {
		Actions:            []string{"Describe*", "Create*", "Delete*", "Modify*", "AddTags", "RemoveTags", "AddListenerCertificates", "RemoveListenerCertificates", "SetSecurityGroups", "SetSubnets", "SetIpAddressType", "SetRulePriorities", "RegisterTargets", "DeregisterTargets"},
		Dependencies:       []string{"ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeVpcs", "ec2:DescribeInternetGateways", "ec2:DescribeAccountAttributes", "acm:DescribeCertificate"},
		ServiceLinkedRoles: []string{"elasticloadbalancing.amazonaws.com"},
	},
	"events": {
		Actions:   []string{"PutRule", "DeleteRule", "DescribeRule", "EnableRule", "DisableRule", "PutTargets", "RemoveTargets", "ListTargetsByRule", "TagResource", "UntagResource", "ListTagsForResource"},
		Resources: []string{"arn:{partition}:events:{region}:{account}:rule/*"},
	},
	"guardduty": {
		Actions:            []string{"Create*", "Update*", "Delete*", "Get*", "List*", "TagResource", "UntagResource"},
		ServiceLinkedRoles: []string{"guardduty.amazonaws.com", "malware-protection.guardduty.amazonaws.com", "malware-protection-plan.guardduty.amazonaws.com"},
	},
	"glue": {
		// The CloudTrail table of the audit queries: its database and tables only (no crawlers, no jobs).
		Actions: []string{"CreateDatabase", "DeleteDatabase", "GetDatabase", "UpdateDatabase", "CreateTable", "DeleteTable", "GetTable", "UpdateTable", "GetTags", "TagResource", "UntagResource"},
		Resources: []string{
			"arn:{partition}:glue:{region}:{account}:catalog",
			"arn:{partition}:glue:{region}:{account}:database/voicevault_{env_}_audit",
			"arn:{partition}:glue:{region}:{account}:table/voicevault_{env_}_audit/*",
		},
	},
	"kms": {
		// CreateKey supports no resource-level permission. ScheduleKeyDeletion is absent: keys are
		// retained, and the boundary denies it.
		Actions: []string{"CreateKey", "CreateAlias", "DeleteAlias", "UpdateAlias", "DescribeKey", "GetKeyPolicy", "GetKeyRotationStatus", "ListAliases", "ListKeyPolicies", "ListResourceTags", "PutKeyPolicy", "EnableKeyRotation", "EnableKey", "UpdateKeyDescription", "TagResource", "UntagResource"},
	},
	"lambda": {
		Actions: []string{"CreateFunction", "DeleteFunction", "GetFunction", "GetFunctionConfiguration", "UpdateFunctionCode", "UpdateFunctionConfiguration", "PublishVersion", "ListVersionsByFunction", "PutFunctionConcurrency", "DeleteFunctionConcurrency", "GetFunctionCodeSigningConfig", "GetRuntimeManagementConfig", "PutRuntimeManagementConfig", "AddPermission", "RemovePermission", "GetPolicy", "CreateAlias", "UpdateAlias", "DeleteAlias", "GetAlias", "PutFunctionEventInvokeConfig", "DeleteFunctionEventInvokeConfig", "GetFunctionRecursionConfig", "PutFunctionRecursionConfig", "TagResource", "UntagResource", "ListTags", "PublishLayerVersion", "DeleteLayerVersion", "GetLayerVersion"},
		Resources: []string{
			"arn:{partition}:lambda:{region}:{account}:function:{env}-*",
			"arn:{partition}:lambda:{region}:{account}:function:voicevault-{env}-*",
			"arn:{partition}:lambda:{region}:{account}:layer:*",
		},
		Dependencies:  []string{"ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs"},
		KMSViaService: true,
	},
	"logs": {
		// No logs:Get*: that would read log content.
		Actions: []string{"CreateLogGroup", "DeleteLogGroup", "PutRetentionPolicy", "DeleteRetentionPolicy", "AssociateKmsKey", "DisassociateKmsKey", "Describe*", "ListTagsForResource", "ListTagsLogGroup", "TagResource", "UntagResource", "TagLogGroup", "UntagLogGroup", "PutResourcePolicy", "DeleteResourcePolicy", "PutMetricFilter", "DeleteMetricFilter", "PutSubscriptionFilter", "DeleteSubscriptionFilter", "PutDataProtectionPolicy", "GetDataProtectionPolicy", "DeleteDataProtectionPolicy", "CreateLogDelivery", "GetLogDelivery", "UpdateLogDelivery", "DeleteLogDelivery", "ListLogDeliveries", "PutDeliverySource", "PutDeliveryDestination", "PutDeliveryDestinationPolicy", "CreateDelivery", "DeleteDelivery", "DeleteDeliverySource", "DeleteDeliveryDestination", "GetDelivery", "GetDeliverySource", "GetDeliveryDestination"},
	},
	"macie2": {
		Actions:            []string{"EnableMacie", "DisableMacie", "GetMacieSession", "UpdateMacieSession", "Create*", "Update*", "Delete*", "Describe*", "List*", "GetAllowList", "GetCustomDataIdentifier", "GetFindingsFilter", "GetClassificationExportConfiguration", "PutClassificationExportConfiguration", "GetAutomatedDiscoveryConfiguration", "UpdateAutomatedDiscoveryConfiguration", "TagResource", "UntagResource"},
		ServiceLinkedRoles: []string{"macie.amazonaws.com"},
	},
	"route53": {
		Actions: []string{"ChangeResourceRecordSets", "GetChange", "GetHostedZone", "ListHostedZones", "ListResourceRecordSets", "ListHostedZonesByName"},
		Global:  true,
	},
	"route53resolver": {
		Actions:      []string{"Create*", "Delete*", "Update*", "Get*", "List*", "Associate*", "Disassociate*", "ImportFirewallDomains", "PutResolverQueryLogConfigPolicy", "PutFirewallRuleGroupPolicy", "TagResource", "UntagResource"},
		Dependencies: []string{"ec2:DescribeVpcs", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:DescribeNetworkInterfaces"},
		// Query logging to CloudWatch Logs creates AWSServiceRoleForRoute53Resolver on first use.
		ServiceLinkedRoles: []string{"route53resolver.amazonaws.com"},
	},
	"s3": {
		// Bucket configuration only: no object reads or writes on VoiceVault's buckets.
		Actions: []string{"CreateBucket", "DeleteBucket", "ListBucket", "GetBucket*", "PutBucket*", "DeleteBucketPolicy", "DeleteBucketOwnershipControls", "GetEncryptionConfiguration", "PutEncryptionConfiguration", "GetLifecycleConfiguration", "PutLifecycleConfiguration", "GetReplicationConfiguration", "PutReplicationConfiguration", "GetAccelerateConfiguration", "GetAnalyticsConfiguration", "GetIntelligentTieringConfiguration", "GetInventoryConfiguration", "PutInventoryConfiguration", "GetMetricsConfiguration", "PutMetricsConfiguration", "GetObjectLockConfiguration", "PutObjectLockConfiguration"},
		Resources: []string{
			"arn:{partition}:s3:::vv-*-{env}-{account}-{region}",
			"arn:{partition}:s3:::{env}-*",
			"arn:{partition}:s3:::voicevault-{env}-*",
		},
	},
	"secretsmanager": {
		// No GetSecretValue: CloudFormation never needs to read a secret back.
		Actions:       []string{"CreateSecret", "DeleteSecret", "DescribeSecret", "UpdateSecret", "PutSecretValue", "RotateSecret", "CancelRotateSecret", "GetRandomPassword", "PutResourcePolicy", "DeleteResourcePolicy", "GetResourcePolicy", "ValidateResourcePolicy", "ReplicateSecretToRegions", "RemoveRegionsFromReplication", "ListSecrets", "TagResource", "UntagResource"},
		KMSViaService: true,
	},
	"securityhub": {
		// No BatchUpdateFindings / BatchImportFindings: deploys don't touch findings.
		Actions:            []string{"EnableSecurityHub", "DisableSecurityHub", "DescribeHub", "UpdateSecurityHubConfiguration", "BatchEnableStandards", "BatchDisableStandards", "GetEnabledStandards", "DescribeStandards", "DescribeStandardsControls", "UpdateStandardsControl", "BatchGetSecurityControls", "UpdateSecurityControl", "BatchGetAutomationRules", "CreateAutomationRule", "BatchUpdateAutomationRules", "BatchDeleteAutomationRules", "ListAutomationRules", "EnableImportFindingsForProduct", "DisableImportFindingsForProduct", "ListEnabledProductsForImport", "CreateInsight", "UpdateInsight", "DeleteInsight", "GetInsights", "TagResource", "UntagResource", "ListTagsForResource"},
		ServiceLinkedRoles: []string{"securityhub.amazonaws.com"},
	},
	"sns": {
		Actions: []string{"CreateTopic", "DeleteTopic", "GetTopicAttributes", "SetTopicAttributes", "Subscribe", "Unsubscribe", "GetSubscriptionAttributes", "SetSubscriptionAttributes", "ListSubscriptionsByTopic", "PutDataProtectionPolicy", "GetDataProtectionPolicy", "TagResource", "UntagResource", "ListTagsForResource"},
		Resources: []string{
			"arn:{partition}:sns:{region}:{account}:{env}-*",
			"arn:{partition}:sns:{region}:{account}:voicevault-{env}-*",
		},
		KMSViaService: true,
	},
	"sqs": {
		Actions:       []string{"CreateQueue", "DeleteQueue", "GetQueueAttributes", "SetQueueAttributes", "GetQueueUrl", "ListQueueTags", "TagQueue", "UntagQueue"},
		KMSViaService: true,
	},
	"ssm": {
		Actions: []string{"PutParameter", "DeleteParameter", "GetParameter", "GetParameters", "DescribeParameters", "AddTagsToResource", "RemoveTagsFromResource", "ListTagsForResource"},
	},
	"wafv2": {
		Actions:            []string{"Create*", "Delete*", "Update*", "Get*", "List*", "Describe*", "AssociateWebACL", "DisassociateWebACL", "PutLoggingConfiguration", "DeleteLoggingConfiguration", "CheckCapacity", "TagResource", "UntagResource"},
		Dependencies:       []string{"apigateway:SetWebACL", "elasticloadbalancing:SetWebAcl", "logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"},
		ServiceLinkedRoles: []string{"wafv2.amazonaws.com"},
	},
	"xray": {
		Actions: []string{"CreateGroup", "UpdateGroup", "DeleteGroup", "GetGroup", "CreateSamplingRule", "UpdateSamplingRule", "DeleteSamplingRule", "GetSamplingRules", "PutResourcePolicy", "DeleteResourcePolicy", "ListResourcePolicies", "TagResource", "UntagResource", "ListTagsForResource"},
	},
}
