// Package deploycheck reads a cloud assembly the way CloudFormation and AWS will meet it in a fresh
// account, and reports what would fail there although every static gate passes: a policy naming
// a principal that does not exist yet, a resource that blocks the rollback of a failed first
// create, a second account/region singleton, a private integration aimed at the wrong kind of
// target, pods applied before their Pod Identity association. Each rule encodes an AWS rule that
// can't run here and names the AWS document it comes from. It reads templates only (no CDK).
package deploycheck

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/voicevault/voicevault/internal/review/assembly"
)

// Rules.
const (
	RulePrincipalExists   = "principal-exists"
	RuleRollbackClean     = "rollback-clean"
	RuleSingletonOnce     = "singleton-once"
	RuleIntegrationTarget = "integration-target"
	RulePodsAfterIdentity = "pods-after-identity"
)

// Finding is one thing that would fail in a fresh account.
type Finding struct {
	Rule     string
	Stack    string
	Resource string // logical ID
	Message  string
}

func (f Finding) String() string {
	return fmt.Sprintf("%s: %s/%s: %s", f.Rule, f.Stack, f.Resource, f.Message)
}

// Inputs are what the configuration declares to exist before the deployment.
type Inputs struct {
	// Principals are IAM principal ARNs that exist outside the deployment (e.g. the environments'
	// clusterAdminRoleArns): policies may name them.
	Principals []string
	// Singletons are the resource types of which an account and Region hold at most one.
	Singletons []string
	// Retained are "<stack>/<logical ID>" of resources that keep DeletionPolicy Retain on purpose,
	// with the reason.
	Retained map[string]string
}

// Check runs every rule over a.
func Check(a *assembly.Assembly, in Inputs) []Finding {
	var out []Finding
	out = append(out, Principals(a, in)...)
	out = append(out, Rollback(a, in)...)
	out = append(out, Singletons(a, in.Singletons)...)
	out = append(out, IntegrationTargets(a)...)
	out = append(out, PodsAfterIdentity(a)...)
	out = append(out, UniqueSids(a)...)
	out = append(out, UniqueSecurityGroupRules(a)...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// --- principals -------------------------------------------------------------------------------

// ELBLogDeliveryAccounts are the AWS-owned accounts Elastic Load Balancing writes access logs
// from, by Region (Elastic Load Balancing user guide, "Enable access logs for your Application
// Load Balancer", step 2: bucket policy for Regions available before August 2022).
var ELBLogDeliveryAccounts = map[string]string{
	"us-east-1": "127311923021", "us-east-2": "033677994240", "us-west-1": "027434742980", "us-west-2": "797873946194",
	"af-south-1": "098369216593", "ap-east-1": "754344448648", "ap-southeast-3": "589379963580", "ap-south-1": "718504428378",
	"ap-northeast-3": "383597477331", "ap-northeast-2": "600734575887", "ap-southeast-1": "114774131450", "ap-southeast-2": "783225319266",
	"ap-northeast-1": "582318560864", "ca-central-1": "985666609251", "eu-central-1": "054676820928", "eu-west-1": "156460612806",
	"eu-west-2": "652711504416", "eu-south-1": "635631232127", "eu-west-3": "009996457667", "eu-north-1": "897822967062",
	"me-south-1": "076674570225", "sa-east-1": "507241528517",
}

var (
	reAccountRoot = regexp.MustCompile(`^(?:arn:[a-z-]+:iam::)?([0-9]{12})(?::root)?$`)
	reRoleARN     = regexp.MustCompile(`^arn:[^:]+:iam::([0-9]{12}):role/(.+)$`)
)

// Principals reports every principal a policy names that would not exist when the policy is
// created. KMS rejects a key policy naming a principal that does not exist
// (MalformedPolicyDocumentException; AWS KMS developer guide, "Key policies in AWS KMS",
// "Specifying principals"), and IAM, S3, SNS and EKS access entries reject unknown principals
// alike. A principal is fine when it is a service principal, "*", the stack's own account, an
// AWS-owned log delivery account of the stack's Region, a role of the same template referred to
// by Fn::GetAtt (CloudFormation creates it first), a role named by a stack this one deploys after,
// or an input the configuration declares. Service-linked roles exist only once their service
// first used them (IAM user guide, "Using service-linked roles"): a policy may name one only in a
// condition (aws:PrincipalArn), or after an AWS::IAM::ServiceLinkedRole of the same deployment.
func Principals(a *assembly.Assembly, in Inputs) []Finding {
	declared := map[string]bool{}
	for _, p := range in.Principals {
		declared[p] = true
	}
	byArtifact := map[string]*assembly.Stack{}
	for _, s := range a.Stacks {
		byArtifact[s.ArtifactID] = s
	}
	var out []Finding
	for _, s := range a.Stacks {
		earlier := roleNames(before(s, byArtifact))
		here := roleNames([]*assembly.Stack{s})
		for _, r := range s.Resources() {
			check := func(kind, value string) {
				if msg := classify(s, kind, value, declared, earlier, here); msg != "" {
					out = append(out, Finding{RulePrincipalExists, s.Name, r.ID, msg})
				}
			}
			for _, st := range statements(r.Properties) {
				for kind, v := range principalsOf(st) {
					for _, p := range v {
						check(kind, p)
					}
				}
			}
			if r.Type == "AWS::EKS::AccessEntry" {
				check("AWS", assembly.Render(r.Properties["PrincipalArn"]))
			}
		}
	}
	return out
}

// classify returns why principal value (of kind AWS, Service, Federated...) may not exist, or "".
func classify(s *assembly.Stack, kind, value string, declared map[string]bool, earlier, here map[string]string) string {
	switch {
	case kind == "Service" || kind == "CanonicalUser" || value == "*":
		return ""
	case declared[value]:
		return ""
	case strings.HasPrefix(value, "${") && strings.HasSuffix(value, ".Arn}"):
		id := strings.TrimSuffix(strings.TrimPrefix(value, "${"), ".Arn}")
		if _, ok := here[id]; ok {
			return ""
		}
		return fmt.Sprintf("%s principal %s is not a role of this template", kind, value)
	case kind == "Federated" && strings.HasPrefix(value, "${") && !strings.Contains(value, "."):
		if r, ok := s.Resource(strings.Trim(value, "${}")); ok && (r.Type == "AWS::IAM::OIDCProvider" || r.Type == "AWS::IAM::SAMLProvider") {
			return ""
		}
		return fmt.Sprintf("federated principal %s is not an identity provider of this template", value)
	}
	if m := reAccountRoot.FindStringSubmatch(value); m != nil {
		if m[1] == s.Account || m[1] == ELBLogDeliveryAccounts[s.Region] {
			return ""
		}
		return fmt.Sprintf("account %s is neither the stack's account %s nor an AWS-owned log delivery account of %s", m[1], s.Account, s.Region)
	}
	if m := reRoleARN.FindStringSubmatch(value); m != nil {
		path := m[2]
		if strings.HasPrefix(path, "aws-service-role/") {
			return fmt.Sprintf("%s is a service-linked role: AWS creates it on the service's first use, so in a new account it does not exist yet and the policy is rejected; name it in an aws:PrincipalArn condition instead", value)
		}
		name := path[strings.LastIndex(path, "/")+1:]
		if m[1] == s.Account {
			if _, ok := earlier[name]; ok {
				return ""
			}
			if _, ok := here[name]; ok {
				return fmt.Sprintf("role %s is created in this same template but named by its ARN: nothing orders it first; refer to it with Fn::GetAtt", name)
			}
		}
		return fmt.Sprintf("role %s is not created by this deployment before the policy, nor declared by the configuration", value)
	}
	return fmt.Sprintf("%s principal %q can't be shown to exist", kind, value)
}

// before returns the stacks s deploys after, transitively.
func before(s *assembly.Stack, byArtifact map[string]*assembly.Stack) []*assembly.Stack {
	var out []*assembly.Stack
	seen := map[string]bool{}
	var walk func(*assembly.Stack)
	walk = func(x *assembly.Stack) {
		for _, d := range x.Dependencies {
			if dep, ok := byArtifact[d]; ok && !seen[d] {
				seen[d] = true
				out = append(out, dep)
				walk(dep)
			}
		}
	}
	walk(s)
	return out
}

// roleNames maps the roles of stacks by logical ID and by RoleName (when set) to their stack.
func roleNames(stacks []*assembly.Stack) map[string]string {
	out := map[string]string{}
	for _, s := range stacks {
		for _, r := range s.OfType("AWS::IAM::Role") {
			out[r.ID] = s.Name
			if n, ok := r.Properties["RoleName"].(string); ok {
				out[n] = s.Name
			}
		}
	}
	return out
}

// statements returns every policy statement in v: objects with an Effect, including those inside
// policy documents written as JSON strings (CloudWatch Logs resource policies, manifests).
func statements(v any) []map[string]any {
	var out []map[string]any
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			if _, ok := x["Effect"]; ok {
				if _, p := x["Principal"]; p {
					out = append(out, x)
					return
				}
			}
			if len(x) == 1 {
				if _, join := x["Fn::Join"]; join {
					walkJSON(assembly.Render(x), walk)
					return
				}
			}
			for _, e := range x {
				walk(e)
			}
		case string:
			walkJSON(x, walk)
		}
	}
	walk(v)
	return out
}

func walkJSON(s string, walk func(any)) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "{") || !strings.Contains(s, `"Statement"`) {
		return
	}
	var doc any
	if json.Unmarshal([]byte(s), &doc) == nil {
		walk(doc)
	}
}

// principalsOf returns a statement's principals by kind (AWS, Service, Federated, ...), rendered.
func principalsOf(st map[string]any) map[string][]string {
	out := map[string][]string{}
	switch p := st["Principal"].(type) {
	case string:
		out["AWS"] = []string{p}
	case map[string]any:
		for kind, v := range p {
			for _, x := range assembly.List(v) {
				out[kind] = append(out[kind], assembly.Render(x))
			}
		}
	}
	return out
}

// --- rollback ---------------------------------------------------------------------------------

// Rollback reports resources that stop a failed first create from rolling back clean. When a
// stack's creation fails, CloudFormation deletes what it created; a resource with deletion or
// mutation protection can't be deleted (the rollback fails and the user cleans up by hand), and
// one with DeletionPolicy Retain is left behind — with a fixed physical name, the next attempt
// then fails on "already exists". DeletionPolicy RetainExceptOnCreate keeps resources on a later
// stack deletion but removes them when their own first create rolls back (AWS CloudFormation user
// guide, "DeletionPolicy attribute"). An S3 Object Lock bucket is the exception: locked objects
// can't be deleted, so CloudFormation could not remove it and the rollback would fail; it must be
// Retain with a generated name (the rollback completes, a retry creates a new bucket).
func Rollback(a *assembly.Assembly, in Inputs) []Finding {
	var out []Finding
	for _, s := range a.Stacks {
		for _, r := range s.Resources() {
			add := func(msg string) { out = append(out, Finding{RuleRollbackClean, s.Name, r.ID, msg}) }
			lockOn, _ := assembly.Bool(r.Properties["ObjectLockEnabled"])
			locked := r.Type == "AWS::S3::Bucket" && lockOn
			switch {
			case locked && r.Properties["BucketName"] != nil:
				add("an Object Lock bucket with a fixed name: a failed first create leaves it (it can't be emptied) and the retry fails on the name; let CloudFormation generate it")
			case locked && r.DeletionPolicy != "Retain":
				add("an Object Lock bucket can't be emptied, so CloudFormation can't delete it when a first create rolls back: give it DeletionPolicy Retain (and a generated name)")
			}
			if r.DeletionPolicy == "Retain" && !locked {
				if _, ok := in.Retained[s.Name+"/"+r.ID]; !ok {
					add(r.Type + " has DeletionPolicy Retain: a failed first create leaves it behind; use RetainExceptOnCreate (RemovalPolicy RETAIN_ON_UPDATE_OR_DELETE)")
				}
			}
			for _, kv := range assembly.List(r.Properties["LoadBalancerAttributes"]) {
				if k, _ := assembly.Get(kv, "Key").(string); k == "deletion_protection.enabled" {
					if on, _ := assembly.Bool(assembly.Get(kv, "Value")); on {
						add("load balancer deletion protection is on: CloudFormation can't delete it on rollback")
					}
				}
			}
			if v, _ := r.Properties["MutationProtection"].(string); v == "ENABLED" {
				add(r.Type + " has MutationProtection ENABLED: CloudFormation can't delete it on rollback")
			}
			for _, key := range []string{"DeletionProtection", "DeletionProtectionEnabled", "DisableApiTermination"} {
				if on, _ := assembly.Bool(findKey(r.Properties, key)); on {
					add(r.Type + " has " + key + " on: CloudFormation can't delete it on rollback")
				}
			}
		}
	}
	return out
}

// findKey returns the first value of key anywhere in v.
func findKey(v any, key string) any {
	switch x := v.(type) {
	case map[string]any:
		if val, ok := x[key]; ok {
			return val
		}
		for _, e := range x {
			if val := findKey(e, key); val != nil {
				return val
			}
		}
	case []any:
		for _, e := range x {
			if val := findKey(e, key); val != nil {
				return val
			}
		}
	}
	return nil
}

// --- singletons -------------------------------------------------------------------------------

// Singletons reports a singleton resource type created more than once in one account and Region
// across the whole deployment: the second create fails. An IAM Access Analyzer counts only with
// Type ACCOUNT.
func Singletons(a *assembly.Assembly, types []string) []Finding {
	var out []Finding
	first := map[string]string{} // account/region/type → stack/id
	for _, s := range a.Stacks {
		for _, r := range s.OfType(types...) {
			if r.Type == "AWS::AccessAnalyzer::Analyzer" && r.Properties["Type"] != "ACCOUNT" {
				continue
			}
			key := s.Account + "/" + s.Region + "/" + r.Type
			if prev, dup := first[key]; dup {
				out = append(out, Finding{RuleSingletonOnce, s.Name, r.ID, fmt.Sprintf("second %s in account %s, %s (the first is %s): an account and Region hold one", r.Type, s.Account, s.Region, prev)})
				continue
			}
			first[key] = s.Name + "/" + r.ID
		}
	}
	return out
}

// --- private integrations ---------------------------------------------------------------------

// IntegrationTargets reports REST API methods whose private integration (VPC link V2) does not
// target a load balancer. API Gateway takes the load balancer's ARN as IntegrationTarget (API
// Gateway developer guide, "Set up a private integration": --integration-target
// arn:...:loadbalancer/app/...), not a listener's. A target read from an SSM parameter is followed
// to the parameter of the assembly that writes it.
func IntegrationTargets(a *assembly.Assembly) []Finding {
	ssm := map[string]any{} // parameter name → its value
	for _, s := range a.Stacks {
		for _, r := range s.OfType("AWS::SSM::Parameter") {
			if n, ok := r.Properties["Name"].(string); ok {
				ssm[s.Account+"/"+s.Region+"/"+n] = valueIn(s, r.Properties["Value"])
			}
		}
	}
	var out []Finding
	for _, s := range a.Stacks {
		for _, r := range s.OfType("AWS::ApiGateway::Method") {
			in, _ := r.Properties["Integration"].(map[string]any)
			if in == nil || in["ConnectionType"] != "VPC_LINK" {
				continue
			}
			target := in["IntegrationTarget"]
			if id := assembly.RefTarget(target); id != "" {
				if prm, ok := assembly.Get(s.Template, "Parameters", id).(map[string]any); ok {
					name, _ := prm["Default"].(string)
					v, found := ssm[s.Account+"/"+s.Region+"/"+name]
					if !found {
						out = append(out, Finding{RuleIntegrationTarget, s.Name, r.ID, "integration target is SSM parameter " + name + ", which no stack of this deployment writes"})
						continue
					}
					target = v
				}
			}
			if !isLoadBalancer(target) {
				shown := target
				if sv, ok := target.(stackValue); ok {
					shown = sv.value
				}
				out = append(out, Finding{RuleIntegrationTarget, s.Name, r.ID, fmt.Sprintf("integration target %s is not a load balancer ARN", assembly.Render(shown))})
			}
		}
	}
	return out
}

// stackValue is a value with the stack it was read from, so refs resolve in that template.
type stackValue struct {
	stack *assembly.Stack
	value any
}

func valueIn(s *assembly.Stack, v any) any { return stackValue{s, v} }

func isLoadBalancer(v any) bool {
	sv, ok := v.(stackValue)
	if !ok {
		s := assembly.Render(v)
		return strings.Contains(s, ":loadbalancer/app/") || strings.Contains(s, ":loadbalancer/net/")
	}
	if id := assembly.RefTarget(sv.value); id != "" {
		r, found := sv.stack.Resource(id)
		// Ref of a load balancer is its ARN; of a listener, the listener's ARN.
		m, isMap := sv.value.(map[string]any)
		return found && r.Type == "AWS::ElasticLoadBalancingV2::LoadBalancer" && isMap && m["Ref"] != nil
	}
	return isLoadBalancer(sv.value)
}

// --- pods after their identity ----------------------------------------------------------------

// PodsAfterIdentity reports Kubernetes manifests whose pods use a service account with an EKS Pod
// Identity association but are applied without waiting for it. EKS injects the credentials only
// into pods admitted after the association exists (EKS user guide, "Learn how EKS Pod Identity
// grants pods access to AWS services": existing pods must be restarted), so such pods would run
// without AWS credentials.
func PodsAfterIdentity(a *assembly.Assembly) []Finding {
	var out []Finding
	for _, s := range a.Stacks {
		assoc := map[string]string{}  // namespace/service account → association ID
		roleOf := map[string]string{} // association ID → its role's logical ID
		for _, r := range s.OfType("AWS::EKS::PodIdentityAssociation") {
			assoc[assembly.Render(r.Properties["Namespace"])+"/"+assembly.Render(r.Properties["ServiceAccount"])] = r.ID
			roleOf[r.ID] = assembly.RefTarget(r.Properties["RoleArn"])
		}
		if len(assoc) == 0 {
			continue
		}
		for _, r := range s.OfType("Custom::AWSCDK-EKS-KubernetesResource") {
			for _, sa := range podServiceAccounts(assembly.Render(r.Properties["Manifest"])) {
				id, ok := assoc[sa]
				if !ok {
					continue
				}
				if !dependsOn(s, r.ID, id) {
					out = append(out, Finding{RulePodsAfterIdentity, s.Name, r.ID, "pods of service account " + sa + " may start before its Pod Identity association " + id + " exists: add a dependency"})
				}
				for _, pol := range policiesOf(s, roleOf[id]) {
					if !dependsOn(s, r.ID, pol) {
						out = append(out, Finding{RulePodsAfterIdentity, s.Name, r.ID, "pods of service account " + sa + " may start before policy " + pol + " of their role exists: add a dependency"})
					}
				}
			}
		}
	}
	return out
}

// policiesOf returns the logical IDs of the template's IAM policies attached to role.
func policiesOf(s *assembly.Stack, role string) []string {
	var out []string
	if role == "" {
		return nil
	}
	for _, p := range s.OfType("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy") {
		for _, r := range assembly.List(p.Properties["Roles"]) {
			if assembly.RefTarget(r) == role {
				out = append(out, p.ID)
			}
		}
	}
	return out
}

// podServiceAccounts returns namespace/serviceAccountName of every pod template in a manifest list.
func podServiceAccounts(manifest string) []string {
	var objs []map[string]any
	if json.Unmarshal([]byte(manifest), &objs) != nil {
		return nil
	}
	var out []string
	for _, o := range objs {
		ns, _ := assembly.Get(o, "metadata", "namespace").(string)
		for _, path := range [][]string{{"spec", "template", "spec"}, {"spec", "jobTemplate", "spec", "template", "spec"}} {
			if pod, ok := assembly.Get(o, path...).(map[string]any); ok {
				sa, _ := pod["serviceAccountName"].(string)
				if sa == "" {
					sa = "default"
				}
				out = append(out, ns+"/"+sa)
			}
		}
	}
	return out
}

// dependsOn reports whether resource from waits for to: through DependsOn or references, transitively.
func dependsOn(s *assembly.Stack, from, to string) bool {
	seen := map[string]bool{}
	var walk func(string) bool
	walk = func(id string) bool {
		if id == to {
			return true
		}
		if seen[id] {
			return false
		}
		seen[id] = true
		r, ok := assembly.Get(s.Template, "Resources", id).(map[string]any)
		if !ok {
			return false
		}
		next := assembly.Refs(r["Properties"])
		for _, d := range assembly.List(r["DependsOn"]) {
			if d, ok := d.(string); ok {
				next = append(next, d)
			}
		}
		for _, n := range next {
			if walk(n) {
				return true
			}
		}
		return false
	}
	return walk(from)
}
