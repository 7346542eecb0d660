package authorizerfn

import (
	"strconv"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/constructs/constructtest"
	"github.com/voicevault/voicevault/constructs/kmskey"
)

// synthWithUsageKeys is the authorizer with API keys on and a meter key for "*" and for each
// partner in callers, passed to UseUsageKeys in that order.
func synthWithUsageKeys(t *testing.T, callers ...string) (*constructtest.Template, AuthorizerFn) {
	t.Helper()
	stack := constructtest.NewStackWith(t, nil)
	key := kmskey.New(stack, "TenantKey", kmskey.Props{Alias: "voicevault/prod/tenant/acme", Description: "test"})
	fn := New(stack, "Authorizer", Props{
		Environment: "prod", Tenant: "acme", Key: key, Name: "voicevault-prod-acme", LogGroupName: "/voicevault/prod/tenant/acme/authorizer", SecretName: "voicevault/prod/tenant/acme/api-keys", APIKeys: true,
		Issuer: "https://issuer.example.com", Audiences: []string{"voice"}, JWKSURL: "https://issuer.example.com/jwks.json",
	})
	var keys []UsageKey
	for i, c := range callers {
		id := "Meter" + c + strconv.Itoa(i)
		if c == JWTCaller {
			id = "MeterJWT"
		}
		keys = append(keys, UsageKey{Caller: c, Key: awsapigateway.NewApiKey(stack, jsii.String(id), nil)})
	}
	fn.UseUsageKeys(keys)
	return constructtest.StackTemplate(t, stack), fn
}

func keyARN(id string) map[string]any {
	return map[string]any{"Fn::Join": []any{"", []any{
		"arn:aws:apigateway:eu-west-1::/apikeys/", // a partition literal: cdk.json's enablePartitionLiterals
		map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^" + id))},
	}}}
}

func TestUsageKeysAreNamedInTheEnvironment(t *testing.T) {
	tpl, fn := synthWithUsageKeys(t, JWTCaller, "partner-a")
	assert.Len(t, fn.UsageKeys(), 2)
	tpl.HasResourceProperties("AWS::Lambda::Function", map[string]any{
		"Environment": map[string]any{"Variables": assertions.Match_ObjectLike(&map[string]any{
			"AUTHZ_USAGE_KEYS": map[string]any{"Fn::Join": []any{"", []any{
				"*=", map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^MeterJWT"))},
				",partner-a=", map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^Meterpartnera"))},
			}}},
		})},
	})
}

func TestRoleReadsExactlyItsOwnMeterKeys(t *testing.T) {
	tpl, _ := synthWithUsageKeys(t, JWTCaller, "partner-a")
	tpl.HasResourceProperties("AWS::IAM::ManagedPolicy", map[string]any{
		"Roles": []any{map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^AuthorizerRole"))}},
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
			"Sid":      "ReadOwnMeterKeys",
			"Effect":   "Allow",
			"Action":   "apigateway:GET",
			"Resource": []any{keyARN("MeterJWT"), keyARN("Meterpartnera")},
		}})},
	})
	// No other statement grants API Gateway anything.
	for id, pol := range tpl.Resources("AWS::IAM::ManagedPolicy") {
		for _, s := range pol["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			st := s.(map[string]any)
			if b := mustJSON(t, st["Action"]); string(b) != `"apigateway:GET"` {
				assert.NotContains(t, string(b), "apigateway", "%s %v", id, st["Sid"])
			}
		}
	}
}

func TestWithoutUsageKeysTheRoleReadsNoAPIKey(t *testing.T) {
	tpl, fn := synth(t, nil)
	assert.Nil(t, fn.UsageKeys())
	assert.NotContains(t, string(mustJSON(t, tpl.JSON())), "apigateway:")
	assert.NotContains(t, string(mustJSON(t, tpl.JSON())), EnvUsageKeys)
}

func TestUseUsageKeysRejectsBadMappings(t *testing.T) {
	for name, callers := range map[string][]string{
		"no JWT entry":    {"partner-a"},
		"caller twice":    {JWTCaller, "partner-a", "partner-a"},
		"caller with '='": {JWTCaller, "a=b"},
		"empty caller":    {JWTCaller, ""},
		"no keys at all":  {},
	} {
		t.Run(name, func(t *testing.T) {
			err := constructtest.Catch(func() { synthWithUsageKeys(t, callers...) })
			require.Error(t, err)
			assert.Contains(t, err.Error(), "usage key")
		})
	}
	err := constructtest.Catch(func() {
		stack := constructtest.NewStackWith(t, nil)
		key := kmskey.New(stack, "TenantKey", kmskey.Props{Alias: "voicevault/prod/tenant/acme", Description: "test"})
		fn := New(stack, "Authorizer", Props{Environment: "prod", Tenant: "acme", Key: key, Name: "voicevault-prod-acme", LogGroupName: "/voicevault/prod/tenant/acme/authorizer", SecretName: "voicevault/prod/tenant/acme/api-keys",
			Issuer: "https://issuer.example.com", Audiences: []string{"voice"}, JWKSURL: "https://issuer.example.com/jwks.json"})
		keys := []UsageKey{{Caller: JWTCaller, Key: awsapigateway.NewApiKey(stack, jsii.String("K"), nil)}}
		fn.UseUsageKeys(keys)
		fn.UseUsageKeys(keys)
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "already set")
}
