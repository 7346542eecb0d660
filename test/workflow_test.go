package test

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/constructs/constructtest"
	"github.com/voicevault/voicevault/naming"
	"github.com/voicevault/voicevault/test/apptest"
)

var workflowPath = filepath.Join(constructtest.Root(), ".github", "workflows", "voicevault.yml")

type workflow struct {
	On          map[string]map[string][]string `yaml:"on"`
	Permissions map[string]string              `yaml:"permissions"`
	Jobs        map[string]job                 `yaml:"jobs"`
}

type job struct {
	If          string            `yaml:"if"`
	Needs       any               `yaml:"needs"`
	Environment string            `yaml:"environment"`
	Permissions map[string]string `yaml:"permissions"`
	Concurrency map[string]any    `yaml:"concurrency"`
	Strategy    map[string]any    `yaml:"strategy"`
	Steps       []step            `yaml:"steps"`
}

type step struct {
	ID   string            `yaml:"id"`
	Name string            `yaml:"name"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	With map[string]any    `yaml:"with"`
	Env  map[string]string `yaml:"env"`
}

func readWorkflow(t *testing.T) (workflow, string) {
	t.Helper()
	raw, err := os.ReadFile(workflowPath)
	require.NoError(t, err)
	var w workflow
	require.NoError(t, yaml.Unmarshal(raw, &w), "the workflow parses as YAML")
	require.NotEmpty(t, w.Jobs)
	return w, string(raw)
}

func usesAWS(j job) bool {
	for _, s := range j.Steps {
		if strings.HasPrefix(s.Uses, "aws-actions/configure-aws-credentials@") {
			return true
		}
	}
	return false
}

func TestWorkflowRunsOnPullRequestsAndDeploysFromTheConfiguredBranches(t *testing.T) {
	w, _ := readWorkflow(t)
	require.Contains(t, w.On, "pull_request")
	require.Contains(t, w.On, "push")
	r := example(t)
	for _, e := range deliveryEnvs(t, r) {
		assert.Contains(t, w.On["push"]["branches"], e.Deployment.GitHub.Branch, "%s deploys from %s", e.Name, e.Deployment.GitHub.Branch)
	}
	for _, name := range []string{"test", "synth", "diff", "deploy"} {
		assert.Contains(t, w.Jobs, name)
	}
	assert.Contains(t, w.Jobs["diff"].If, "pull_request")
	assert.Contains(t, w.Jobs["deploy"].If, "github.event_name == 'push'")
	assert.Contains(t, w.Jobs["deploy"].If, "refs/heads/main")
	assert.ElementsMatch(t, []any{"test", "synth"}, w.Jobs["deploy"].Needs, "deploy only after the tests and the synth passed")
}

func TestWorkflowPermissionsAreMinimalPerJob(t *testing.T) {
	w, _ := readWorkflow(t)
	assert.Equal(t, map[string]string{"contents": "read"}, w.Permissions, "workflow default: read the repository, nothing else")
	for name, j := range w.Jobs {
		aws := usesAWS(j)
		if !aws {
			assert.NotContains(t, j.Permissions, "id-token", "%s: no OIDC token for jobs that don't assume a role", name)
		} else {
			assert.Equal(t, "write", j.Permissions["id-token"], "%s: OIDC token to assume its role", name)
		}
		for scope, level := range j.Permissions {
			switch {
			case scope == "contents":
				assert.Equal(t, "read", level, name)
			case scope == "id-token":
				assert.True(t, aws, "%s: id-token only with configure-aws-credentials", name)
			case scope == "pull-requests":
				assert.Equal(t, "diff", name, "pull-requests: write only on the diff job")
			default:
				t.Errorf("%s: unexpected permission %s: %s", name, scope, level)
			}
		}
	}
	assert.Equal(t, "write", w.Jobs["diff"].Permissions["pull-requests"])
}

var pinned = regexp.MustCompile(`^\s*-?\s*uses:\s*([A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+)@([0-9a-f]{40})\s+#\s*v\d+(\.\d+){0,2}\s*$`)

func TestWorkflowPinsEveryActionByCommitSHA(t *testing.T) {
	_, raw := readWorkflow(t)
	n := 0
	for i, line := range strings.Split(raw, "\n") {
		if !strings.Contains(line, "uses:") || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		n++
		assert.Regexp(t, pinned, line, "line %d: action pinned to a full commit SHA with its version in a comment", i+1)
	}
	assert.Positive(t, n)
	// One action, one pin: two SHAs for the same action would be a half-done upgrade.
	shas := map[string]string{}
	for _, m := range pinned.FindAllStringSubmatch(raw, -1) {
		if prev, ok := shas[m[1]]; ok {
			assert.Equal(t, prev, m[2], "%s pinned twice differently", m[1])
		}
		shas[m[1]] = m[2]
	}
}

func TestWorkflowReachesAWSOnlyThroughOIDCRoles(t *testing.T) {
	w, raw := readWorkflow(t)
	forbidden := []string{"aws-access-key-id", "aws-secret-access-key", "aws-session-token", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "secrets.AWS"}
	files := map[string]string{workflowPath: raw}
	scripts, _ := filepath.Glob(filepath.Join(constructtest.Root(), "scripts", "*"))
	for _, f := range append(scripts, filepath.Join(constructtest.Root(), "Makefile")) {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		files[f] = string(b)
	}
	for f, text := range files {
		for _, s := range forbidden {
			assert.NotContains(t, text, s, "%s: long-lived AWS credentials", filepath.Base(f))
		}
	}
	n := 0
	for name, j := range w.Jobs {
		for _, s := range j.Steps {
			if !strings.HasPrefix(s.Uses, "aws-actions/configure-aws-credentials@") {
				continue
			}
			n++
			assert.Contains(t, s.With, "role-to-assume", name)
			assert.Contains(t, s.With, "aws-region", name)
			for k := range s.With {
				assert.Contains(t, []string{"role-to-assume", "role-session-name", "role-duration-seconds", "aws-region"}, k, "%s: only OIDC role assumption", name)
			}
		}
	}
	assert.Equal(t, 2, n, "the diff and deploy jobs assume roles")
	assert.Equal(t, "${{ matrix.diffRole }}", stepUsing(t, w.Jobs["diff"], "aws-actions/configure-aws-credentials").With["role-to-assume"])
	assert.Equal(t, "${{ matrix.deployRole }}", stepUsing(t, w.Jobs["deploy"], "aws-actions/configure-aws-credentials").With["role-to-assume"])
}

func stepUsing(t *testing.T, j job, action string) step {
	t.Helper()
	for _, s := range j.Steps {
		if strings.HasPrefix(s.Uses, action+"@") {
			return s
		}
	}
	t.Fatalf("no step uses %s", action)
	return step{}
}

func TestDeployJobIsGatedPerEnvironmentAndNeverOverlaps(t *testing.T) {
	w, _ := readWorkflow(t)
	d := w.Jobs["deploy"]
	assert.Equal(t, "${{ matrix.githubEnvironment }}", d.Environment, "the GitHub environment's reviewers gate the job, and its name is in the OIDC subject")
	assert.Contains(t, d.Concurrency["group"], "${{ matrix.env }}", "one concurrency group per environment")
	assert.Equal(t, false, d.Concurrency["cancel-in-progress"], "a running deploy is never cancelled")
	var runs []string
	for _, s := range d.Steps {
		if s.Run != "" {
			runs = append(runs, s.Run)
		}
	}
	joined := strings.Join(runs, "\n")
	platform := strings.Index(joined, `scripts/deploy "$TARGET_ENV" platform`)
	tenants := strings.Index(joined, `scripts/deploy "$TARGET_ENV" tenants`)
	require.True(t, platform >= 0 && tenants >= 0, "deploy runs the platform and the tenants")
	assert.Less(t, platform, tenants, "the platform stack deploys before its tenants")
	preflight := strings.Index(joined, `scripts/preflight "$TARGET_ENV"`)
	require.True(t, preflight >= 0, "the deploy job runs preflight (read-only AWS checks)")
	assert.Less(t, preflight, platform, "preflight runs before any stack deploys: a blocker stops the job first")
	assert.Less(t, preflight, strings.Index(joined, "scripts/deploy"), "preflight runs before the first cdk deploy")
	assert.Equal(t, "4", d.Steps[len(d.Steps)-1].Env["TENANT_CONCURRENCY"], "tenants deploy in parallel")
	diffRun := strings.Join(func() []string {
		var out []string
		for _, s := range w.Jobs["diff"].Steps {
			out = append(out, s.Run)
		}
		return out
	}(), "\n")
	assert.Contains(t, diffRun, "scripts/diff")
	assert.Contains(t, diffRun, "scripts/pr-comment")
	assert.Contains(t, stepUsing(t, w.Jobs["synth"], "actions/upload-artifact").With["path"], "cdk.out", "the synthesized templates and reports are kept")
}

// TestWorkflowUsesOnlyExistingScriptsTargetsAndMatrixFields checks that every script and make
// target the workflow runs exists, and every matrix field it reads is one vvconfig writes.
func TestWorkflowUsesOnlyExistingScriptsTargetsAndMatrixFields(t *testing.T) {
	_, raw := readWorkflow(t)
	root := constructtest.Root()
	for _, m := range regexp.MustCompile(`scripts/([A-Za-z0-9_.-]+)`).FindAllStringSubmatch(raw, -1) {
		info, err := os.Stat(filepath.Join(root, "scripts", m[1]))
		if assert.NoError(t, err, "scripts/%s", m[1]) {
			assert.NotZero(t, info.Mode()&0o111, "scripts/%s is executable", m[1])
		}
	}
	makefile, err := os.ReadFile(filepath.Join(root, "Makefile"))
	require.NoError(t, err)
	for _, m := range regexp.MustCompile(`\bmake ([a-z][a-z-]*)`).FindAllStringSubmatch(raw, -1) {
		assert.Regexp(t, regexp.MustCompile(`(?m)^`+m[1]+`:`), string(makefile), "make target %s", m[1])
	}
	for _, target := range []string{"diff", "deploy", "bootstrap", "preflight", "synth", "test"} {
		assert.Regexp(t, regexp.MustCompile(`(?m)^`+target+`:`), string(makefile), "make %s", target)
	}
	_, err = os.Stat(filepath.Join(root, "cmd", "vvconfig", "main.go"))
	require.NoError(t, err)

	cmd := exec.Command("go", "run", "./cmd/vvconfig", "-config", apptest.ExampleConfig(), "matrix")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	var m struct {
		Include []map[string]string `json:"include"`
	}
	require.NoError(t, json.Unmarshal(out, &m), string(out))
	require.NotEmpty(t, m.Include)
	for _, f := range regexp.MustCompile(`matrix\.([A-Za-z]+)`).FindAllStringSubmatch(raw, -1) {
		assert.Contains(t, m.Include[0], f[1], "the workflow reads matrix.%s", f[1])
	}
	cfg, err := config.Load(apptest.ExampleConfig())
	require.NoError(t, err)
	for i, e := range cfg.Environments {
		assert.Equal(t, e.IAMARN("role/"+naming.DeployRole(e.Name)), m.Include[i]["deployRole"])
		assert.Equal(t, e.Deployment.GitHub.Environment, m.Include[i]["githubEnvironment"])
	}
}

// TestActionlintFindsNothing runs actionlint (the Go library) on the workflow, with shellcheck on
// the run: scripts when the shellcheck command is installed.
func TestActionlintFindsNothing(t *testing.T) {
	opts := &actionlint.LinterOptions{}
	if p, err := exec.LookPath("shellcheck"); err == nil {
		opts.Shellcheck = p
	} else {
		t.Log("shellcheck not installed: run: scripts are not shellchecked")
	}
	l, err := actionlint.NewLinter(io.Discard, opts)
	require.NoError(t, err)
	errs, err := l.LintFile(workflowPath, nil)
	require.NoError(t, err)
	for _, e := range errs {
		t.Errorf("%s:%d:%d: %s [%s]", filepath.Base(workflowPath), e.Line, e.Column, e.Message, e.Kind)
	}
}

func TestScriptsAreValidBash(t *testing.T) {
	scripts, _ := filepath.Glob(filepath.Join(constructtest.Root(), "scripts", "*"))
	for _, f := range scripts {
		if slices.Contains([]string{"env.sh", "lib.sh"}, filepath.Base(f)) || strings.HasSuffix(f, ".sh") {
			continue
		}
		out, err := exec.Command("bash", "-n", f).CombinedOutput()
		assert.NoError(t, err, "%s: %s", filepath.Base(f), out)
	}
	if p, err := exec.LookPath("shellcheck"); err == nil {
		args := append([]string{"-x", "-P", filepath.Join(constructtest.Root(), "scripts")}, filepath.Join(constructtest.Root(), "scripts", "diff"),
			filepath.Join(constructtest.Root(), "scripts", "deploy"), filepath.Join(constructtest.Root(), "scripts", "bootstrap"), filepath.Join(constructtest.Root(), "scripts", "pr-comment"),
			filepath.Join(constructtest.Root(), "scripts", "preflight"))
		out, err := exec.Command(p, args...).CombinedOutput()
		assert.NoError(t, err, "shellcheck:\n%s", out)
	}
}
