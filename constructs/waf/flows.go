package waf

import (
	"github.com/voicevault/voicevault/internal/flowscope"
	"github.com/voicevault/voicevault/internal/review/access"
)

// Flows are the requests of WAF logging: the log delivery service writes the web ACL's log group
// (allowed by the environment's CloudWatch Logs resource policy), and CloudWatch Logs encrypts it
// with key (${STACK/ID}).
func Flows(s flowscope.Scope, aclName, key string) []access.Flow {
	group := LogGroupName(aclName)
	source := map[string]string{"aws:SourceAccount": s.Env.Account, "aws:SourceArn": s.ARN("logs", "delivery-source:"+aclName)}
	out := []access.Flow{
		{Owner: "waf", Name: "log delivery creates a WAF log stream", Principal: "delivery.logs.amazonaws.com", Action: "logs:CreateLogStream", Resource: s.LogStreamARN(group, "eu-west-1_x_0"), Context: source, Expect: access.Allow},
		{Owner: "waf", Name: "log delivery writes WAF logs", Principal: "delivery.logs.amazonaws.com", Action: "logs:PutLogEvents", Resource: s.LogStreamARN(group, "eu-west-1_x_0"), Context: source, Expect: access.Allow},
		{Owner: "waf", Name: "log delivery for another account writes WAF logs", Principal: "delivery.logs.amazonaws.com", Action: "logs:PutLogEvents", Resource: s.LogStreamARN(group, "eu-west-1_x_0"),
			Context: map[string]string{"aws:SourceAccount": "999999999999", "aws:SourceArn": "arn:aws:logs:" + s.Env.Region + ":999999999999:delivery-source:x"}, Expect: access.Deny, Why: "confused deputy: only this account's deliveries"},
	}
	return append(out, s.LogsEncrypt("waf", "the WAF log group", key, group)...)
}
