package test

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/naming"
	"github.com/voicevault/voicevault/test/apptest"
)

func allTemplates(t *testing.T, r *apptest.Result) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, name := range r.StackNames() {
		out[name] = r.JSON(t, name)
	}
	return out
}

// Tenant isolation is decided by the runtime access engine alone (must-deny flows, see
// access_test.go): IAM is not judged by names here. What this file keeps is Kubernetes hygiene,
// which is not IAM: no Kubernetes object a stack applies (manifests, Pod Identity associations)
// lands in or names another tenant's namespace, and no template imports another stack's values
// (the platform → tenant contract is names and SSM parameters, never exports).

// namespaceOwners maps each stack of the example to the tenant namespaces it may name: a tenant
// stack its own, a platform stack those of its environment's tenants (it serves them all).
func namespaceOwners(cfg *config.Config) (owners map[string][]string, all []string) {
	owners = map[string][]string{}
	for _, e := range cfg.Environments {
		for _, t := range cfg.TenantsIn(e.Name) {
			owners[naming.PlatformStack(e.Name)] = append(owners[naming.PlatformStack(e.Name)], naming.Namespace(t.Name))
		}
	}
	for _, t := range cfg.Tenants {
		owners[naming.TenantStack(t.Environment, t.Name)] = []string{naming.Namespace(t.Name)}
		all = append(all, naming.Namespace(t.Name))
	}
	return owners, all
}

// kubernetesObjects are the properties that carry Kubernetes objects or bindings, by type.
var kubernetesObjects = map[string]string{
	"Custom::AWSCDK-EKS-KubernetesResource": "Manifest",
	"AWS::EKS::PodIdentityAssociation":      "Namespace",
	"AWS::EKS::AccessEntry":                 "AccessPolicies",
}

// namespaceLeaks returns every Kubernetes object of templates that names a tenant namespace its
// stack does not own, and every Fn::ImportValue; seen counts the objects inspected per stack.
func namespaceLeaks(cfg *config.Config, templates map[string]map[string]any) (leaks []string, seen map[string]int) {
	owners, all := namespaceOwners(cfg)
	seen = map[string]int{}
	for _, stack := range slices.Sorted(maps.Keys(templates)) {
		raw, err := json.Marshal(templates[stack])
		if err == nil && strings.Contains(string(raw), `"Fn::ImportValue"`) {
			leaks = append(leaks, stack+": imports a value of another stack (Fn::ImportValue)")
		}
		resources, _ := templates[stack]["Resources"].(map[string]any)
		for _, id := range slices.Sorted(maps.Keys(resources)) {
			res, _ := resources[id].(map[string]any)
			prop, ok := kubernetesObjects[fmt.Sprint(res["Type"])]
			if !ok {
				continue
			}
			seen[stack]++
			props, _ := res["Properties"].(map[string]any)
			b, _ := json.Marshal(props[prop])
			for _, ns := range all {
				if slices.Contains(owners[stack], ns) {
					continue
				}
				if regexp.MustCompile(`(^|[^a-z0-9-])` + regexp.QuoteMeta(ns) + `($|[^a-z0-9-])`).Match(b) {
					leaks = append(leaks, fmt.Sprintf("%s %s (%s): names namespace %s", stack, id, res["Type"], ns))
				}
			}
		}
	}
	return leaks, seen
}

// TestNoKubernetesObjectNamesAnotherTenantsNamespace walks every template of the example (3
// tenants, 2 environments): no manifest or Pod Identity association of a tenant names another
// tenant's namespace, no platform names a tenant of another environment, and no template imports
// another stack's values. Each tenant stack's objects were inspected (a walk that saw nothing
// would pass vacuously).
func TestNoKubernetesObjectNamesAnotherTenantsNamespace(t *testing.T) {
	r := example(t)
	leaks, seen := namespaceLeaks(r.Config, allTemplates(t, r))
	assert.Empty(t, leaks)
	for _, tn := range r.Config.Tenants {
		stack := naming.TenantStack(tn.Environment, tn.Name)
		want := 4 // 3 manifests (guardrails, workload, TargetGroupBinding) and 1 Pod Identity association
		if tn.Model.Autoscaling != nil {
			want++ // the pod scaler's function (its NAMESPACE)
		}
		assert.Equal(t, want, seen[stack], "%s: manifests, Pod Identity association and pod scaler inspected", stack)
		assert.Contains(t, string(r.TemplateBytes(t, stack)), naming.Namespace(tn.Name), "%s names its own namespace", stack)
	}
}

// TestNamespaceHygieneFailsWhenATenantNamesAnother doctors acme's real template in each way a
// Kubernetes object could land in another tenant's namespace, and requires the check to fail.
func TestNamespaceHygieneFailsWhenATenantNamesAnother(t *testing.T) {
	r := example(t)
	cases := []struct {
		name   string
		doctor func(t *testing.T, tpl map[string]any)
		want   string
	}{
		{"manifest lands in globex's namespace", func(t *testing.T, tpl map[string]any) {
			for _, res := range tpl["Resources"].(map[string]any) {
				m := res.(map[string]any)
				if m["Type"] != "Custom::AWSCDK-EKS-KubernetesResource" {
					continue
				}
				p := m["Properties"].(map[string]any)
				if s, ok := p["Manifest"].(string); ok {
					p["Manifest"] = strings.ReplaceAll(s, `"namespace":"tenant-acme"`, `"namespace":"tenant-globex"`)
				}
			}
		}, "names namespace tenant-globex"},
		{"association binds globex's namespace", func(t *testing.T, tpl map[string]any) {
			only(t, tpl, "AWS::EKS::PodIdentityAssociation")["Namespace"] = naming.Namespace("globex")
		}, "(AWS::EKS::PodIdentityAssociation): names namespace tenant-globex"},
		{"value imported from another stack", func(t *testing.T, tpl map[string]any) {
			only(t, tpl, "AWS::EKS::PodIdentityAssociation")["RoleArn"] = map[string]any{"Fn::ImportValue": "SharedWorkloadRoleArn"}
		}, "Fn::ImportValue"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			templates := allTemplates(t, r)
			acme := deepCopy(t, templates["prod-tenant-acme"])
			tc.doctor(t, acme)
			templates["prod-tenant-acme"] = acme
			leaks, _ := namespaceLeaks(r.Config, templates)
			require.NotEmpty(t, leaks, "the check must fail")
			for _, l := range leaks {
				assert.True(t, strings.HasPrefix(l, "prod-tenant-acme"), l)
				assert.Contains(t, l, tc.want)
			}
		})
	}
	// The doctoring worked on copies: the shared templates are still clean.
	leaks, _ := namespaceLeaks(r.Config, allTemplates(t, r))
	assert.Empty(t, leaks)
}

func only(t *testing.T, tpl map[string]any, typ string) map[string]any {
	t.Helper()
	var found map[string]any
	for _, res := range tpl["Resources"].(map[string]any) {
		m := res.(map[string]any)
		if m["Type"] == typ {
			require.Nil(t, found, "more than one %s", typ)
			found = m["Properties"].(map[string]any)
		}
	}
	require.NotNil(t, found, typ)
	return found
}

// onlyIn is only, among the resources whose logical ID starts with prefix.
func onlyIn(t *testing.T, tpl map[string]any, typ, prefix string) map[string]any {
	t.Helper()
	var found map[string]any
	for id, res := range tpl["Resources"].(map[string]any) {
		m := res.(map[string]any)
		if m["Type"] == typ && strings.HasPrefix(id, prefix) {
			require.Nil(t, found, "more than one %s %s*", typ, prefix)
			found = m["Properties"].(map[string]any)
		}
	}
	require.NotNil(t, found, "%s %s*", typ, prefix)
	return found
}

func deepCopy(t *testing.T, v map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}
