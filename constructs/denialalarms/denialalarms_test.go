package denialalarms_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/constructs/constructtest"
	"github.com/voicevault/voicevault/constructs/denialalarms"
	"github.com/voicevault/voicevault/internal/review/filterpattern"
)

func TestMain(m *testing.M) { constructtest.Main(m) }

type obj = map[string]any

// loggedFields are the keys the authorizer's logDecision writes (lambda/authorizer/authz), read
// from its source.
func loggedFields(t *testing.T) map[string]bool {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../../lambda/authorizer/authz/authorizer.go", nil, 0)
	require.NoError(t, err)
	keys := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		fn, ok := n.(*ast.FuncDecl)
		if !ok || fn.Name.Name != "logDecision" {
			return true
		}
		ast.Inspect(fn, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "String" {
				if lit, ok := call.Args[0].(*ast.BasicLit); ok {
					k, _ := strconv.Unquote(lit.Value)
					keys[k] = true
				}
			}
			return true
		})
		return false
	})
	require.NotEmpty(t, keys)
	return keys
}

func TestFilterReadsFieldsTheAuthorizerLogs(t *testing.T) {
	keys := loggedFields(t)
	for _, f := range []string{denialalarms.DecisionField, denialalarms.ReasonField, denialalarms.TenantField} {
		assert.True(t, keys[f], "the authorizer logs %q", f)
	}
}

func TestPatternMatchesDenialsNotAllowsOrUnauthorized(t *testing.T) {
	line := func(decision, reason string) string {
		return `{"time":"2026-12-02T02:00:00Z","level":"WARN","msg":"authorization decision","decision":"` + decision + `","reason":"` + reason + `","tenant":"acme","authMethod":"jwt","sub":"","kid":"k1","requestId":"r","apiId":"a","sourceIp":"203.0.113.9"}`
	}
	for _, tc := range []struct {
		decision, reason string
		want             bool
	}{{"deny", "bad_signature", true}, {"deny", "wrong_tenant", true}, {"allow", "ok", false}, {"unauthorized", "missing_credentials", false}} {
		ok, err := filterpattern.Match(denialalarms.Pattern, line(tc.decision, tc.reason))
		require.NoError(t, err)
		assert.Equal(t, tc.want, ok, tc.decision)
	}
}

func TestDenialAlarmsPerReasonNotifyTheTopic(t *testing.T) {
	stack := constructtest.NewStack(t)
	denialalarms.New(stack, "Denials", denialalarms.Props{
		LogGroup: awslogs.NewLogGroup(stack, jsii.String("Logs"), nil), Topic: awssns.NewTopic(stack, jsii.String("Alarms"), nil),
		Tenant: "acme", AlarmNamePrefix: "voicevault-test-acme-denials-", Reasons: []string{"bad_signature", "wrong_tenant"}, Threshold: 50,
	})
	tpl := constructtest.StackTemplate(t, stack)
	tpl.HasResourceProperties("AWS::Logs::MetricFilter", obj{
		"FilterPattern": `{ $.decision = "deny" }`,
		"MetricTransformations": []any{obj{
			"MetricNamespace": denialalarms.Namespace, "MetricName": denialalarms.MetricName, "MetricValue": "1",
			"Dimensions": constructtest.ArrayWith(obj{"Key": "Reason", "Value": "$.reason"}, obj{"Key": "Tenant", "Value": "$.tenant"}),
		}},
	})
	tpl.ResourceCountIs("AWS::CloudWatch::Alarm", 2)
	for _, r := range []string{"bad_signature", "wrong_tenant"} {
		tpl.HasResourceProperties("AWS::CloudWatch::Alarm", obj{
			"AlarmName": "voicevault-test-acme-denials-" + r, "Namespace": denialalarms.Namespace, "MetricName": denialalarms.MetricName,
			"Dimensions": constructtest.ArrayWith(obj{"Name": "Reason", "Value": r}, obj{"Name": "Tenant", "Value": "acme"}),
			"Threshold":  float64(50), "Period": float64(300), "Statistic": "Sum",
			"AlarmActions": []any{obj{"Ref": constructtest.LogicalID(t, stack.Node().FindChild(jsii.String("Alarms")))}},
		})
	}
}
