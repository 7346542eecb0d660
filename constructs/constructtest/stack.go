package constructtest

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/voicevault/voicevault/internal/cdkjson"
)

// Test environment of construct tests' stacks.
const (
	TestAccount = "123456789012"
	TestRegion  = "eu-west-1"
)

// NewStack returns an empty stack in TestAccount and TestRegion, in an app of its own, for
// construct tests. Build the construct in it, then call StackTemplate.
func NewStack(t testing.TB) awscdk.Stack {
	t.Helper()
	return NewStackIn(t, TestRegion)
}

// NewStackIn is NewStack in region.
func NewStackIn(t testing.TB, region string) awscdk.Stack {
	t.Helper()
	return newStack(t, "Test", TestAccount, region, nil)
}

// newStack is a stack named name in account and region, in an app of its own whose context is
// cdk.json's with extra on top.
func newStack(t testing.TB, name, account, region string, extra map[string]any) awscdk.Stack {
	t.Helper()
	var stack awscdk.Stack
	if err := Catch(func() {
		ctx, err := cdkjson.Context(filepath.Join(Root(), "cdk.json"))
		if err != nil {
			panic(err)
		}
		for k, v := range extra {
			ctx[k] = v
		}
		app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false), Context: &ctx})
		stack = awscdk.NewStack(app, jsii.String(name), &awscdk.StackProps{
			Env: &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(region)},
		})
	}); err != nil {
		t.Fatalf("new stack: %v", err)
	}
	return stack
}

// StackTemplate synthesizes stack and wraps its template. Resources of the returned template
// are also available as plain Go values through Template.Resources.
func StackTemplate(t testing.TB, stack awscdk.Stack) *Template {
	t.Helper()
	var tpl assertions.Template
	var raw map[string]any
	if err := Catch(func() {
		tpl = assertions.Template_FromStack(stack, nil)
		m := tpl.ToJSON()
		raw = *m
	}); err != nil {
		t.Fatalf("synth stack: %v", err)
	}
	return &Template{t: t, tpl: tpl, stack: *stack.StackName(), raw: raw}
}

// Plain renders a template string value: a literal, or an Fn::Join of literals and the
// AWS::Partition, AWS::AccountId or AWS::Region pseudo parameters (rendered as aws,
// <AWS::AccountId>, <AWS::Region>). ok is false for anything else (e.g. a resource reference).
func Plain(v any) (s string, ok bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case map[string]any:
		if ref, isRef := x["Ref"].(string); isRef && len(x) == 1 {
			switch ref {
			case "AWS::Partition":
				return "aws", true
			case "AWS::AccountId", "AWS::Region":
				return "<" + ref + ">", true
			}
			return "", false
		}
		j, isJoin := x["Fn::Join"].([]any)
		if !isJoin || len(j) != 2 {
			return "", false
		}
		sep, _ := j[0].(string)
		parts, _ := j[1].([]any)
		out := make([]string, len(parts))
		for i, p := range parts {
			if out[i], ok = Plain(p); !ok {
				return "", false
			}
		}
		return strings.Join(out, sep), true
	}
	return "", false
}

// With returns x reporting to t: for a template synthesized once and shared by several tests.
func (x *Template) With(t testing.TB) *Template {
	c := *x
	c.t = t
	return &c
}

// LogicalID is the logical ID of c in its stack: c itself when it is an L1 resource, else its
// default child.
func LogicalID(t testing.TB, c constructs.IConstruct) string {
	t.Helper()
	var id string
	if err := Catch(func() {
		el, ok := c.(awscdk.CfnElement)
		if !ok {
			el = c.Node().DefaultChild().(awscdk.CfnElement)
		}
		id = *awscdk.Stack_Of(c).GetLogicalId(el)
	}); err != nil {
		t.Fatalf("logical ID of %s: %v", *c.Node().Path(), err)
	}
	return id
}

// NewStackWith returns a stack like NewStack in account 111111111111, with the zones of
// eu-west-1 answered from context (nothing is looked up) and extra context values (feature
// flags) on top of cdk.json's.
func NewStackWith(t testing.TB, context map[string]any) awscdk.Stack {
	t.Helper()
	extra := map[string]any{"availability-zones:account=111111111111:region=eu-west-1": []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}}
	for k, v := range context {
		extra[k] = v
	}
	return newStack(t, "test", "111111111111", "eu-west-1", extra)
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
