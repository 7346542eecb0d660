package test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/constructs/constructtest"
	"github.com/voicevault/voicevault/test/apptest"
)

// TestDiffAndDeployJobsActOnTheSynthJobsAssembly: the pull-request diff and the deploy jobs
// download the synth job's cdk.out and hand it to the scripts, so what is diffed and deployed is
// exactly what that run synthesized, tested and audited.
func TestDiffAndDeployJobsActOnTheSynthJobsAssembly(t *testing.T) {
	w, _ := readWorkflow(t)
	for _, name := range []string{"diff", "deploy"} {
		j := w.Jobs[name]
		dl := stepUsing(t, j, "actions/download-artifact")
		assert.Equal(t, "assembly", dl.With["name"], "%s: the synth job's assembly artifact", name)
		assert.Contains(t, j.Needs, "synth", "%s needs the synth job (its artifact)", name)
		scripts, unpacked := 0, false
		for _, s := range j.Steps {
			if strings.Contains(s.Run, "tar -xf assembly.tar") {
				unpacked = true
			}
			if strings.Contains(s.Run, "scripts/deploy ") || strings.Contains(s.Run, "scripts/diff ") {
				scripts++
				assert.True(t, unpacked, "%s step %q runs after the assembly is unpacked", name, s.Name)
				assert.Equal(t, "cdk.out", s.Env["ASSEMBLY"], "%s step %q acts on the downloaded assembly", name, s.Name)
			}
		}
		assert.Positive(t, scripts, name)
	}
	// Artifacts drop file modes: the assembly travels as a tar, made from the synthesized cdk.out.
	var synthRuns []string
	for _, s := range w.Jobs["synth"].Steps {
		synthRuns = append(synthRuns, s.Run)
		if strings.HasPrefix(s.Uses, "actions/upload-artifact@") && s.With["name"] == "assembly" {
			assert.Equal(t, "assembly.tar", s.With["path"])
			assert.Contains(t, strings.Join(synthRuns, "\n"), "tar -cf assembly.tar cdk.out", "the tar is made before it is uploaded")
		}
	}
	assert.Contains(t, strings.Join(synthRuns, "\n"), "make synth")
}

// fakeCDK is a CDK CLI stand-in that records each invocation (one line of arguments) and, for
// synth, writes a minimal assembly where -o points.
func fakeCDK(t *testing.T) (cli, log string) {
	t.Helper()
	dir := t.TempDir()
	log = filepath.Join(dir, "calls")
	cli = filepath.Join(dir, "cdk")
	script := `#!/usr/bin/env bash
echo "$*" >> '` + log + `'
if [ "$1" = synth ]; then
  while [ $# -gt 0 ]; do
    if [ "$1" = -o ]; then mkdir -p "$2" && echo '{}' > "$2/manifest.json"; fi
    shift
  done
fi
`
	require.NoError(t, os.WriteFile(cli, []byte(script), 0o755))
	return cli, log
}

func runScript(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(filepath.Join(constructtest.Root(), "scripts", args[0]), args[1:]...)
	cmd.Dir = constructtest.Root()
	cmd.Env = append(os.Environ(), append([]string{"CONFIG=" + apptest.ExampleConfig(), "GITHUB_ACTIONS="}, env...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func calls(t *testing.T, log string) []string {
	t.Helper()
	b, err := os.ReadFile(log)
	require.NoError(t, err)
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// assemblyWith is a stand-in cloud assembly directory holding the named stacks' templates.
func assemblyWith(t *testing.T, stacks ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "cdk.out")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "manifest.json"), []byte("{}"), 0o644))
	for _, s := range stacks {
		require.NoError(t, os.WriteFile(filepath.Join(dir, s+".template.json"), []byte("{}"), 0o644))
	}
	return dir
}

var prodStacks = []string{"prod-platform", "prod-costs", "prod-tenant-acme", "prod-tenant-globex", "prod-delivery"}

// TestDeployScriptSynthesizesAtMostOnce: scripts/deploy runs the delivery check, the platform and
// the tenants on one assembly: the one ASSEMBLY names (no synth at all), else one it synthesizes.
func TestDeployScriptSynthesizesAtMostOnce(t *testing.T) {
	given := assemblyWith(t, prodStacks...)

	cli, log := fakeCDK(t)
	out, err := runScript(t, []string{"CDK_CLI=" + cli, "ASSEMBLY=" + given}, "deploy", "prod")
	require.NoError(t, err, out)
	got := calls(t, log)
	require.Len(t, got, 3, "delivery check, platform, tenants: %v", got)
	assert.Contains(t, got[0], "diff --method template --fail --exclusively prod-delivery")
	assert.Contains(t, got[1], "deploy --exclusively")
	assert.Contains(t, got[1], "prod-platform")
	assert.Contains(t, got[2], "prod-tenant-*")
	for _, c := range got {
		assert.Contains(t, c, "--app "+given, "every command acts on the given assembly: %s", c)
		assert.NotContains(t, c, "synth", "nothing is synthesized again")
	}

	cli, log = fakeCDK(t)
	out, err = runScript(t, []string{"CDK_CLI=" + cli, "ASSEMBLY="}, "deploy", "prod")
	require.NoError(t, err, out)
	got = calls(t, log)
	require.Len(t, got, 4, "one synth, then the three commands: %v", got)
	assert.True(t, strings.HasPrefix(got[0], "synth "), got[0])
	assert.Contains(t, got[0], "config="+apptest.ExampleConfig())
	synthDir := got[0][strings.Index(got[0], "-o ")+3:]
	for _, c := range got[1:] {
		assert.Contains(t, c, "--app "+synthDir, "the later commands act on that one synth: %s", c)
	}
	_, err = os.Stat(synthDir)
	assert.True(t, os.IsNotExist(err), "the temporary assembly is removed when the script ends")
}

// TestDiffScriptUsesTheGivenAssembly: scripts/diff diffs the given assembly without
// synthesizing, and refuses a directory that is not one, or one without the environment's stacks.
func TestDiffScriptUsesTheGivenAssembly(t *testing.T) {
	given := assemblyWith(t, prodStacks...)
	cli, log := fakeCDK(t)
	out, err := runScript(t, []string{"CDK_CLI=" + cli, "ASSEMBLY=" + given}, "diff", "prod")
	require.NoError(t, err, out)
	got := calls(t, log)
	require.Len(t, got, 1)
	assert.Contains(t, got[0], "--app "+given)
	assert.Contains(t, got[0], "diff --method template --exclusively prod-platform prod-costs prod-tenant-acme prod-tenant-globex prod-delivery")

	modeless := assemblyWith(t, prodStacks...)
	require.NoError(t, os.MkdirAll(filepath.Join(modeless, "asset.0123"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(modeless, "asset.0123", "bootstrap"), []byte("ELF"), 0o644))
	for name, tc := range map[string]struct{ dir, want string }{
		"not an assembly":         {t.TempDir(), "is not a cloud assembly"},
		"another deployment file": {assemblyWith(t, "prod-platform", "prod-costs", "prod-tenant-acme"), "has no stack prod-tenant-globex"},
		"file modes lost":         {modeless, "asset.0123/bootstrap is not executable"},
	} {
		out, err = runScript(t, []string{"CDK_CLI=" + cli, "ASSEMBLY=" + tc.dir}, "diff", "prod")
		require.Error(t, err, name)
		assert.Contains(t, out, tc.want, name)
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee)
		assert.Equal(t, 2, ee.ExitCode(), name)
	}
	assert.Len(t, calls(t, log), 1, "nothing runs on a refused assembly")
}
