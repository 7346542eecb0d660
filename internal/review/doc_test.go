package review

import (
	"os/exec"
	"strings"
	"testing"
)

// forbidden are the module paths a template reader must not link: the CDK and its jsii runtime.
var forbidden = []string{"github.com/aws/aws-cdk-go/", "github.com/aws/jsii-runtime-go", "github.com/aws/constructs-go/", "github.com/cdklabs/"}

// TestReadersImportNoCDK fails when a package under internal/review depends, directly or
// transitively, on the CDK or jsii (go list -deps, tests included).
func TestReadersImportNoCDK(t *testing.T) {
	out, err := exec.Command("go", "list", "-test", "-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`, "./...").CombinedOutput()
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
				t.Errorf("%s depends on %s: a template reader must not link the CDK or jsii", f[0], dep)
				break
			}
		}
	}
}

func offends(dep string) bool {
	for _, p := range forbidden {
		if strings.HasPrefix(dep, p) {
			return true
		}
	}
	return false
}
