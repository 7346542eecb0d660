package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/constructs/constructtest"
	"github.com/voicevault/voicevault/internal/review/access"
	"github.com/voicevault/voicevault/internal/review/assembly"
	"github.com/voicevault/voicevault/internal/review/audit"
	"github.com/voicevault/voicevault/naming"
	"github.com/voicevault/voicevault/stacks"
	"github.com/voicevault/voicevault/test/apptest"
)

// goldenStacks loads the golden templates of the example (test/testdata), optionally doctored.
func goldenStacks(t *testing.T, doctor func(stack string, tpl map[string]any)) map[string]*assembly.Stack {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(constructtest.Root(), "test", "testdata", "*.template.json"))
	require.NoError(t, err)
	out := map[string]*assembly.Stack{}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".template.json")
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		s, err := assembly.FromTemplate(name, b)
		require.NoError(t, err)
		if doctor != nil {
			doctor(name, s.Template)
			b, err = json.Marshal(s.Template)
			require.NoError(t, err)
			s, err = assembly.FromTemplate(name, b)
			require.NoError(t, err)
		}
		out[name] = s
	}
	return out
}

var (
	exampleAccessOnce sync.Once
	exampleAccess     access.Report
	exampleAccessErr  error
)

// evaluateExample evaluates every flow of the example over its golden templates, doctored by
// doctor (the undoctored evaluation is made once per test binary).
func evaluateExample(t *testing.T, doctor func(stack string, tpl map[string]any)) access.Report {
	t.Helper()
	if doctor == nil {
		exampleAccessOnce.Do(func() { exampleAccess, exampleAccessErr = evaluate(t, nil) })
		require.NoError(t, exampleAccessErr)
		return exampleAccess
	}
	rep, err := evaluate(t, doctor)
	require.NoError(t, err)
	return rep
}

func evaluate(t *testing.T, doctor func(stack string, tpl map[string]any)) (access.Report, error) {
	t.Helper()
	cfg, err := config.Load(apptest.ExampleConfig())
	require.NoError(t, err)
	envs, err := stacks.AccessModel(cfg, goldenStacks(t, doctor))
	if err != nil {
		return access.Report{}, err
	}
	return access.Evaluate(envs)
}

// TestEveryRuntimeFlowGetsWhatItMust evaluates every flow of the example configuration over its
// golden templates with every policy layer (identity, AWS managed, boundary, resource and key
// policies): each must-allow flow is allowed, each must-deny flow denied.
func TestEveryRuntimeFlowGetsWhatItMust(t *testing.T) {
	rep := evaluateExample(t, nil)
	for _, v := range rep.Failures() {
		t.Errorf("%s", v)
	}
	t.Logf("%d must-allow and %d must-deny flows evaluated in %s", rep.Count(access.Allow), rep.Count(access.Deny), rep.Elapsed)
}

// TestBoundaryCapsNoGrantedAction reads each role of the example's templates that carries the
// permissions boundary: every action its own (inline and customer managed) policies allow is
// within the boundary's runtime ceiling, so no construct's grant is silently capped. The
// boundary is derived from the must-allow flows: an action no flow declares fails here.
func TestBoundaryCapsNoGrantedAction(t *testing.T) {
	cfg, err := config.Load(apptest.ExampleConfig())
	require.NoError(t, err)
	envs, err := stacks.AccessModel(cfg, goldenStacks(t, nil))
	require.NoError(t, err)
	for _, e := range envs {
		for _, arn := range e.Model.RoleARNs() {
			role := e.Model.Roles[arn]
			if len(role.Boundaries) == 0 || strings.Contains(arn, "cfn-exec-role") {
				continue
			}
			ceiling := map[string]bool{}
			for _, st := range asStatements(role.Boundaries[0].Document) {
				if st["Effect"] == "Allow" && st["Sid"] != "CeilingCloudFormationExecution" {
					for _, a := range strs(st["Action"]) {
						ceiling[a] = true
					}
				}
			}
			for _, p := range role.Identity {
				if strings.HasPrefix(p.Name, "aws-service-role/") || !strings.Contains(p.Name, "/") || strings.HasPrefix(p.Name, "service-role/") || strings.HasPrefix(p.Name, "Amazon") {
					continue // AWS managed: access.Ceiling takes their services whole
				}
				for _, st := range asStatements(p.Document) {
					if st["Effect"] != "Allow" {
						continue
					}
					for _, a := range strs(st["Action"]) {
						svc, _, _ := strings.Cut(a, ":")
						if !ceiling[svc+":*"] && !ceiling[a] {
							t.Errorf("%s: %s allows %s (%s), capped by the boundary: declare the flow that needs it", e.Environment, role.Label, a, p.Name)
						}
					}
				}
			}
		}
	}
}

func asStatements(doc map[string]any) []map[string]any {
	var out []map[string]any
	switch s := doc["Statement"].(type) {
	case []any:
		for _, e := range s {
			if m, ok := e.(map[string]any); ok {
				out = append(out, m)
			}
		}
	case map[string]any:
		out = append(out, s)
	}
	return out
}

// TestAccessModelFailsOnDoctoredTemplates doctors the golden templates the two ways access
// breaks — a statement a flow needs removed, a statement that opens a must-deny flow added — and
// requires the evaluation to report exactly that flow.
func TestAccessModelFailsOnDoctoredTemplates(t *testing.T) {
	cases := []struct {
		name   string
		doctor func(t *testing.T, stack string, tpl map[string]any)
		flow   string    // the flow that must fail
		breach [2]string // from, to: the tenant isolation breach it is (audit.FlowIsolation), if any
	}{
		{"authorizer policy loses its meter-key statement", func(t *testing.T, stack string, tpl map[string]any) {
			if stack != "prod-tenant-acme" {
				return
			}
			doc := onlyIn(t, tpl, "AWS::IAM::ManagedPolicy", "AuthorizerPolicy")["PolicyDocument"].(map[string]any)
			var kept []any
			for _, s := range doc["Statement"].([]any) {
				if s.(map[string]any)["Sid"] != "ReadOwnMeterKeys" {
					kept = append(kept, s)
				}
			}
			doc["Statement"] = kept
		}, "prod [allow] authorizerfn: the authorizer reads its meter key — ${prod-tenant-acme/AuthorizerRole}", [2]string{}},
		{"acme's bucket policy admits globex's TTS role", func(t *testing.T, stack string, tpl map[string]any) {
			if stack != "prod-tenant-acme" {
				return
			}
			doc := only(t, tpl, "AWS::S3::BucketPolicy")["PolicyDocument"].(map[string]any)
			doc["Statement"] = append(doc["Statement"].([]any), map[string]any{"Sid": "Doctored", "Effect": "Allow", "Action": "s3:GetObject",
				"Principal": map[string]any{"AWS": "arn:aws:iam::111111111111:role/" + naming.WorkloadRole("prod", "globex")},
				"Resource":  "arn:aws:s3:::vv-acme-prod-111111111111-eu-west-1/*"})
		}, "prod [deny] tenantidentity: TTS pods read tenant acme's voice — ${prod-tenant-globex/IdentityRole}", [2]string{"globex", "acme"}},
		{"acme's authorizer may write every tenant's authorizer log", func(t *testing.T, stack string, tpl map[string]any) {
			if stack != "prod-tenant-acme" {
				return
			}
			doc := onlyIn(t, tpl, "AWS::IAM::ManagedPolicy", "AuthorizerPolicy")["PolicyDocument"].(map[string]any)
			doc["Statement"] = append(doc["Statement"].([]any), map[string]any{"Sid": "Doctored", "Effect": "Allow", "Action": "logs:PutLogEvents",
				"Resource": "arn:aws:logs:eu-west-1:111111111111:log-group:/voicevault/prod/tenant/*"})
		}, "prod [deny] authorizerfn: the authorizer writes to tenant globex's authorizer log — ${prod-tenant-acme/AuthorizerRole}", [2]string{"acme", "globex"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep := evaluateExample(t, func(stack string, tpl map[string]any) { tc.doctor(t, stack, tpl) })
			var failed []string
			for _, v := range rep.Failures() {
				failed = append(failed, v.String())
			}
			require.Len(t, failed, 1, "exactly one flow fails: %v", failed)
			require.Contains(t, failed[0], tc.flow)
			t.Logf("fails as it must: %s", failed[0])
			if tc.breach != [2]string{} {
				tenant := map[string]audit.Tenant{
					"acme":   {Name: "acme", Environment: "prod", Stack: "prod-tenant-acme"},
					"globex": {Name: "globex", Environment: "prod", Stack: "prod-tenant-globex"},
				}
				from, to := tenant[tc.breach[0]], tenant[tc.breach[1]]
				iso := audit.FlowIsolation{Report: &rep}
				assert.NotEmpty(t, iso.Reaches(from, to), "the isolation matrix shows %s reaching %s", from.Name, to.Name)
				assert.Empty(t, iso.Reaches(to, from))
			}
		})
	}
}

// TestGrantByAnotherTenantsKeyAliasIsSeenAndStoppedByItsKeyPolicy: the cross-tenant decrypt flow
// carries the key's alias (kms:ResourceAliases), so an identity grant by globex's alias in acme's
// TTS policy is seen (the identity layer allows it) — and globex's key policy, which does not
// delegate to IAM, still denies it: no breach, and the verdict shows both layers. (The retired
// name-based checker flagged the alias by name alone.)
func TestGrantByAnotherTenantsKeyAliasIsSeenAndStoppedByItsKeyPolicy(t *testing.T) {
	rep := evaluateExample(t, func(stack string, tpl map[string]any) {
		if stack != "prod-tenant-acme" {
			return
		}
		doc := onlyIn(t, tpl, "AWS::IAM::ManagedPolicy", "AudioReadWrite")["PolicyDocument"].(map[string]any)
		doc["Statement"] = append(doc["Statement"].([]any), map[string]any{"Sid": "Doctored", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*",
			"Condition": map[string]any{"ForAnyValue:StringEquals": map[string]any{"kms:ResourceAliases": "alias/" + naming.TenantKeyAlias("prod", "globex")}}})
	})
	assert.Empty(t, rep.Failures())
	found := false
	for _, v := range rep.Verdicts {
		if v.Environment == "prod" && v.Flow.ID() == "tenantidentity: TTS pods decrypt with tenant globex's key" && strings.Contains(v.Flow.Principal, "prod-tenant-acme/") {
			found = true
			assert.Equal(t, "Allowed", v.Result.Layers.Identity, v.String())
			assert.NotEqual(t, "Allowed", v.Result.Layers.Resource, v.String())
			assert.False(t, v.Result.Allowed(), v.String())
			t.Logf("seen and stopped: %s", v)
		}
	}
	require.True(t, found, "the cross-tenant decrypt flow exists")
}

// TestTenantIsolationIsDecidedByTheAccessModel: the audit's isolation matrix, built with the
// runtime access model (audit.FlowIsolation), evaluates must-deny flows for every ordered pair of
// tenants of an environment and finds no breach (TestAccessModelFailsOnDoctoredTemplates shows
// a doctored bucket policy is one).
func TestTenantIsolationIsDecidedByTheAccessModel(t *testing.T) {
	pairs := func(rep access.Report) map[string]int {
		out := map[string]int{}
		for _, v := range rep.Verdicts {
			if v.Flow.Expect != access.Deny || v.Environment != "prod" {
				continue
			}
			for _, from := range []string{"acme", "globex"} {
				for _, to := range []string{"acme", "globex"} {
					if from != to && strings.Contains(v.Flow.Principal, "${prod-tenant-"+from+"/") && strings.Contains(v.Flow.Name, "tenant "+to) {
						out[from+"→"+to]++
					}
				}
			}
		}
		return out
	}
	tenants := []audit.Tenant{{Name: "acme", Environment: "prod", Stack: "prod-tenant-acme"}, {Name: "globex", Environment: "prod", Stack: "prod-tenant-globex"}}
	rep := evaluateExample(t, nil)
	for pair, n := range pairs(rep) {
		assert.GreaterOrEqual(t, n, 3, "%s: bucket, key and namespace flows evaluated", pair)
	}
	assert.Len(t, pairs(rep), 2)
	iso := audit.FlowIsolation{Report: &rep}
	assert.Empty(t, iso.Reaches(tenants[0], tenants[1]))
	assert.Empty(t, iso.Reaches(tenants[1], tenants[0]))

}

// TestEveryAttachedManagedPolicyHasAPinnedCopy: the AWS managed policies the example's roles carry
// are exactly the pinned copies the boundary is derived from (internal/review/access/managed, service-
// linked roles' policies aside): none is evaluated without its real document, and no stale copy
// widens the boundary.
func TestEveryAttachedManagedPolicyHasAPinnedCopy(t *testing.T) {
	attached := map[string]bool{}
	for _, s := range goldenStacks(t, nil) {
		for _, r := range s.OfType("AWS::IAM::Role") {
			for _, a := range assembly.List(r.Properties["ManagedPolicyArns"]) {
				arn := strings.ReplaceAll(assembly.Render(a), "${AWS::Partition}", "aws")
				if strings.HasPrefix(arn, "arn:aws:iam::aws:policy/") {
					attached[arn] = true
				}
			}
		}
	}
	pinned, err := access.BoundaryManagedPolicies()
	require.NoError(t, err)
	assert.ElementsMatch(t, pinned, keys(attached))
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestAuditPackListsRuntimeAccess takes the path cmd/audit takes over a fresh synth of the
// example (not the golden templates): the flows written into the assembly (stacks.WriteFlows, as
// cdk.go does after the synth), read back and evaluated by audit.Build with no other input. The
// pack's runtime access section lists every flow passing with its deciding statements, and the
// isolation matrix comes from the same model with no breach.
func TestAuditPackListsRuntimeAccess(t *testing.T) {
	r := example(t)
	require.NoError(t, stacks.WriteFlows(r.Config, r.Outdir))
	a := exampleAssembly(t)
	rep, err := access.EvaluateAssembly(a, r.Outdir)
	require.NoError(t, err)
	pack, err := audit.Build(a, r.Outdir, audit.Options{})
	require.NoError(t, err)
	ra := pack.Access
	require.True(t, ra.Evaluated)
	assert.Equal(t, rep.Count(access.Allow), ra.MustAllow)
	assert.Equal(t, rep.Count(access.Deny), ra.MustDeny)
	assert.Zero(t, ra.Failures)
	require.Len(t, ra.Rows, len(rep.Verdicts))
	for _, r := range ra.Rows {
		assert.Equal(t, audit.Pass, r.Status, "%s %s", r.Environment, r.Flow)
		if r.Expect == "allow" {
			assert.NotEmpty(t, r.Deciding, "%s %s: an allowed flow names the statements that allow it", r.Environment, r.Flow)
		}
	}
	assert.Equal(t, "audit.FlowIsolation", pack.Isolation.Checker)
	assert.Zero(t, pack.Isolation.Breaches)
}
