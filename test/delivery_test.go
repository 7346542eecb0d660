package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/constructs/cideploy"
	"github.com/voicevault/voicevault/constructs/constructtest"
	"github.com/voicevault/voicevault/naming"
	"github.com/voicevault/voicevault/stacks"
	"github.com/voicevault/voicevault/test/apptest"
)

// deliveryEnvs are the example's environments that CI deploys.
func deliveryEnvs(t *testing.T, r *apptest.Result) []*config.Environment {
	t.Helper()
	var out []*config.Environment
	for i := range r.Config.Environments {
		if e := &r.Config.Environments[i]; e.Deployment.GitHub != nil {
			out = append(out, e)
		}
	}
	require.NotEmpty(t, out)
	return out
}

// deployedStacks are the stacks of e that deploy through the bootstrap roles.
func deployedStacks(r *apptest.Result, e *config.Environment) []string {
	var out []string
	for _, name := range r.StackNames() {
		if name == naming.PlatformStack(e.Name) || name == naming.CostsStack(e.Name) || strings.HasPrefix(name, e.Name+"-tenant-") {
			out = append(out, name)
		}
	}
	return out
}

// policyStatements returns the statements of the managed policies of stack whose name starts with prefix.
func policyStatements(t *testing.T, r *apptest.Result, stack, prefix string) []map[string]any {
	t.Helper()
	var out []map[string]any
	ids := []string{}
	res := r.Resources(t, stack, "AWS::IAM::ManagedPolicy")
	for id := range res {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		props := res[id]["Properties"].(map[string]any)
		if name, _ := props["ManagedPolicyName"].(string); !strings.HasPrefix(name, prefix) {
			continue
		}
		for _, s := range props["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			out = append(out, s.(map[string]any))
		}
	}
	return out
}

func strs(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func serviceOfAction(a string) string { s, _, _ := strings.Cut(a, ":"); return s }

// TestExecutionPolicyCoversExactlyTheServicesTheTemplatesUse recomputes, from the synthesized
// templates, the services each environment's stacks use, and compares them with the services the
// synthesized execution policies allow: a service a template uses must be covered; a service no
// template uses must be a CloudFormation/CDK mechanic or a declared dependency of one that is.
func TestExecutionPolicyCoversExactlyTheServicesTheTemplatesUse(t *testing.T) {
	r := example(t)
	for _, e := range deliveryEnvs(t, r) {
		used := map[string][]string{} // service → resource types using it
		for _, stack := range deployedStacks(r, e) {
			res, _ := r.JSON(t, stack)["Resources"].(map[string]any)
			for _, v := range res {
				typ, _ := v.(map[string]any)["Type"].(string)
				svc, err := cideploy.ServiceOf(typ)
				require.NoError(t, err, "%s: %s", stack, typ)
				if svc != "" && !slices.Contains(used[svc], typ) {
					used[svc] = append(used[svc], typ)
				}
			}
		}
		allowed := map[string]bool{}
		for _, s := range policyStatements(t, r, naming.DeliveryStack(e.Name), "voicevault-"+e.Name+"-cfn-execution") {
			if s["Effect"] == "Allow" {
				for _, a := range strs(s["Action"]) {
					allowed[serviceOfAction(a)] = true
				}
			}
		}
		require.NotEmpty(t, allowed, "%s: execution policies found", e.Name)
		reasons := map[string]string{}
		for _, m := range cideploy.Mechanics {
			reasons[m.Service] = "mechanic: " + m.Reason
		}
		for svc := range used {
			spec := cideploy.Catalog[svc]
			for _, d := range spec.Dependencies {
				if reasons[serviceOfAction(d)] == "" {
					reasons[serviceOfAction(d)] = "dependency of " + svc + ": " + d
				}
			}
			if len(spec.ServiceLinkedRoles) > 0 && reasons["iam"] == "" {
				reasons["iam"] = "service-linked roles of " + svc
			}
		}
		for _, types := range used {
			for _, typ := range types {
				h, err := cideploy.HandlersOf(typ)
				require.NoError(t, err)
				for _, a := range slices.Concat(h.DeployActions(), cideploy.IndirectPermissions[typ].Actions) {
					if svc := strings.ToLower(serviceOfAction(a)); reasons[svc] == "" {
						reasons[svc] = "handlers of " + typ + " call " + a
					}
				}
			}
		}
		for svc, types := range used {
			reasons[svc] = "templates use " + strings.Join(types, ", ")
			assert.True(t, allowed[svc], "%s: templates use %s (%s) but the execution policy does not cover it", e.Name, svc, strings.Join(types, ", "))
		}
		for _, svc := range slices.Sorted(func(yield func(string) bool) {
			for s := range allowed {
				if !yield(s) {
					return
				}
			}
		}) {
			if reasons[svc] == "" {
				t.Errorf("%s: the execution policy covers %s, which no template uses and no mechanic or dependency needs", e.Name, svc)
				continue
			}
			t.Logf("%s: %-22s %s", e.Name, svc, reasons[svc])
		}
	}
}

func TestExecutionPoliciesAreNotAdministratorAccess(t *testing.T) {
	r := example(t)
	for _, e := range deliveryEnvs(t, r) {
		stack := naming.DeliveryStack(e.Name)
		res := r.Resources(t, stack, "AWS::IAM::ManagedPolicy")
		names := []string{}
		for _, p := range res {
			props := p["Properties"].(map[string]any)
			names = append(names, props["ManagedPolicyName"].(string))
			b, _ := json.Marshal(props["PolicyDocument"])
			for _, s := range props["PolicyDocument"].(map[string]any)["Statement"].([]any) {
				st := s.(map[string]any)
				assert.NotContains(t, st, "NotAction", "%s: no NotAction", stack)
				assert.NotContains(t, st, "NotResource", "%s: no NotResource", stack)
				for _, a := range strs(st["Action"]) {
					assert.NotEqual(t, "*", a, "%s %s: Action *", stack, st["Sid"])
					assert.NotEqual(t, "*:*", a, "%s %s: Action *:*", stack, st["Sid"])
				}
				if st["Effect"] == "Allow" {
					for _, r := range strs(st["Resource"]) {
						assert.NotContains(t, r, "AdministratorAccess", "%s %s", stack, st["Sid"])
					}
				}
			}
			size := len(b)
			assert.LessOrEqual(t, size, cideploy.MaxManagedPolicySize, "%s %s: managed policy size", stack, props["ManagedPolicyName"])
		}
		want := []string{naming.BoundaryPolicy(e.Name)}
		for n := 1; n <= naming.ExecutionPolicyCount; n++ {
			want = append(want, naming.ExecutionPolicy(e.Name, n))
		}
		assert.ElementsMatch(t, want, names, "%s: the policies cdk bootstrap names", stack)
	}
}

func TestIAMChangesByCloudFormationRequireTheBoundary(t *testing.T) {
	r := example(t)
	for _, e := range deliveryEnvs(t, r) {
		boundary := e.IAMARN("policy/" + naming.BoundaryPolicy(e.Name))
		stmts := policyStatements(t, r, naming.DeliveryStack(e.Name), "voicevault-"+e.Name+"-cfn-execution")
		var denyWithout, denyRemoval bool
		for _, s := range stmts {
			cond, _ := s["Condition"].(map[string]any)
			if s["Effect"] == "Deny" && s["Sid"] == "DenyRolesWithoutTheBoundary" {
				denyWithout = assert.Equal(t, boundary, cond["StringNotEquals"].(map[string]any)["iam:PermissionsBoundary"])
			}
			if s["Effect"] == "Deny" && slices.Contains(strs(s["Action"]), "iam:DeleteRolePermissionsBoundary") {
				denyRemoval = true
			}
			for _, a := range strs(s["Action"]) {
				if s["Effect"] == "Allow" && slices.Contains([]string{"iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:AttachRolePolicy", "iam:PutRolePolicy"}, a) {
					assert.Equal(t, boundary, cond["StringEquals"].(map[string]any)["iam:PermissionsBoundary"], "%s: %s", s["Sid"], a)
				}
			}
		}
		assert.True(t, denyWithout && denyRemoval, "%s: denies for roles without the boundary and for boundary removal", e.Name)
	}
}

func TestDeployRoleTrustsOnlyThisRepositoryAndGitHubEnvironment(t *testing.T) {
	r := example(t)
	for _, e := range deliveryEnvs(t, r) {
		gh := e.Deployment.GitHub
		for name, sub := range map[string]string{
			naming.DeployRole(e.Name): "repo:" + gh.Repository + ":environment:" + gh.Environment,
			naming.DiffRole(e.Name):   "repo:" + gh.Repository + ":pull_request",
		} {
			role := roleNamed(t, r, naming.DeliveryStack(e.Name), name)
			trust := role["AssumeRolePolicyDocument"].(map[string]any)["Statement"].([]any)
			require.Len(t, trust, 1, "%s: one trust statement", name)
			st := trust[0].(map[string]any)
			assert.Equal(t, "Allow", st["Effect"])
			assert.Equal(t, "sts:AssumeRoleWithWebIdentity", st["Action"], name)
			assert.Contains(t, st["Principal"].(map[string]any), "Federated", name)
			assert.Equal(t, map[string]any{"StringEquals": map[string]any{
				"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
				"token.actions.githubusercontent.com:sub": sub,
			}}, st["Condition"], "%s: exactly this repository's subject, no wildcard", name)
		}
	}
}

// TestDiffRoleCannotAssumeTheDeployRole: the pull-request role may assume the read-only lookup
// role and nothing else; the deploy role may assume only the four bootstrap roles.
func TestDiffRoleCannotAssumeTheDeployRole(t *testing.T) {
	r := example(t)
	for _, e := range deliveryEnvs(t, r) {
		stack := naming.DeliveryStack(e.Name)
		bootstrap := func(kind string) []string { // in every bootstrap region (us-east-1 too with a costs stack)
			var out []string
			for _, region := range e.BootstrapRegions() {
				out = append(out, e.IAMARN("role/"+config.BootstrapRoleNameIn(e, kind, region)))
			}
			return out
		}
		assumable := func(role map[string]any) []string {
			var out []string
			for _, p := range role["Policies"].([]any) {
				for _, s := range p.(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
					st := s.(map[string]any)
					for _, a := range strs(st["Action"]) {
						if strings.HasPrefix(a, "sts:") {
							assert.Equal(t, "sts:AssumeRole", a)
							out = append(out, strs(st["Resource"])...)
						}
						assert.Contains(t, []string{"sts:AssumeRole", "cloudformation:DescribeStacks", "cloudformation:GetTemplate"}, a)
					}
				}
			}
			return out
		}
		diff := roleNamed(t, r, stack, naming.DiffRole(e.Name))
		assert.Equal(t, bootstrap(naming.BootstrapLookupRole), assumable(diff), "%s: the diff role assumes the lookup role only", e.Name)
		deploy := roleNamed(t, r, stack, naming.DeployRole(e.Name))
		assert.ElementsMatch(t, slices.Concat(bootstrap(naming.BootstrapDeployRole), bootstrap(naming.BootstrapFilePublishingRole),
			bootstrap(naming.BootstrapImagePublishingRole), bootstrap(naming.BootstrapLookupRole)), assumable(deploy))
		assert.NotContains(t, assumable(diff), e.IAMARN("role/"+naming.DeployRole(e.Name)))
	}
}

func roleNamed(t *testing.T, r *apptest.Result, stack, name string) map[string]any {
	t.Helper()
	for _, role := range r.Resources(t, stack, "AWS::IAM::Role") {
		props := role["Properties"].(map[string]any)
		if props["RoleName"] == name {
			return props
		}
	}
	t.Fatalf("%s: no role %s", stack, name)
	return nil
}

// TestDeliveryStackDeploysWithoutBootstrap: an administrator deploys it before cdk bootstrap, so it
// names no bootstrap role, has no assets and a template small enough to send inline.
func TestDeliveryStackDeploysWithoutBootstrap(t *testing.T) {
	r := example(t)
	m := manifest(t, r)
	for _, e := range deliveryEnvs(t, r) {
		name := naming.DeliveryStack(e.Name)
		a := m.Artifacts[name]
		assert.Empty(t, a.Properties.AssumeRoleARN, name)
		assert.Empty(t, a.Properties.CloudFormationExecutionRoleARN, name)
		assert.Empty(t, a.Properties.StackTemplateAssetObjectURL, name)
		assert.True(t, a.Properties.TerminationProtection, name)
		assert.NoFileExists(t, filepath.Join(r.Outdir, name+".assets.json"))
		assert.Less(t, len(r.TemplateBytes(t, name)), 51200, "%s: CloudFormation takes templates up to 51,200 bytes inline", name)
		tpl := string(r.TemplateBytes(t, name))
		assert.NotContains(t, tpl, "BootstrapVersion")
	}
}

func TestStacksDeployThroughTheQualifiedBootstrapRoles(t *testing.T) {
	r := example(t)
	m := manifest(t, r)
	for _, name := range r.StackNames() {
		e := envOf(r.Config, name)
		if name == naming.DeliveryStack(e.Name) {
			continue
		}
		a := m.Artifacts[name]
		q := e.Deployment.Qualifier
		assert.Contains(t, a.Properties.AssumeRoleARN, ":role/cdk-"+q+"-deploy-role-"+e.Account+"-"+stackRegion(r.Config, name), name)
		assert.Contains(t, a.Properties.CloudFormationExecutionRoleARN, ":role/cdk-"+q+"-cfn-exec-role-"+e.Account+"-"+stackRegion(r.Config, name), name)
		assert.Contains(t, string(r.TemplateBytes(t, name)), "/cdk-bootstrap/"+q+"/version", name)
	}
}

func TestNoTemplateHoldsLongLivedCredentials(t *testing.T) {
	r := example(t)
	for _, name := range r.StackNames() {
		for _, typ := range []string{"AWS::IAM::User", "AWS::IAM::AccessKey", "AWS::IAM::Group"} {
			assert.Empty(t, r.Resources(t, name, typ), "%s: %s", name, typ)
		}
	}
}

// TestExplicitNamesFitTheExecutionPolicy: roles, policies, functions and topics named explicitly
// in an environment's stacks must match the names the execution policy scopes IAM and Lambda to.
func TestExplicitNamesFitTheExecutionPolicy(t *testing.T) {
	r := example(t)
	for _, e := range deliveryEnvs(t, r) {
		prefixes := []string{e.Name + "-", "voicevault-" + e.Name + "-"}
		for _, stack := range deployedStacks(r, e) {
			for typ, prop := range map[string]string{"AWS::IAM::Role": "RoleName", "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
				"AWS::IAM::InstanceProfile": "InstanceProfileName", "AWS::Lambda::Function": "FunctionName", "AWS::SNS::Topic": "TopicName"} {
				for id, res := range r.Resources(t, stack, typ) {
					name, ok := res["Properties"].(map[string]any)[prop].(string)
					if !ok {
						continue // generated: starts with the stack name
					}
					assert.True(t, strings.HasPrefix(name, prefixes[0]) || strings.HasPrefix(name, prefixes[1]),
						"%s %s: %s %q must start with %s or %s (the execution policy's scope)", stack, id, prop, name, prefixes[0], prefixes[1])
				}
			}
		}
	}
}

// TestEveryRoleInPlatformAndTenantStacksCarriesTheBoundary adds a role to each stack of a fresh
// example synth and checks the permissions boundary reaches it (and any role others add).
func TestEveryRoleInPlatformAndTenantStacksCarriesTheBoundary(t *testing.T) {
	if testing.Short() {
		t.Skip("a second synth")
	}
	cfg, err := config.Load(apptest.ExampleConfig())
	require.NoError(t, err)
	dir := t.TempDir()
	var d *stacks.Deployment
	require.NoError(t, constructtest.Catch(func() {
		app, dep := stacks.NewApp(cfg, stacks.AppOptions{Outdir: dir})
		d = dep
		for _, p := range dep.Platforms {
			awsiam.NewRole(p.Stack, jsii.String("BoundaryProbe"), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil)})
		}
		for _, tn := range dep.Tenants {
			awsiam.NewRole(tn.Stack, jsii.String("BoundaryProbe"), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil)})
		}
		app.Synth(nil)
	}))
	n := 0
	for _, f := range mustGlob(t, filepath.Join(dir, "*.template.json")) {
		name := strings.TrimSuffix(filepath.Base(f), ".template.json")
		e := envOf(cfg, name)
		require.NotNil(t, e, name)
		var tpl map[string]any
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(b, &tpl))
		for id, v := range tpl["Resources"].(map[string]any) {
			res := v.(map[string]any)
			if res["Type"] != "AWS::IAM::Role" {
				continue
			}
			props := res["Properties"].(map[string]any)
			if name == naming.DeliveryStack(e.Name) {
				assert.NotContains(t, props, "PermissionsBoundary", "%s %s: delivery roles are not the app's", name, id)
				continue
			}
			if strings.HasPrefix(id, "BoundaryProbe") {
				n++
			}
			assert.Equal(t, e.IAMARN("policy/"+naming.BoundaryPolicy(e.Name)), resolve(props["PermissionsBoundary"]), "%s %s", name, id)
		}
	}
	assert.Equal(t, len(d.Platforms)+len(d.Tenants), n, "every probe role was checked (and every other role)")
}

// resolve renders the few intrinsic functions the CDK uses in ARNs, for the aws partition.
func resolve(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if ref, ok := x["Ref"]; ok && ref == "AWS::Partition" {
			return "aws"
		}
		if j, ok := x["Fn::Join"].([]any); ok && len(j) == 2 {
			var parts []string
			for _, p := range j[1].([]any) {
				parts = append(parts, resolve(p))
			}
			return strings.Join(parts, j[0].(string))
		}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func mustGlob(t *testing.T, pattern string) []string {
	t.Helper()
	m, err := filepath.Glob(pattern)
	require.NoError(t, err)
	require.NotEmpty(t, m, pattern)
	return m
}

type assemblyManifest struct {
	Artifacts map[string]struct {
		Properties struct {
			AssumeRoleARN                  string `json:"assumeRoleArn"`
			CloudFormationExecutionRoleARN string `json:"cloudFormationExecutionRoleArn"`
			StackTemplateAssetObjectURL    string `json:"stackTemplateAssetObjectUrl"`
			TerminationProtection          bool   `json:"terminationProtection"`
		} `json:"properties"`
	} `json:"artifacts"`
}

func manifest(t *testing.T, r *apptest.Result) assemblyManifest {
	t.Helper()
	var m assemblyManifest
	readJSON(t, filepath.Join(r.Outdir, "manifest.json"), &m)
	return m
}
