package compliance

import "slices"

// Suppression is one reviewed exception to a nag rule.
type Suppression struct {
	Rule      string   // The nag rule ID, e.g. AwsSolutions-IAM4.
	Path      string   // Resource path below its stack, path.Match syntax (e.g. "Cluster/*/Resource").
	AppliesTo []string // For granular rules: the exact findings (e.g. "Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSWorkerNodePolicy").
	Reason    string   // Why the finding is acceptable; shown in nag reports and the audit report.
	Owner     string   // Who reviewed it and answers for it.
}

// Registry is every suppression VoiceVault makes. Add an entry only with a reason a reviewer
// would accept, the narrowest path and, for granular rules, appliesTo. A test fails on an entry
// that no longer matches any finding.
//
// It is the AwsSolutions entries below, then the HIPAA, NIST 800-53 and PCI DSS entries
// (compliancePackEntries), where one reviewed exception is repeated for each pack that reports
// the same rule under its own prefix.
var Registry = slices.Concat(awsSolutionsEntries, compliancePackEntries)

// awsSolutionsEntries are the AwsSolutions pack's exceptions.
var awsSolutionsEntries = []Suppression{
	// API front door (tenant stacks).
	{
		Rule: "AwsSolutions-COG4", Path: "API/API/Default/v1/*/*/Resource",
		Reason: "Tenants bring their own OIDC issuer (Google, Okta, Keycloak, …), not a Cognito user pool: every method uses the tenant's Lambda REQUEST authorizer, which verifies the JWT's signature against the issuer's JWKS, iss, aud, exp/nbf and the tenant claim (or a partner API key against HMAC hashes) and fails closed",
		Owner:  "api-edge",
	},
	{
		Rule: "AwsSolutions-COG4", Path: "API/API/Default/v1/*/*/*/Resource",
		Reason: "Tenants bring their own OIDC issuer, not a Cognito user pool: every method uses the tenant's Lambda REQUEST authorizer, which verifies the JWT against the issuer's JWKS (or a partner API key against HMAC hashes) and fails closed",
		Owner:  "api-edge",
	},
	{
		Rule: "AwsSolutions-IAM5", Path: "Authorizer/Policy/Resource", AppliesTo: []string{"Resource::*"},
		Reason: "X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords have no resource-level permissions; every other statement of the authorizer's role names its own log group, secret or key",
		Owner:  "api-edge",
	},
	{
		Rule: "AwsSolutions-SMG4", Path: "Authorizer/APIKeys/Resource",
		Reason: apiKeySecretRotation,
		Owner:  "api-edge",
	},
	// API Gateway account logging role (platform stacks).
	{
		Rule: "AwsSolutions-IAM5", Path: "APIGatewayLoggingPolicy/Resource",
		AppliesTo: []string{
			"Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:API-Gateway-Execution-Logs_*",
			"Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/voicevault/*/tenant/*/api-access:*",
			"Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:*",
		},
		Reason: "API Gateway's logging role is one per account and Region and serves every tenant API there: execution log groups are named by API Gateway after each API's ID (API-Gateway-Execution-Logs_<id>/<stage>), unknown to the platform stack; access log groups are the tenants' /voicevault/<env>/tenant/<name>/api-access. Only stream-writing actions on those names; logs:DescribeLogGroups is a list action without resource-level scoping. The role cannot create log groups",
		Owner:  "api-edge",
	},
	// Tenant workload (constructs/audiostore grant to constructs/tenantidentity's role).
	{
		Rule:      "AwsSolutions-IAM5",
		Path:      "Audio/ReadWriteIdentityRole/Resource",
		AppliesTo: []string{"Resource::<AudioBucket3176805C.Arn>/voices/*"},
		Reason: "A tenant's TTS pods read and write the objects of their voices, whose keys are created at run time " +
			"(voices/<voiceId>/...); S3 can only scope object access by key prefix. The wildcard is the tenant's own " +
			"bucket's voices/ prefix, nothing else; its key is usable only through S3 for that bucket.",
		Owner: "tenant",
	},
	// Security baseline (constructs/accesslogs, constructs/posture).
	{
		Rule: "AwsSolutions-S1",
		Path: "AccessLogs/Resource",
		Reason: "This is the environment's S3 server-access-log bucket, the target of every other bucket's access " +
			"logs; logging its own accesses into itself would loop. cdk-nag recognizes a log target only when a " +
			"bucket in the same stack logs to it, which is not the case when CloudTrail and Config are switched " +
			"off (tenant buckets log to it from their own stacks).",
		Owner: "baseline",
	},
	{
		Rule:      "AwsSolutions-IAM4",
		Path:      "Posture/ConfigRole/Resource",
		AppliesTo: []string{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWS_ConfigRole"},
		Reason: "The AWS Config recorder must read the configuration of every supported resource type; AWS keeps " +
			"AWS_ConfigRole (read-only Describe/Get/List) current as types are added. The alternative, the Config " +
			"service-linked role, cannot be created idempotently by CloudFormation.",
		Owner: "baseline",
	},
	{
		Rule:      "AwsSolutions-IAM5",
		Path:      "Posture/ConfigPolicy/Resource",
		AppliesTo: []string{"Resource::<PostureConfigBucketD03C92D6.Arn>/AWSLogs/<AWS::AccountId>/Config/*"},
		Reason: "AWS Config writes snapshot and history objects under AWSLogs/<account>/Config/ with names it " +
			"generates; the wildcard is limited to that prefix of the environment's own Config bucket.",
		Owner: "baseline",
	},

	// --- platform: EKS cluster, node groups, kubectl provider (owner: platform) ---
	{
		Rule: "AwsSolutions-IAM4", Path: "EKS/Cluster/Role/Resource",
		AppliesTo: []string{
			"Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSClusterPolicy",
			"Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSComputePolicy",
			"Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSBlockStoragePolicy",
			"Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSLoadBalancingPolicy",
			"Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSNetworkingPolicy",
		},
		Reason: "EKS cluster service role, assumable only by eks.amazonaws.com. EKS requires AmazonEKSClusterPolicy, and EKS Auto Mode (used for its load-balancer controller) requires the four capability policies; AWS maintains them with the features, and they are scoped by tag conditions to resources the cluster creates",
		Owner:  "platform",
	},
	{
		Rule: "AwsSolutions-IAM4", Path: "EKS/VPCCNIRole/Resource",
		AppliesTo: []string{"Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKS_CNI_Policy"},
		Reason:    "VPC CNI (aws-node) Pod Identity role, trusted only for kube-system/aws-node of this cluster. AmazonEKS_CNI_Policy is the policy AWS maintains for the CNI's ENI and IP management; keeping it off the node roles is the point of this role",
		Owner:     "platform",
	},
	{
		Rule: "AwsSolutions-IAM4", Path: "*Nodes/NodeRole/Resource",
		AppliesTo: []string{
			"Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSWorkerNodePolicy",
			"Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
		},
		Reason: "EKS managed node group role: EKS requires AmazonEKSWorkerNodePolicy (join the cluster, Pod Identity), and AmazonEC2ContainerRegistryPullOnly is the narrowest AWS policy for image pulls (no list or describe). Nothing else is attached; the CNI has its own Pod Identity role",
		Owner:  "platform",
	},
	{
		Rule: "AwsSolutions-IAM4", Path: "*GPUNodePool/NodeRole/Resource",
		AppliesTo: []string{
			"Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSWorkerNodeMinimalPolicy",
			"Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
		},
		Reason: "EKS Auto Mode node role of a custom NodeClass (GPU node pool): the EKS user guide's Auto Mode node role policies, AmazonEKSWorkerNodeMinimalPolicy (join the cluster, Pod Identity; no EC2 describe) and AmazonEC2ContainerRegistryPullOnly (image pulls only). Nothing else is attached; networking runs in Auto Mode's managed capability",
		Owner:  "platform",
	},
	{
		Rule: "AwsSolutions-IAM5", Path: "EKS/KubectlPolicy/Resource",
		AppliesTo: []string{"Resource::*", "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*"},
		Reason:    "kubectl handler in the VPC: Lambda needs ec2:DescribeNetworkInterfaces/DescribeSubnets (no resource-level permissions exist, hence *) and to delete and re-address the network interfaces it creates, whose IDs do not exist before; creation itself is scoped to the private subnets and the kubectl security group",
		Owner:     "platform",
	},
	{
		Rule: "AwsSolutions-IAM5", Path: "Observability/AgentPolicy/Resource",
		AppliesTo: []string{`/^Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/voicevault/[a-z0-9-]+/tenant/\*/pods:\*$/`},
		Reason:    "Fluent Bit writes each tenant's container logs to that tenant's pod log group /voicevault/<env>/tenant/<name>/pods: one pattern for the environment's tenants (the tenant name is the only wildcard, the environment and the /pods suffix are fixed), because one ARN per tenant would outgrow a managed policy's 6,144 characters at about 60 tenants; the trailing :* is the groups' log streams, created per node and container. Only CreateLogStream, PutLogEvents and DescribeLogStreams; the groups are created encrypted with each tenant's key by the tenant stacks, and Fluent Bit's routing sends each namespace to its own group",
		Owner:     "platform",
	},
	{
		Rule: "AwsSolutions-IAM5", Path: "PodScaler/Policy/Resource",
		AppliesTo: []string{"Resource::*", "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*"},
		Reason:    "a tenant's pod scaler in the VPC: Lambda needs ec2:DescribeNetworkInterfaces/DescribeSubnets (no resource-level permissions exist, hence *) and to delete and re-address the network interfaces it creates, whose IDs do not exist before; creation itself is scoped to the private subnets and the environment's pod scaler security group. The role has no other AWS permission than its log group",
		Owner:     "platform",
	},
	{
		Rule: "AwsSolutions-IAM5", Path: "EKS/Cluster/KubectlProvider/Provider/framework-onEvent/ServiceRole/DefaultPolicy/Resource",
		AppliesTo: []string{
			"Resource::*",
			"Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*",
			"Resource::<EKSClusterKubectlProviderHandlerCB238307.Arn>:*",
		},
		Reason: "kubectl provider framework function in the VPC: the same Lambda VPC permissions as the kubectl handler (describe calls have no resource-level permissions; interface IDs do not exist before creation), and invoke rights on the kubectl handler's versions and aliases (the CDK's grantInvoke), nothing else",
		Owner:  "platform",
	},
	{
		Rule: "AwsSolutions-L1", Path: "EKS/Cluster/KubectlProvider/Handler/Resource",
		Reason: "the kubectl handler's Python runtime is chosen by the CDK (determineLatestPythonRuntime) to match the AWS CLI and kubectl layers it ships with; it moves with the pinned aws-cdk-lib rather than being overridden here",
		Owner:  "platform",
	},
	{
		Rule:      "AwsSolutions-IAM5",
		Path:      "CIDeploy/D*Role/Resource",
		AppliesTo: []string{`/^Resource::arn:aws[a-z-]*:cloudformation:[a-z0-9-]+:[0-9]{12}:stack\/[a-z][a-z0-9-]*-delivery\/\*$/`},
		Reason:    "the deploy and diff roles read (DescribeStacks, GetTemplate) their own <env>-delivery stack for cdk diff; the wildcard is the stack ID CloudFormation appends to the stack name",
		Owner:     "delivery",
	},
	{
		Rule: "AwsSolutions-IAM5",
		Path: "CIDeploy/ExecutionPolicy*/Resource",
		AppliesTo: []string{
			`/^Action::[a-z0-9-]+:(Add|Allocate|Associate|Attach|Authorize|Create|Delete|Describe|Detach|Disassociate|Get|GetBucket|List|Modify|Put|PutBucket|Release|Replace|Revoke|Update)\*$/`,
		},
		Reason: "CloudFormation execution policy: CloudFormation creates, updates, deletes and reads these services' resources under generated names and IDs, and the calls it makes differ between resource-handler versions; verb wildcards (never service:*) cover them, limited to the environment's region, to the services its templates use (tested), and by the permissions boundary, which denies the dangerous calls by name",
		Owner:  "delivery",
	},
	{
		Rule:      "AwsSolutions-IAM5",
		Path:      "CIDeploy/ExecutionPolicy*/Resource",
		AppliesTo: []string{"Resource::*"},
		Reason:    "CloudFormation execution policy: resources CloudFormation creates get IDs that can't be named in advance, and several of these actions (ec2:Describe*, kms:CreateKey, guardduty:CreateDetector, ...) support no resource-level permission; every such statement carries aws:RequestedRegion = the environment's region (global services excepted: IAM, Cost Explorer, Route 53)",
		Owner:     "delivery",
	},
	{
		Rule: "AwsSolutions-IAM5",
		Path: "CIDeploy/ExecutionPolicy*/Resource",
		AppliesTo: []string{
			// IAM roles, policies and instance profiles named for the environment: <env>-* (CloudFormation's generated names start with the stack name) and voicevault-<env>-*.
			`/^Resource::arn:aws[a-z-]*:iam::[0-9]{12}:(role|policy|instance-profile)\/(voicevault-)?[a-z][a-z0-9-]*-\*$/`,
			// Service-linked roles, creation conditioned on iam:AWSServiceName (the services' principals).
			`/^Resource::arn:aws[a-z-]*:iam::[0-9]{12}:role\/aws-service-role\/\*$/`,
			// Service-linked roles' deletion, which handlers of VPC links call: one declared service principal's path.
			`/^Resource::arn:aws[a-z-]*:iam::[0-9]{12}:role\/aws-service-role\/[a-z0-9.-]+\.amazonaws\.com\/\*$/`,
			// Lambda functions named for the environment, layers, EventBridge rules and KMS keys of the environment's account and region.
			`/^Resource::arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:(function:(voicevault-)?[a-z][a-z0-9-]*-\*|layer:\*)$/`,
			`/^Resource::arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:rule\/\*$/`,
			`/^Resource::arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key\/\*$/`,
			// SNS topics named for the environment; API Gateway's management API of the region.
			`/^Resource::arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:(voicevault-)?[a-z][a-z0-9-]*-\*$/`,
			`/^Resource::arn:aws[a-z-]*:apigateway:[a-z0-9-]+::\/\*$/`,
			// S3 buckets named for the environment, and the CDK bootstrap bucket's objects (file assets).
			`/^Resource::arn:aws[a-z-]*:s3:::(vv-\*-[a-z][a-z0-9-]*-[0-9]{12}-[a-z0-9-]+|(voicevault-)?[a-z][a-z0-9-]*-\*)$/`,
			`/^Resource::arn:aws[a-z-]*:s3:::cdk-[a-z0-9]+-assets-[0-9]{12}-[a-z0-9-]+\/\*$/`,
			// SSM parameters CloudFormation resolves: the CDK bootstrap version, the environment's contract, AWS public parameters.
			`/^Resource::arn:aws[a-z-]*:ssm:[a-z0-9-]+:[0-9]{12}:parameter\/(cdk-bootstrap\/[a-z0-9]+|voicevault\/[a-z][a-z0-9-]*)\/\*$/`,
			`/^Resource::arn:aws[a-z-]*:ssm:[a-z0-9-]+::parameter\/aws\/service\/\*$/`,
			// The audit queries' Athena workgroup (voicevault-<env>-audit) and the tables of its Glue database.
			`/^Resource::arn:aws[a-z-]*:athena:[a-z0-9-]+:[0-9]{12}:workgroup\/voicevault-[a-z][a-z0-9-]*-\*$/`,
			`/^Resource::arn:aws[a-z-]*:glue:[a-z0-9-]+:[0-9]{12}:table\/voicevault_[a-z][a-z0-9_]*_audit\/\*$/`,
		},
		Reason: "CloudFormation execution policy: resources are scoped to the names the environment's stacks use (a name prefix, or the generated name CloudFormation starts with the stack name); the trailing wildcard is the generated or per-resource part of the name",
		Owner:  "delivery",
	},
	{
		Rule:      "AwsSolutions-IAM5",
		Path:      "CIDeploy/PermissionsBoundary/Resource",
		AppliesTo: []string{`/^Action::[a-z0-9-]+:\*$/`, "Action::iam:Get*", "Action::iam:List*", "Resource::*"},
		Reason:    "permissions boundary: a boundary grants nothing, it caps what identity policies may grant; whole services (and IAM's read verbs, for the AWS Config recorder) keep it within one managed policy's 6,144 characters (the runtime ceiling derived from the runtime flows and AWS managed policies, see internal/review/access; the execution role's services only under aws:PrincipalArn = the execution role), and its Deny statements name the forbidden actions",
		Owner:     "delivery",
	},
	// Audit queries (constructs/auditqueries, wired in stacks/monitoring.go).
	{
		Rule: "AwsSolutions-IAM5", Path: "AuditQueries/AuditorPolicy/Resource",
		AppliesTo: []string{
			`/^Resource::<TrailBucket[0-9A-F]{8}\.Arn>\/AWSLogs\/[0-9]{12}\/CloudTrail\/\*$/`,
			`/^Resource::<AuditQueriesResults[0-9A-F]{8}\.Arn>\/results\/\*$/`,
		},
		Reason: "the auditor policy reads the CloudTrail log files of this account (object keys are generated by CloudTrail per region and day under AWSLogs/<account>/CloudTrail/) and writes and reads Athena query results under results/ of the audit results bucket (object keys are query IDs); nothing else in either bucket",
		Owner:  "baseline",
	},
	// Tenant malware scanning (constructs/malwarescan, wired in stacks/tenant.go).
	{
		Rule: "AwsSolutions-IAM5", Path: "MalwareScan/Policy/Resource",
		AppliesTo: []string{
			"Resource::<AudioBucket3176805C.Arn>/*",
			"Resource::arn:aws:events:<AWS::Region>:<AWS::AccountId>:rule/DO-NOT-DELETE-AmazonGuardDutyMalwareProtectionS3*",
		},
		Reason: "GuardDuty Malware Protection for S3 must read and tag every new object of the tenant's own audio " +
			"bucket (object keys are created at run time, so only the bucket's objects/* can name them), and manages " +
			"its own EventBridge rules whose names GuardDuty generates under the fixed DO-NOT-DELETE-AmazonGuardDuty" +
			"MalwareProtectionS3 prefix (rule writes are further conditioned on events:ManagedBy = the GuardDuty service).",
		Owner: "tenant",
	},
}

// The packs built from AWS Config managed rules report the same rules under their own prefixes.
var (
	hipaaNISTPCI = []Pack{HIPAA, NIST80053R5, PCIDSS321}
	hipaaNIST    = []Pack{HIPAA, NIST80053R5} // the packs with the Lambda DLQ and concurrency rules
)

// inPacks repeats one reviewed exception to rule (without pack prefix, e.g. "IAMNoInlinePolicy")
// for each of packs and each of paths: one entry per pack and path, with the same reason and
// owner. AppliesTo is not used by these packs' rules (none is granular).
func inPacks(packs []Pack, rule string, paths []string, reason, owner string) []Suppression {
	var out []Suppression
	for _, p := range packs {
		for _, path := range paths {
			out = append(out, Suppression{Rule: string(p) + "-" + rule, Path: path, Reason: reason, Owner: owner})
		}
	}
	return out
}

// compliancePackEntries are the HIPAA Security, NIST 800-53 rev 5 and PCI DSS 3.2.1 packs'
// exceptions, by rule.
var compliancePackEntries = slices.Concat(
	// --- The API front door (constructs/apiedge, authorizerfn, ingress; owner api-edge).
	inPacks(hipaaNISTPCI, "LambdaInsideVPC", []string{"Authorizer/Function/Resource"}, authorizerOutsideVPC, "api-edge"),
	inPacks(hipaaNIST, "LambdaDLQ", []string{"Authorizer/Function/Resource"}, authorizerNoDLQ, "api-edge"),
	inPacks(hipaaNIST, "SecretsManagerRotationEnabled", []string{"Authorizer/APIKeys/Resource"}, apiKeySecretRotation, "api-edge"),
	inPacks(hipaaNISTPCI, "APIGWSSLEnabled", []string{"API/API/DeploymentStage.live/Resource"}, stageNoClientCertificate, "api-edge"),
	inPacks(hipaaNISTPCI, "APIGWCacheEnabledAndEncrypted", []string{"API/API/DeploymentStage.live/Resource"}, stageNoCache, "api-edge"),
	inPacks([]Pack{NIST80053R5, PCIDSS321}, "ALBWAFEnabled", []string{"Ingress/LoadBalancer/Resource"}, ingressNoWAF, "api-edge"),
	inPacks(hipaaNIST, "ELBDeletionProtectionEnabled", []string{"Ingress/LoadBalancer/Resource"}, ingressNoDeletionProtection, "api-edge"),
	inPacks(hipaaNISTPCI, "ELBv2ACMCertificateRequired", []string{"Ingress/LoadBalancer/Listener/Resource"}, ingressHTTP, "api-edge"),
	inPacks(hipaaNISTPCI, "ALBHttpToHttpsRedirection", []string{"Ingress/LoadBalancer/Listener/Resource"}, ingressHTTP, "api-edge"),

	// --- IAMNoInlinePolicy: VoiceVault's own roles get customer-managed policies (grants land in
	// an awsiam.ManagedPolicy attached to the role); these are the inline policies that remain.
	inPacks(hipaaNISTPCI, "IAMNoInlinePolicy",
		[]string{"EKS/Cluster/KubectlProvider/Provider/framework-onEvent/ServiceRole/DefaultPolicy/Resource"},
		"the CDK creates the kubectl provider's custom-resource framework function with its own role and writes "+
			"its grant (invoke and read the kubectl handler) into this inline policy, with no option to supply a role "+
			"or a managed policy; VoiceVault only adds the function's log-group and VPC network-interface statements "+
			"(replacing the AWS managed policies the CDK attached). The policy exists only on that role (assumable "+
			"by lambda.amazonaws.com), is defined in code, reviewed, and deployed only through the pipeline",
		"platform"),
	inPacks(hipaaNISTPCI, "IAMNoInlinePolicy",
		[]string{"Trail/Trail/LogsRole/DefaultPolicy/Resource"},
		"CloudTrail's delivery role to its CloudWatch log group is created by the CDK Trail construct, which writes "+
			"its one statement (logs:CreateLogStream and logs:PutLogEvents on the trail's own log group) inline and "+
			"offers no option to supply a role or policy. The policy exists only on that role (assumable by "+
			"cloudtrail.amazonaws.com), is defined in code, reviewed, and deployed only through the pipeline",
		"baseline"),
	inPacks(hipaaNISTPCI, "IAMNoInlinePolicy",
		[]string{"CIDeploy/D*Role/Resource"},
		"the GitHub deploy and diff roles keep their only permissions (assume the CDK bootstrap roles, read the "+
			"delivery stack) inline on purpose: an inline policy is part of its role, so the boundary's and the "+
			"execution policy's Deny of every IAM write to these roles (DenyChangesToDeliveryAndBootstrap) covers "+
			"their permissions too, whereas a managed policy would be a separate, versionable object under the "+
			"environment's name prefix that the CloudFormation execution role may otherwise change. The delivery "+
			"stack is deployed by an administrator only",
		"delivery"),

	// --- IAMPolicyNoStatementsWithFullAccess: the permissions boundary.
	inPacks(hipaaNISTPCI, "IAMPolicyNoStatementsWithFullAccess",
		[]string{"CIDeploy/PermissionsBoundary/Resource"},
		"a permissions boundary grants nothing: it caps the CloudFormation execution role and every role the "+
			"environment's stacks create, each of which is granted only what its construct asks for. Whole "+
			"services (service:*) keep the ceiling within one managed policy's 6,144 characters; the execution "+
			"role's services apply only under aws:PrincipalArn = the execution role, and the Deny statements name "+
			"the forbidden actions (IAM users and keys, boundary removal, administrator policies, switching the "+
			"audit services off, changes to the delivery roles)",
		"delivery"),

	// --- LambdaConcurrency: fixed (the kubectl provider's functions have reserved concurrency).
	// --- LambdaDLQ: the kubectl provider's functions; a failure fails the CloudFormation operation.
	inPacks(hipaaNIST, "LambdaDLQ",
		[]string{"EKS/Cluster/KubectlProvider/Handler/Resource"},
		"the kubectl handler is invoked only synchronously (RequestResponse) by the provider's framework "+
			"function, which receives its errors and reports them to CloudFormation as a FAILED resource (the stack "+
			"operation fails and rolls back, the deploy job fails). Lambda sends only asynchronous invocations to a "+
			"dead-letter queue, so one here could never receive anything",
		"platform"),
	inPacks(hipaaNIST, "LambdaDLQ",
		[]string{"EKS/Cluster/KubectlProvider/Provider/framework-onEvent/Resource"},
		"CloudFormation invokes the custom-resource framework function asynchronously, and the framework reports "+
			"every error of the kubectl handler to CloudFormation as FAILED: the stack operation fails and rolls back "+
			"and the deploy job fails, so the people deploying are told without a queue. A dead-letter queue would "+
			"only catch an event the function could not answer at all (e.g. a timeout), which CloudFormation also "+
			"fails after its custom-resource timeout; such an event carries a pre-signed CloudFormation response URL "+
			"and the tenant's Kubernetes manifests, which are better not kept in a queue",
		"platform"),

	// --- LambdaDLQ: a tenant's pod scaler, run by a schedule.
	inPacks(hipaaNIST, "LambdaDLQ",
		[]string{"PodScaler/Function/Resource"},
		"the pod scaler is invoked by an EventBridge schedule every minute and each run reads the whole state "+
			"again (the Deployment's scale, the ready pods, their metrics): a failed event has nothing worth "+
			"replaying, and the next run comes a minute later. Retries are off (function and target) on purpose. "+
			"Failures are counted in the function's Errors metric and raise the tenant's pod-scaler-errors alarm "+
			"to the alarm topic; the run's error is in its encrypted log group",
		"platform"),

	// --- S3BucketReplicationEnabled: data and audit logs stay in the environment's region.
	inPacks(hipaaNISTPCI, "S3BucketReplicationEnabled",
		[]string{"Audio/Bucket/Resource"},
		"a tenant's voice recordings (biometric data for some tenants) stay in the region of the environment the "+
			"tenant was placed in: cross-region replication would put a second copy in another jurisdiction (data "+
			"residency), under another key, and out of reach of erasure (S3 does not replicate version deletions, "+
			"which the erase tool and the erase lifecycle rule make, nor lifecycle expirations). Durability comes "+
			"from S3 itself (objects stored across at least three availability zones), versioning with noncurrent "+
			"versions kept for the retention period, and RETAIN on stack deletion; a tenant that needs a copy in "+
			"another region gets a dedicated environment there",
		"tenant"),
	inPacks(hipaaNISTPCI, "S3BucketReplicationEnabled",
		[]string{"AccessLogs/Resource", "Trail/Bucket/Resource", "Posture/ConfigBucket/Resource", "AuditQueries/Results/Resource"},
		"the environment's audit records (S3 server access logs, CloudTrail, AWS Config deliveries, the results of audit queries over CloudTrail) stay in its "+
			"account and region: access logs and CloudTrail data events name tenant object keys and callers, so they "+
			"follow the residency of the data they describe. Durability comes from S3 itself (at least three "+
			"availability zones), versioning, RETAIN on stack deletion and the retention lifecycle; CloudTrail log "+
			"files are integrity-validated (digest files) and the log buckets can take Object Lock. A copy in a "+
			"separate log-archive account is the AWS Organization's to run (an organization trail, a Config "+
			"aggregator), not this app's",
		"baseline"),

	// --- S3BucketLoggingEnabled: the access-log bucket itself (as AwsSolutions-S1 above).
	inPacks(hipaaNISTPCI, "S3BucketLoggingEnabled",
		[]string{"AccessLogs/Resource"},
		"this is the environment's S3 server-access-log bucket, the target of every other bucket's access logs; "+
			"logging its own accesses into itself would loop. The packs recognize a log target only when a bucket in "+
			"the same stack logs to it, which is not the case when CloudTrail and AWS Config are switched off (the "+
			"tenant buckets log to it from their own stacks); CloudTrail data events, when on, record its object accesses",
		"baseline"),

	// --- S3DefaultEncryptionKMS: the access-log bucket.
	inPacks(hipaaNISTPCI, "S3DefaultEncryptionKMS",
		[]string{"AccessLogs/Resource"},
		"S3 server access logging delivers only to buckets whose default encryption is SSE-S3 (SSE-KMS targets are "+
			"not supported), so the environment's access-log bucket, the target of every other bucket's access logs, "+
			"is encrypted with S3-managed keys (AES-256). Its policy admits only S3 log delivery from this account's "+
			"environment buckets; public access is blocked and TLS required",
		"baseline"),
)

// Reasons shared by the API front door's entries of several packs.
const (
	authorizerOutsideVPC        = "The tenant's Lambda authorizer fetches its OIDC issuer's JWKS from the Internet, and the environment's VPC has no Internet egress by default (VPC endpoints only); outside the VPC it reaches nothing private and holds no data but its own API key secret"
	authorizerNoDLQ             = "API Gateway invokes the authorizer synchronously, and a dead-letter queue only receives failed asynchronous invocations: a failure is a denied request (the authorizer fails closed), counted by the Errors alarm"
	apiKeySecretRotation        = "The secret holds HMAC-SHA256 hashes of API keys that partners hold, and their pepper: a rotation function cannot rotate credentials held by third parties, and rotating the pepper alone would invalidate every key. Keys are rotated by issuing a new key to the partner and replacing its hash (operator process, docs/api.md)"
	stageNoClientCertificate    = "The stage reaches its backend only through the environment's VPC link (V2) to an internal load balancer whose security group admits nothing but that VPC link, over TLS 1.3/1.2 when ingress.certificateArn is set; an API Gateway client certificate would need the load balancer to verify it (mutual TLS trust store), which adds nothing to that network path"
	stageNoCache                = "API caching is off on purpose: responses are per caller (syntheses, reference voices: biometric data), and a stage cache keyed without the caller's identity could serve one caller's audio to another"
	ingressNoDeletionProtection = "Deletion protection would stop CloudFormation from deleting the load balancer when the platform stack's first create rolls back, leaving it, its VPC, subnets and security groups behind to clean by hand (test/firstdeploy_test.go). The stack has termination protection, CloudFormation deletes the load balancer only with its stack, and no runtime role may call elasticloadbalancing:DeleteLoadBalancer"
	ingressNoWAF                = "The internal load balancer is reachable only from the API Gateway VPC link's security group; every request it sees has passed the tenant's regional web ACL (managed rule groups, rate limit, body limit, allow-list) on the REST API stage"
	ingressHTTP                 = "Only in environments that set ingress.plainHttp: true on purpose (HTTPS is the default; a configuration without a certificate and without plainHttp is a validation error): the listener is HTTP on port 80 inside the VPC, from the API Gateway VPC link's network interfaces to a load balancer whose security group admits nothing else"
)
