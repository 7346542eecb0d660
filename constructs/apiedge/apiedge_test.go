package apiedge

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/constructs/constructtest"
	"github.com/voicevault/voicevault/constructs/kmskey"
)

func TestMain(m *testing.M) { constructtest.Main(m) }

const loadBalancerARN = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/ingress/1"

func synth(t *testing.T, mutate func(*Props)) (*constructtest.Template, APIEdge) {
	t.Helper()
	stack := constructtest.NewStackWith(t, nil)
	key := kmskey.New(stack, "TenantKey", kmskey.Props{Alias: "voicevault/prod/tenant/acme", Description: "test"})
	fn := awslambda.NewFunction(stack, jsii.String("Fn"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_NODEJS_22_X(), Handler: jsii.String("index.handler"), Code: awslambda.Code_FromInline(jsii.String("exports.handler=()=>{}")),
	})
	p := Props{
		Environment: "prod", Tenant: "acme", Name: "voicevault-prod-acme", AccessLogGroupName: "/voicevault/prod/tenant/acme/api-access", Key: key, Authorizer: fn, AuthorizerCacheTTLSeconds: 300,
		RateLimit: 50, BurstLimit: 100,
		Backend:    Backend{VPCLinkID: "vpclink-123", LoadBalancerARN: loadBalancerARN, URL: "https://ingress.prod.example.com", TenantHeader: "X-VoiceVault-Tenant"},
		AlarmTopic: awssns.Topic_FromTopicArn(stack, jsii.String("Topic"), jsii.String("arn:aws:sns:eu-west-1:111111111111:alarms")),
	}
	if mutate != nil {
		mutate(&p)
	}
	a := New(stack, "API", p)
	return constructtest.StackTemplate(t, stack), a
}

func methods(t *testing.T, tpl *constructtest.Template) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for id, m := range tpl.Resources("AWS::ApiGateway::Method") {
		out[id] = m["Properties"].(map[string]any)
	}
	return out
}

func TestTheTTSRoutesExistAndNothingElse(t *testing.T) {
	tpl, a := synth(t, nil)
	ms := methods(t, tpl)
	assert.Len(t, ms, len(Routes()))
	var verbs []string
	for _, m := range ms {
		verbs = append(verbs, m["HttpMethod"].(string))
	}
	assert.ElementsMatch(t, []string{"POST", "GET", "POST", "GET", "GET", "DELETE"}, verbs, "no OPTIONS/ANY method")
	assert.Len(t, a.Methods(), 6)
	for _, path := range []string{"v1", "syntheses", "{synthesisId}", "voices", "{voiceId}"} {
		tpl.HasResourceProperties("AWS::ApiGateway::Resource", map[string]any{"PathPart": path})
	}
}

func TestEveryMethodUsesTheLambdaAuthorizer(t *testing.T) {
	tpl, _ := synth(t, nil)
	for id, m := range methods(t, tpl) {
		assert.Equal(t, "CUSTOM", m["AuthorizationType"], "%s: authorization", id)
		require.NotNil(t, m["AuthorizerId"], "%s: authorizer", id)
		assert.Contains(t, m["AuthorizerId"].(map[string]any)["Ref"], "APIAuthorizer", id)
	}
	tpl.ResourceCountIs("AWS::ApiGateway::Authorizer", 1)
	tpl.HasResourceProperties("AWS::ApiGateway::Authorizer", map[string]any{"Type": "REQUEST"})
}

func TestAuthorizerCachesOnTheAuthorizationHeaderOnlyWithoutAPIKeys(t *testing.T) {
	tpl, _ := synth(t, nil)
	tpl.HasResourceProperties("AWS::ApiGateway::Authorizer", map[string]any{
		"IdentitySource": "method.request.header.Authorization", "AuthorizerResultTtlInSeconds": 300,
	})
	withKeys, _ := synth(t, func(p *Props) {
		p.APIKeys, p.AuthorizerCacheTTLSeconds, p.Partners = true, 0, []Partner{{ID: "partner-a"}}
	})
	withKeys.HasResourceProperties("AWS::ApiGateway::Authorizer", map[string]any{
		"IdentitySource": assertions.Match_Absent(), "AuthorizerResultTtlInSeconds": 0,
	})
	err := constructtest.Catch(func() { synth(t, func(p *Props) { p.APIKeys, p.Partners = true, []Partner{{ID: "partner-a"}} }) })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "can't be used with api keys")
}

func TestAuthorizerMayBeInvokedOnlyByThisAuthorizer(t *testing.T) {
	tpl, _ := synth(t, nil)
	perms := tpl.Resources("AWS::Lambda::Permission")
	require.Len(t, perms, 1)
	for _, p := range perms {
		props := p["Properties"].(map[string]any)
		assert.Equal(t, "apigateway.amazonaws.com", props["Principal"])
		b, _ := json.Marshal(props["SourceArn"])
		assert.Contains(t, string(b), "/authorizers/")
		assert.Contains(t, string(b), "APIAuthorizer")
	}
}

func TestEveryMethodValidatesBodyAndParameters(t *testing.T) {
	tpl, _ := synth(t, nil)
	tpl.ResourceCountIs("AWS::ApiGateway::RequestValidator", 1)
	tpl.HasResourceProperties("AWS::ApiGateway::RequestValidator", map[string]any{"ValidateRequestBody": true, "ValidateRequestParameters": true})
	for id, m := range methods(t, tpl) {
		require.NotNil(t, m["RequestValidatorId"], "%s: validator", id)
		if m["HttpMethod"] == "POST" {
			assert.NotNil(t, m["RequestModels"].(map[string]any)["application/json"], "%s: model", id)
			assert.Equal(t, true, m["RequestParameters"].(map[string]any)["method.request.header.Content-Type"], id)
		}
	}
}

func TestModelsForbidUnknownPropertiesAndBoundEveryString(t *testing.T) {
	tpl, _ := synth(t, nil)
	models := tpl.Resources("AWS::ApiGateway::Model")
	require.Len(t, models, 2)
	for id, m := range models {
		schema := m["Properties"].(map[string]any)["Schema"].(map[string]any)
		assert.Equal(t, false, schema["additionalProperties"], "%s", id)
		assert.NotEmpty(t, schema["required"], "%s", id)
		for name, prop := range schema["properties"].(map[string]any) {
			pm := prop.(map[string]any)
			if pm["type"] == "string" && pm["enum"] == nil {
				assert.NotNil(t, pm["maxLength"], "%s.%s: maxLength", id, name)
			}
		}
	}
	tpl.HasResourceProperties("AWS::ApiGateway::Model", map[string]any{
		"Name": "CreateSynthesisRequest",
		"Schema": assertions.Match_ObjectLike(&map[string]any{"properties": assertions.Match_ObjectLike(&map[string]any{
			"text": map[string]any{"type": "string", "minLength": 1, "maxLength": 5000},
		})}),
	})
}

func TestIntegrationIsPrivateThroughTheSharedLoadBalancer(t *testing.T) {
	tpl, _ := synth(t, nil)
	for id, m := range methods(t, tpl) {
		in := m["Integration"].(map[string]any)
		assert.Equal(t, "HTTP_PROXY", in["Type"], id)
		assert.Equal(t, "VPC_LINK", in["ConnectionType"], id)
		assert.Equal(t, "vpclink-123", in["ConnectionId"], id)
		assert.Equal(t, loadBalancerARN, in["IntegrationTarget"], id)
		assert.True(t, strings.HasPrefix(in["Uri"].(string), "https://ingress.prod.example.com/v1/"), id)
		params := in["RequestParameters"].(map[string]any)
		assert.Equal(t, "'acme'", params["integration.request.header.X-VoiceVault-Tenant"], "%s: static tenant header (overrides the client's)", id)
		assert.Equal(t, "context.authorizer.principalId", params["integration.request.header.X-VoiceVault-Subject"], id)
	}
}

func TestStageLogsAsJSONTracesAndThrottles(t *testing.T) {
	tpl, _ := synth(t, nil)
	tpl.HasResourceProperties("AWS::ApiGateway::Stage", map[string]any{
		"StageName":      "live",
		"TracingEnabled": true,
		"AccessLogSetting": map[string]any{
			"DestinationArn": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^APIAccessLogs")), "Arn"}},
			"Format":         AccessLogFormat(),
		},
		"MethodSettings": []any{map[string]any{
			"HttpMethod": "*", "ResourcePath": "/*", "LoggingLevel": "ERROR", "DataTraceEnabled": false,
			"MetricsEnabled": true, "ThrottlingRateLimit": 50, "ThrottlingBurstLimit": 100,
		}},
	})
	var v map[string]any
	require.NoError(t, json.Unmarshal([]byte(strings.NewReplacer("$context.", "").Replace(AccessLogFormat())), &v), "the access log line is JSON")
	for _, secret := range []string{"Authorization", "x-api-key", "requestOverride", "body"} {
		assert.NotContains(t, strings.ToLower(AccessLogFormat()), strings.ToLower(secret))
	}
}

func TestLogGroupsAreEncryptedWithTheTenantKey(t *testing.T) {
	tpl, _ := synth(t, nil)
	groups := tpl.Resources("AWS::Logs::LogGroup")
	for id := range groups {
		if strings.HasPrefix(id, "FnLogGroup") {
			delete(groups, id) // the test's stand-in authorizer's own group (cdk.json's useCdkManagedLogGroup)
		}
	}
	require.Len(t, groups, 2)
	for id, g := range groups {
		props := g["Properties"].(map[string]any)
		assert.Contains(t, props["KmsKeyId"].(map[string]any)["Fn::GetAtt"].([]any)[0], "TenantKey", id)
		assert.Equal(t, float64(365), props["RetentionInDays"], id)
		assert.Equal(t, "RetainExceptOnCreate", g["DeletionPolicy"], id)
	}
	tpl.HasResourceProperties("AWS::Logs::LogGroup", map[string]any{"LogGroupName": "/voicevault/prod/tenant/acme/api-access"})
	// The execution log group exists before the stage, so API Gateway never creates its own.
	for id, s := range tpl.Resources("AWS::ApiGateway::Stage") {
		deps, _ := json.Marshal(s["DependsOn"])
		assert.Contains(t, string(deps), "APIExecutionLogs", id)
	}
	b, _ := json.Marshal(groups)
	assert.Contains(t, string(b), `"API-Gateway-Execution-Logs_"`)
}

func TestTheAPIDoesNotTouchTheAccountLoggingRole(t *testing.T) {
	tpl, _ := synth(t, nil)
	tpl.ResourceCountIs("AWS::ApiGateway::Account", 0)
	tpl.ResourceCountIs("AWS::IAM::Role", 1) // the test's own function only
}

func TestCustomDomainUsesTLS13PolicyAndDisablesExecuteAPI(t *testing.T) {
	tpl, a := synth(t, func(p *Props) {
		p.CustomDomain = &CustomDomain{DomainName: "voice.acme.example", CertificateARN: "arn:aws:acm:eu-west-1:111111111111:certificate/x"}
	})
	require.NotNil(t, a.DomainName())
	tpl.HasResourceProperties("AWS::ApiGateway::DomainName", map[string]any{
		"DomainName": "voice.acme.example", "RegionalCertificateArn": "arn:aws:acm:eu-west-1:111111111111:certificate/x",
		"EndpointConfiguration": map[string]any{"Types": []any{"REGIONAL"}},
		"SecurityPolicy":        "SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09", "EndpointAccessMode": "STRICT",
	})
	tpl.ResourceCountIs("AWS::ApiGateway::BasePathMapping", 1)
	tpl.HasResourceProperties("AWS::ApiGateway::RestApi", map[string]any{"DisableExecuteApiEndpoint": true, "EndpointConfiguration": map[string]any{"Types": []any{"REGIONAL"}}})

	plain, _ := synth(t, nil)
	plain.ResourceCountIs("AWS::ApiGateway::DomainName", 0)
	plain.HasResourceProperties("AWS::ApiGateway::RestApi", map[string]any{"DisableExecuteApiEndpoint": false})
}

func TestErrorRateAndLatencyAlarmsNotifyTheTopic(t *testing.T) {
	tpl, a := synth(t, nil)
	assert.Len(t, a.Alarms(), 2)
	tpl.HasResourceProperties("AWS::CloudWatch::Alarm", map[string]any{
		"Namespace": "AWS/ApiGateway", "MetricName": "5XXError", "Statistic": "Average", "Threshold": 0.05,
		"AlarmActions": []any{"arn:aws:sns:eu-west-1:111111111111:alarms"},
	})
	tpl.HasResourceProperties("AWS::CloudWatch::Alarm", map[string]any{
		"Namespace": "AWS/ApiGateway", "MetricName": "Latency", "ExtendedStatistic": "p99", "Threshold": 10000,
		"AlarmActions": []any{"arn:aws:sns:eu-west-1:111111111111:alarms"},
	})
}

// TestAuthorizerResultCacheTTLIsPerTenant: the tenant's authorizer.cacheTtlSeconds reaches its
// authorizer's AuthorizerResultTtlInSeconds (API Gateway: 0 to 3600 s, "Use API Gateway Lambda
// authorizers", API Gateway Developer Guide); 0 turns the cache off. It is also the revocation
// delay of docs/api.md.
func TestAuthorizerResultCacheTTLIsPerTenant(t *testing.T) {
	for _, ttl := range []int{0, 60, 3600} {
		tpl, _ := synth(t, func(p *Props) { p.AuthorizerCacheTTLSeconds = ttl })
		tpl.HasResourceProperties("AWS::ApiGateway::Authorizer", map[string]any{"AuthorizerResultTtlInSeconds": ttl})
	}
}
