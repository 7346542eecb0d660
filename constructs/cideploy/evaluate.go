package cideploy

import (
	"fmt"
	"slices"
	"strings"
)

// Request is one call a CloudFormation handler makes with the execution role's credentials, as
// far as the policies here can tell it apart.
type Request struct {
	Action string
	// Context holds the request's condition keys (aws:RequestedRegion, iam:PermissionsBoundary...).
	Context map[string][]string
}

// Decision is the outcome of evaluating a request against one policy layer.
type Decision struct {
	Allowed bool
	// By is the Sid of the statement that allowed or explicitly denied the request; "" when
	// nothing allowed it (implicit deny).
	By string
}

func (d Decision) String() string {
	switch {
	case d.Allowed:
		return "allowed by " + d.By
	case d.By != "":
		return "denied by " + d.By
	}
	return "not allowed by any statement"
}

// Evaluate applies IAM's rule to one layer (an identity policy or a permissions boundary): an
// explicit Deny wins, else an Allow is needed. The request's resource is one of the resources
// the environment's stacks create: a statement's resource matches when it is "*" or when
// inScope says the pattern is one the environment's generated names fall in. A Deny only
// scoped to other resources (the delivery roles and policies) does not apply.
//
// Conditions support the operators the execution policy and boundary use (String/Arn Equals,
// NotEquals, Like); a condition key missing from the context fails a positive operator and
// satisfies a negated one, as in IAM. An unknown operator fails the statement.
func Evaluate(stmts []Statement, req Request, inScope func(resource string) bool) Decision {
	var allow string
	for _, s := range stmts {
		if !matchesAny(s.Actions, req.Action, true) || !resourceMatches(s.Resources, inScope) || !conditionsHold(s.Conditions, req.Context) {
			continue
		}
		if s.Effect == "Deny" {
			return Decision{Allowed: false, By: s.Sid}
		}
		if allow == "" {
			allow = s.Sid
		}
	}
	return Decision{Allowed: allow != "", By: allow}
}

func resourceMatches(resources []string, inScope func(string) bool) bool {
	for _, r := range resources {
		if r == "*" || (inScope != nil && inScope(r)) {
			return true
		}
	}
	return false
}

func conditionsHold(conds map[string]map[string][]string, ctx map[string][]string) bool {
	for op, kvs := range conds {
		for key, want := range kvs {
			got, present := ctx[key]
			var negated bool
			var match func(pattern, value string) bool
			switch op {
			case "StringEquals", "ArnEquals":
				match = func(p, v string) bool { return p == v }
			case "StringNotEquals", "ArnNotEquals":
				match, negated = func(p, v string) bool { return p == v }, true
			case "StringLike", "ArnLike":
				match = func(p, v string) bool { return Glob(p, v, false) }
			case "StringNotLike", "ArnNotLike":
				match, negated = func(p, v string) bool { return Glob(p, v, false) }, true
			default:
				return false
			}
			if !present {
				if !negated {
					return false
				}
				continue
			}
			any := slices.ContainsFunc(got, func(v string) bool {
				return slices.ContainsFunc(want, func(p string) bool { return match(p, v) })
			})
			if any == negated {
				return false
			}
		}
	}
	return true
}

func matchesAny(patterns []string, s string, fold bool) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return Glob(p, s, fold) })
}

// Glob matches s against an IAM pattern (* any run of characters, ? one character);
// fold ignores case, as IAM does for action names.
func Glob(pattern, s string, fold bool) bool {
	if fold {
		pattern, s = strings.ToLower(pattern), strings.ToLower(s)
	}
	// Iterative wildcard match with backtracking to the last *.
	p, i, star, mark := 0, 0, -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// GlobalServices are the IAM prefixes whose API is global: their requests carry
// aws:RequestedRegion us-east-1 whatever the stack's region.
var GlobalServices = []string{"ce", "cloudfront", "iam", "organizations", "route53", "sts"}

func isGlobal(svc string) bool {
	return slices.Contains(GlobalServices, svc) || Catalog[svc].Global
}

// HandlerRequest is the request a handler of resource type typ makes for action when it deploys
// the target's stacks. It carries what holds for every VoiceVault template: the region (us-east-1
// for global services), the execution role as principal, the permissions boundary on every role
// (test/delivery_test.go, TestEveryRoleInPlatformAndTenantStacksCarriesTheBoundary), AWS managed
// policies as the ones roles attach, the service a KMS call comes through when a non-KMS type's
// handler lists it, and, for service-linked roles, the principals the type's catalog entry
// declares (several: the request is evaluated once per principal by AllowsHandlerAction).
func (t Target) HandlerRequest(typ, action string, linkedService string) Request {
	svc, _, _ := strings.Cut(action, ":")
	region := t.Region
	if isGlobal(svc) {
		region = "us-east-1"
	}
	ctx := map[string][]string{
		"aws:RequestedRegion":     {region},
		"aws:PrincipalArn":        {t.ExecutionRoleARN()},
		"iam:PermissionsBoundary": {t.BoundaryARN()},
		"iam:PolicyARN":           {"arn:" + t.partition() + ":iam::aws:policy/AmazonEKSClusterPolicy"},
	}
	if own, err := ServiceOf(typ); err == nil && svc == "kms" && own != "kms" && own != "" {
		ctx["kms:ViaService"] = []string{own + "." + t.Region + ".amazonaws.com"}
	}
	if linkedService != "" {
		ctx["iam:AWSServiceName"] = []string{linkedService}
	}
	return Request{Action: action, Context: ctx}
}

// Scopes are the resource patterns of the execution policy that name the environment's own
// resources — generated names starting with the stack name, explicit names starting with
// voicevault-<env>-, the CDK asset bucket, the EKS clusters' OIDC providers, the account's keys
// and service-linked roles — expanded for the target. A handler call on one of the resources
// the stacks create falls in one of them (test/delivery_test.go, TestExplicitNamesFitTheExecutionPolicy).
func (t Target) Scopes() []string {
	var out []string
	for _, spec := range Catalog {
		for _, r := range spec.Resources {
			out = append(out, t.expand(r)...)
		}
	}
	for _, m := range Mechanics {
		for _, r := range m.Resources {
			out = append(out, t.expand(r)...)
		}
	}
	for _, kind := range []string{"role", "policy", "instance-profile"} {
		out = append(out, t.iamPatterns(kind)...)
	}
	for _, spec := range Catalog {
		for _, p := range spec.ServiceLinkedRoles {
			out = append(out, t.IAMARN("role/aws-service-role/"+p+"/*"))
		}
	}
	out = append(out,
		t.IAMARN("oidc-provider/oidc.eks."+t.Region+".amazonaws.com/id/*"),
		t.IAMARN("role/aws-service-role/*"),
	)
	out = append(out, t.expand("arn:{partition}:kms:{region}:{account}:key/*")...)
	slices.Sort(out)
	return slices.Compact(out)
}

// foreignTargets are handler actions on resources the environment's stacks don't name (the
// service names them), so resource-scoped statements can't allow them.
var foreignTargets = []HandlerException{
	{Type: "AWS::EKS::Cluster", Action: "iam:*InstanceProfile*", Reason: "EKS Auto Mode names its nodes' instance profiles itself"},
}

// HandlerDenial is a handler action the policies refuse.
type HandlerDenial struct {
	Type, Action string
	Execution    Decision
	Boundary     Decision
}

func (d HandlerDenial) String() string {
	return fmt.Sprintf("%s: %s (execution policy: %s; boundary: %s)", d.Type, d.Action, d.Execution, d.Boundary)
}

// AllowsHandlerAction evaluates typ's handler action against the execution policy and the
// boundary (nil: not evaluated). iam:CreateServiceLinkedRole is allowed when it is allowed for
// one of the service-linked roles the type's service declares.
func (t Target) AllowsHandlerAction(exec, boundary []Statement, typ, action string) (Decision, Decision) {
	scopes := t.Scopes()
	inScope := func(r string) bool { return slices.Contains(scopes, r) }
	linked := []string{""}
	if strings.EqualFold(action, "iam:CreateServiceLinkedRole") {
		svc, _ := ServiceOf(typ)
		if l := Catalog[svc].ServiceLinkedRoles; len(l) > 0 {
			linked = l
		}
		if svc == "iam" { // AWS::IAM::ServiceLinkedRole: any service the catalog declares
			linked = nil
			for _, spec := range Catalog {
				linked = append(linked, spec.ServiceLinkedRoles...)
			}
		}
	}
	if slices.ContainsFunc(foreignTargets, func(f HandlerException) bool { return f.Type == typ && Glob(f.Action, action, true) }) {
		inScope = nil // only statements on "*" reach a resource the environment doesn't name
	}
	var e, b Decision
	for _, l := range linked {
		req := t.HandlerRequest(typ, action, l)
		e = Evaluate(exec, req, inScope)
		b = Decision{Allowed: true, By: "(no boundary)"}
		if boundary != nil {
			b = Evaluate(boundary, req, inScope)
		}
		if e.Allowed && b.Allowed {
			break
		}
	}
	return e, b
}

// DeniedHandlerActions lists every deploy action (create, read, update, delete) of the types'
// handlers, and their IndirectPermissions, that the execution policy and boundary don't allow,
// exceptions included (the caller checks them against HandlerExceptions).
func (t Target) DeniedHandlerActions(exec, boundary []Statement, types []string) ([]HandlerDenial, error) {
	var out []HandlerDenial
	var errs []string
	for _, typ := range slices.Sorted(slices.Values(slices.Compact(slices.Sorted(slices.Values(types))))) {
		h, err := HandlersOf(typ)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		actions := slices.Concat(h.DeployActions(), IndirectPermissions[typ].Actions)
		slices.Sort(actions)
		for _, a := range slices.Compact(actions) {
			e, b := t.AllowsHandlerAction(exec, boundary, typ, a)
			if !e.Allowed || !b.Allowed {
				out = append(out, HandlerDenial{Type: typ, Action: a, Execution: e, Boundary: b})
			}
		}
	}
	if len(errs) > 0 {
		return out, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return out, nil
}
