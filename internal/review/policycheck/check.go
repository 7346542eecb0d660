package policycheck

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/voicevault/voicevault/internal/review/assembly"
)

// Severity of a violation.
type Severity string

// Severities: Fail breaks the gate; Broad is shown in the audit report for review.
const (
	Fail  Severity = "fail"
	Broad Severity = "broad"
)

// Rule names what a violation breaks.
type Rule string

// The rules.
const (
	WildcardAction        Rule = "wildcard-action"         // "*" or "service:*"
	PartialWildcardAction Rule = "partial-wildcard-action" // e.g. "s3:Get*" (Broad)
	MutatingOnAnyResource Rule = "mutating-action-on-star" // a write/admin action on Resource "*"
	ReadOnAnyResource     Rule = "data-read-on-star"       // e.g. s3:GetObject on Resource "*" (Broad)
	NotActionAllow        Rule = "notaction-with-allow"    //
	NotResourceAllow      Rule = "notresource-with-allow"  //
	NotPrincipalAllow     Rule = "notprincipal-with-allow" //
	PublicPrincipal       Rule = "public-principal"        // Principal "*" on an Allow without a condition
	UnconditionedService  Rule = "service-without-source"  // a Lambda permission for a service without SourceArn/SourceAccount (Broad)
	UnreadablePolicy      Rule = "unreadable-policy"       // a document this checker cannot read (Broad)
	TypeWideResource      Rule = "type-wide-resource"      // a mutating action on every resource of a type, e.g. key/* (Broad)
)

// Violation is one rule broken by one statement.
type Violation struct {
	Stack     string
	Resource  string // logical ID of the resource holding the policy
	Path      string
	Policy    string // inline policy name or property
	Statement int    // index in the document
	Sid       string
	Rule      Rule
	Severity  Severity
	Detail    string
}

func (v Violation) String() string {
	sid := ""
	if v.Sid != "" {
		sid = " (" + v.Sid + ")"
	}
	return fmt.Sprintf("%s %s %s statement %d%s: %s: %s", v.Stack, v.Resource, v.Policy, v.Statement, sid, v.Rule, v.Detail)
}

// Exception is an action AWS cannot scope to a resource, so it may be allowed on Resource "*".
type Exception struct {
	Action string // exact action, case-insensitive
	Reason string
}

// Unscopable lists the mutating actions that may appear on Resource "*", each with the reason.
// Keep it short: every entry widens what a role can do.
var Unscopable = []Exception{
	{"ec2:CreateNetworkInterface", "Lambda functions in a VPC: ENIs are created before their ID exists (AWSLambdaVPCAccessExecutionRole uses *)"},
	{"ec2:DeleteNetworkInterface", "Lambda functions in a VPC: the ENI IDs are not known at deploy time"},
	{"ec2:AssignPrivateIpAddresses", "Lambda functions in a VPC: the ENI IDs are not known at deploy time"},
	{"ec2:UnassignPrivateIpAddresses", "Lambda functions in a VPC: the ENI IDs are not known at deploy time"},
	{"xray:PutTraceSegments", "X-Ray has no resource-level permissions"},
	{"xray:PutTelemetryRecords", "X-Ray has no resource-level permissions"},
	{"xray:GetSamplingRules", "X-Ray has no resource-level permissions"},
	{"xray:GetSamplingTargets", "X-Ray has no resource-level permissions"},
	{"logs:CreateLogDelivery", "vended log delivery (API Gateway access logs, WAF logging) has no resource-level permissions"},
	{"logs:GetLogDelivery", "vended log delivery has no resource-level permissions"},
	{"logs:UpdateLogDelivery", "vended log delivery has no resource-level permissions"},
	{"logs:DeleteLogDelivery", "vended log delivery has no resource-level permissions"},
	{"logs:ListLogDeliveries", "vended log delivery has no resource-level permissions"},
	{"logs:PutResourcePolicy", "CloudWatch Logs resource policies (needed for WAF and EventBridge delivery) have no resource-level permissions"},
	{"logs:DescribeResourcePolicies", "CloudWatch Logs resource policies have no resource-level permissions"},
	{"cloudwatch:PutMetricData", "CloudWatch metrics have no resource-level permissions (scope with the cloudwatch:namespace condition)"},
}

// readVerbs start the names of actions that only read. Describe and List read metadata and are
// fine on "*"; Get and the rest read data and are reported as Broad on "*".
var (
	metadataVerbs = []string{"Describe", "List"}
	dataVerbs     = []string{"Get", "BatchGet", "Head", "View", "Lookup", "Search", "Query", "Scan", "Select", "Filter"}
)

// Check returns the violations of every policy, sorted by stack, resource, statement and rule.
func Check(policies []Policy) []Violation {
	var out []Violation
	for _, p := range policies {
		out = append(out, CheckPolicy(p)...)
	}
	return out
}

// Failures returns the violations of severity Fail.
func Failures(vs []Violation) []Violation {
	var out []Violation
	for _, v := range vs {
		if v.Severity == Fail {
			out = append(out, v)
		}
	}
	return out
}

// CheckPolicy returns the violations of one policy.
func CheckPolicy(p Policy) []Violation {
	var out []Violation
	add := func(s Statement, rule Rule, sev Severity, detail string) {
		out = append(out, Violation{Stack: p.Stack, Resource: p.Resource, Path: p.Path, Policy: p.Name, Statement: s.Index, Sid: s.Sid, Rule: rule, Severity: sev, Detail: detail})
	}
	if p.Unparsed != "" {
		add(Statement{Index: -1}, UnreadablePolicy, Broad, p.Unparsed)
	}
	for _, s := range p.Statements {
		if s.Effect == "Deny" {
			continue // a Deny only takes away (e.g. "s3:*" unless TLS)
		}
		for _, a := range s.Action {
			name := assembly.Render(a)
			switch {
			case p.Kind == Boundary:
				// A boundary's Allow grants nothing: whole services are how it caps.
			case ActionScope(name) == "all":
				add(s, WildcardAction, Fail, fmt.Sprintf("action %q grants every action%s", name, serviceOf(name)))
			case ActionScope(name) == "partial":
				add(s, PartialWildcardAction, Broad, fmt.Sprintf("action %q is a wildcard", name))
			}
		}
		if len(s.NotAction) > 0 {
			add(s, NotActionAllow, Fail, fmt.Sprintf("Allow with NotAction %s grants everything else", assembly.Render(s.NotAction)))
		}
		if len(s.NotResource) > 0 {
			add(s, NotResourceAllow, Fail, fmt.Sprintf("Allow with NotResource %s grants every other resource", assembly.Render(s.NotResource)))
		}
		if s.NotPrincipal != nil {
			add(s, NotPrincipalAllow, Fail, fmt.Sprintf("Allow with NotPrincipal %s grants everyone else", assembly.Render(s.NotPrincipal)))
		}
		if p.Kind != Identity && len(s.Condition) == 0 {
			for _, pr := range s.Principals() {
				if pr == "*" {
					add(s, PublicPrincipal, Fail, "Principal \"*\" without a condition: anyone can use this statement")
					break
				}
			}
		}
		if p.Type == "AWS::Lambda::Permission" && len(s.Condition) == 0 {
			for _, pr := range s.Principals() {
				if strings.HasPrefix(pr, "Service:") {
					add(s, UnconditionedService, Broad, pr+" may invoke the function from any account or resource (no SourceArn or SourceAccount)")
				}
			}
		}
		if p.Kind == Key || p.Kind == Trust || p.Kind == Boundary {
			continue
		}
		if !anyResource(s.Resource) {
			if r := typeWide(s.Resource); r != "" {
				for _, a := range s.Action {
					if name := assembly.Render(a); !IsRead(name) && ActionScope(name) != "all" {
						add(s, TypeWideResource, Broad, fmt.Sprintf("%s on %s: every resource of that type", name, r))
					}
				}
			}
			continue
		}
		for _, a := range s.Action {
			name := assembly.Render(a)
			switch {
			case ActionScope(name) == "all":
				// already a failure
			case IsMetadataRead(name):
			case IsDataRead(name):
				add(s, ReadOnAnyResource, Broad, fmt.Sprintf("%s on Resource \"*\"", name))
			case unscopable(name) != "":
			case p.Kind == Execution:
				add(s, MutatingOnAnyResource, Broad, fmt.Sprintf("%s on Resource \"*\": CloudFormation execution policy, for resources whose IDs do not exist before CloudFormation creates them (scope tested by constructs/cideploy)", name))
			default:
				add(s, MutatingOnAnyResource, Fail, fmt.Sprintf("%s on Resource \"*\": scope it to the resources it needs (or, if AWS cannot scope it, add it to policycheck.Unscopable with the reason)", name))
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Statement != out[j].Statement {
			return out[i].Statement < out[j].Statement
		}
		return out[i].Rule < out[j].Rule
	})
	return out
}

// ActionScope classifies an action: "all" for "*" and "service:*", "partial" for any other
// wildcard (e.g. "s3:Get*"), "" for an exact action.
func ActionScope(action string) string {
	if action == "*" || strings.HasSuffix(action, ":*") || action == "*:*" {
		return "all"
	}
	if strings.ContainsAny(action, "*?") {
		return "partial"
	}
	return ""
}

func serviceOf(action string) string {
	if svc, _, ok := strings.Cut(action, ":"); ok && svc != "*" {
		return " of " + svc
	}
	return ""
}

// verb returns the action name without its service prefix.
func verb(action string) string {
	_, v, ok := strings.Cut(action, ":")
	if !ok {
		return action
	}
	return v
}

// IsMetadataRead reports whether the action only describes or lists.
func IsMetadataRead(action string) bool { return hasVerbPrefix(action, metadataVerbs) }

// IsDataRead reports whether the action only reads (Get, BatchGet, Query, ...).
func IsDataRead(action string) bool { return hasVerbPrefix(action, dataVerbs) }

// IsRead reports whether the action only reads or describes.
func IsRead(action string) bool { return IsMetadataRead(action) || IsDataRead(action) }

func hasVerbPrefix(action string, verbs []string) bool {
	v := verb(action)
	for _, p := range verbs {
		if strings.HasPrefix(v, p) && (len(v) == len(p) || v[len(p)] == '*' || isUpper(v[len(p)])) {
			return true
		}
	}
	return false
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

// unscopable returns the reason an action may be on Resource "*", or "".
func unscopable(action string) string {
	for _, e := range Unscopable {
		if strings.EqualFold(e.Action, action) {
			return e.Reason
		}
	}
	return ""
}

// anyResource reports whether a statement's resources include everything: "*", or an ARN whose
// account and resource parts are wildcards (arn:aws:s3:::*, arn:${AWS::Partition}:kms:*:*:*).
func anyResource(resources []any) bool {
	for _, r := range resources {
		if IsAnyResource(assembly.Render(r)) {
			return true
		}
	}
	return false
}

// IsAnyResource reports whether a rendered resource value means every resource.
func IsAnyResource(r string) bool {
	if r == "*" {
		return true
	}
	parts := arnParts(r)
	if parts == nil {
		return false
	}
	account, res := parts[4], parts[5]
	return (account == "" || account == "*") && (res == "*" || res == "*/*")
}

// typeWide returns the first resource that names every resource of one type in an account
// (arn:...:key/*, arn:...:log-group:*), or "".
func typeWide(resources []any) string {
	for _, r := range resources {
		s := assembly.Render(r)
		parts := arnParts(s)
		if parts == nil {
			continue
		}
		res := parts[5]
		for _, sep := range []string{"/", ":"} {
			if typ, rest, ok := strings.Cut(res, sep); ok && rest == "*" && typ != "" && !strings.ContainsAny(typ, "*$/") {
				return s
			}
		}
	}
	return ""
}

var placeholder = regexp.MustCompile(`\$\{[^}]*\}`)

// arnParts splits an ARN in its six parts, with each ${...} placeholder (which may hold
// colons, as ${AWS::Partition} does) turned into "$"; nil if r is not an ARN.
func arnParts(r string) []string {
	parts := strings.SplitN(placeholder.ReplaceAllString(r, "$$"), ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return nil
	}
	return parts
}
