package audit

import (
	"fmt"
	"sort"
	"strings"

	"github.com/voicevault/voicevault/internal/review/assembly"
	"github.com/voicevault/voicevault/internal/review/policycheck"
)

// Role is one IAM principal (role, or user/group if any) with a summary of what it may do.
type Role struct {
	Stack      string   `json:"stack"`
	Principal  string   `json:"principal"` // construct path or logical ID
	Kind       string   `json:"kind"`      // role, user or group
	Name       string   `json:"name"`      // RoleName, or "(generated)"
	Trust      []string `json:"trust"`     // who may assume it
	Managed    []string `json:"managedPolicies"`
	Statements int      `json:"statements"`
	Flags      []string `json:"flags"`
	Status     Status   `json:"status"`
}

// IAMRow is one statement that applies to a role: the role → its actions → its resources.
type IAMRow struct {
	Stack     string `json:"stack"`
	Principal string `json:"principal"`
	Source    string `json:"source"` // inline:NAME, policy:LABEL, managed:LABEL, aws-managed:NAME
	Effect    string `json:"effect"`
	Actions   string `json:"actions"`
	Resources string `json:"resources"`
	Condition string `json:"condition"`
	Flags     string `json:"flags"`
	Status    Status `json:"status"`
}

// PolicyViolation is a policycheck violation, for the report.
type PolicyViolation struct {
	Stack     string `json:"stack"`
	Resource  string `json:"resource"`
	Policy    string `json:"policy"`
	Statement int    `json:"statement"`
	Sid       string `json:"sid"`
	Rule      string `json:"rule"`
	Severity  string `json:"severity"`
	Detail    string `json:"detail"`
}

func (b *builder) iam() {
	for _, v := range b.viol {
		res := v.Resource
		if s, ok := b.a.Stack(v.Stack); ok {
			if r, ok := s.Resource(v.Resource); ok {
				res = r.Label()
			}
		}
		b.r.Violations = append(b.r.Violations, PolicyViolation{Stack: v.Stack, Resource: res, Policy: v.Policy, Statement: v.Statement, Sid: v.Sid, Rule: string(v.Rule), Severity: string(v.Severity), Detail: v.Detail})
	}
	for _, s := range b.a.Stacks {
		policies := b.policies[s.Name]
		// violations by policy resource, policy name and statement
		flags := map[string][]policycheck.Violation{}
		for _, v := range b.viol {
			if v.Stack == s.Name {
				k := fmt.Sprintf("%s|%s|%d", v.Resource, v.Policy, v.Statement)
				flags[k] = append(flags[k], v)
			}
		}
		names := map[string]string{} // RoleName literal → logical ID
		for _, r := range s.OfType("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group") {
			for _, k := range []string{"RoleName", "UserName", "GroupName"} {
				if n, ok := r.Properties[k].(string); ok {
					names[n] = r.ID
				}
			}
		}
		for _, r := range s.OfType("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group") {
			role := Role{Stack: s.Name, Principal: r.Label(), Kind: strings.ToLower(strings.TrimPrefix(r.Type, "AWS::IAM::")), Name: "(generated)"}
			for _, k := range []string{"RoleName", "UserName", "GroupName"} {
				if v, ok := r.Properties[k]; ok {
					role.Name = render(v)
				}
			}
			var rows []IAMRow
			addStatements := func(p policycheck.Policy, source string) {
				for _, st := range p.Statements {
					row := IAMRow{Stack: s.Name, Principal: r.Label(), Source: source, Effect: st.Effect, Actions: renderList(st.Action), Resources: renderList(st.Resource), Status: Pass}
					if len(st.NotAction) > 0 {
						row.Actions = "NOT " + renderList(st.NotAction)
					}
					if len(st.NotResource) > 0 {
						row.Resources = "NOT " + renderList(st.NotResource)
					}
					if len(st.Condition) > 0 {
						row.Condition = render(st.Condition)
					}
					var fl []string
					for _, v := range flags[fmt.Sprintf("%s|%s|%d", p.Resource, p.Name, st.Index)] {
						fl = append(fl, string(v.Rule))
						if v.Severity == policycheck.Fail {
							row.Status = Fail
						} else {
							row.Status = worst(row.Status, Warn)
						}
					}
					row.Flags = strings.Join(fl, ", ")
					rows = append(rows, row)
				}
				if p.Unparsed != "" {
					rows = append(rows, IAMRow{Stack: s.Name, Principal: r.Label(), Source: source, Actions: "(unreadable: " + p.Unparsed + ")", Status: Warn, Flags: string(policycheck.UnreadablePolicy)})
				}
			}
			attached := map[string]bool{}
			for _, p := range policies {
				switch {
				case p.Kind == policycheck.Trust && p.Resource == r.ID:
					for _, st := range p.Statements {
						if st.Effect == "Deny" {
							continue
						}
						for _, pr := range st.Principals() {
							role.Trust = append(role.Trust, pr+" ("+renderList(st.Action)+")")
						}
					}
					for _, st := range p.Statements {
						for _, v := range flags[fmt.Sprintf("%s|%s|%d", p.Resource, p.Name, st.Index)] {
							role.Flags = append(role.Flags, "trust: "+string(v.Rule))
						}
					}
				case p.Kind == policycheck.Identity && p.Resource == r.ID:
					addStatements(p, "inline:"+p.Name)
				case p.Kind == policycheck.Identity && attachedTo(p, r.ID, names):
					pr, _ := s.Resource(p.Resource)
					kind := "policy:"
					if pr.Type == "AWS::IAM::ManagedPolicy" {
						kind = "managed:"
					}
					attached[p.Resource] = true
					addStatements(p, kind+pr.Label())
				}
			}
			for _, arn := range assembly.List(r.Properties["ManagedPolicyArns"]) {
				if id := assembly.RefTarget(arn); id != "" {
					if attached[id] {
						continue
					}
					for _, p := range policies {
						if p.Resource == id && p.Kind == policycheck.Identity {
							pr, _ := s.Resource(id)
							addStatements(p, "managed:"+pr.Label())
						}
					}
					continue
				}
				name := managedPolicyName(render(arn))
				role.Managed = append(role.Managed, name)
				rows = append(rows, IAMRow{Stack: s.Name, Principal: r.Label(), Source: "aws-managed:" + strings.TrimPrefix(name, "AWS managed: "), Effect: "Allow", Actions: "(defined by AWS; not in the template)", Resources: "(defined by AWS)", Status: Pass})
			}
			if r.Type != "AWS::IAM::Role" {
				role.Flags = append(role.Flags, "IAM "+role.Kind+": long-lived identity")
			}
			if pb, ok := r.Properties["PermissionsBoundary"]; ok {
				role.Managed = append(role.Managed, "boundary: "+managedPolicyName(render(pb)))
			}
			sort.Strings(role.Trust)
			role.Statements = len(rows)
			role.Status = Pass
			if len(role.Flags) > 0 {
				role.Status = Fail
			}
			for _, row := range rows {
				if row.Flags != "" {
					for _, f := range strings.Split(row.Flags, ", ") {
						if !contains(role.Flags, f) {
							role.Flags = append(role.Flags, f)
						}
					}
				}
				role.Status = worst(role.Status, row.Status)
			}
			sort.Strings(role.Flags)
			b.r.Roles = append(b.r.Roles, role)
			b.r.IAM = append(b.r.IAM, rows...)
		}
	}
}

// attachedTo reports whether an identity policy resource names principal id in its Roles,
// Users or Groups (by Ref, or by a literal name).
func attachedTo(p policycheck.Policy, id string, names map[string]string) bool {
	for _, who := range p.Principals {
		if who == id || names[who] == id {
			return true
		}
	}
	return false
}

// managedPolicyName turns a managed policy ARN into a short label.
func managedPolicyName(arn string) string {
	_, name, ok := strings.Cut(arn, ":policy/")
	if !ok {
		return arn
	}
	if strings.Contains(arn, ":iam::aws:policy/") {
		return "AWS managed: " + name
	}
	return "customer managed: " + name
}

func renderList(vs []any) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = render(v)
	}
	return strings.Join(parts, ", ")
}
