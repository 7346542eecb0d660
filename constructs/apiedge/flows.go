package apiedge

import (
	"github.com/voicevault/voicevault/internal/flowscope"
	"github.com/voicevault/voicevault/internal/review/access"
	"github.com/voicevault/voicevault/naming"
)

// Flows are the requests that carry the tenant API's logs: API Gateway, through the
// environment's logging role, writes the access and execution log groups, which CloudWatch Logs
// encrypts with the tenant key. key is the tenant key (${STACK/ID}).
func Flows(s flowscope.Scope, key string) []access.Flow {
	e, t := s.Env, s.Tenant
	logging := access.In(naming.PlatformStack(e.Name), "APIGatewayLoggingRole")
	accessLog := naming.APIAccessLogGroup(e.Name, t.Name)
	executionLog := "API-Gateway-Execution-Logs_" + s.RefOf("") + "/live"
	out := []access.Flow{
		{Owner: "apiedge", Name: "API Gateway writes the access log", Principal: logging, Action: "logs:PutLogEvents", Resource: s.LogStreamARN(accessLog, "abc"), Expect: access.Allow},
		{Owner: "apiedge", Name: "API Gateway writes the execution log", Principal: logging, Action: "logs:PutLogEvents", Resource: s.LogStreamARN(executionLog, "abc"), Expect: access.Allow},
		{Owner: "apiedge", Name: "API Gateway's logging role deletes the access log", Principal: logging, Action: "logs:DeleteLogGroup", Resource: s.LogGroupARN(accessLog), Expect: access.Deny,
			Why: "runtime roles never delete audit logs"},
	}
	out = append(out, s.LogsEncrypt("apiedge", "the API access log", key, accessLog)...)
	return append(out, s.LogsEncrypt("apiedge", "the API execution log", key, executionLog)...)
}
