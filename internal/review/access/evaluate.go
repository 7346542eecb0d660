package access

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Verdict is the evaluation of one flow.
type Verdict struct {
	Environment string
	Flow        Flow
	Principal   string // resolved
	Resource    string // resolved
	Result      Result
	Err         string // a flow that could not be built (unknown resource, role without policies...)
}

// OK reports whether the flow got what it must.
func (v Verdict) OK() bool {
	if v.Err != "" || v.Result.Result == "Error" {
		return false
	}
	return v.Result.Allowed() == (v.Flow.Expect == Allow)
}

// Deciding returns the deciding statements, as text, sorted.
func (v Verdict) Deciding() []string {
	var out []string
	for _, s := range v.Result.Deciding {
		out = append(out, s.String())
	}
	sort.Strings(out)
	return out
}

func (v Verdict) String() string {
	got := v.Result.Result
	if v.Err != "" {
		got = "error: " + v.Err
	} else if len(v.Result.Errors) > 0 {
		got += ": " + strings.Join(v.Result.Errors, "; ")
	}
	layers := fmt.Sprintf("identity %s, boundary %s, resource %s", or(v.Result.Layers.Identity, "-"), or(v.Result.Layers.Boundary, "-"), or(v.Result.Layers.Resource, "-"))
	return fmt.Sprintf("%s %s: got %s (%s) deciding [%s]", v.Environment, v.Flow, got, layers, strings.Join(v.Deciding(), "; "))
}

func or(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// EnvFlows are the flows of one environment with the model they are evaluated on.
type EnvFlows struct {
	Environment string
	Model       *Model
	Flows       []Flow
}

// Report is the evaluation of every flow.
type Report struct {
	Verdicts []Verdict
	Elapsed  time.Duration // wall time of the evaluator process
}

// Failures returns the verdicts that did not get what they must.
func (r Report) Failures() []Verdict {
	var out []Verdict
	for _, v := range r.Verdicts {
		if !v.OK() {
			out = append(out, v)
		}
	}
	return out
}

// Count returns the number of flows expecting e.
func (r Report) Count(e Expect) int {
	n := 0
	for _, v := range r.Verdicts {
		if v.Flow.Expect == e {
			n++
		}
	}
	return n
}

// Evaluate evaluates every flow of every environment in one evaluator process.
func Evaluate(envs []EnvFlows) (Report, error) {
	var rep Report
	var reqs []Request
	var idx []int // request i → verdict idx[i]
	for _, e := range envs {
		for _, f := range e.Flows {
			v := Verdict{Environment: e.Environment, Flow: f}
			req, err := e.Model.request(f)
			if err != nil {
				v.Err = err.Error()
			} else {
				v.Principal, v.Resource = req.Principal, req.Resource
				req.ID = strconv.Itoa(len(reqs))
				reqs = append(reqs, req)
				idx = append(idx, len(rep.Verdicts))
			}
			rep.Verdicts = append(rep.Verdicts, v)
		}
	}
	start := time.Now()
	res, err := Run(reqs)
	rep.Elapsed = time.Since(start)
	if err != nil {
		return rep, err
	}
	for i, r := range res {
		rep.Verdicts[idx[i]].Result = r
	}
	return rep, nil
}

// request builds the evaluator's request for f.
func (m *Model) request(f Flow) (Request, error) {
	principal, err := m.Resolve(f.Principal)
	if err != nil {
		return Request{}, err
	}
	resource, err := m.Resolve(f.Resource)
	if err != nil {
		return Request{}, err
	}
	req := Request{Principal: principal, Action: f.Action, Resource: resource, Account: m.Account, Context: map[string]string{}, IdentityPolicies: []Policy{}}
	for k, v := range f.Context {
		if req.Context[k], err = m.Resolve(v); err != nil {
			return Request{}, err
		}
	}
	if strings.HasPrefix(principal, "arn:") {
		role, ok := m.Roles[principal]
		if !ok {
			return Request{}, fmt.Errorf("principal %s is no role of the environment's templates", principal)
		}
		req.IdentityPolicies = role.Identity
		req.Boundaries = role.Boundaries
		if _, ok := req.Context["aws:PrincipalArn"]; !ok {
			req.Context["aws:PrincipalArn"] = principal
		}
		if _, ok := req.Context["aws:PrincipalAccount"]; !ok {
			req.Context["aws:PrincipalAccount"] = m.Account
		}
	}
	if strings.HasPrefix(f.Action, "kms:") && strings.HasPrefix(principal, "arn:") {
		if _, ok := req.Context["kms:CallerAccount"]; !ok {
			req.Context["kms:CallerAccount"] = m.Account
		}
	}
	if _, ok := req.Context["aws:SecureTransport"]; !ok {
		req.Context["aws:SecureTransport"] = "true"
	}
	if p, ok := m.resourcePolicy(resource); ok {
		req.ResourcePolicy, req.ResourcePolicyName = p.Document, p.Name
	}
	return req, nil
}
