// Package policycheck finds every IAM policy in a synthesized CloudFormation template —
// identity policies (inline role policies, AWS::IAM::Policy, managed policies), trust policies
// and resource policies (key, bucket, topic, queue, secret, repository, REST API, log resource
// policies, Lambda permissions) — and checks each statement against VoiceVault's rules:
//
//   - no "*" or "service:*" action (Fail), no partial wildcard such as "s3:Get*" (Broad);
//   - no mutating action on Resource "*" unless AWS cannot scope it (Unscopable lists those,
//     each with its reason); in a key policy Resource "*" means the key itself and is fine;
//     data reads on Resource "*" are reported as Broad;
//   - no NotAction or NotResource (or NotPrincipal) with Allow;
//   - no Principal "*" on an Allow without a condition.
//
// CloudFormation intrinsics (Ref, Fn::GetAtt, Fn::Join...) in Resource are rendered: a value
// built from references is a specific resource, not "*"; a joined ARN whose resource part is
// "*" (arn:${AWS::Partition}:s3:::*) is "*". It is pure Go: it reads templates, not constructs.
package policycheck

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/voicevault/voicevault/internal/review/assembly"
	"github.com/voicevault/voicevault/naming"
)

// Kind says what a policy is attached to, which changes what Resource "*" means.
type Kind string

// The kinds of policy.
const (
	Identity Kind = "identity" // on a role, user or group (inline, AWS::IAM::Policy, managed policy)
	Trust    Kind = "trust"    // a role's assume-role policy
	Key      Kind = "key"      // a KMS key policy: Resource "*" is the key itself
	Resource Kind = "resource" // any other resource policy (bucket, topic, queue, secret, ...)
	// Boundary is a permissions boundary (the delivery stack's voicevault-<env>-boundary): it
	// grants nothing, it caps what identity policies grant, so its Allow statements name whole
	// services by design; only the structural rules apply to it.
	Boundary Kind = "boundary"
	// Execution is a CloudFormation execution policy (voicevault-<env>-cfn-execution[-N]) that
	// cdk bootstrap gives the execution role: CloudFormation creates resources whose IDs do not
	// exist yet, so its writes on Resource "*" are Broad (shown for review), not failures.
	// constructs/cideploy computes and tests its scope (the templates' services only, the
	// environment's region, verb wildcards never service-wide).
	Execution Kind = "execution"
)

// managedKind is the kind of an AWS::IAM::ManagedPolicy named name: Boundary or Execution for
// the delivery stack's policies (naming.BoundaryPolicy, naming.ExecutionPolicy), Identity otherwise.
func managedKind(name string) Kind {
	switch naming.ParsePolicy(name) {
	case naming.BoundaryKind:
		return Boundary
	case naming.ExecutionKind:
		return Execution
	default:
		return Identity
	}
}

// Policy is one policy document found in a template.
type Policy struct {
	Stack      string
	Resource   string   // logical ID of the resource that holds the policy
	Type       string   // its CloudFormation type
	Path       string   // its construct path below the stack ("" if unknown)
	Kind       Kind     //
	Name       string   // the inline policy name, or the property that holds the document
	Principals []string // for identity policies: the logical IDs (or names) of the roles, users and groups it is attached to
	Target     string   // for resource policies: the resource it protects, rendered (e.g. ${AudioBucket})
	Statements []Statement
	Unparsed   string // non-empty when the document could not be read (e.g. a JSON string built with Fn::Join)
}

// Statement is one policy statement, with values as they appear in the template.
type Statement struct {
	Index        int
	Sid          string
	Effect       string
	Principal    any // nil when absent (identity policies)
	NotPrincipal any
	Action       []any
	NotAction    []any
	Resource     []any
	NotResource  []any
	Condition    map[string]any
}

// source says where a resource type keeps a policy document.
type source struct {
	prop   string // property holding the document
	kind   Kind
	target string // property naming what the policy protects or is attached to
}

var sources = map[string][]source{
	"AWS::IAM::Role":                      {{prop: "AssumeRolePolicyDocument", kind: Trust}},
	"AWS::IAM::Policy":                    {{prop: "PolicyDocument", kind: Identity}},
	"AWS::IAM::ManagedPolicy":             {{prop: "PolicyDocument", kind: Identity}},
	"AWS::IAM::RolePolicy":                {{prop: "PolicyDocument", kind: Identity}},
	"AWS::IAM::UserPolicy":                {{prop: "PolicyDocument", kind: Identity}},
	"AWS::IAM::GroupPolicy":               {{prop: "PolicyDocument", kind: Identity}},
	"AWS::KMS::Key":                       {{prop: "KeyPolicy", kind: Key}},
	"AWS::S3::BucketPolicy":               {{prop: "PolicyDocument", kind: Resource, target: "Bucket"}},
	"AWS::SNS::TopicPolicy":               {{prop: "PolicyDocument", kind: Resource, target: "Topics"}},
	"AWS::SQS::QueuePolicy":               {{prop: "PolicyDocument", kind: Resource, target: "Queues"}},
	"AWS::SecretsManager::ResourcePolicy": {{prop: "ResourcePolicy", kind: Resource, target: "SecretId"}},
	"AWS::ECR::Repository":                {{prop: "RepositoryPolicyText", kind: Resource}},
	"AWS::ApiGateway::RestApi":            {{prop: "Policy", kind: Resource}},
	"AWS::Logs::ResourcePolicy":           {{prop: "PolicyDocument", kind: Resource, target: "PolicyName"}},
	"AWS::OpenSearchService::Domain":      {{prop: "AccessPolicies", kind: Resource}},
	"AWS::EFS::FileSystem":                {{prop: "FileSystemPolicy", kind: Resource}},
	"AWS::Backup::BackupVault":            {{prop: "AccessPolicy", kind: Resource}},
	"AWS::Events::EventBusPolicy":         {{prop: "Statement", kind: Resource, target: "EventBusName"}},
}

// Extract returns every policy document in the stack, in logical-ID order.
func Extract(s *assembly.Stack) []Policy {
	var out []Policy
	for _, r := range s.Resources() {
		base := Policy{Stack: s.Name, Resource: r.ID, Type: r.Type, Path: r.Path}
		switch r.Type {
		case "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group":
			for _, p := range assembly.List(r.Properties["Policies"]) {
				name := assembly.Render(assembly.Get(p, "PolicyName"))
				pol := base
				pol.Kind, pol.Name, pol.Principals = Identity, name, []string{r.ID}
				out = append(out, parse(pol, assembly.Get(p, "PolicyDocument")))
			}
		case "AWS::Lambda::Permission":
			out = append(out, lambdaPermission(base, r.Properties))
			continue
		}
		for _, src := range sources[r.Type] {
			doc, ok := r.Properties[src.prop]
			if !ok {
				continue
			}
			pol := base
			pol.Kind, pol.Name = src.kind, src.prop
			if name, ok := r.Properties["PolicyName"]; ok && src.kind == Identity {
				pol.Name = assembly.Render(name)
			}
			if name, ok := r.Properties["ManagedPolicyName"]; ok && r.Type == "AWS::IAM::ManagedPolicy" {
				pol.Kind = managedKind(assembly.Render(name))
			}
			if src.kind == Identity {
				for _, k := range []string{"Roles", "Users", "Groups", "RoleName", "UserName", "GroupName"} {
					for _, p := range assembly.List(r.Properties[k]) {
						pol.Principals = append(pol.Principals, principalName(p))
					}
				}
			}
			if src.kind == Trust {
				pol.Principals = []string{r.ID}
			}
			if src.target != "" {
				pol.Target = assembly.Render(r.Properties[src.target])
			} else if src.kind != Identity {
				pol.Target = "${" + r.ID + "}"
			}
			if r.Type == "AWS::Events::EventBusPolicy" {
				doc = map[string]any{"Statement": []any{doc}}
			}
			out = append(out, parse(pol, doc))
		}
	}
	return out
}

// principalName is the logical ID a Ref points at, else the rendered value.
func principalName(v any) string {
	if id := assembly.RefTarget(v); id != "" {
		return id
	}
	return assembly.Render(v)
}

// parse reads a policy document (an object, or a JSON string).
func parse(p Policy, doc any) Policy {
	if s, ok := doc.(string); ok {
		var m map[string]any
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			p.Unparsed = "policy document is a string that is not JSON"
			return p
		}
		doc = m
	}
	m, ok := doc.(map[string]any)
	if !ok {
		p.Unparsed = "policy document is not an object"
		return p
	}
	if _, intrinsic := m["Fn::Join"]; intrinsic || len(m) == 1 && m["Statement"] == nil {
		p.Unparsed = "policy document is built with an intrinsic function: " + assembly.Render(m)
		return p
	}
	for i, raw := range assembly.List(m["Statement"]) {
		st, _ := raw.(map[string]any)
		s := Statement{Index: i}
		s.Sid, _ = st["Sid"].(string)
		s.Effect, _ = st["Effect"].(string)
		s.Principal, s.NotPrincipal = st["Principal"], st["NotPrincipal"]
		s.Action, s.NotAction = assembly.List(st["Action"]), assembly.List(st["NotAction"])
		s.Resource, s.NotResource = assembly.List(st["Resource"]), assembly.List(st["NotResource"])
		s.Condition, _ = st["Condition"].(map[string]any)
		p.Statements = append(p.Statements, s)
	}
	return p
}

// lambdaPermission turns an AWS::Lambda::Permission into the statement it adds to the
// function's resource policy.
func lambdaPermission(p Policy, props map[string]any) Policy {
	p.Kind, p.Name = Resource, "Permission"
	p.Target = assembly.Render(props["FunctionName"])
	cond := map[string]any{}
	for _, k := range []string{"SourceArn", "SourceAccount", "PrincipalOrgID", "FunctionUrlAuthType"} {
		if v, ok := props[k]; ok {
			cond["lambda:"+k] = v
		}
	}
	principal := props["Principal"]
	if s, ok := principal.(string); ok {
		switch {
		case s == "*":
			principal = "*"
		case strings.HasSuffix(s, ".amazonaws.com") || strings.HasSuffix(s, ".amazonaws.com.cn"):
			principal = map[string]any{"Service": s}
		default:
			principal = map[string]any{"AWS": s}
		}
	}
	st := Statement{Effect: "Allow", Principal: principal, Action: assembly.List(props["Action"]), Resource: []any{props["FunctionName"]}}
	if len(cond) > 0 {
		st.Condition = cond
	}
	p.Statements = []Statement{st}
	return p
}

// Principals returns the statement's principals as "Type:value" strings ("*" for everyone).
func (s Statement) Principals() []string {
	return principals(s.Principal)
}

func principals(v any) []string {
	var out []string
	switch x := v.(type) {
	case nil:
	case string:
		out = append(out, x)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			for _, p := range assembly.List(x[k]) {
				r := assembly.Render(p)
				if r == "*" {
					out = append(out, "*")
				} else {
					out = append(out, k+":"+r)
				}
			}
		}
	default:
		out = append(out, assembly.Render(x))
	}
	return out
}
