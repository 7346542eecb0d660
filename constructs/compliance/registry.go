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
}
