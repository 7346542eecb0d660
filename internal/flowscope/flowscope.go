// Package flowscope is where constructs declare their runtime flows (flows.go in each construct
// package): the environment, tenant, stack and construct ID a flow is declared in, and helpers
// that build the ARNs and request contexts of that scope. The flows are access.Flow values, judged
// by the access engine under internal/review, which needs none of this (and no config).
package flowscope

import (
	"github.com/voicevault/voicevault/internal/review/access"
	"github.com/voicevault/voicevault/naming"
)

// Scope is where a construct's flows are declared: its environment, its tenant (tenant-stack
// constructs), the stack it is in and its construct ID there. stacks maps the configuration onto
// it: constructs never see the configuration.
type Scope struct {
	Env    Env
	Tenant *Tenant  // nil in the platform and delivery stacks
	Others []Tenant // the environment's other tenants: targets of must-deny flows
	Stack  string   // e.g. prod-tenant-acme
	ID     string   // the construct's ID in the stack, e.g. "Identity"
}

// Env is the environment of a scope.
type Env struct {
	Name    string
	Account string
	Region  string
}

// Names is the environment as the naming scheme takes it.
func (e Env) Names() naming.Env {
	return naming.Env{Name: e.Name, Account: e.Account, Region: e.Region}
}

// Tenant is a tenant of a scope's environment.
type Tenant struct {
	Name    string
	APIKeys bool // the tenant accepts partner API keys (it has an API key secret)
}

// Res names the construct's resource whose logical ID is the construct ID followed by child
// (and the CDK hash): its ARN as ${STACK/ID}.
func (s Scope) Res(child string) string { return "${" + s.Stack + "/" + s.ID + child + "}" }

// RefOf is Res as ${STACK/ID.Ref}.
func (s Scope) RefOf(child string) string { return "${" + s.Stack + "/" + s.ID + child + ".Ref}" }

// Region-scoped ARN and service-name helpers of the scope's environment.

// ARN builds arn:aws:SERVICE:REGION:ACCOUNT:rest.
func (s Scope) ARN(service, rest string) string {
	return "arn:aws:" + service + ":" + s.Env.Region + ":" + s.Env.Account + ":" + rest
}

// LogGroupARN is the ARN of a log group (without the :* of IAM patterns).
func (s Scope) LogGroupARN(name string) string { return s.ARN("logs", "log-group:"+name) }

// LogStreamARN is the ARN of a stream of a log group.
func (s Scope) LogStreamARN(group, stream string) string {
	return s.ARN("logs", "log-group:"+group+":log-stream:"+stream)
}

// Via is the kms:ViaService value of a service in the scope's region.
func (s Scope) Via(service string) string { return service + "." + s.Env.Region + ".amazonaws.com" }

// Logs is the CloudWatch Logs service principal of the scope's region.
func (s Scope) Logs() string { return "logs." + s.Env.Region + ".amazonaws.com" }

// LogsEncrypt are the flows of CloudWatch Logs encrypting a log group's events with key: the
// service principal of the region, with the log group's ARN as encryption context.
func (s Scope) LogsEncrypt(owner, what, key, group string) []access.Flow {
	var out []access.Flow
	for _, a := range []string{"kms:GenerateDataKey", "kms:Decrypt"} {
		out = append(out, access.Flow{Owner: owner, Name: "CloudWatch Logs encrypts " + what + " (" + a + ")", Principal: s.Logs(), Action: a, Resource: key,
			Context: map[string]string{"kms:EncryptionContext:aws:logs:arn": s.LogGroupARN(group)}, Expect: access.Allow})
	}
	return out
}
