package review

import (
	"os/exec"
	"strings"
	"testing"
)

// forbidden are the module paths a template reader must not link: the CDK and its jsii runtime.
var forbidden = []string{"github.com/aws/aws-cdk-go/", "github.com/aws/jsii-runtime-go", "github.com/aws/constructs-go/", "github.com/cdklabs/"}

const module = "github.com/voicevault/voicevault/"

// TestReadersImportNoCDK fails when a package under internal/review, or cmd/audit (the command
// that runs them), depends directly or transitively (go list -deps, tests included) on the CDK or
// jsii, or on any package of the app but the readers and naming (the leaf that makes and parses
// every physical name): no config, no stacks, no constructs. What a reader needs of the app, the
// synth writes into the assembly (access.FlowsFile).
func TestReadersImportNoCDK(t *testing.T) {
	out, err := exec.Command("go", "list", "-test", "-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`, "./...", "../../cmd/audit").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 6 {
		t.Fatalf("go list found %d packages under internal/review, want the readers: %s", len(lines), out)
	}
	for _, line := range lines {
		f := strings.Fields(line)
		for _, dep := range f[1:] {
			if offends(dep) {
				t.Errorf("%s depends on %s: a template reader links neither the CDK, jsii, nor the app (config, stacks, constructs; naming is allowed)", f[0], dep)
				break
			}
		}
	}
}

func offends(dep string) bool {
	if strings.HasPrefix(dep, module) && !strings.HasPrefix(dep, module+"internal/review") && !strings.HasPrefix(dep, module+"cmd/audit") && dep != module+"naming" {
		return true
	}
	for _, p := range forbidden {
		if strings.HasPrefix(dep, p) {
			return true
		}
	}
	return false
}
