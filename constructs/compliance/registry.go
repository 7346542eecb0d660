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
