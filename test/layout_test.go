package test

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The layout, as README's "Layout" draws it: cdk.go → stacks → constructs → shared defaults and
// naming; config is read by stacks and the commands only; the Lambda code imports no CDK.

const module = "github.com/voicevault/voicevault"

// importGraph is every package of the module (relative path, "." for the root) with what it and
// its tests import (module packages relative, others whole).
func importGraph(t *testing.T) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}} {{join .TestImports \" \"}} {{join .XTestImports \" \"}}", module+"/...")
	cmd.Dir = ".."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, stderr.String())
	graph := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		from := rel(f[0])
		for _, imp := range f[1:] {
			if r := rel(imp); r != from && !slices.Contains(graph[from], r) {
				graph[from] = append(graph[from], r)
			}
		}
		if _, ok := graph[from]; !ok {
			graph[from] = nil
		}
	}
	require.NoError(t, sc.Err())
	return graph
}

func rel(path string) string {
	if path == module {
		return "."
	}
	if r, ok := strings.CutPrefix(path, module+"/"); ok {
		return r
	}
	return path
}

// under reports whether pkg is dir or inside it.
func under(pkg, dir string) bool { return pkg == dir || strings.HasPrefix(pkg, dir+"/") }

func isCDK(imp string) bool {
	for _, p := range []string{"github.com/aws/aws-cdk-go/", "github.com/aws/jsii-runtime-go", "github.com/aws/constructs-go/", "github.com/cdklabs/"} {
		if strings.HasPrefix(imp, p) {
			return true
		}
	}
	return false
}

// layoutViolations lists every import that breaks the layout, one line each.
func layoutViolations(graph map[string][]string) []string {
	isModule := func(imp string) bool { _, ok := graph[imp]; return ok }
	var out []string
	bad := func(from, imp, why string) { out = append(out, fmt.Sprintf("%s imports %s: %s", from, imp, why)) }
	for from, imps := range graph {
		for _, imp := range imps {
			switch {
			case from == "naming" && (isModule(imp) || isCDK(imp)):
				bad(from, imp, "naming is a leaf: no VoiceVault package, no CDK")
			case from == "constructs/defaults" && isModule(imp) && imp != "constructs/constructtest":
				bad(from, imp, "the shared defaults import nothing of VoiceVault")
			case under(from, "constructs") && (imp == "config" || under(imp, "stacks") || under(imp, "cmd") || under(imp, "test")):
				bad(from, imp, "constructs take Props: configuration is mapped onto them in stacks/")
			case from == "config" && isModule(imp) && imp != "naming":
				bad(from, imp, "config imports only naming")
			case (from == "config" || from == "naming" || under(from, "lambda")) && isCDK(imp):
				bad(from, imp, "no CDK below the stacks' inputs and in the Lambda code")
			case under(from, "lambda") && isModule(imp) && !under(imp, "lambda"):
				bad(from, imp, "the Lambda code stands alone")
			case imp == "config" && !(from == "." || from == "stacks" || under(from, "stacks") || under(from, "cmd") || under(from, "test")):
				bad(from, imp, "config is read by cdk.go, stacks and the commands only")
			case under(imp, "stacks") && !(from == "." || under(from, "stacks") || under(from, "cmd") || under(from, "test")):
				bad(from, imp, "only cdk.go, the commands and app-level tests build stacks")
			case under(imp, "cmd") && !under(from, "cmd"):
				bad(from, imp, "commands are leaves of the tree")
			case under(imp, "test") && !under(from, "test") && !under(from, "stacks"):
				bad(from, imp, "the app-level test kit is for app-level tests")
			}
		}
	}
	slices.Sort(out)
	return out
}

func TestTheImportGraphFollowsTheLayout(t *testing.T) {
	graph := importGraph(t)
	require.Contains(t, graph, "constructs/network")
	assert.Empty(t, layoutViolations(graph))
}

func TestADoctoredImportBreaksTheLayout(t *testing.T) {
	graph := importGraph(t)
	for _, tc := range []struct{ from, imp, want string }{
		{"constructs/network", "config", "constructs/network imports config: constructs take Props"},
		{"lambda/authorizer/authz", "github.com/aws/aws-cdk-go/awscdk/v2", "no CDK"},
		{"naming", "config", "naming is a leaf"},
		{"constructs/cluster", "stacks", "constructs take Props"},
		{"config", "constructs/network", "config imports only naming"},
	} {
		doctored := map[string][]string{}
		for k, v := range graph {
			doctored[k] = slices.Clone(v)
		}
		doctored[tc.from] = append(doctored[tc.from], tc.imp)
		v := layoutViolations(doctored)
		require.Len(t, v, 1, "%s → %s", tc.from, tc.imp)
		assert.Contains(t, v[0], tc.want)
	}
}

// TestEveryLogGroupAndAlarmGoesThroughTheSharedDefaults: the secure defaults of a log group (KMS,
// retention, retained) and of an alarm (missing data not breaching, notifies the topic) are set in
// constructs/defaults alone; a construct that called the CDK's constructors directly would skip them.
func TestEveryLogGroupAndAlarmGoesThroughTheSharedDefaults(t *testing.T) {
	out, err := exec.Command("git", "-C", "..", "grep", "-n", "-E", `awslogs\.NewLogGroup\(|awscloudwatch\.NewAlarm\(`, "--", "*.go", ":!*_test.go").Output()
	require.NoError(t, err)
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if !strings.HasPrefix(line, "constructs/defaults/") {
			t.Errorf("%s: create log groups with defaults.LogGroup and alarms with defaults.Alarm", line)
		}
	}
}
