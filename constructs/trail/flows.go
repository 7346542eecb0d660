package trail

import (
	"github.com/voicevault/voicevault/internal/flowscope"
	"github.com/voicevault/voicevault/internal/review/access"
)

// Flows are the requests of CloudTrail delivering the trail: to its bucket (checked ACL, objects
// owned by the bucket owner, for this trail only), encrypted with the trail key, and to its log
// group through the logs role. name is the trail's name, group its log group.
func Flows(s flowscope.Scope, name, group string) []access.Flow {
	trail := s.ARN("cloudtrail", "trail/"+name)
	key := s.Res("Key")
	source := map[string]string{"aws:SourceArn": trail, "aws:SourceAccount": s.Env.Account}
	put := map[string]string{"aws:SourceArn": trail, "aws:SourceAccount": s.Env.Account, "s3:x-amz-acl": "bucket-owner-full-control"}
	object := s.Res("Bucket") + "/AWSLogs/" + s.Env.Account + "/CloudTrail/" + s.Env.Region + "/2026/12/02/x.json.gz"
	out := []access.Flow{
		{Owner: "trail", Name: "CloudTrail checks the trail bucket's ACL", Principal: "cloudtrail.amazonaws.com", Action: "s3:GetBucketAcl", Resource: s.Res("Bucket"), Context: source, Expect: access.Allow},
		{Owner: "trail", Name: "CloudTrail delivers a log file", Principal: "cloudtrail.amazonaws.com", Action: "s3:PutObject", Resource: object, Context: put, Expect: access.Allow},
		{Owner: "trail", Name: "another trail delivers into the trail bucket", Principal: "cloudtrail.amazonaws.com", Action: "s3:PutObject", Resource: object,
			Context: map[string]string{"aws:SourceArn": s.ARN("cloudtrail", "trail/other"), "aws:SourceAccount": s.Env.Account, "s3:x-amz-acl": "bucket-owner-full-control"},
			Expect:  access.Deny, Why: "only this trail delivers"},
		{Owner: "trail", Name: "CloudTrail encrypts a log file with the trail key", Principal: "cloudtrail.amazonaws.com", Action: "kms:GenerateDataKey", Resource: key,
			Context: map[string]string{"aws:SourceArn": trail, "kms:EncryptionContext:aws:cloudtrail:arn": trail}, Expect: access.Allow},
		{Owner: "trail", Name: "CloudTrail describes the trail key", Principal: "cloudtrail.amazonaws.com", Action: "kms:DescribeKey", Resource: key, Context: map[string]string{"aws:SourceArn": trail}, Expect: access.Allow},
		{Owner: "trail", Name: "CloudTrail assumes the logs role", Principal: "cloudtrail.amazonaws.com", Action: "sts:AssumeRole", Resource: s.Res("LogsRole"), Expect: access.Allow},
		{Owner: "trail", Name: "CloudTrail writes the trail log group", Principal: s.Res("LogsRole"), Action: "logs:PutLogEvents",
			Resource: s.LogStreamARN(group, s.Env.Account+"_CloudTrail_"+s.Env.Region), Expect: access.Allow},
		{Owner: "trail", Name: "the logs role deletes the trail log group", Principal: s.Res("LogsRole"), Action: "logs:DeleteLogGroup", Resource: s.LogGroupARN(group), Expect: access.Deny,
			Why: "runtime roles never delete audit logs"},
	}
	return append(out, s.LogsEncrypt("trail", "the trail log group", key, group)...)
}
