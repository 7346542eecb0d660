package cdktest

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

// NewStack returns a stack in a fresh app for construct-level tests, in a fixed account and
// region (eu-west-1, zones a-c answered from context so nothing is looked up). context sets
// feature flags or other context values on the app.
func NewStack(t testing.TB, context map[string]any) awscdk.Stack {
	t.Helper()
	ctx := map[string]any{"availability-zones:account=111111111111:region=eu-west-1": []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}}
	for k, v := range context {
		ctx[k] = v
	}
	var stack awscdk.Stack
	if err := catch(func() {
		app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false), Context: &ctx})
		stack = awscdk.NewStack(app, jsii.String("test"), &awscdk.StackProps{
			Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")},
		})
	}); err != nil {
		t.Fatalf("new stack: %v", err)
	}
	return stack
}

// StackTemplate synthesizes stack (built by the test) and wraps its template.
func StackTemplate(t testing.TB, stack awscdk.Stack) *Template {
	t.Helper()
	var tpl assertions.Template
	if err := catch(func() { tpl = assertions.Template_FromStack(stack, nil) }); err != nil {
		t.Fatalf("synth %s: %s", *stack.StackName(), trim(err.Error()))
	}
	return &Template{t: t, tpl: tpl, stack: *stack.StackName()}
}

// JSON returns the whole template as Go values.
func (x *Template) JSON() map[string]any {
	x.t.Helper()
	var m map[string]any
	if err := catch(func() { m = *x.tpl.ToJSON() }); err != nil {
		x.t.Fatalf("template of %s: %v", x.stack, err)
	}
	return m
}

// Resources returns the resources of type typ by logical ID.
func (x *Template) Resources(typ string) map[string]map[string]any {
	x.t.Helper()
	return ResourcesOf(x.JSON(), typ)
}

// ResourcesOf returns the resources of type typ in a parsed template, by logical ID.
func ResourcesOf(template map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	res, _ := template["Resources"].(map[string]any)
	for id, v := range res {
		if m, _ := v.(map[string]any); m["Type"] == typ {
			out[id] = m
		}
	}
	return out
}

// Props returns the Properties of a resource (nil if it has none).
func Props(resource map[string]any) map[string]any {
	p, _ := resource["Properties"].(map[string]any)
	return p
}

// For returns the template bound to test t (a template synthesized once and shared by several
// tests must report each failure to the test that found it).
func (x *Template) For(t testing.TB) *Template {
	c := *x
	c.t = t
	return &c
}
