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
		Rule: "AwsSolutions-IAM5", Path: "Authorizer/Role/DefaultPolicy/Resource", AppliesTo: []string{"Resource::*"},
		Reason: "X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords have no resource-level permissions; every other statement of the authorizer's role names its own log group, secret or key",
		Owner:  "api-edge",
	},
	{
		Rule: "AwsSolutions-SMG4", Path: "Authorizer/APIKeys/Resource",
		Reason: "The secret holds HMAC-SHA256 hashes of API keys that partners hold, and their pepper: a rotation function cannot rotate credentials held by third parties, and rotating the pepper alone would invalidate every key. Keys are rotated by issuing a new key to the partner and replacing its hash (documented operator process)",
		Owner:  "api-edge",
	},
	// API Gateway account logging role (platform stacks).
	{
		Rule: "AwsSolutions-IAM5", Path: "APIGatewayLoggingRole/Resource",
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
}
