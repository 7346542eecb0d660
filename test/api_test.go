package test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/constructs/apiedge"
	"github.com/voicevault/voicevault/naming"
)

func tenantStacks(t *testing.T) map[string]config.Tenant {
	out := map[string]config.Tenant{}
	for _, tn := range example(t).Config.Tenants {
		out[naming.TenantStack(tn.Environment, tn.Name)] = tn
	}
	return out
}

func TestNoTenantAPIMethodWithoutTheLambdaAuthorizer(t *testing.T) {
	r := example(t)
	for name := range tenantStacks(t) {
		methods := r.Resources(t, name, "AWS::ApiGateway::Method")
		assert.Len(t, methods, len(apiedge.Routes()), name)
		for id, m := range methods {
			props := m["Properties"].(map[string]any)
			assert.Equal(t, "CUSTOM", props["AuthorizationType"], "%s %s", name, id)
			assert.NotNil(t, props["AuthorizerId"], "%s %s", name, id)
			assert.NotEqual(t, "OPTIONS", props["HttpMethod"], "%s %s: no unauthenticated CORS preflight", name, id)
			assert.NotNil(t, props["RequestValidatorId"], "%s %s: request validation", name, id)
		}
		r.Template(t, name).ResourceCountIs("AWS::ApiGateway::Authorizer", 1)
	}
	for _, e := range r.Config.Environments {
		assert.Empty(t, r.Resources(t, naming.PlatformStack(e.Name), "AWS::ApiGateway::Method"))
	}
}

func TestAuthorizerIdentitySourcesFollowTheAPIKeySetting(t *testing.T) {
	r := example(t)
	for name, tn := range tenantStacks(t) {
		tpl := r.Template(t, name)
		if tn.Authorizer.APIKeys {
			tpl.HasResourceProperties("AWS::ApiGateway::Authorizer", map[string]any{"Type": "REQUEST", "IdentitySource": assertions.Match_Absent(), "AuthorizerResultTtlInSeconds": 0})
			tpl.HasResourceProperties("AWS::Lambda::Function", map[string]any{"Environment": map[string]any{"Variables": assertions.Match_ObjectLike(&map[string]any{"AUTHZ_API_KEYS_SECRET_ARN": assertions.Match_AnyValue()})}})
			tpl.ResourceCountIs("AWS::SecretsManager::Secret", 1)
		} else {
			tpl.HasResourceProperties("AWS::ApiGateway::Authorizer", map[string]any{"Type": "REQUEST", "IdentitySource": "method.request.header.Authorization", "AuthorizerResultTtlInSeconds": *tn.Authorizer.CacheTTLSeconds})
			tpl.ResourceCountIs("AWS::SecretsManager::Secret", 0)
		}
		tpl.HasResourceProperties("AWS::Lambda::Function", map[string]any{"Environment": map[string]any{"Variables": assertions.Match_ObjectLike(&map[string]any{
			"AUTHZ_TENANT": tn.Name, "AUTHZ_ISSUER": tn.Authorizer.Issuer, "AUTHZ_JWKS_URL": tn.Authorizer.JWKSURL,
			"AUTHZ_AUDIENCES": strings.Join(tn.Authorizer.Audiences, ","), "AUTHZ_TENANT_CLAIM": tn.Authorizer.TenantClaim,
		})}})
	}
}

func TestEveryTenantStageHasItsOwnWebACL(t *testing.T) {
	r := example(t)
	for name, tn := range tenantStacks(t) {
		tpl := r.Template(t, name)
		tpl.ResourceCountIs("AWS::WAFv2::WebACL", 1)
		tpl.ResourceCountIs("AWS::WAFv2::WebACLAssociation", 1)
		tpl.ResourceCountIs("AWS::WAFv2::LoggingConfiguration", 1)
		for id, a := range r.Resources(t, name, "AWS::WAFv2::WebACLAssociation") {
			b, _ := json.Marshal(a["Properties"].(map[string]any)["ResourceArn"])
			assert.Contains(t, string(b), `"/stages/",{"Ref":"APIDeploymentStagelive`, "%s %s: associated with the stage", name, id)
			deps, _ := json.Marshal(a["DependsOn"])
			assert.Contains(t, string(deps), "APIDeploymentStagelive", "%s %s: after the stage exists", name, id)
		}
		if len(tn.WAF.AllowedCIDRs) > 0 {
			assert.NotEmpty(t, r.Resources(t, name, "AWS::WAFv2::IPSet"), name)
		}
	}
}

func TestAPIGatewayAccountRoleIsSetOncePerEnvironment(t *testing.T) {
	r := example(t)
	for _, e := range r.Config.Environments {
		r.Template(t, naming.PlatformStack(e.Name)).ResourceCountIs("AWS::ApiGateway::Account", 1)
	}
	for name := range tenantStacks(t) {
		r.Template(t, name).ResourceCountIs("AWS::ApiGateway::Account", 0)
		for id, api := range r.Resources(t, name, "AWS::ApiGateway::RestApi") {
			assert.Equal(t, map[string]any{"Types": []any{"REGIONAL"}}, api["Properties"].(map[string]any)["EndpointConfiguration"], "%s %s", name, id)
		}
	}
}

func TestTenantStacksReadTheIngressFromSSMNotExports(t *testing.T) {
	r := example(t)
	for name, tn := range tenantStacks(t) {
		raw := string(r.TemplateBytes(t, name))
		assert.NotContains(t, raw, "Fn::ImportValue", name)
		params, _ := r.JSON(t, name)["Parameters"].(map[string]any)
		var defaults []string
		for _, p := range params {
			if d, ok := p.(map[string]any)["Default"].(string); ok {
				defaults = append(defaults, d)
			}
		}
		env := envOf(r.Config, name)
		for _, key := range []string{naming.ParamIngressListenerARN, naming.ParamIngressVPCLinkID, naming.ParamVPCID, naming.ParamKubectlServiceToken} {
			assert.Contains(t, defaults, naming.Param(env.Name, key), "%s reads %s", name, key)
		}
		// The paths into the pods are the platform's (constructs/podpaths): no tenant reads the
		// load balancer's security group, so none can add a rule on its behalf.
		assert.NotContains(t, defaults, naming.Param(env.Name, naming.ParamIngressSecurityGroupID), name)
		_ = tn
	}
	for _, e := range r.Config.Environments {
		name := naming.PlatformStack(e.Name)
		var names []any
		for _, p := range r.Resources(t, name, "AWS::SSM::Parameter") {
			names = append(names, p["Properties"].(map[string]any)["Name"])
		}
		for _, key := range []string{naming.ParamIngressListenerARN, naming.ParamIngressVPCLinkID, naming.ParamIngressALBDNS, naming.ParamIngressSecurityGroupID} {
			assert.Contains(t, names, naming.Param(e.Name, key), "%s publishes %s", name, key)
		}
	}
}

func TestIngressListenerTLSFollowsTheEnvironment(t *testing.T) {
	r := example(t)
	for _, e := range r.Config.Environments {
		tpl := r.Template(t, naming.PlatformStack(e.Name))
		tpl.ResourceCountIs("AWS::ElasticLoadBalancingV2::LoadBalancer", 1)
		tpl.ResourceCountIs("AWS::ApiGatewayV2::VpcLink", 1)
		if e.Ingress.TLS() {
			tpl.HasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", map[string]any{"Protocol": "HTTPS", "Port": 443, "SslPolicy": assertions.Match_StringLikeRegexp(ptr("^ELBSecurityPolicy-TLS13-"))})
		} else {
			tpl.HasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", map[string]any{"Protocol": "HTTP", "Port": 80})
		}
	}
	for name := range tenantStacks(t) {
		e := envOf(r.Config, name)
		for id, m := range r.Resources(t, name, "AWS::ApiGateway::Method") {
			uri, _ := json.Marshal(m["Properties"].(map[string]any)["Integration"].(map[string]any)["Uri"])
			if e.Ingress.TLS() {
				assert.Contains(t, string(uri), `"https://`+e.Ingress.HostName+`/v1/`, "%s %s", name, id)
			} else {
				assert.Contains(t, string(uri), `http://`, "%s %s", name, id)
			}
		}
	}
}

func TestListenerRulePrioritiesAreUniqueInEachEnvironment(t *testing.T) {
	r := example(t)
	seen := map[string]map[float64]string{}
	for name, tn := range tenantStacks(t) {
		rules := r.Resources(t, name, "AWS::ElasticLoadBalancingV2::ListenerRule")
		require.Len(t, rules, 1, name)
		for _, rule := range rules {
			pr := rule["Properties"].(map[string]any)["Priority"].(float64)
			assert.Equal(t, float64(tn.API.ListenerPriority), pr, name)
			if seen[tn.Environment] == nil {
				seen[tn.Environment] = map[float64]string{}
			}
			other, dup := seen[tn.Environment][pr]
			assert.False(t, dup, "%s and %s share priority %v", name, other, pr)
			seen[tn.Environment][pr] = name
		}
	}
}

func TestEachTenantBindsItsServiceToItsTargetGroup(t *testing.T) {
	r := example(t)
	for name, tn := range tenantStacks(t) {
		res := r.Resources(t, name, "Custom::AWSCDK-EKS-KubernetesResource")
		var binding string
		for _, m := range res {
			b, _ := json.Marshal(m["Properties"].(map[string]any)["Manifest"])
			if strings.Contains(string(b), "TargetGroupBinding") {
				binding = string(b)
			}
		}
		require.NotEmpty(t, binding, name)
		for _, want := range []string{`eks.amazonaws.com/v1`, naming.Namespace(tn.Name), `\"targetType\":\"ip\"`, `\"name\":\"` + naming.ServiceName + `\"`} {
			assert.Contains(t, binding, want, name)
		}
		r.Template(t, name).HasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", map[string]any{
			"TargetType": "ip", "Port": tn.Model.Port, "HealthCheckPath": tn.Model.ReadyPath,
		})
	}
}

func TestCustomDomainTenantsHaveNoExecuteAPIEndpoint(t *testing.T) {
	r := example(t)
	for name, tn := range tenantStacks(t) {
		tpl := r.Template(t, name)
		tpl.HasResourceProperties("AWS::ApiGateway::RestApi", map[string]any{"DisableExecuteApiEndpoint": tn.CustomDomain != nil})
		if tn.CustomDomain != nil {
			tpl.HasResourceProperties("AWS::ApiGateway::DomainName", map[string]any{"DomainName": tn.CustomDomain.DomainName, "SecurityPolicy": assertions.Match_StringLikeRegexp(ptr("TLS13"))})
		} else {
			tpl.ResourceCountIs("AWS::ApiGateway::DomainName", 0)
		}
	}
}

func TestEveryTenantLogGroupIsEncryptedWithTheTenantKey(t *testing.T) {
	r := example(t)
	for name := range tenantStacks(t) {
		groups := r.Resources(t, name, "AWS::Logs::LogGroup")
		assert.GreaterOrEqual(t, len(groups), 4, "%s: access, execution, authorizer and WAF logs", name)
		for id, g := range groups {
			kms, ok := g["Properties"].(map[string]any)["KmsKeyId"].(map[string]any)
			require.True(t, ok, "%s %s: KMS key", name, id)
			assert.Contains(t, kms["Fn::GetAtt"].([]any)[0], "TenantKey", "%s %s", name, id)
		}
		// The tenant key admits CloudWatch Logs for exactly the front door's log groups, by name.
		tn := tenantStacks(t)[name]
		var logs any
		for _, k := range r.Resources(t, name, "AWS::KMS::Key") {
			for _, st := range k["Properties"].(map[string]any)["KeyPolicy"].(map[string]any)["Statement"].([]any) {
				if st.(map[string]any)["Sid"] == "CloudWatchLogsForVoiceVaultLogGroups" {
					logs = st.(map[string]any)["Condition"].(map[string]any)["ArnLike"].(map[string]any)["kms:EncryptionContext:aws:logs:arn"]
				}
			}
		}
		b, _ := json.Marshal(logs)
		e := envOf(r.Config, name)
		for _, want := range []string{
			"log-group:/voicevault/" + e.Name + "/tenant/" + tn.Name + "/authorizer\"",
			"log-group:/voicevault/" + e.Name + "/tenant/" + tn.Name + "/api-access\"",
			"log-group:API-Gateway-Execution-Logs_\",{\"Ref\":\"API",
			"log-group:aws-waf-logs-voicevault-" + e.Name + "-" + tn.Name + "\"",
		} {
			assert.Contains(t, string(b), want, name)
		}
	}
}

func TestTenantAlarmsNotifyThePlatformTopic(t *testing.T) {
	r := example(t)
	for name := range tenantStacks(t) {
		e := envOf(r.Config, name)
		alarms := r.Resources(t, name, "AWS::CloudWatch::Alarm")
		metrics := map[string]bool{}
		for id, a := range alarms {
			props := a["Properties"].(map[string]any)
			metrics[props["MetricName"].(string)] = true
			b, _ := json.Marshal(props["AlarmActions"])
			assert.Contains(t, string(b), ":sns:"+e.Region+":"+e.Account+":"+naming.AlarmTopic(e.Name), "%s %s", name, id)
		}
		for _, m := range []string{"5XXError", "Latency", "Errors", "Throttles", "BlockedRequests"} {
			assert.True(t, metrics[m], "%s: alarm on %s", name, m)
		}
	}
}

func TestAllTenantsShareOneAuthorizerAsset(t *testing.T) {
	r := example(t)
	keys := map[any]bool{}
	for name := range tenantStacks(t) {
		for id, fn := range r.Resources(t, name, "AWS::Lambda::Function") {
			if strings.HasPrefix(id, "Authorizer") {
				keys[fn["Properties"].(map[string]any)["Code"].(map[string]any)["S3Key"]] = true
			}
		}
	}
	assert.Len(t, keys, 1, "one source, one asset")
}

func ptr(s string) *string { return &s }

// TestEveryTenantMetersEveryCallerWithAUsagePlan: the API takes the usage key from the authorizer
// only, every method needs one, there is one plan per caller class (interactive + each partner)
// on this stack's stage with the configured throttle and quota, each holding one generated meter
// key, and the authorizer names exactly those keys and may read exactly those.
func TestEveryTenantMetersEveryCallerWithAUsagePlan(t *testing.T) {
	r := example(t)
	partners := 0
	for name, tn := range tenantStacks(t) {
		tpl := r.Template(t, name)
		tpl.HasResourceProperties("AWS::ApiGateway::RestApi", map[string]any{"ApiKeySourceType": "AUTHORIZER"})
		for id, m := range r.Resources(t, name, "AWS::ApiGateway::Method") {
			assert.Equal(t, true, m["Properties"].(map[string]any)["ApiKeyRequired"], "%s %s", name, id)
		}

		type want struct {
			rate, burst int
			quota       *config.Quota
		}
		plans := map[string]want{
			naming.TenantPrefix(tn.Environment, tn.Name) + "-interactive": {tn.API.Usage.RateLimit, tn.API.Usage.BurstLimit, tn.API.Usage.Quota},
		}
		for _, p := range tn.Authorizer.Partners {
			plans[naming.TenantPrefix(tn.Environment, tn.Name)+"-partner-"+p.ID] = want{p.RateLimit, p.BurstLimit, p.Quota}
			partners++
		}
		got := r.Resources(t, name, "AWS::ApiGateway::UsagePlan")
		require.Len(t, got, len(plans), name)
		apiID := logicalIDOf(t, r.Resources(t, name, "AWS::ApiGateway::RestApi"))
		stageID := logicalIDOf(t, r.Resources(t, name, "AWS::ApiGateway::Stage"))
		for id, p := range got {
			props := p["Properties"].(map[string]any)
			w, ok := plans[props["UsagePlanName"].(string)]
			require.True(t, ok, "%s %s: unexpected plan %v", name, id, props["UsagePlanName"])
			assert.Equal(t, map[string]any{"RateLimit": float64(w.rate), "BurstLimit": float64(w.burst)}, props["Throttle"], "%s %s", name, id)
			if w.quota == nil {
				assert.Nil(t, props["Quota"], "%s %s", name, id)
			} else {
				assert.Equal(t, map[string]any{"Limit": float64(w.quota.Limit), "Period": string(w.quota.Period)}, props["Quota"], "%s %s", name, id)
			}
			stages := props["ApiStages"].([]any)
			require.Len(t, stages, 1, "%s %s: this API's stage only", name, id)
			st := stages[0].(map[string]any)
			assert.Equal(t, map[string]any{"Ref": apiID}, st["ApiId"], "%s %s", name, id)
			assert.Equal(t, map[string]any{"Ref": stageID}, st["Stage"], "%s %s", name, id)
		}

		keys := r.Resources(t, name, "AWS::ApiGateway::ApiKey")
		require.Len(t, keys, len(plans), name)
		var keyARNs []any
		for id, k := range keys {
			props := k["Properties"].(map[string]any)
			assert.NotContains(t, props, "Value", "%s %s: a meter key's value is generated, never in the template", name, id)
			assert.Equal(t, true, props["Enabled"], "%s %s", name, id)
			keyARNs = append(keyARNs, map[string]any{"Fn::Join": []any{"", []any{"arn:" + partitionOf(r.Config, name) + ":apigateway:" + regionOf(r.Config, name) + "::/apikeys/", map[string]any{"Ref": id}}}})
		}
		require.Len(t, r.Resources(t, name, "AWS::ApiGateway::UsagePlanKey"), len(plans), name)

		// The authorizer maps every caller, and may read exactly these keys.
		var env map[string]any
		for _, fn := range r.Resources(t, name, "AWS::Lambda::Function") {
			if v, ok := fn["Properties"].(map[string]any)["Environment"].(map[string]any)["Variables"].(map[string]any); ok && v["AUTHZ_TENANT"] == tn.Name {
				env = v
			}
		}
		require.NotNil(t, env, name)
		b, _ := json.Marshal(env["AUTHZ_USAGE_KEYS"])
		assert.Contains(t, string(b), `"*="`, name)
		for _, p := range tn.Authorizer.Partners {
			assert.Contains(t, string(b), `",`+p.ID+`="`, "%s: partner %s is mapped", name, p.ID)
		}
		var granted []any
		for _, pol := range r.Resources(t, name, "AWS::IAM::ManagedPolicy") {
			for _, s := range pol["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
				st := s.(map[string]any)
				if b, _ := json.Marshal(st["Action"]); strings.Contains(string(b), "apigateway:") {
					assert.Equal(t, "apigateway:GET", st["Action"], name)
					assert.Equal(t, "ReadOwnMeterKeys", st["Sid"], name)
					if list, ok := st["Resource"].([]any); ok {
						granted = append(granted, list...)
					} else {
						granted = append(granted, st["Resource"]) // one key: IAM's single-resource form
					}
				}
			}
		}
		assert.ElementsMatch(t, keyARNs, granted, "%s: apigateway:GET on exactly this tenant's meter keys", name)
	}
	assert.Positive(t, partners, "the example has at least one partner")
}

func logicalIDOf(t *testing.T, rs map[string]map[string]any) string {
	t.Helper()
	require.Len(t, rs, 1)
	for id := range rs {
		return id
	}
	return ""
}

func regionOf(c *config.Config, stack string) string    { return envOf(c, stack).Region }
func partitionOf(c *config.Config, stack string) string { return envOf(c, stack).Partition() }
