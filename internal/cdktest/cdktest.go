// Package cdktest synthesizes VoiceVault apps for tests and wraps the CDK assertion library so a
// failing assertion fails the test with a readable message instead of panicking through jsii.
//
// A synth costs seconds (jsii start-up and the construct tree), so Synth caches one result per
// configuration file per test binary: tests that only read templates share it.
package cdktest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/internal/cdkunit"
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
// quietly. Use it as TestMain in every package that synthesizes. Like cdkunit.Main it skips the
// CDK's template validation (cdkunit.SkipTemplateValidation); MainValidated keeps it.
func Main(m *testing.M) {
	cdkunit.SkipTemplateValidation()
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
	err = catch(func() {
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

// Template wraps assertions.Template for stack.
func (r *Result) Template(t testing.TB, stack string) *Template {
	t.Helper()
	var tpl assertions.Template
	if err := catch(func() {
		m := r.JSON(t, stack)
		tpl = assertions.Template_FromJSON(&m, nil)
	}); err != nil {
		t.Fatalf("stack %s: %v", stack, err)
	}
	return &Template{t: t, tpl: tpl, stack: stack}
}

// Template is an assertions.Template whose failures are test failures.
type Template struct {
	t     testing.TB
	tpl   assertions.Template
	stack string
	raw   map[string]any // the template, for StackTemplate's
}

// HasResourceProperties asserts a resource of typ with props (assertions.Match_* allowed) exists.
func (x *Template) HasResourceProperties(typ string, props any) bool {
	x.t.Helper()
	return x.check(fmt.Sprintf("%s has %s with properties", x.stack, typ), func() { x.tpl.HasResourceProperties(jsii.String(typ), props) })
}

// HasResource asserts a resource of typ matching the whole resource definition exists.
func (x *Template) HasResource(typ string, props any) bool {
	x.t.Helper()
	return x.check(fmt.Sprintf("%s has %s", x.stack, typ), func() { x.tpl.HasResource(jsii.String(typ), props) })
}

// ResourceCountIs asserts the number of resources of typ.
func (x *Template) ResourceCountIs(typ string, n int) bool {
	x.t.Helper()
	return x.check(fmt.Sprintf("%s has %d %s", x.stack, n, typ), func() { x.tpl.ResourceCountIs(jsii.String(typ), jsii.Number(float64(n))) })
}

// AllResourcesProperties asserts every resource of typ has props.
func (x *Template) AllResourcesProperties(typ string, props any) bool {
	x.t.Helper()
	return x.check(fmt.Sprintf("every %s in %s has properties", typ, x.stack), func() { x.tpl.AllResourcesProperties(jsii.String(typ), props) })
}

// Check runs any assertion on the underlying template, turning its panic into a failure.
func (x *Template) Check(what string, f func(assertions.Template)) bool {
	x.t.Helper()
	return x.check(what, func() { f(x.tpl) })
}

func (x *Template) check(what string, f func()) bool {
	x.t.Helper()
	if err := catch(f); err != nil {
		x.t.Errorf("%s: %s", what, trim(err.Error()))
		return false
	}
	return true
}

// catch and trim are cdkunit's: construct tests and app tests fail jsii panics the same way.
var (
	catch = cdkunit.Catch
	trim  = cdkunit.Trim
)

// Catch is catch for tests that expect a construct to panic.
func Catch(f func()) error { return catch(f) }

// JSON returns the template as parsed JSON.
func (x *Template) JSON() map[string]any {
	x.t.Helper()
	var m map[string]any
	if err := catch(func() {
		b, err := json.Marshal(x.tpl.ToJSON())
		if err == nil {
			err = json.Unmarshal(b, &m)
		}
		if err != nil {
			panic(err)
		}
	}); err != nil {
		x.t.Fatalf("%s: %v", x.stack, err)
	}
	return m
}

// Resources returns the resources of type typ, by logical ID.
func (x *Template) Resources(typ string) map[string]map[string]any {
	x.t.Helper()
	return ResourcesOf(x.JSON(), typ)
}

// Like matches an object with at least the given keys (assertions.Match_ObjectLike).
func Like(m map[string]any) assertions.Matcher { return assertions.Match_ObjectLike(&m) }

// ArrayWith matches an array holding at least the given items (assertions.Match_ArrayWith).
func ArrayWith(items ...any) assertions.Matcher { return assertions.Match_ArrayWith(&items) }
