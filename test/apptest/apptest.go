// Package apptest is the app-level test kit: it synthesizes whole VoiceVault configurations
// through the stacks, as `make synth` does (cdk.json's context, the compliance aspects), and hands
// out their templates wrapped by the construct-level kit (constructs/constructtest).
//
// A synth costs seconds (jsii start-up and the construct tree), so Synth caches one result per
// configuration file per test binary: tests that only read templates share it.
package apptest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/constructs/constructtest"
	"github.com/voicevault/voicevault/internal/jsiiexit"
	"github.com/voicevault/voicevault/stacks"
	"github.com/voicevault/voicevault/stacks/compliance"
)

// Root is the repository root, found from this file's location.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// ExampleConfig is the path of config/example.yaml.
func ExampleConfig() string { return filepath.Join(Root(), "config", "example.yaml") }

// Result is one synthesized app.
type Result struct {
	Config     *config.Config
	Deployment *stacks.Deployment
	Outdir     string
	Findings   []compliance.Finding // unsuppressed nag findings and other synth errors
	templates  map[string]map[string]any
}

var (
	mu      sync.Mutex
	cache   = map[string]*Result{}
	dirsMu  sync.Mutex
	outdirs []string
)

// Main runs a package's tests, then removes the synthesized directories and shuts jsii down
// quietly. Use it as TestMain in every package that synthesizes configurations. Like
// constructtest.Main it skips the CDK's template validation; MainValidated keeps it.
func Main(m *testing.M) {
	constructtest.SkipTemplateValidation()
	MainValidated(m)
}

// MainValidated is Main with the CDK's template validation on, as in every synth outside
// tests: for package test, which synthesizes the whole example app and proves it validates.
func MainValidated(m *testing.M) {
	code := m.Run()
	dirsMu.Lock()
	for _, d := range outdirs {
		os.RemoveAll(d)
	}
	dirsMu.Unlock()
	jsiiexit.Close()
	os.Exit(code)
}

// Synth loads the configuration at path and synthesizes it once per test binary.
func Synth(t testing.TB, path string) *Result {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if r, ok := cache[path]; ok {
		return r
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	r := SynthConfig(t, cfg)
	cache[path] = r
	return r
}

// Outdir returns a fresh directory for a synth, removed when the test binary ends (see Main).
// Use it for shared fixtures that outlive one test (t.TempDir would remove them too early).
func Outdir() (string, error) {
	dir, err := os.MkdirTemp("", "voicevault-test-*.out")
	if err != nil {
		return "", err
	}
	dirsMu.Lock()
	outdirs = append(outdirs, dir)
	dirsMu.Unlock()
	return dir, nil
}

// SynthConfig synthesizes cfg into a fresh directory, uncached.
func SynthConfig(t testing.TB, cfg *config.Config) *Result {
	t.Helper()
	dir, err := Outdir()
	if err != nil {
		t.Fatal(err)
	}
	r := &Result{Config: cfg, Outdir: dir}
	err = constructtest.Catch(func() {
		app, d := stacks.NewApp(cfg, stacks.AppOptions{Outdir: dir, CDKJSON: filepath.Join(Root(), "cdk.json")})
		app.Synth(nil)
		r.Deployment = d
	})
	if err != nil {
		t.Fatalf("synth: %v", err)
	}
	if r.Findings, err = compliance.FindErrors(dir); err != nil {
		t.Fatal(err)
	}
	return r
}

// StackNames lists the synthesized stacks, sorted.
func (r *Result) StackNames() []string {
	matches, _ := filepath.Glob(filepath.Join(r.Outdir, "*.template.json"))
	var names []string
	for _, m := range matches {
		names = append(names, strings.TrimSuffix(filepath.Base(m), ".template.json"))
	}
	sort.Strings(names)
	return names
}

// TemplateBytes returns the template file of stack as written.
func (r *Result) TemplateBytes(t testing.TB, stack string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(r.Outdir, stack+".template.json"))
	if err != nil {
		t.Fatalf("stack %s: %v", stack, err)
	}
	return b
}

// JSON returns the parsed template of stack (shared: do not modify).
func (r *Result) JSON(t testing.TB, stack string) map[string]any {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if r.templates == nil {
		r.templates = map[string]map[string]any{}
	}
	if tpl, ok := r.templates[stack]; ok {
		return tpl
	}
	var tpl map[string]any
	if err := json.Unmarshal(r.TemplateBytes(t, stack), &tpl); err != nil {
		t.Fatalf("stack %s: %v", stack, err)
	}
	r.templates[stack] = tpl
	return tpl
}

// Resources returns the resources of type typ in stack, by logical ID.
func (r *Result) Resources(t testing.TB, stack, typ string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	res, _ := r.JSON(t, stack)["Resources"].(map[string]any)
	for id, v := range res {
		m, _ := v.(map[string]any)
		if m["Type"] == typ {
			out[id] = m
		}
	}
	return out
}

// Template wraps the template of stack for assertions.
func (r *Result) Template(t testing.TB, stack string) *constructtest.Template {
	t.Helper()
	return constructtest.FromJSON(t, stack, r.JSON(t, stack))
}
