// Package review is the parent of the template readers: the packages that read a synthesized
// cloud assembly (cdk.out: the manifest, the CloudFormation templates, the cdk-nag reports and
// the runtime flows the synth writes beside them) and judge it, in pure Go.
//
//   - assembly: the cloud assembly reader (stacks, resources, intrinsics, nag and validation reports)
//   - policycheck: every IAM, key and resource policy against the least-privilege rules
//   - access: the runtime access model, evaluated by the pinned IAM simulator (tools/iamsim)
//   - deploycheck: what CloudFormation would refuse in a fresh account
//   - filterpattern: CloudWatch Logs filter patterns evaluated against sample events
//   - audit: the auditor evidence pack (cmd/audit)
//
// Nothing under review imports the CDK or jsii (doc_test.go fails if a package links them, even
// transitively): a reader starts in milliseconds, runs where no Node CDK runtime is installed,
// and cannot change what it judges.
package review
