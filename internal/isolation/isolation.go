// Package isolation checks synthesized templates for references across tenants: no policy
// (IAM policies, role trust and inline policies, KMS key policies, bucket, topic and queue
// policies), Pod Identity association or Kubernetes manifest in a template may name a tenant
// the template does not belong to: its bucket, key alias, workload role, namespace or stack.
// Templates also may not import values from other stacks (Fn::ImportValue): the platform →
// tenant contract is names and SSM parameters, never exports.
//
// A tenant's resources are known by names derived from the configuration (config.AudioBucketName,
// config.KeyAlias, config.WorkloadRoleName, config.Namespace, config.TenantStackName). Its key
// and role ARNs carry no name of their own beyond those, so a template can only reach another
// tenant's key or role through one of these names or through an import, both of which the
// checker sees.
//
// The checker reads parsed templates only (no CDK, no jsii), so the audit report can run it too.
package isolation

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/naming"
)

// Identity is what names one tenant's resources in a template.
type Identity struct {
	Tenant  string
	Markers []Marker
}

// Marker is one name of a tenant's resource.
type Marker struct {
	What  string // e.g. "audio bucket"
	Value string
}

// Identities returns the identity of every tenant of cfg, in file order.
func Identities(cfg *config.Config) []Identity {
	var out []Identity
	for _, t := range cfg.Tenants {
		env, ok := cfg.Environment(t.Environment)
		if !ok {
			continue
		}
		out = append(out, Identity{Tenant: t.Name, Markers: []Marker{
			{"audio bucket", env.Names().AudioBucket(t.Name)},
			{"key alias", naming.TenantKeyAlias(env.Name, t.Name)},
			{"workload role", naming.WorkloadRole(env.Name, t.Name)},
			{"namespace", naming.Namespace(t.Name)},
			{"stack", naming.TenantStack(env.Name, t.Name)},
		}})
	}
	return out
}

// Owners maps each stack of cfg to the tenants it may name: a tenant stack its own tenant, a
// platform stack the tenants placed in its environment (it serves them all).
func Owners(cfg *config.Config) map[string][]string {
	out := map[string][]string{}
	for _, e := range cfg.Environments {
		var names []string
		for _, t := range cfg.TenantsIn(e.Name) {
			names = append(names, t.Name)
		}
		out[naming.PlatformStack(e.Name)] = names
	}
	for _, t := range cfg.Tenants {
		out[naming.TenantStack(t.Environment, t.Name)] = []string{t.Name}
	}
	return out
}

// Finding is one reference across tenants.
type Finding struct {
	Stack    string // the template
	Resource string // logical ID
	Type     string // resource type
	Property string // e.g. PolicyDocument
	Tenant   string // the tenant named, "" for an import
	What     string // what of that tenant, e.g. "audio bucket"; or "Fn::ImportValue"
	Value    string // the name found
}

func (f Finding) String() string {
	if f.Tenant == "" {
		return fmt.Sprintf("%s %s (%s) %s: imports %s", f.Stack, f.Resource, f.Type, f.Property, f.Value)
	}
	return fmt.Sprintf("%s %s (%s) %s names tenant %s's %s %q", f.Stack, f.Resource, f.Type, f.Property, f.Tenant, f.What, f.Value)
}

// Report is the result of a check.
type Report struct {
	Findings []Finding
	// Checked counts the documents inspected, per stack and kind ("AWS::KMS::Key KeyPolicy"): a
	// check that found nothing because it looked at nothing is visible here.
	Checked map[string]map[string]int
}

// Checked properties, by resource type.
var checked = map[string][]string{
	"AWS::IAM::Policy":                      {"PolicyDocument"},
	"AWS::IAM::ManagedPolicy":               {"PolicyDocument"},
	"AWS::IAM::Role":                        {"AssumeRolePolicyDocument", "Policies"},
	"AWS::KMS::Key":                         {"KeyPolicy"},
	"AWS::S3::BucketPolicy":                 {"PolicyDocument"},
	"AWS::SNS::TopicPolicy":                 {"PolicyDocument"},
	"AWS::SQS::QueuePolicy":                 {"PolicyDocument"},
	"AWS::EKS::PodIdentityAssociation":      {"Namespace", "ServiceAccount", "RoleArn", "TargetRoleArn"},
	"Custom::AWSCDK-EKS-KubernetesResource": {"Manifest"},
}

// CheckedTypes are the resource types whose properties Check inspects, sorted.
func CheckedTypes() []string { return slices.Sorted(maps.Keys(checked)) }

// Check inspects templates (stack name → parsed template). owners says which tenants each stack
// may name (see Owners); a stack missing from owners may name none.
func Check(ids []Identity, owners map[string][]string, templates map[string]map[string]any) Report {
	rep := Report{Checked: map[string]map[string]int{}}
	for _, stack := range slices.Sorted(maps.Keys(templates)) {
		allowed := owners[stack]
		var foreign []Identity
		for _, id := range ids {
			if !slices.Contains(allowed, id.Tenant) {
				foreign = append(foreign, id)
			}
		}
		f, n := CheckTemplate(stack, templates[stack], foreign)
		rep.Findings = append(rep.Findings, f...)
		rep.Checked[stack] = n
	}
	return rep
}

// CheckTemplate inspects one template for the names of the foreign tenants and for imports. It
// returns the findings and the number of documents inspected per kind.
func CheckTemplate(stack string, tpl map[string]any, foreign []Identity) ([]Finding, map[string]int) {
	var out []Finding
	counts := map[string]int{}
	resources, _ := tpl["Resources"].(map[string]any)
	for _, id := range slices.Sorted(maps.Keys(resources)) {
		res, _ := resources[id].(map[string]any)
		typ, _ := res["Type"].(string)
		props, _ := res["Properties"].(map[string]any)
		base := Finding{Stack: stack, Resource: id, Type: typ}
		// Imports anywhere in any resource break the contract.
		walk(res, func(s string) {}, func(v string) {
			f := base
			f.Property, f.What, f.Value = "(any)", "Fn::ImportValue", v
			out = append(out, f)
		})
		for _, prop := range checked[typ] {
			v, ok := props[prop]
			if !ok {
				continue
			}
			counts[typ+" "+prop]++
			seen := map[string]bool{}
			walk(v, func(s string) {
				for _, fid := range foreign {
					for _, m := range fid.Markers {
						if contains(s, m.Value) && !seen[fid.Tenant+m.Value] {
							seen[fid.Tenant+m.Value] = true
							f := base
							f.Property, f.Tenant, f.What, f.Value = prop, fid.Tenant, m.What, m.Value
							out = append(out, f)
						}
					}
				}
			}, nil)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out, counts
}

// walk calls text for every string in v, and for every Fn::Join also for its parts joined
// (intrinsics between them as "{}"), so a name built by concatenation is seen whole. It calls
// imported (when not nil) with a description of every Fn::ImportValue.
func walk(v any, text func(string), imported func(string)) {
	switch x := v.(type) {
	case string:
		text(x)
	case []any:
		for _, e := range x {
			walk(e, text, imported)
		}
	case map[string]any:
		if iv, ok := x["Fn::ImportValue"]; ok && imported != nil {
			imported(fmt.Sprint(iv))
		}
		if j, ok := x["Fn::Join"].([]any); ok && len(j) == 2 {
			sep, _ := j[0].(string)
			if parts, ok := j[1].([]any); ok {
				var b strings.Builder
				for i, p := range parts {
					if i > 0 {
						b.WriteString(sep)
					}
					if s, ok := p.(string); ok {
						b.WriteString(s)
					} else {
						b.WriteString("{}")
					}
				}
				text(b.String())
			}
		}
		for _, k := range slices.Sorted(maps.Keys(x)) {
			walk(x[k], text, imported)
		}
	}
}

// contains reports whether name occurs in s as a whole name: not preceded or followed by a
// letter, digit or '-', so tenant "acme" is not found inside "tenant-acme2" or "vv-acme-x".
func contains(s, name string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], name)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(name)
		if (start == 0 || !nameChar(s[start-1])) && (end == len(s) || !nameChar(s[end])) {
			return true
		}
		i = start + 1
	}
}

func nameChar(c byte) bool {
	return c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
