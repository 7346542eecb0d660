package apiedge

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/constructs/constructtest"
)

// withPartners turns API keys on with two partners: one with its own throttle and a quota, one
// with the defaults.
func withPartners(p *Props) {
	p.APIKeys, p.AuthorizerCacheTTLSeconds = true, 0
	p.Interactive = Plan{Quota: &Quota{Limit: 1000000, Period: awsapigateway.Period_MONTH}}
	p.Partners = []Partner{
		{ID: "dubbing-studio", Plan: Plan{RateLimit: 10, BurstLimit: 20, Quota: &Quota{Limit: 5000, Period: awsapigateway.Period_DAY}}},
		{ID: "call-center"},
	}
}

func TestUsagePlansMeterTheKeyTheAuthorizerReturns(t *testing.T) {
	tpl, _ := synth(t, nil)
	tpl.HasResourceProperties("AWS::ApiGateway::RestApi", map[string]any{"ApiKeySourceType": "AUTHORIZER"})
}

func TestEveryMethodRequiresAnAPIKey(t *testing.T) {
	for name, mutate := range map[string]func(*Props){"JWT only": nil, "with partners": withPartners} {
		tpl, _ := synth(t, mutate)
		ms := methods(t, tpl)
		require.Len(t, ms, len(Routes()), name)
		for id, m := range ms {
			assert.Equal(t, true, m["ApiKeyRequired"], "%s %s: every request is metered by a usage plan", name, id)
		}
	}
}

func TestOneUsagePlanForInteractiveCallersAndOnePerPartnerOnThisStage(t *testing.T) {
	tpl, a := synth(t, withPartners)
	tpl.ResourceCountIs("AWS::ApiGateway::UsagePlan", 3)
	stage := []any{map[string]any{
		"ApiId": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^API[0-9A-F]{8}$"))},
		"Stage": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^APIDeploymentStagelive"))},
		// The L2 always renders a per-method throttle map; it is empty: the plan's throttle applies.
		"Throttle": map[string]any{},
	}}
	for _, want := range []map[string]any{
		{"UsagePlanName": "voicevault-prod-acme-interactive", "Throttle": map[string]any{"RateLimit": 50, "BurstLimit": 100}, "Quota": map[string]any{"Limit": 1000000, "Period": "MONTH"}},
		{"UsagePlanName": "voicevault-prod-acme-partner-dubbing-studio", "Throttle": map[string]any{"RateLimit": 10, "BurstLimit": 20}, "Quota": map[string]any{"Limit": 5000, "Period": "DAY"}},
		{"UsagePlanName": "voicevault-prod-acme-partner-call-center", "Throttle": map[string]any{"RateLimit": 50, "BurstLimit": 100}, "Quota": assertions.Match_Absent()},
	} {
		want["ApiStages"] = stage
		tpl.HasResourceProperties("AWS::ApiGateway::UsagePlan", want)
	}

	// Each plan holds exactly its own meter key.
	var callers []string
	for _, m := range a.Meters() {
		callers = append(callers, m.Caller)
	}
	assert.Equal(t, []string{InteractiveCaller, "dubbing-studio", "call-center"}, callers)
	links := tpl.Resources("AWS::ApiGateway::UsagePlanKey")
	require.Len(t, links, 3)
	planOf := map[string]string{}
	for _, l := range links {
		props := l["Properties"].(map[string]any)
		assert.Equal(t, "API_KEY", props["KeyType"])
		planOf[props["KeyId"].(map[string]any)["Ref"].(string)] = props["UsagePlanId"].(map[string]any)["Ref"].(string)
	}
	for _, m := range a.Meters() {
		key := *awsStack(m).GetLogicalId(m.Key.Node().DefaultChild().(awsapigateway.CfnApiKey))
		plan := *awsStack(m).GetLogicalId(m.Plan.Node().DefaultChild().(awsapigateway.CfnUsagePlan))
		assert.Equal(t, plan, planOf[key], "caller %s", m.Caller)
	}
}

func TestInteractivePlanDefaultsToTheStageThrottle(t *testing.T) {
	tpl, a := synth(t, nil)
	require.Len(t, a.Meters(), 1)
	tpl.ResourceCountIs("AWS::ApiGateway::UsagePlan", 1)
	tpl.HasResourceProperties("AWS::ApiGateway::UsagePlan", map[string]any{
		"Throttle": map[string]any{"RateLimit": 50, "BurstLimit": 100}, "Quota": assertions.Match_Absent(),
	})
}

func TestMeterKeysAreGeneratedEnabledAndOnNoStageDirectly(t *testing.T) {
	tpl, _ := synth(t, withPartners)
	keys := tpl.Resources("AWS::ApiGateway::ApiKey")
	require.Len(t, keys, 3)
	for id, k := range keys {
		props := k["Properties"].(map[string]any)
		assert.NotContains(t, props, "Value", "%s: API Gateway generates the value; the template never holds one", id)
		assert.NotContains(t, props, "StageKeys", "%s: bound to the stage through its usage plan only", id)
		assert.Equal(t, true, props["Enabled"], id)
	}
}

func TestPlansCanOnlyNarrowTheStage(t *testing.T) {
	for name, tc := range map[string]struct {
		mutate func(*Props)
		want   string
	}{
		"api keys without partners": {func(p *Props) { p.APIKeys, p.AuthorizerCacheTTLSeconds = true, 0 }, "api keys need at least one partner"},
		"partners without api keys": {func(p *Props) { p.Partners = []Partner{{ID: "a"}} }, "1 partners need api keys"},
		"interactive above stage":   {func(p *Props) { p.Interactive.RateLimit = 51 }, "interactive plan rate 51 and burst 100 must be between 1 and the stage's 50 and 100"},
		"partner burst above stage": {func(p *Props) { withPartners(p); p.Partners[1].Plan.BurstLimit = 101 }, "partner call-center plan rate 50 and burst 101"},
		"duplicated partner":        {func(p *Props) { withPartners(p); p.Partners[1].ID = "dubbing-studio" }, `partner id "dubbing-studio" must be unique`},
		"partner named like JWT":    {func(p *Props) { withPartners(p); p.Partners[1].ID = InteractiveCaller }, `partner id "*" must be unique`},
		"quota without period":      {func(p *Props) { p.Interactive.Quota = &Quota{Limit: 5} }, `interactive plan quota 5 per "" needs a positive limit and a period`},
		"quota without a limit":     {func(p *Props) { p.Interactive.Quota = &Quota{Period: awsapigateway.Period_DAY} }, "needs a positive limit"},
	} {
		t.Run(name, func(t *testing.T) {
			err := constructtest.Catch(func() { synth(t, tc.mutate) })
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func awsStack(m Meter) awscdk.Stack { return awscdk.Stack_Of(m.Key) }
