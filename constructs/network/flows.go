package network

import (
	"github.com/voicevault/voicevault/internal/flowscope"
	"github.com/voicevault/voicevault/internal/review/access"
)

// Flows are the requests of VPC flow logs: the service assumes the flow-log role (for this
// account's flow logs only) and writes the log group, which CloudWatch Logs encrypts with key.
func Flows(s flowscope.Scope, group, key string) []access.Flow {
	role := s.Res("FlowLogRole")
	out := []access.Flow{
		{Owner: "network", Name: "VPC flow logs assume the flow-log role", Principal: "vpc-flow-logs.amazonaws.com", Action: "sts:AssumeRole", Resource: role,
			Context: map[string]string{"aws:SourceAccount": s.Env.Account, "aws:SourceArn": s.ARN("ec2", "vpc-flow-log/fl-0123456789abcdef0")}, Expect: access.Allow},
		{Owner: "network", Name: "VPC flow logs of another account assume the flow-log role", Principal: "vpc-flow-logs.amazonaws.com", Action: "sts:AssumeRole", Resource: role,
			Context: map[string]string{"aws:SourceAccount": "999999999999", "aws:SourceArn": "arn:aws:ec2:" + s.Env.Region + ":999999999999:vpc-flow-log/fl-0123456789abcdef0"}, Expect: access.Deny,
			Why: "confused deputy: only this account's flow logs"},
		{Owner: "network", Name: "VPC flow logs create a stream", Principal: role, Action: "logs:CreateLogStream", Resource: s.LogStreamARN(group, "eni-0123456789abcdef0-all"), Expect: access.Allow},
		{Owner: "network", Name: "VPC flow logs write records", Principal: role, Action: "logs:PutLogEvents", Resource: s.LogStreamARN(group, "eni-0123456789abcdef0-all"), Expect: access.Allow},
		{Owner: "network", Name: "the flow-log role deletes the flow logs", Principal: role, Action: "ec2:DeleteFlowLogs", Resource: s.ARN("ec2", "vpc-flow-log/fl-0123456789abcdef0"), Expect: access.Deny,
			Why: "runtime roles never switch detective controls off"},
	}
	return append(out, s.LogsEncrypt("network", "the flow logs", key, group)...)
}
