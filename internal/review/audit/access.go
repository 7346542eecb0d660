package audit

import (
	"fmt"
	"strings"

	"github.com/voicevault/voicevault/internal/review/access"
	"github.com/voicevault/voicevault/naming"
)

// RuntimeAccess is the runtime access section: every flow the constructs declare, evaluated with
// every policy layer (package internal/review/access). Evaluated is false when the pack was built
// without a configuration to take the flows from.
type RuntimeAccess struct {
	Evaluated bool        `json:"evaluated"`
	MustAllow int         `json:"mustAllow"`
	MustDeny  int         `json:"mustDeny"`
	Failures  int         `json:"failures"`
	Elapsed   string      `json:"elapsed"`
	Rows      []AccessRow `json:"flows"`
}

// AccessRow is one flow: what it must get, what IAM's evaluation gives, and the statements that
// decided it.
type AccessRow struct {
	Environment string   `json:"environment"`
	Owner       string   `json:"owner"` // the construct package that declares it
	Flow        string   `json:"flow"`
	Expect      string   `json:"expect"` // allow or deny
	Principal   string   `json:"principal"`
	Action      string   `json:"action"`
	Resource    string   `json:"resource"`
	Verdict     string   `json:"verdict"` // Allowed, ImplicitlyDenied, ExplicitlyDenied, Error
	Status      Status   `json:"status"`
	Deciding    []string `json:"deciding"`
	Why         string   `json:"why,omitempty"`
}

func (b *builder) runtimeAccess() {
	rep := b.opts.Access
	if rep == nil {
		return
	}
	ra := RuntimeAccess{Evaluated: true, MustAllow: rep.Count(access.Allow), MustDeny: rep.Count(access.Deny), Failures: len(rep.Failures()),
		Elapsed: rep.Elapsed.Round(1e6).String()}
	for _, v := range rep.Verdicts {
		verdict := v.Result.Result
		if v.Err != "" {
			verdict = "Error: " + v.Err
		}
		status := Pass
		if !v.OK() {
			status = Fail
		}
		principal, resource := v.Principal, v.Resource
		if principal == "" {
			principal = v.Flow.Principal
		}
		if resource == "" {
			resource = v.Flow.Resource
		}
		ra.Rows = append(ra.Rows, AccessRow{Environment: v.Environment, Owner: v.Flow.Owner, Flow: v.Flow.Name, Expect: string(v.Flow.Expect),
			Principal: principal, Action: v.Flow.Action, Resource: resource, Verdict: verdict, Status: status, Deciding: v.Deciding(), Why: v.Flow.Why})
	}
	b.r.Access = ra
}

// FlowIsolation decides tenant-to-tenant reachability from the runtime access model: from
// reaches to when a must-deny flow of one of from's roles on one of to's resources (bucket, key,
// secret, role) is allowed by IAM's evaluation. It is the same model as the runtime access
// section, not a second one.
type FlowIsolation struct{ Report *access.Report }

// Reaches returns the allowed cross-tenant flows from → to.
func (f FlowIsolation) Reaches(from, to Tenant) []string {
	var out []string
	for _, v := range f.Report.Verdicts {
		if v.Flow.Expect != access.Deny || v.Environment != from.Environment {
			continue
		}
		if !strings.Contains(v.Flow.Principal, "${"+from.Stack+"/") || !touches(v, to) {
			continue
		}
		if v.Result.Allowed() {
			out = append(out, fmt.Sprintf("%s: %s %s on %s allowed by [%s]", v.Flow.ID(), v.Principal, v.Flow.Action, v.Resource, strings.Join(v.Deciding(), "; ")))
		}
	}
	return out
}

// touches reports whether a flow targets something of tenant t: a resource of its stack, a name
// of its (naming.TenantOwns: bucket, secret, log groups), or its namespace (a role assumed for it).
func touches(v access.Verdict, t Tenant) bool {
	return strings.Contains(v.Flow.Resource, "${"+t.Stack+"/") || naming.TenantOwns(t.Environment, t.Name, v.Resource) ||
		naming.TenantOwns(t.Environment, t.Name, v.Flow.Context["aws:RequestTag/kubernetes-namespace"])
}
