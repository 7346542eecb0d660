// Package cdkunit synthesizes single constructs for unit tests: one stack in a fixed account and
// Region, and a wrapper that turns jsii assertion panics into test failures. Unlike cdktest it
// does not import the stacks, so construct packages can use it in their own tests.
package cdkunit

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/voicevault/voicevault/internal/jsiiexit"
)

// Account and Region of every test stack.
const (
	Account = "111111111111"
	Region  = "eu-west-1"
)

var (
	mu   sync.Mutex
	dirs []string
)

// EnvTemplateValidation is the CDK's switch for its built-in CloudFormation template validation
// (cfn-lint rules run in WebAssembly at the end of every synth): "false" turns it off.
const EnvTemplateValidation = "CDK_VALIDATION"

// Main runs a package's tests, removes the synthesized directories and shuts jsii down quietly.
// Unit tests of single constructs run without the CDK's template validation: starting its engine
// costs each test binary about 2.3 s and 350 MB, and validating every small test template costs
// more. The whole example app is validated by package test (cdktest.MainValidated), and every
// synth outside tests validates. Set CDK_VALIDATION=true to validate in unit tests too.
func Main(m *testing.M) {
	SkipTemplateValidation()
	code := m.Run()
	mu.Lock()
	for _, d := range dirs {
		os.RemoveAll(d)
	}
	mu.Unlock()
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

// NewStack is a new app with one stack in Account and Region.
func NewStack(t testing.TB) awscdk.Stack {
	t.Helper()
	dir, err := os.MkdirTemp("", "voicevault-unit-*.out")
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	dirs = append(dirs, dir)
	mu.Unlock()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir), AnalyticsReporting: jsii.Bool(false)})
	return awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String(Account), Region: jsii.String(Region)},
	})
}

// Synth synthesizes stack; a construct error fails the test.
func Synth(t testing.TB, stack awscdk.Stack) *Template {
	t.Helper()
	var tpl assertions.Template
	if err := Catch(func() { tpl = assertions.Template_FromStack(stack, nil) }); err != nil {
		t.Fatalf("synth: %s", Trim(err.Error()))
	}
	return &Template{t: t, tpl: tpl}
}

// Template is an assertions.Template whose failures are test failures.
type Template struct {
	t    testing.TB
	tpl  assertions.Template
	json map[string]any
}

// HasResourceProperties asserts a resource of typ with props (assertions.Match_* allowed) exists.
func (x *Template) HasResourceProperties(typ string, props any) bool {
	x.t.Helper()
	return x.check("has "+typ+" with properties", func() { x.tpl.HasResourceProperties(jsii.String(typ), props) })
}

// HasResource asserts a resource of typ matching the whole resource definition exists.
func (x *Template) HasResource(typ string, props any) bool {
	x.t.Helper()
	return x.check("has "+typ, func() { x.tpl.HasResource(jsii.String(typ), props) })
}

// ResourceCountIs asserts the number of resources of typ.
func (x *Template) ResourceCountIs(typ string, n int) bool {
	x.t.Helper()
	return x.check(fmt.Sprintf("has %d %s", n, typ), func() { x.tpl.ResourceCountIs(jsii.String(typ), jsii.Number(float64(n))) })
}

// JSON is the template as plain Go values.
func (x *Template) JSON() map[string]any {
	x.t.Helper()
	if x.json == nil {
		if err := Catch(func() {
			b, err := json.Marshal(x.tpl.ToJSON())
			if err == nil {
				err = json.Unmarshal(b, &x.json)
			}
			if err != nil {
				panic(err)
			}
		}); err != nil {
			x.t.Fatal(err)
		}
	}
	return x.json
}

// Resources returns the resources of type typ, by logical ID.
func (x *Template) Resources(typ string) map[string]map[string]any {
	x.t.Helper()
	out := map[string]map[string]any{}
	res, _ := x.JSON()["Resources"].(map[string]any)
	for id, v := range res {
		if m, _ := v.(map[string]any); m["Type"] == typ {
			out[id] = m
		}
	}
	return out
}

func (x *Template) check(what string, f func()) bool {
	x.t.Helper()
	if err := Catch(f); err != nil {
		x.t.Errorf("%s: %s", what, Trim(err.Error()))
		return false
	}
	return true
}

// Catch runs f and turns a panic (jsii raises assertion failures and construct errors as
// panics) into an error.
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
