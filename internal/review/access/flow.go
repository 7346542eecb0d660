// Package access evaluates the runtime access model of an environment: the requests the
// platform's parts make at run time (must-allow flows) and the requests that must never succeed
// (must-deny flows), each evaluated with every policy layer IAM applies — the principal's
// inline, customer managed and AWS managed policies, its permissions boundary, and the resource's
// policy (bucket, key, topic, secret, CloudWatch Logs) — by @cloud-copilot/iam-simulate, a
// library that implements AWS's evaluation logic, run once per batch in Node (tools/iamsim).
//
// The model (Model) is read from the synthesized templates in pure Go: no CDK, no jsii. Flows are
// plain values that each construct declares next to its code (flows.go in its package).
package access

import (
	"fmt"
	"sort"
	"strings"
)

// Expect is what a flow must get.
type Expect string

// Expectations.
const (
	Allow Expect = "allow"
	Deny  Expect = "deny"
)

// Flow is one request at run time. Principal, Resource and Context values may name resources of
// the templates as ${STACK/ID} (the ARN of the resource whose logical ID is ID plus the CDK hash)
// or ${STACK/ID.Ref}.
type Flow struct {
	Owner     string            `json:"owner"`             // the construct package that declares it, e.g. "tenantidentity"
	Name      string            `json:"name"`              // what happens, e.g. "TTS pods read a voice of their tenant"
	Principal string            `json:"principal"`         // a role ARN (or ${STACK/ID}) or a service principal (logs.amazonaws.com)
	Action    string            `json:"action"`            // one action, e.g. s3:GetObject
	Resource  string            `json:"resource"`          // one concrete ARN, or * for actions without resource types
	Context   map[string]string `json:"context,omitempty"` // request context that matters: kms:ViaService, aws:SourceArn, encryption context...
	Expect    Expect            `json:"expect"`
	Why       string            `json:"why,omitempty"` // for a must-deny flow: the property it proves
}

// ID is a short stable identifier of the flow.
func (f Flow) ID() string {
	return fmt.Sprintf("%s: %s", f.Owner, f.Name)
}

func (f Flow) String() string {
	var ctx []string
	for k, v := range f.Context {
		ctx = append(ctx, k+"="+v)
	}
	sort.Strings(ctx)
	s := fmt.Sprintf("[%s] %s — %s %s on %s", f.Expect, f.ID(), f.Principal, f.Action, f.Resource)
	if len(ctx) > 0 {
		s += " (" + strings.Join(ctx, ", ") + ")"
	}
	return s
}
