package compliance

// Suppression is one reviewed exception to a nag rule.
type Suppression struct {
	Rule      string   // The nag rule ID, e.g. AwsSolutions-IAM4.
	Path      string   // Resource path below its stack, path.Match syntax (e.g. "Cluster/*/Resource").
	AppliesTo []string // For granular rules: the exact findings (e.g. "Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSWorkerNodePolicy"), or /regex/ (ECMA-262, anchored with ^$) where the finding names a value that differs per environment.
	Reason    string   // Why the finding is acceptable; shown in nag reports and the audit report.
	Owner     string   // Who reviewed it and answers for it.
}

// Registry is every suppression VoiceVault makes. Add an entry only with a reason a reviewer
// would accept, the narrowest path and, for granular rules, appliesTo. A test fails on an entry
// that no longer matches any finding.
var Registry = []Suppression{
	// The <env>-delivery stack (constructs/cideploy). Its findings name the environment's
	// account, region and name, so they are matched by anchored regular expressions.
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
}
