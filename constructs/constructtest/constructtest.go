// Package constructtest is the construct-level test kit: a stack in an app that applies cdk.json's
// context (the feature flags) exactly as the app does, its template behind a wrapper that turns
// jsii assertion panics into test failures, and a TestMain that cleans up and shuts jsii down.
// It imports no VoiceVault package, so every construct package can use it in its own tests; the
// app-level kit (whole configurations synthesized through the stacks) is test/apptest.
package constructtest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/voicevault/voicevault/internal/jsiiexit"
)

// Root is the repository root, found from this file's location.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// EnvTemplateValidation is the CDK's switch for its built-in CloudFormation template validation
// (cfn-lint rules run in WebAssembly at the end of every synth): "false" turns it off.
const EnvTemplateValidation = "CDK_VALIDATION"

// Main runs a package's tests, then shuts jsii down quietly. Unit tests of single constructs run
// without the CDK's template validation: starting its engine costs each test binary about 2.3 s
// and 350 MB, and validating every small test template costs more. The whole example app is
// validated by package test (apptest.MainValidated), and every synth outside tests validates.
// Set CDK_VALIDATION=true to validate in unit tests too.
func Main(m *testing.M) {
	SkipTemplateValidation()
	code := m.Run()
	jsiiexit.Close()
	os.Exit(code)
}

// SkipTemplateValidation turns the CDK's template validation off for this test binary unless
// CDK_VALIDATION is set. jsii-runtime-go fixes the JavaScript process's environment while the
// CDK packages register their types, before TestMain runs, so setting the variable here would be
// too late: the binary executes itself again with it set (on Unix; elsewhere, and if that fails,
// the tests still run, validated: slower, never wrong).
func SkipTemplateValidation() {
	if _, set := os.LookupEnv(EnvTemplateValidation); set {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	reexec(exe, os.Args, append(os.Environ(), EnvTemplateValidation+"=false"))
}

// Template is an assertions.Template whose failures are test failures.
type Template struct {
	t     testing.TB
	tpl   assertions.Template
	stack string
	raw   map[string]any // the template, when known
}

// FromJSON wraps a parsed template of stack (shared: not modified).
func FromJSON(t testing.TB, stack string, m map[string]any) *Template {
	t.Helper()
	var tpl assertions.Template
	if err := Catch(func() { tpl = assertions.Template_FromJSON(&m, nil) }); err != nil {
		t.Fatalf("stack %s: %v", stack, err)
	}
	return &Template{t: t, tpl: tpl, stack: stack, raw: m}
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
	if err := Catch(f); err != nil {
		x.t.Errorf("%s: %s", what, Trim(err.Error()))
		return false
	}
	return true
}

// JSON returns the template as parsed JSON.
func (x *Template) JSON() map[string]any {
	x.t.Helper()
	if x.raw != nil {
		return x.raw
	}
	var m map[string]any
	if err := Catch(func() {
		b, err := json.Marshal(x.tpl.ToJSON())
		if err != nil {
			panic(err)
		}
		if err := json.Unmarshal(b, &m); err != nil {
			panic(err)
		}
	}); err != nil {
		x.t.Fatalf("template JSON: %v", err)
	}
	return m
}

// Resources returns the resources of type typ, by logical ID.
func (x *Template) Resources(typ string) map[string]map[string]any {
	x.t.Helper()
	return ResourcesOf(x.JSON(), typ)
}

// Like is assertions.Match_ObjectLike on a plain map.
func Like(m map[string]any) assertions.Matcher { return assertions.Match_ObjectLike(&m) }

// ArrayWith is assertions.Match_ArrayWith on plain values.
func ArrayWith(items ...any) assertions.Matcher { return assertions.Match_ArrayWith(&items) }

// Catch runs f and turns a panic (jsii raises assertion failures and construct errors as panics)
// into an error: for tests that expect a construct to panic.
func Catch(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	f()
	return nil
}

// Trim drops the JavaScript stack trace jsii appends and bounds the message.
func Trim(s string) string {
	var keep []string
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "at ") {
			keep = append(keep, line)
		}
	}
	s = strings.Join(keep, "\n")
	if len(s) > 4000 {
		s = s[:4000] + "\n…(truncated)"
	}
	return s
}
