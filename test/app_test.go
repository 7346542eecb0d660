// Package test holds the app-level tests: golden templates of every stack of the example
// configuration, determinism, the stack layout, compliance, and the app's behaviour on bad input.
package test

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/constructs/constructtest"
	"github.com/voicevault/voicevault/internal/review/access"
	"github.com/voicevault/voicevault/naming"
	"github.com/voicevault/voicevault/stacks"
	"github.com/voicevault/voicevault/test/apptest"
)

var update = flag.Bool("update", false, "rewrite the golden templates in testdata/ from this synth")

func TestMain(m *testing.M) { apptest.MainValidated(m) }

func example(t *testing.T) *apptest.Result {
	t.Helper()
	return apptest.Synth(t, apptest.ExampleConfig())
}

func TestExampleHasOneStackPerEnvironmentAndTenant(t *testing.T) {
	r := example(t)
	var want []string
	for _, e := range r.Config.Environments {
		want = append(want, naming.PlatformStack(e.Name))
		if e.HasCostsStack() {
			want = append(want, naming.CostsStack(e.Name))
		}
		if e.Deployment.GitHub != nil {
			want = append(want, naming.DeliveryStack(e.Name))
		}
	}
	for _, tn := range r.Config.Tenants {
		want = append(want, naming.TenantStack(tn.Environment, tn.Name))
	}
	assert.ElementsMatch(t, want, r.StackNames())
	assert.Contains(t, r.StackNames(), "prod-platform")
	assert.Contains(t, r.StackNames(), "prod-tenant-acme")
	assert.Contains(t, r.StackNames(), "initech-tenant-initech")
	assert.Contains(t, r.StackNames(), "prod-delivery")
	assert.Contains(t, r.StackNames(), "prod-costs", "prod (eu-west-1) gets its cost anomaly alerts from us-east-1")
	assert.NotContains(t, r.StackNames(), "initech-costs", "initech is in us-east-1: its platform holds them")
}

func TestExampleSynthHasNoUnsuppressedFindings(t *testing.T) {
	r := example(t)
	for _, f := range r.Findings {
		t.Errorf("finding: %s", f)
	}
}

func TestStacksTargetTheirEnvironmentWithTerminationProtection(t *testing.T) {
	r := example(t)
	var manifest struct {
		Artifacts map[string]struct {
			Type         string   `json:"type"`
			Environment  string   `json:"environment"`
			DisplayName  string   `json:"displayName"`
			Dependencies []string `json:"dependencies"`
			Properties   struct {
				StackName             string `json:"stackName"`
				TerminationProtection bool   `json:"terminationProtection"`
			} `json:"properties"`
		} `json:"artifacts"`
	}
	readJSON(t, filepath.Join(r.Outdir, "manifest.json"), &manifest)
	for _, name := range r.StackNames() {
		a, ok := manifest.Artifacts[name]
		require.True(t, ok, name)
		env := envOf(r.Config, name)
		assert.Equal(t, "aws://"+env.Account+"/"+stackRegion(r.Config, name), a.Environment, name)
		assert.Equal(t, name, a.DisplayName)
		if a.Properties.StackName != "" { // the manifest omits stackName when it equals the artifact ID
			assert.Equal(t, name, a.Properties.StackName)
		}
		if strings.Contains(name, "-tenant-") {
			assert.Contains(t, a.Dependencies, naming.PlatformStack(env.Name), "%s deploys after its platform", name)
		}
		assert.True(t, a.Properties.TerminationProtection, "%s: termination protection", name)
	}
}

func TestEveryTaggableResourceCarriesTheMandatoryTags(t *testing.T) {
	r := example(t)
	for _, name := range r.StackNames() {
		tpl := r.JSON(t, name)
		n := 0
		for id, res := range tpl["Resources"].(map[string]any) {
			props, _ := res.(map[string]any)["Properties"].(map[string]any)
			typ, _ := res.(map[string]any)["Type"].(string)
			if m, ok := props["Tags"].(map[string]any); ok { // AWS::SSM::Parameter: a map
				n++
				for _, k := range config.MandatoryTagKeys {
					assert.NotEmpty(t, m[k], "%s %s: tag %s", name, id, k)
				}
				continue
			}
			tags, ok := props["Tags"].([]any)
			if !ok {
				// Resource types without Tags (CDK tags what CloudFormation can); the CDK's
				// plain-CfnResource internals of these taggable types are tagged by the stacks.
				assert.NotContains(t, []string{"AWS::IAM::Role", "AWS::Lambda::Function", "AWS::SSM::Parameter"}, typ, "%s %s is taggable but untagged", name, id)
				continue
			}
			n++
			got := map[string]string{}
			for _, tag := range tags {
				m := tag.(map[string]any)
				k, _ := m["Key"].(string)
				v, _ := m["Value"].(string)
				got[k] = v
			}
			for _, k := range config.MandatoryTagKeys {
				assert.NotEmpty(t, got[k], "%s %s: tag %s", name, id, k)
			}
			assert.Equal(t, "voicevault", got["ManagedBy"], "%s %s", name, id)
		}
		assert.Positive(t, n, "%s has taggable resources", name)
	}
}

func TestTenantStacksAreTaggedWithTheirTenant(t *testing.T) {
	r := example(t)
	for _, tn := range r.Config.Tenants {
		name := naming.TenantStack(tn.Environment, tn.Name)
		for id, key := range r.Resources(t, name, "AWS::KMS::Key") {
			tags := key["Properties"].(map[string]any)["Tags"].([]any)
			assert.Contains(t, tags, map[string]any{"Key": "Tenant", "Value": tn.Name}, "%s %s", name, id)
			assert.Contains(t, tags, map[string]any{"Key": "DataSensitivity", "Value": tn.DataSensitivity}, "%s %s", name, id)
		}
	}
}

// TestGoldenTemplates compares every synthesized template with testdata/<stack>.template.json.
// Refresh on purpose with: go test ./test -run TestGoldenTemplates -update
func TestGoldenTemplates(t *testing.T) {
	r := example(t)
	names := r.StackNames()
	require.NotEmpty(t, names)
	if *update {
		old, _ := filepath.Glob(filepath.Join("testdata", "*.template.json"))
		for _, f := range old {
			require.NoError(t, os.Remove(f))
		}
	}
	for _, name := range names {
		got := r.TemplateBytes(t, name)
		golden := filepath.Join("testdata", name+".template.json")
		if *update {
			require.NoError(t, os.WriteFile(golden, got, 0o644))
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Errorf("%s: no golden template (%v); create it with: go test ./test -run TestGoldenTemplates -update", name, err)
			continue
		}
		if !bytes.Equal(want, got) {
			t.Errorf("%s differs from %s (review, then refresh with -update):\n%s", name, golden, diff(want, got))
		}
	}
	if !*update {
		files, _ := filepath.Glob(filepath.Join("testdata", "*.template.json"))
		assert.Len(t, files, len(names), "a golden template without a stack: refresh with -update")
	}
}

// TestCLISynthWritesExactlyTheGoldenTemplates synthesizes the example a second time, through the
// CDK CLI and cdk.json (the path make synth, cdk diff and cdk deploy take: another process, the
// CLI's context), and requires the same bytes as the in-process synth the other tests read: so the
// synth is deterministic, and the templates reviewed in testdata/ are exactly the ones deployed
// (cdk.json turns the CLI's path and asset metadata off; with them on, every resource would carry
// Metadata and the REST API deployment's logical ID, a hash over its methods, would differ).
func TestCLISynthWritesExactlyTheGoldenTemplates(t *testing.T) {
	if testing.Short() {
		t.Skip("a second full synth")
	}
	cli := filepath.Join(constructtest.Root(), "tools", "node_modules", ".bin", "cdk")
	if _, err := os.Stat(cli); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("the CDK CLI is not installed: CI must run scripts/setup (scripts/test does)")
		}
		t.Skip("the CDK CLI is not installed: run scripts/setup (in CI this test fails instead)")
	}
	first := example(t)
	out := t.TempDir()
	cmd := exec.Command(cli, "synth", "--quiet", "--no-notices", "-c", "config="+apptest.ExampleConfig(), "-o", out)
	cmd.Dir = constructtest.Root()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Run(), "cdk synth: %s", stderr.String())
	for _, name := range first.StackNames() {
		got, err := os.ReadFile(filepath.Join(out, name+".template.json"))
		require.NoError(t, err)
		if !bytes.Equal(first.TemplateBytes(t, name), got) {
			t.Errorf("%s: the CLI's template differs from the in-process synth:\n%s", name, diff(first.TemplateBytes(t, name), got))
		}
		a, _ := os.ReadFile(filepath.Join(first.Outdir, name+".assets.json"))
		b, _ := os.ReadFile(filepath.Join(out, name+".assets.json"))
		assert.Equal(t, string(a), string(b), "%s asset manifest (hashes) differs between the two synths", name)
	}

	// The runtime flows are written beside the templates, the same bytes every synth: the audit
	// reads them from the assembly alone (no configuration, no app).
	flows, err := os.ReadFile(filepath.Join(out, access.FlowsFile))
	require.NoError(t, err, "the synth writes %s", access.FlowsFile)
	wantFlows, err := access.MarshalFlows(stacks.FlowEnvironments(first.Config))
	require.NoError(t, err)
	assert.Equal(t, string(wantFlows), string(flows), "%s is the configuration's flows", access.FlowsFile)

	// The delivery scripts hand the CLI an existing assembly (--app DIR): it must read this one.
	ls := exec.Command(cli, "ls", "--no-notices", "--app", out)
	ls.Dir = constructtest.Root()
	listed, err := ls.Output()
	require.NoError(t, err, "cdk ls --app %s", out)
	want := append([]string(nil), first.StackNames()...)
	got := strings.Fields(string(listed))
	sort.Strings(want)
	sort.Strings(got)
	assert.Equal(t, want, got, "the CLI lists the assembly's stacks")
}

// TestBadInputExitsWithAShortMessage runs the real app binary on broken files.
func TestBadInputExitsWithAShortMessage(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "voicevault")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = constructtest.Root()
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))

	example, err := os.ReadFile(apptest.ExampleConfig())
	require.NoError(t, err)
	edit := func(old, new string) string {
		require.Contains(t, string(example), old)
		return strings.Replace(string(example), old, new, 1)
	}
	cases := []struct {
		name, src, want string
	}{
		{"unknown field", edit("    owner: voice-team@acme.example", "    owner: voice-team@acme.example\n    colour: red"), `tenants[0].colour: unknown field "colour"`},
		{"duplicated tenant", edit("  - name: globex", "  - name: acme"), `tenants[1].name: "acme" is already the name of tenants[0]`},
		{"invalid tenant name", edit("  - name: globex", "  - name: Globex!"), `tenants[1].name: "Globex!" is not a DNS-1123 label`},
		{"bad account id", edit(`account: "111111111111"`, `account: "11111"`), `environments[0].account: "11111" is not an AWS account ID`},
		{"min greater than max", edit("      minSize: 1\n      desiredSize: 1\n      maxSize: 4", "      minSize: 7\n      desiredSize: 1\n      maxSize: 4"), "environments[0].gpuNodes.minSize: min size 7 can't be greater than max size 4"},
		{"negative retention", edit("    audioRetentionDays: 90", "    audioRetentionDays: -3"), "tenants[0].audioRetentionDays: -3 is out of range"},
		{"broken yaml", edit("tenants:", "tenants: ["), "not valid YAML"},
		{"missing file", "", "not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "deploy.yaml")
			if tc.src != "" {
				require.NoError(t, os.WriteFile(path, []byte(tc.src), 0o600))
			}
			cmd := exec.Command(bin)
			cmd.Env = append(os.Environ(), `CDK_CONTEXT_JSON={"config":"`+path+`"}`, "CDK_OUTDIR="+t.TempDir())
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, "must exit non-zero")
			assert.Equal(t, 2, exit.ExitCode())
			msg := stderr.String()
			assert.Contains(t, msg, tc.want)
			assert.Contains(t, msg, "deploy.yaml")
			for _, trace := range []string{"goroutine ", "panic", "jsii", ".go:", "    at "} {
				assert.NotContains(t, msg, trace, "no stack trace")
			}
			assert.LessOrEqual(t, strings.Count(msg, "\n"), 4, "short message:\n%s", msg)
		})
	}
}
