// Package defaults holds, in one place, the secure defaults VoiceVault's constructs share, the
// way aws-solutions-constructs keeps its *-defaults files: a construct that makes a bucket, a log
// group, an alarm or lets CloudWatch Logs use a key takes these and adds only what it knows (names,
// encryption key, lifecycle, metric).
//
//   - Bucket: public access blocked, ACLs off, TLS 1.2+ only, versioning, retained;
//   - LogGroup: KMS-encrypted with a customer-managed key, retention, retained (every log group
//     VoiceVault names is made by it; RedirectFunction points CDK-made functions at one);
//   - Retention: CloudWatch Logs retentions in days, 365 by default;
//   - Alarm: missing data is not breaching, and the alarm notifies the environment's topic;
//   - AllowCloudWatchLogs: the one key-policy statement that lets CloudWatch Logs use a key, for
//     named log groups only.
//
// It imports the CDK and nothing of VoiceVault: constructs import it, never the reverse.
package defaults
