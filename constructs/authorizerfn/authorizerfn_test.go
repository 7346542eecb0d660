package authorizerfn

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/constructs/constructtest"
	"github.com/voicevault/voicevault/constructs/kmskey"
)

var dockerMarker string

// TestMain points the CDK's Docker command at a stub that leaves a marker, so any attempt to
// bundle with Docker is seen (and fails).
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "fake-docker-*")
	if err != nil {
		panic(err)
	}
	dockerMarker = filepath.Join(dir, "docker-was-called")
	stub := filepath.Join(dir, "docker")
	if err := os.WriteFile(stub, []byte("#!/bin/sh\ntouch '"+dockerMarker+"'\nexit 1\n"), 0o755); err != nil {
		panic(err)
	}
	os.Setenv("CDK_DOCKER", stub)
	defer os.RemoveAll(dir)
	constructtest.Main(m)
}

func synth(t *testing.T, mutate func(*Props)) (*constructtest.Template, AuthorizerFn) {
	t.Helper()
	stack := constructtest.NewStackWith(t, nil)
	key := kmskey.New(stack, "TenantKey", kmskey.Props{Alias: "voicevault/prod/tenant/acme", Description: "test"})
	p := Props{
		Environment: "prod", Tenant: "acme", Key: key, Name: "voicevault-prod-acme", LogGroupName: "/voicevault/prod/tenant/acme/authorizer", SecretName: "voicevault/prod/tenant/acme/api-keys",
		Issuer: "https://issuer.example.com", Audiences: []string{"voice", "voice-staging"},
		JWKSURL: "https://issuer.example.com/jwks.json", TenantClaim: "hd",
		AlarmTopic: awssns.Topic_FromTopicArn(stack, jsii.String("Topic"), jsii.String("arn:aws:sns:eu-west-1:111111111111:alarms")),
	}
	if mutate != nil {
		mutate(&p)
	}
	fn := New(stack, "Authorizer", p)
	return constructtest.StackTemplate(t, stack), fn
}

func TestFunctionIsGoOnGravitonWithLimits(t *testing.T) {
	tpl, _ := synth(t, nil)
	tpl.HasResourceProperties("AWS::Lambda::Function", map[string]any{
		"Runtime":                      "provided.al2023",
		"Architectures":                []any{"arm64"},
		"Handler":                      "bootstrap",
		"Timeout":                      5,
		"MemorySize":                   256,
		"ReservedConcurrentExecutions": 5,
		"TracingConfig":                map[string]any{"Mode": "Active"},
		"LoggingConfig":                map[string]any{"LogFormat": "JSON", "LogGroup": assertions.Match_AnyValue()},
	})
	tpl.ResourceCountIs("AWS::Lambda::Function", 1) // no log-retention or other helper functions
}

func TestEnvironmentIsExactlyTheAuthorizerContract(t *testing.T) {
	tpl, _ := synth(t, nil)
	tpl.HasResourceProperties("AWS::Lambda::Function", map[string]any{
		"Environment": map[string]any{"Variables": assertions.Match_ObjectEquals(&map[string]any{
			"AUTHZ_TENANT":       "acme",
			"AUTHZ_ISSUER":       "https://issuer.example.com",
			"AUTHZ_AUDIENCES":    "voice,voice-staging",
			"AUTHZ_JWKS_URL":     "https://issuer.example.com/jwks.json",
			"AUTHZ_TENANT_CLAIM": "hd",
		})},
	})
	tpl.ResourceCountIs("AWS::SecretsManager::Secret", 0)

	withKeys, _ := synth(t, func(p *Props) { p.APIKeys = true })
	withKeys.HasResourceProperties("AWS::Lambda::Function", map[string]any{
		"Environment": map[string]any{"Variables": assertions.Match_ObjectLike(&map[string]any{
			"AUTHZ_API_KEYS_SECRET_ARN": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^AuthorizerAPIKeys"))},
		})},
	})
}

func TestLogGroupIsEncryptedWithTheTenantKeyAndRetained(t *testing.T) {
	tpl, _ := synth(t, nil)
	tpl.HasResource("AWS::Logs::LogGroup", map[string]any{
		"Properties": map[string]any{
			"LogGroupName":    "/voicevault/prod/tenant/acme/authorizer",
			"KmsKeyId":        map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^TenantKey")), "Arn"}},
			"RetentionInDays": 365,
		},
		"DeletionPolicy": "RetainExceptOnCreate",
	})
}

func TestRoleWritesOnlyItsOwnLogGroupWithoutManagedPolicies(t *testing.T) {
	tpl, _ := synth(t, nil)
	for id, role := range tpl.Resources("AWS::IAM::Role") {
		props, _ := role["Properties"].(map[string]any)
		assert.Nil(t, props["ManagedPolicyArns"], "%s: no managed policies (AWSLambdaBasicExecutionRole allows every log group)", id)
	}
	tpl.ResourceCountIs("AWS::IAM::Policy", 0) // no inline policies: one customer-managed policy
	tpl.ResourceCountIs("AWS::IAM::ManagedPolicy", 1)
	tpl.HasResourceProperties("AWS::IAM::ManagedPolicy", map[string]any{
		"Roles": []any{map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^AuthorizerRole"))}},
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
			"Sid":      "WriteOwnLogs",
			"Effect":   "Allow",
			"Action":   []any{"logs:CreateLogStream", "logs:PutLogEvents"},
			"Resource": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^AuthorizerLogs")), "Arn"}},
		}})},
	})
	// Only X-Ray's actions, which have no resource-level permissions, may name "*".
	for id, pol := range tpl.Resources("AWS::IAM::ManagedPolicy") {
		stmts := pol["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any)
		for _, s := range stmts {
			st := s.(map[string]any)
			if st["Resource"] == "*" {
				assert.ElementsMatch(t, []any{"xray:PutTraceSegments", "xray:PutTelemetryRecords"}, st["Action"], "%s", id)
			}
		}
	}
}

func TestAPIKeySecretIsEncryptedAndReadableOnlyByTheAuthorizer(t *testing.T) {
	tpl, _ := synth(t, func(p *Props) { p.APIKeys = true })
	tpl.HasResource("AWS::SecretsManager::Secret", map[string]any{
		"Properties": map[string]any{
			"Name":     "voicevault/prod/tenant/acme/api-keys",
			"KmsKeyId": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^TenantKey")), "Arn"}},
			"GenerateSecretString": map[string]any{
				"SecretStringTemplate": `{"keys":[]}`, "GenerateStringKey": "pepper", "PasswordLength": 44, "ExcludePunctuation": true,
			},
		},
		"DeletionPolicy": "RetainExceptOnCreate",
	})
	tpl.HasResourceProperties("AWS::IAM::ManagedPolicy", map[string]any{
		"Roles": []any{map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^AuthorizerRole"))}},
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
			"Sid":      "ReadOwnAPIKeySecret",
			"Effect":   "Allow",
			"Action":   []any{"secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"}, // sorted, as cdk.json's flags have the CDK do
			"Resource": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^AuthorizerAPIKeys"))},
		}})},
	})
	tpl.HasResourceProperties("AWS::KMS::Key", map[string]any{
		"KeyPolicy": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"Sid":       "AuthorizerReadsItsAPIKeySecret",
			"Effect":    "Allow",
			"Action":    "kms:Decrypt",
			"Principal": map[string]any{"AWS": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^AuthorizerRole")), "Arn"}}},
			"Condition": map[string]any{
				"StringEquals": map[string]any{"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"},
				"StringLike":   map[string]any{"kms:EncryptionContext:SecretARN": assertions.Match_AnyValue()},
			},
		})})},
	})
	assert.Contains(t, string(mustJSON(t, tpl.Resources("AWS::KMS::Key"))), `:secretsmanager:eu-west-1:111111111111:secret:voicevault/prod/tenant/acme/api-keys-*`,
		"the key admits Secrets Manager for this secret only")
	// Nobody else is granted the secret: the only IAM policy naming it is the authorizer's.
	n := 0
	for _, pol := range tpl.Resources("AWS::IAM::ManagedPolicy") {
		if bytes.Contains(mustJSON(t, pol), []byte("AuthorizerAPIKeys")) {
			n++
		}
	}
	assert.Equal(t, 1, n)
}

func TestErrorAndThrottleAlarmsNotifyTheAlarmTopic(t *testing.T) {
	tpl, fn := synth(t, nil)
	assert.Len(t, fn.Alarms(), 2)
	for _, m := range []string{"Errors", "Throttles"} {
		tpl.HasResourceProperties("AWS::CloudWatch::Alarm", map[string]any{
			"Namespace": "AWS/Lambda", "MetricName": m, "Statistic": "Sum", "Threshold": 1,
			"ComparisonOperator": "GreaterThanOrEqualToThreshold",
			"AlarmActions":       []any{"arn:aws:sns:eu-west-1:111111111111:alarms"},
		})
	}
}

func TestAssetIsStableAndBundlingNeedsNoDocker(t *testing.T) {
	key := func(tpl *constructtest.Template) any {
		for _, fn := range tpl.Resources("AWS::Lambda::Function") {
			return fn["Properties"].(map[string]any)["Code"].(map[string]any)["S3Key"]
		}
		return nil
	}
	a, fa := synth(t, nil)
	b, fb := synth(t, func(p *Props) { p.Tenant = "globex" })
	// The CDK keys the asset by SHA-256 of (our source hash, the bundling options), which are fixed.
	t.Logf("source hash %s, asset key %s", fa.AssetHash(), key(a))
	assert.Regexp(t, `^[0-9a-f]{64}\.zip$`, key(a))
	assert.Equal(t, key(a), key(b), "same source, same asset: two synths agree")
	assert.Equal(t, fa.AssetHash(), fb.AssetHash())
	_, err := os.Stat(dockerMarker)
	assert.True(t, os.IsNotExist(err), "bundling must not call Docker")
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := jsonMarshal(v)
	require.NoError(t, err)
	return b
}

// TestAPIKeyAgeIsAlarmed: with API keys, the authorizer's "api_key_secret_loaded" log line
// (lambda/authorizer/authz) becomes the OldestAPIKeyAgeDays metric through a metric filter on its
// JSON field (Amazon CloudWatch Logs User Guide, "Creating metrics from log events using
// filters": a metric value may be a JSON selector such as $.field, and dimensions may be JSON
// fields), and an alarm fires above the configured age.
func TestAPIKeyAgeIsAlarmed(t *testing.T) {
	tpl, fn := synth(t, func(p *Props) { p.APIKeys, p.APIKeyMaxAgeDays = true, 60 })
	assert.Len(t, fn.Alarms(), 3)
	tpl.HasResourceProperties("AWS::Logs::MetricFilter", map[string]any{
		"FilterPattern": `{ $.event = "api_key_secret_loaded" }`,
		"MetricTransformations": []any{map[string]any{
			"MetricNamespace": "VoiceVault/Authorizer", "MetricName": "OldestAPIKeyAgeDays",
			"MetricValue": "$.oldestKeyAgeDays", "Dimensions": []any{map[string]any{"Key": "Tenant", "Value": "$.tenant"}},
		}},
	})
	tpl.HasResourceProperties("AWS::CloudWatch::Alarm", map[string]any{
		"AlarmName": "voicevault-prod-acme-api-key-age", "Namespace": "VoiceVault/Authorizer", "MetricName": "OldestAPIKeyAgeDays",
		"Dimensions": []any{map[string]any{"Name": "Tenant", "Value": "acme"}},
		"Statistic":  "Maximum", "Period": 21600, "Threshold": 60, "ComparisonOperator": "GreaterThanThreshold",
		"TreatMissingData": "notBreaching", "AlarmActions": []any{"arn:aws:sns:eu-west-1:111111111111:alarms"},
	})

	without, fn := synth(t, nil)
	assert.Len(t, fn.Alarms(), 2)
	without.ResourceCountIs("AWS::Logs::MetricFilter", 0)
}

// TestKeyAgeEventMatchesTheAuthorizer holds the metric filter's event name and field to what the
// authorizer logs (the construct can't import authz: it would link the AWS SDK into the app).
func TestKeyAgeEventMatchesTheAuthorizer(t *testing.T) {
	src, err := os.ReadFile("../../lambda/authorizer/authz/apikey.go")
	require.NoError(t, err)
	assert.Contains(t, string(src), `slog.String("event", "`+apiKeySecretLoadedEvent+`")`)
	assert.Contains(t, string(src), `slog.Float64("oldestKeyAgeDays"`)
	assert.Contains(t, string(src), `slog.String("tenant", s.tenant)`)
}
