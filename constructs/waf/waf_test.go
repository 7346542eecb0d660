package waf

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/constructs/constructtest"
	"github.com/voicevault/voicevault/constructs/kmskey"
)

func TestMain(m *testing.M) { constructtest.Main(m) }

func synth(t *testing.T, mutate func(*Props)) *constructtest.Template {
	t.Helper()
	stack := constructtest.NewStackWith(t, nil)
	key := kmskey.New(stack, "TenantKey", kmskey.Props{Alias: "voicevault/prod/tenant/acme", Description: "test"})
	p := Props{
		Name: "voicevault-prod-acme", RateLimit: 2000, LogKey: key,
		AlarmTopic: awssns.Topic_FromTopicArn(stack, jsii.String("Topic"), jsii.String("arn:aws:sns:eu-west-1:111111111111:alarms")),
	}
	if mutate != nil {
		mutate(&p)
	}
	w := New(stack, "WAF", p)
	w.Associate("Stage", "arn:aws:apigateway:eu-west-1::/restapis/abc/stages/live", nil)
	return constructtest.StackTemplate(t, stack)
}

// rules returns the web ACL's rules by name.
func rules(t *testing.T, tpl *constructtest.Template) map[string]map[string]any {
	t.Helper()
	acls := tpl.Resources("AWS::WAFv2::WebACL")
	require.Len(t, acls, 1)
	out := map[string]map[string]any{}
	for _, acl := range acls {
		for _, r := range acl["Properties"].(map[string]any)["Rules"].([]any) {
			m := r.(map[string]any)
			out[m["Name"].(string)] = m
		}
	}
	return out
}

func TestWebACLIsRegionalAndRunsTheManagedRuleGroups(t *testing.T) {
	tpl := synth(t, nil)
	tpl.HasResourceProperties("AWS::WAFv2::WebACL", map[string]any{
		"Name": "voicevault-prod-acme", "Scope": "REGIONAL", "DefaultAction": map[string]any{"Allow": map[string]any{}},
	})
	rs := rules(t, tpl)
	for _, g := range []string{"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesAnonymousIpList"} {
		r, ok := rs[g]
		require.True(t, ok, g)
		stmt := r["Statement"].(map[string]any)["ManagedRuleGroupStatement"].(map[string]any)
		assert.Equal(t, "AWS", stmt["VendorName"])
		assert.Equal(t, map[string]any{"None": map[string]any{}}, r["OverrideAction"], "%s blocks (no group-wide count override)", g)
	}
}

func TestOnlyTheDocumentedManagedRulesAreCountOnly(t *testing.T) {
	rs := rules(t, synth(t, nil))
	counted := map[string][]any{}
	for name, r := range rs {
		stmt, ok := r["Statement"].(map[string]any)["ManagedRuleGroupStatement"].(map[string]any)
		if !ok {
			continue
		}
		for _, o := range asSlice(stmt["RuleActionOverrides"]) {
			om := o.(map[string]any)
			assert.Equal(t, map[string]any{"Count": map[string]any{}}, om["ActionToUse"])
			counted[name] = append(counted[name], om["Name"])
		}
	}
	assert.Equal(t, map[string][]any{
		"AWSManagedRulesCommonRuleSet":   {"SizeRestrictions_BODY"},
		"AWSManagedRulesAnonymousIpList": {"HostingProviderIPList"},
	}, counted)
}

func TestRateLimitPerIPBlocks(t *testing.T) {
	r := rules(t, synth(t, nil))["RateLimitPerIP"]
	require.NotNil(t, r)
	assert.Equal(t, map[string]any{"Block": map[string]any{}}, r["Action"])
	assert.Equal(t, map[string]any{"RateBasedStatement": map[string]any{"Limit": float64(2000), "AggregateKeyType": "IP", "EvaluationWindowSec": float64(300)}}, r["Statement"])
}

func TestBodiesOver64KiBAreBlockedAndFullyInspected(t *testing.T) {
	tpl := synth(t, nil)
	r := rules(t, tpl)["BodySizeLimit"]
	require.NotNil(t, r)
	assert.Equal(t, map[string]any{"Block": map[string]any{}}, r["Action"])
	sc := r["Statement"].(map[string]any)["SizeConstraintStatement"].(map[string]any)
	assert.Equal(t, "GT", sc["ComparisonOperator"])
	assert.Equal(t, float64(65536), sc["Size"])
	assert.Equal(t, map[string]any{"Body": map[string]any{"OversizeHandling": "MATCH"}}, sc["FieldToMatch"])
	tpl.HasResourceProperties("AWS::WAFv2::WebACL", map[string]any{
		"AssociationConfig": map[string]any{"RequestBody": map[string]any{"API_GATEWAY": map[string]any{"DefaultSizeInspectionLimit": "KB_64"}}},
	})
}

func TestPostBodiesMustBeJSON(t *testing.T) {
	r := rules(t, synth(t, nil))["JSONBodiesOnly"]
	require.NotNil(t, r)
	assert.Equal(t, map[string]any{"Block": map[string]any{}}, r["Action"])
	b, _ := json.Marshal(r["Statement"])
	assert.Contains(t, string(b), `"SearchString":"POST"`)
	assert.Contains(t, string(b), `"NotStatement"`)
	assert.Contains(t, string(b), `"SearchString":"application/json"`)
	assert.Nil(t, rules(t, synth(t, func(p *Props) { p.AllowNonJSONBodies = true }))["JSONBodiesOnly"])
}

func TestAllowListBlocksEverySourceOutsideBothFamilies(t *testing.T) {
	tpl := synth(t, func(p *Props) { p.AllowedCIDRs = []string{"203.0.113.0/24", "2001:db8::/32", "198.51.100.0/24"} })
	tpl.HasResourceProperties("AWS::WAFv2::IPSet", map[string]any{"IPAddressVersion": "IPV4", "Scope": "REGIONAL", "Addresses": []any{"203.0.113.0/24", "198.51.100.0/24"}})
	tpl.HasResourceProperties("AWS::WAFv2::IPSet", map[string]any{"IPAddressVersion": "IPV6", "Scope": "REGIONAL", "Addresses": []any{"2001:db8::/32"}})
	rs := rules(t, tpl)
	r := rs["AllowListedSourcesOnly"]
	require.NotNil(t, r)
	assert.Equal(t, float64(0), r["Priority"], "the allow-list is evaluated first")
	assert.Equal(t, map[string]any{"Block": map[string]any{}}, r["Action"])
	or := r["Statement"].(map[string]any)["NotStatement"].(map[string]any)["Statement"].(map[string]any)["OrStatement"].(map[string]any)
	assert.Len(t, or["Statements"], 2)

	v4only := synth(t, func(p *Props) { p.AllowedCIDRs = []string{"203.0.113.0/24"} })
	v4only.ResourceCountIs("AWS::WAFv2::IPSet", 1)
	r = rules(t, v4only)["AllowListedSourcesOnly"]
	assert.Contains(t, r["Statement"].(map[string]any)["NotStatement"].(map[string]any)["Statement"], "IPSetReferenceStatement")

	none := synth(t, nil)
	none.ResourceCountIs("AWS::WAFv2::IPSet", 0)
	assert.Nil(t, rules(t, none)["AllowListedSourcesOnly"])
}

func TestLoggingIsEncryptedAndRedactsCredentials(t *testing.T) {
	tpl := synth(t, nil)
	tpl.HasResource("AWS::Logs::LogGroup", map[string]any{
		"Properties": map[string]any{
			"LogGroupName":    "aws-waf-logs-voicevault-prod-acme",
			"KmsKeyId":        map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^TenantKey")), "Arn"}},
			"RetentionInDays": 365,
		},
		"DeletionPolicy": "RetainExceptOnCreate",
	})
	tpl.HasResourceProperties("AWS::WAFv2::LoggingConfiguration", map[string]any{
		"ResourceArn": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^WAFWebACL")), "Arn"}},
		"RedactedFields": []any{
			map[string]any{"SingleHeader": map[string]any{"Name": "authorization"}},
			map[string]any{"SingleHeader": map[string]any{"Name": "x-api-key"}},
		},
	})
	b, _ := json.Marshal(tpl.Resources("AWS::WAFv2::LoggingConfiguration"))
	assert.Contains(t, string(b), ":log-group:aws-waf-logs-voicevault-prod-acme\"", "destination is the log group ARN without :*")
}

func TestSampledRequestsAreOffBecauseTheyKeepCredentials(t *testing.T) {
	tpl := synth(t, nil)
	acl := tpl.Resources("AWS::WAFv2::WebACL")
	b, _ := json.Marshal(acl)
	assert.NotContains(t, string(b), `"SampledRequestsEnabled":true`)
	assert.Contains(t, string(b), `"CloudWatchMetricsEnabled":true`)
}

func TestBlockedRequestsAlarmNotifiesTheTopic(t *testing.T) {
	tpl := synth(t, nil)
	tpl.HasResourceProperties("AWS::CloudWatch::Alarm", map[string]any{
		"Namespace": "AWS/WAFV2", "MetricName": "BlockedRequests", "Statistic": "Sum", "Threshold": 100,
		"Dimensions":   assertions.Match_ArrayWith(&[]any{map[string]any{"Name": "WebACL", "Value": "voicevault-prod-acme"}}),
		"AlarmActions": []any{"arn:aws:sns:eu-west-1:111111111111:alarms"},
	})
}

func TestAssociationAttachesTheACLToTheResource(t *testing.T) {
	synth(t, nil).HasResourceProperties("AWS::WAFv2::WebACLAssociation", map[string]any{
		"ResourceArn": "arn:aws:apigateway:eu-west-1::/restapis/abc/stages/live",
		"WebACLArn":   map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^WAFWebACL")), "Arn"}},
	})
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}
