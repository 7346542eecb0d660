package compliance

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
var Registry = []Suppression{
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
	// API front door: the rules of the HIPAA, NIST 800-53 and PCI DSS packs (tenant and platform stacks).
	{
		Rule: "HIPAA.Security-LambdaInsideVPC", Path: "Authorizer/Function/Resource",
		Reason: authorizerOutsideVPC, Owner: "api-edge",
	},
	{
		Rule: "NIST.800.53.R5-LambdaInsideVPC", Path: "Authorizer/Function/Resource",
		Reason: authorizerOutsideVPC, Owner: "api-edge",
	},
	{
		Rule: "PCI.DSS.321-LambdaInsideVPC", Path: "Authorizer/Function/Resource",
		Reason: authorizerOutsideVPC, Owner: "api-edge",
	},
	{
		Rule: "HIPAA.Security-LambdaDLQ", Path: "Authorizer/Function/Resource",
		Reason: authorizerNoDLQ, Owner: "api-edge",
	},
	{
		Rule: "NIST.800.53.R5-LambdaDLQ", Path: "Authorizer/Function/Resource",
		Reason: authorizerNoDLQ, Owner: "api-edge",
	},
	{
		Rule: "HIPAA.Security-SecretsManagerRotationEnabled", Path: "Authorizer/APIKeys/Resource",
		Reason: apiKeySecretRotation, Owner: "api-edge",
	},
	{
		Rule: "NIST.800.53.R5-SecretsManagerRotationEnabled", Path: "Authorizer/APIKeys/Resource",
		Reason: apiKeySecretRotation, Owner: "api-edge",
	},
	{
		Rule: "HIPAA.Security-APIGWSSLEnabled", Path: "API/API/DeploymentStage.live/Resource",
		Reason: stageNoClientCertificate, Owner: "api-edge",
	},
	{
		Rule: "NIST.800.53.R5-APIGWSSLEnabled", Path: "API/API/DeploymentStage.live/Resource",
		Reason: stageNoClientCertificate, Owner: "api-edge",
	},
	{
		Rule: "PCI.DSS.321-APIGWSSLEnabled", Path: "API/API/DeploymentStage.live/Resource",
		Reason: stageNoClientCertificate, Owner: "api-edge",
	},
	{
		Rule: "HIPAA.Security-APIGWCacheEnabledAndEncrypted", Path: "API/API/DeploymentStage.live/Resource",
		Reason: stageNoCache, Owner: "api-edge",
	},
	{
		Rule: "NIST.800.53.R5-APIGWCacheEnabledAndEncrypted", Path: "API/API/DeploymentStage.live/Resource",
		Reason: stageNoCache, Owner: "api-edge",
	},
	{
		Rule: "PCI.DSS.321-APIGWCacheEnabledAndEncrypted", Path: "API/API/DeploymentStage.live/Resource",
		Reason: stageNoCache, Owner: "api-edge",
	},
	{
		Rule: "NIST.800.53.R5-ALBWAFEnabled", Path: "Ingress/LoadBalancer/Resource",
		Reason: ingressNoWAF, Owner: "api-edge",
	},
	{
		Rule: "PCI.DSS.321-ALBWAFEnabled", Path: "Ingress/LoadBalancer/Resource",
		Reason: ingressNoWAF, Owner: "api-edge",
	},
	{
		Rule: "HIPAA.Security-ELBv2ACMCertificateRequired", Path: "Ingress/LoadBalancer/Listener/Resource",
		Reason: ingressHTTP, Owner: "api-edge",
	},
	{
		Rule: "NIST.800.53.R5-ELBv2ACMCertificateRequired", Path: "Ingress/LoadBalancer/Listener/Resource",
		Reason: ingressHTTP, Owner: "api-edge",
	},
	{
		Rule: "PCI.DSS.321-ELBv2ACMCertificateRequired", Path: "Ingress/LoadBalancer/Listener/Resource",
		Reason: ingressHTTP, Owner: "api-edge",
	},
	{
		Rule: "HIPAA.Security-ALBHttpToHttpsRedirection", Path: "Ingress/LoadBalancer/Listener/Resource",
		Reason: ingressHTTP, Owner: "api-edge",
	},
	{
		Rule: "NIST.800.53.R5-ALBHttpToHttpsRedirection", Path: "Ingress/LoadBalancer/Listener/Resource",
		Reason: ingressHTTP, Owner: "api-edge",
	},
	{
		Rule: "PCI.DSS.321-ALBHttpToHttpsRedirection", Path: "Ingress/LoadBalancer/Listener/Resource",
		Reason: ingressHTTP, Owner: "api-edge",
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
	{
		Rule:      "AwsSolutions-IAM5",
		Path:      "Identity/Role/DefaultPolicy/Resource",
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
		Path:      "Posture/ConfigRole/DefaultPolicy/Resource",
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
		Rule: "AwsSolutions-IAM5", Path: "EKS/KubectlRole/DefaultPolicy/Resource",
		AppliesTo: []string{"Resource::*", "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*"},
		Reason:    "kubectl handler in the VPC: Lambda needs ec2:DescribeNetworkInterfaces/DescribeSubnets (no resource-level permissions exist, hence *) and to delete and re-address the network interfaces it creates, whose IDs do not exist before; creation itself is scoped to the private subnets and the kubectl security group",
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
			// EKS cluster OIDC providers of the environment's region.
			`/^Resource::arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider\/oidc\.eks\.[a-z0-9-]+\.amazonaws\.com\/id\/\*$/`,
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
		},
		Reason: "CloudFormation execution policy: resources are scoped to the names the environment's stacks use (a name prefix, or the generated name CloudFormation starts with the stack name); the trailing wildcard is the generated or per-resource part of the name",
		Owner:  "delivery",
	},
	{
		Rule:      "AwsSolutions-IAM5",
		Path:      "CIDeploy/PermissionsBoundary/Resource",
		AppliesTo: []string{`/^Action::[a-z0-9-]+:\*$/`, "Resource::*"},
		Reason:    "permissions boundary: a boundary grants nothing, it caps what identity policies may grant; whole services keep it within one managed policy's 6,144 characters (runtime services for every role; the execution role's services only under aws:PrincipalArn = the execution role), and its Deny statements name the forbidden actions",
		Owner:     "delivery",
	},
	// Tenant malware scanning (constructs/malwarescan, wired in stacks/tenant.go).
	{
		Rule: "AwsSolutions-IAM5", Path: "MalwareScan/Role/DefaultPolicy/Resource",
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

// Reasons shared by the API front door's entries of several packs.
const (
	authorizerOutsideVPC     = "The tenant's Lambda authorizer fetches its OIDC issuer's JWKS from the Internet, and the environment's VPC has no Internet egress by default (VPC endpoints only); outside the VPC it reaches nothing private and holds no data but its own API key secret"
	authorizerNoDLQ          = "API Gateway invokes the authorizer synchronously, and a dead-letter queue only receives failed asynchronous invocations: a failure is a denied request (the authorizer fails closed), counted by the Errors alarm"
	apiKeySecretRotation     = "The secret holds HMAC-SHA256 hashes of API keys that partners hold, and their pepper: a rotation function cannot rotate credentials held by third parties, and rotating the pepper alone would invalidate every key. Keys are rotated by issuing a new key to the partner and replacing its hash (operator process, docs/api.md)"
	stageNoClientCertificate = "The stage reaches its backend only through the environment's VPC link (V2) to an internal load balancer whose security group admits nothing but that VPC link, over TLS 1.3/1.2 when ingress.certificateArn is set; an API Gateway client certificate would need the load balancer to verify it (mutual TLS trust store), which adds nothing to that network path"
	stageNoCache             = "API caching is off on purpose: responses are per caller (syntheses, reference voices: biometric data), and a stage cache keyed without the caller's identity could serve one caller's audio to another"
	ingressNoWAF             = "The internal load balancer is reachable only from the API Gateway VPC link's security group; every request it sees has passed the tenant's regional web ACL (managed rule groups, rate limit, body limit, allow-list) on the REST API stage"
	ingressHTTP              = "Only in environments without ingress.certificateArn: the listener is HTTP on port 80 inside the VPC, from the API Gateway VPC link's network interfaces to a load balancer whose security group admits nothing else; set ingress.certificateArn and ingress.hostName for HTTPS (TLS 1.3/1.2), as the example's prod environment does"
)
