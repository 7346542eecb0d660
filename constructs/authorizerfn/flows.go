package authorizerfn

import (
	"github.com/voicevault/voicevault/internal/flowscope"
	"github.com/voicevault/voicevault/internal/review/access"
	"github.com/voicevault/voicevault/naming"
)

// Flows are the requests of the tenant's Lambda authorizer: its logs, its usage-plan meter keys
// (apigateway:GET, the API key lookup), and with partner API keys its secret, decrypted through
// Secrets Manager with the tenant key. key is the tenant key (${STACK/ID}); meterKey the Ref of
// one of its meter keys.
func Flows(s flowscope.Scope, key, meterKey string) []access.Flow {
	e, t := s.Env, s.Tenant
	role := s.Res("Role")
	group := naming.AuthorizerLogGroup(e.Name, t.Name)
	out := []access.Flow{
		{Owner: "authorizerfn", Name: "Lambda assumes the authorizer role", Principal: "lambda.amazonaws.com", Action: "sts:AssumeRole", Resource: role, Expect: access.Allow},
		{Owner: "authorizerfn", Name: "the authorizer writes its logs", Principal: role, Action: "logs:PutLogEvents", Resource: s.LogStreamARN(group, "2026/12/02/[$LATEST]abc"), Expect: access.Allow},
		{Owner: "authorizerfn", Name: "the authorizer sends its traces", Principal: role, Action: "xray:PutTraceSegments", Resource: "*", Expect: access.Allow},
		{Owner: "authorizerfn", Name: "the authorizer reads its meter key", Principal: role, Action: "apigateway:GET", Resource: "arn:aws:apigateway:" + e.Region + "::/apikeys/" + meterKey, Expect: access.Allow},
		{Owner: "authorizerfn", Name: "the authorizer deletes its meter key", Principal: role, Action: "apigateway:DELETE", Resource: "arn:aws:apigateway:" + e.Region + "::/apikeys/" + meterKey, Expect: access.Deny,
			Why: "the authorizer only reads"},
	}
	out = append(out, s.LogsEncrypt("authorizerfn", "the authorizer's log group", key, group)...)
	if t.APIKeys {
		secret := s.RefOf("APIKeys")
		out = append(out,
			access.Flow{Owner: "authorizerfn", Name: "the authorizer reads its API key secret", Principal: role, Action: "secretsmanager:GetSecretValue", Resource: secret, Expect: access.Allow},
			access.Flow{Owner: "authorizerfn", Name: "the authorizer decrypts its API key secret through Secrets Manager", Principal: role, Action: "kms:Decrypt", Resource: key,
				Context: map[string]string{"kms:ViaService": s.Via("secretsmanager"), "kms:EncryptionContext:SecretARN": secret}, Expect: access.Allow},
		)
	}
	for _, o := range s.Others {
		other := naming.TenantStack(e.Name, o.Name)
		otherSecret := s.ARN("secretsmanager", "secret:"+naming.APIKeySecret(e.Name, o.Name)+"-"+access.SecretSuffix)
		out = append(out, access.Flow{Owner: "authorizerfn", Name: "the authorizer decrypts with tenant " + o.Name + "'s key through Secrets Manager", Principal: role, Action: "kms:Decrypt",
			Resource: access.In(other, "TenantKey"), Context: map[string]string{"kms:ViaService": s.Via("secretsmanager"),
				"kms:EncryptionContext:SecretARN": otherSecret},
			Expect: access.Deny, Why: "tenant isolation: another tenant's secret"},
			access.Flow{Owner: "authorizerfn", Name: "the authorizer reads tenant " + o.Name + "'s API key secret", Principal: role, Action: "secretsmanager:GetSecretValue",
				Resource: otherSecret, Expect: access.Deny, Why: "tenant isolation: another tenant's secret"},
			access.Flow{Owner: "authorizerfn", Name: "the authorizer writes to tenant " + o.Name + "'s authorizer log", Principal: role, Action: "logs:PutLogEvents",
				Resource: s.LogStreamARN(naming.AuthorizerLogGroup(e.Name, o.Name), "2026/12/02/[$LATEST]abc"), Expect: access.Deny, Why: "tenant isolation: another tenant's log group"})
	}
	return out
}
