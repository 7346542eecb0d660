package test

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/constructs/cideploy"
	"github.com/voicevault/voicevault/naming"
	"github.com/voicevault/voicevault/stacks"
)

// templateTypes returns the resource types of a parsed template, sorted.
func templateTypes(tpl map[string]any) []string {
	var out []string
	res, _ := tpl["Resources"].(map[string]any)
	for _, v := range res {
		if typ, ok := v.(map[string]any)["Type"].(string); ok && !slices.Contains(out, typ) {
			out = append(out, typ)
		}
	}
	sort.Strings(out)
	return out
}

// missingHandlerTypes are the types of tpl whose CloudFormation handler permissions the
// execution-policy catalog doesn't know.
func missingHandlerTypes(tpl map[string]any) []string {
	var out []string
	for _, typ := range templateTypes(tpl) {
		if _, err := cideploy.HandlersOf(typ); err != nil {
			out = append(out, typ)
		}
	}
	return out
}

// TestEveryTemplateResourceTypeHasHandlerPermissions: every resource type of every synthesized
// stack has its handlers' permissions in the catalog (constructs/cideploy/handlers.json, taken
// from the type's registry schema, or a reasoned manual entry), and a template with a type the
// catalog doesn't know fails, naming the type.
func TestEveryTemplateResourceTypeHasHandlerPermissions(t *testing.T) {
	r := example(t)
	all := map[string]bool{}
	for _, stack := range r.StackNames() {
		tpl := r.JSON(t, stack)
		assert.Empty(t, missingHandlerTypes(tpl), "%s: resource types without handler permissions in constructs/cideploy/handlers.json (refresh it, docs/delivery.md)", stack)
		for _, typ := range templateTypes(tpl) {
			all[typ] = true
		}
	}
	sources := map[string]int{}
	for typ := range all {
		h, err := cideploy.HandlersOf(typ)
		require.NoError(t, err)
		switch {
		case h.Source.Repository != "":
			sources[h.Source.Repository+"@"+h.Source.Commit[:12]]++
		case h.Source.Doc != "":
			sources["manual: "+h.Source.Doc]++
		default:
			sources[h.Reason]++
		}
	}
	t.Logf("%d resource types in the example's templates; handler permissions from %v", len(all), sources)

	// A doctored platform template with one more type.
	e := deliveryEnvs(t, r)[0]
	var doctored map[string]any
	b, err := json.Marshal(r.JSON(t, naming.PlatformStack(e.Name)))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &doctored))
	doctored["Resources"].(map[string]any)["Doctored"] = map[string]any{"Type": "AWS::EC2::TransitGateway", "Properties": map[string]any{}}
	assert.Equal(t, []string{"AWS::EC2::TransitGateway"}, missingHandlerTypes(doctored))
	_, err = cideploy.ExecutionStatements(stacks.DeliveryTarget(e), templateTypes(doctored))
	require.Error(t, err, "the execution policy can't be computed for a type the catalog doesn't know")
	assert.Contains(t, err.Error(), "resource type AWS::EC2::TransitGateway has no handler permissions")
}

// statementsOf turns synthesized policy statements into cideploy statements for evaluation.
func statementsOf(t *testing.T, raw []map[string]any) []cideploy.Statement {
	t.Helper()
	var out []cideploy.Statement
	for _, s := range raw {
		require.NotContains(t, s, "NotAction")
		require.NotContains(t, s, "NotResource")
		st := cideploy.Statement{Effect: s["Effect"].(string), Actions: strs(s["Action"]), Resources: strs(s["Resource"])}
		st.Sid, _ = s["Sid"].(string)
		require.Len(t, st.Resources, len(strs(s["Resource"])), "%s: resources are plain strings", st.Sid)
		if cond, ok := s["Condition"].(map[string]any); ok {
			st.Conditions = map[string]map[string][]string{}
			for op, kv := range cond {
				st.Conditions[op] = map[string][]string{}
				for k, v := range kv.(map[string]any) {
					st.Conditions[op][k] = strs(v)
				}
			}
		}
		out = append(out, st)
	}
	return out
}

// TestEveryHandlerPermissionIsAllowedByTheDeliveryPolicies evaluates, per environment, every
// action the CloudFormation handlers of its stacks' resource types call (create, read, update,
// delete; constructs/cideploy/handlers.json) and every indirect permission (Route 53 for
// private-DNS endpoints) against the synthesized execution policies and the permissions boundary
// the execution role carries: each must be allowed, or refused on purpose by
// cideploy.HandlerExceptions. A denied action is reported as type + action + the deciding
// statement. Resource scoping counts as met where the policy scopes a statement to the names the
// environment's stacks give their resources (cideploy.Target.Scopes; TestExplicitNamesFitTheExecutionPolicy
// holds the names); IAM policy evaluation logic:
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
func TestEveryHandlerPermissionIsAllowedByTheDeliveryPolicies(t *testing.T) {
	r := example(t)
	used := map[int]bool{}
	present := map[string]bool{}
	for _, e := range deliveryEnvs(t, r) {
		var types []string
		for _, stack := range deployedStacks(r, e) {
			types = append(types, templateTypes(r.JSON(t, stack))...)
		}
		for _, typ := range types {
			present[typ] = true
		}
		delivery := naming.DeliveryStack(e.Name)
		exec := statementsOf(t, policyStatements(t, r, delivery, "voicevault-"+e.Name+"-cfn-execution"))
		boundary := statementsOf(t, policyStatements(t, r, delivery, naming.BoundaryPolicy(e.Name)))
		require.NotEmpty(t, exec, e.Name)
		require.NotEmpty(t, boundary, e.Name)
		denied, err := stacks.DeliveryTarget(e).DeniedHandlerActions(exec, boundary, types)
		require.NoError(t, err)
		actions := 0
		for _, typ := range slices.Compact(slices.Sorted(slices.Values(types))) {
			h, _ := cideploy.HandlersOf(typ)
			actions += len(h.DeployActions()) + len(cideploy.IndirectPermissions[typ].Actions)
		}
		for _, d := range denied {
			i := slices.IndexFunc(cideploy.HandlerExceptions, func(x cideploy.HandlerException) bool {
				return (x.Type == d.Type || x.Type == "*") && cideploy.Glob(x.Action, d.Action, true)
			})
			if i < 0 {
				t.Errorf("%s: %s", e.Name, d)
				continue
			}
			used[i] = true
		}
		t.Logf("%s: %d handler actions of %d resource types evaluated; %d refused on purpose", e.Name, actions, len(slices.Compact(slices.Sorted(slices.Values(types)))), len(denied))
	}
	for i, x := range cideploy.HandlerExceptions {
		if x.Type == "*" || present[x.Type] {
			assert.True(t, used[i], "exception %s %s refuses nothing in the example's environments: is it still needed?", x.Type, x.Action)
		}
	}
}

// TestPrivateDNSEndpointsCanAssociateTheirHostedZone: the example's interface endpoints use
// private DNS, so the execution policy of their environment holds the Route 53 association calls.
func TestPrivateDNSEndpointsCanAssociateTheirHostedZone(t *testing.T) {
	r := example(t)
	for _, e := range deliveryEnvs(t, r) {
		private := 0
		for _, res := range r.Resources(t, naming.PlatformStack(e.Name), "AWS::EC2::VPCEndpoint") {
			if res["Properties"].(map[string]any)["PrivateDnsEnabled"] == true {
				private++
			}
		}
		require.Positive(t, private, "%s: interface endpoints with private DNS", e.Name)
		var route53 []string
		for _, s := range policyStatements(t, r, naming.DeliveryStack(e.Name), "voicevault-"+e.Name+"-cfn-execution") {
			for _, a := range strs(s["Action"]) {
				if strings.HasPrefix(a, "route53:") && s["Effect"] == "Allow" {
					route53 = append(route53, a)
					assert.NotContains(t, s, "Condition", "%s %s: Route 53 is global, its requests carry us-east-1", e.Name, s["Sid"])
				}
			}
		}
		assert.Subset(t, route53, []string{"route53:AssociateVPCWithHostedZone", "route53:DisassociateVPCFromHostedZone", "route53:GetHostedZone", "route53:ListHostedZonesByVPC"}, e.Name)
	}
}

// TestDeliveryDocNamesTheHandlerSources: docs/delivery.md says where the example's handler
// permissions come from; it names each repository and commit the example's types were read from,
// and the tests that check them.
func TestDeliveryDocNamesTheHandlerSources(t *testing.T) {
	r := example(t)
	doc := string(readFile(t, "../docs/delivery.md"))
	for _, stack := range r.StackNames() {
		for _, typ := range templateTypes(r.JSON(t, stack)) {
			h, err := cideploy.HandlersOf(typ)
			require.NoError(t, err)
			if h.Source.Repository != "" {
				assert.Contains(t, doc, "`"+h.Source.Repository+"`", "%s: its source repository", typ)
				assert.Contains(t, doc, "`"+h.Source.Commit[:7]+"`", "%s: its source commit", typ)
			}
		}
	}
	for _, name := range []string{"TestEveryTemplateResourceTypeHasHandlerPermissions", "TestEveryHandlerPermissionIsAllowedByTheDeliveryPolicies"} {
		assert.Contains(t, doc, name)
	}
	for _, a := range cideploy.IndirectPermissions["AWS::EC2::VPCEndpoint"].Actions {
		assert.Contains(t, doc, strings.TrimPrefix(a, "route53:"), "docs/delivery.md names %s", a)
	}
}
