// Package authorizerfn is a tenant's API Gateway Lambda authorizer function: the Go binary of
// lambda/authorizer built at synth time with the local Go toolchain (no Docker) into a
// provided.al2023 arm64 function, its encrypted log group, a role that can write only that log
// group, read only its own API key secret and read only its own usage plans' meter keys, and
// alarms on errors and throttles.
//
// The function runs outside the VPC on purpose: it fetches the tenant's JWKS from the issuer over
// the internet, and the environment's VPC has no internet egress by default. It reaches nothing
// private.
package authorizerfn

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/voicevault/voicevault/constructs/defaults"
	"github.com/voicevault/voicevault/constructs/gocode"
)

// Environment variables of the authorizer (the contract of lambda/authorizer/authz).
const (
	EnvTenant           = "AUTHZ_TENANT"
	EnvIssuer           = "AUTHZ_ISSUER"
	EnvAudiences        = "AUTHZ_AUDIENCES"
	EnvJWKSURL          = "AUTHZ_JWKS_URL"
	EnvTenantClaim      = "AUTHZ_TENANT_CLAIM"
	EnvAPIKeysSecretARN = "AUTHZ_API_KEYS_SECRET_ARN"
	EnvUsageKeys        = "AUTHZ_USAGE_KEYS"
	EnvTokenCacheSize   = "AUTHZ_TOKEN_CACHE_SIZE" // not set by this construct: the authorizer's default (4096) fits 256 MiB
)

// JWTCaller is the caller of the meter key returned for every JWT caller.
const JWTCaller = "*"

// UsageKey is a meter key the authorizer returns as usageIdentifierKey for one caller.
type UsageKey struct {
	Caller string                // Required. JWTCaller, or a partner's key ID in the API key secret.
	Key    awsapigateway.IApiKey // Required. An API Gateway API key of a usage plan on the tenant's stage.
}

// Defaults.
const (
	DefaultTimeoutSeconds      = 5   // the authorizer's own JWKS/secret fetches time out after 3 s
	DefaultMemoryMiB           = 256 // signature checks are CPU-bound; Lambda CPU scales with memory
	DefaultReservedConcurrency = 5   // see Props.ReservedConcurrency
	DefaultLogRetentionDays    = 365
	DefaultAPIKeyMaxAgeDays    = 90
)

// Key age metric: a metric filter on the authorizer's log turns the "api_key_secret_loaded" line
// (logged each time the authorizer loads the API key secret) into this metric.
const (
	MetricNamespace         = "VoiceVault/Authorizer"
	MetricOldestAPIKeyAge   = "OldestAPIKeyAgeDays"
	apiKeySecretLoadedEvent = "api_key_secret_loaded"
)

// Props configures a tenant's authorizer function.
type Props struct {
	Environment string // Required. Environment name, for descriptions.
	Tenant      string // Required. The tenant this API serves (AUTHZ_TENANT).
	// Name prefixes the alarms' names (naming.TenantPrefix). Required.
	Name string
	// LogGroupName is the function's log group (naming.AuthorizerLogGroup). Required.
	LogGroupName string
	// SecretName is the API key secret's name (naming.APIKeySecret). Required with API keys.
	SecretName string
	// Key is the tenant CMK: it encrypts the log group (the key must let CloudWatch Logs use it
	// for LogGroupName: defaults.AllowCloudWatchLogs, once per key) and the API key secret. Required.
	Key         awskms.IKey
	Issuer      string   // Required. AUTHZ_ISSUER.
	Audiences   []string // Required. AUTHZ_AUDIENCES, joined with commas.
	JWKSURL     string   // Required. AUTHZ_JWKS_URL.
	TenantClaim string   // Default: the authorizer's default ("tenant"); AUTHZ_TENANT_CLAIM is then unset.
	// APIKeys creates a Secrets Manager secret for the partner API key hashes, readable by this
	// function only, and passes its ARN as AUTHZ_API_KEYS_SECRET_ARN. Default: false (no secret;
	// the authorizer then denies every x-api-key).
	APIKeys bool
	// APIKeyMaxAgeDays is the threshold of the key age alarm (with APIKeys): it fires when the
	// oldest partner key the authorizer still accepts is older. Default: DefaultAPIKeyMaxAgeDays.
	APIKeyMaxAgeDays int
	// SecretWriters may encrypt the API key secret through Secrets Manager (create it, write new
	// hashes): the CloudFormation execution role. Default: nobody but the operators.
	SecretWriters []string
	// SecretOperators may read and write the API key secret through Secrets Manager (an operator
	// adds a partner's hash to the list): role ARNs. Default: nobody.
	SecretOperators []string
	// ReservedConcurrency caps (and reserves) the function's concurrency, so one tenant's flood
	// can't starve the other tenants' authorizers of the account's Lambda concurrency. Default:
	// DefaultReservedConcurrency. The account must keep 100 unreserved: 200 tenants at 5 need an
	// account concurrency of at least 1,100 (the default quota is 1,000).
	ReservedConcurrency int
	TimeoutSeconds      int           // Default: DefaultTimeoutSeconds.
	MemoryMiB           int           // Default: DefaultMemoryMiB.
	LogRetentionDays    int           // Default: DefaultLogRetentionDays.
	DisableTracing      bool          // Default: false (X-Ray active tracing on).
	AlarmTopic          awssns.ITopic // Default: none (alarms are created without actions).
	Source              gocode.Source // Default: DefaultPackage in this repository.
}

// AuthorizerFn is the authorizer function and what it owns.
type AuthorizerFn interface {
	constructs.Construct
	Function() awslambda.Function
	Role() awsiam.Role
	Policy() awsiam.ManagedPolicy // the role's only policy
	LogGroup() awslogs.LogGroup
	Secret() awssecretsmanager.Secret // nil without APIKeys
	Alarms() []awscloudwatch.Alarm
	// AssetHash is the hash of the function's code asset (see gocode.Source.Hash).
	AssetHash() string
	// UseUsageKeys makes the function return each caller's meter key as usageIdentifierKey: it sets
	// AUTHZ_USAGE_KEYS and lets the role read exactly these keys (apigateway:GET on each key's
	// ARN; GetApiKey with includeValue). Call it once, with a JWTCaller entry.
	UseUsageKeys(keys []UsageKey)
	UsageKeys() []UsageKey // nil until UseUsageKeys
}

type authorizerFn struct {
	constructs.Construct
	fn        awslambda.Function
	role      awsiam.Role
	policy    awsiam.ManagedPolicy
	logs      awslogs.LogGroup
	secret    awssecretsmanager.Secret
	alarms    []awscloudwatch.Alarm
	assetHash string
	usageKeys []UsageKey
}

func (a *authorizerFn) Function() awslambda.Function     { return a.fn }
func (a *authorizerFn) Role() awsiam.Role                { return a.role }
func (a *authorizerFn) Policy() awsiam.ManagedPolicy     { return a.policy }
func (a *authorizerFn) LogGroup() awslogs.LogGroup       { return a.logs }
func (a *authorizerFn) Secret() awssecretsmanager.Secret { return a.secret }
func (a *authorizerFn) Alarms() []awscloudwatch.Alarm    { return a.alarms }
func (a *authorizerFn) AssetHash() string                { return a.assetHash }
func (a *authorizerFn) UsageKeys() []UsageKey            { return a.usageKeys }

func (a *authorizerFn) UseUsageKeys(keys []UsageKey) {
	if a.usageKeys != nil {
		panic(fmt.Errorf("authorizer function %q: usage keys are already set", *a.Node().Id()))
	}
	seen := map[string]bool{}
	entries := make([]string, len(keys))
	arns := make([]string, len(keys))
	for i, k := range keys {
		if k.Caller == "" || k.Key == nil || seen[k.Caller] || strings.ContainsAny(k.Caller, ",=") {
			panic(fmt.Errorf("authorizer function %q: usage key %d: caller %q must be unique, with a key", *a.Node().Id(), i, k.Caller))
		}
		seen[k.Caller] = true
		entries[i] = k.Caller + "=" + *k.Key.KeyId()
		arns[i] = *k.Key.KeyArn() // arn:<partition>:apigateway:<region>::/apikeys/<id>
	}
	if !seen[JWTCaller] {
		panic(fmt.Errorf("authorizer function %q: usage keys need a %q entry for JWT callers", *a.Node().Id(), JWTCaller))
	}
	a.usageKeys = append([]UsageKey(nil), keys...)
	a.fn.AddEnvironment(jsii.String(EnvUsageKeys), jsii.String(strings.Join(entries, ",")), nil)
	a.policy.AddStatements(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ReadOwnMeterKeys"),
		Actions:   jsii.Strings("apigateway:GET"),
		Resources: jsii.Strings(arns...),
	}))
}

// DefaultPackage is the authorizer's main package, relative to the module root.
const DefaultPackage = "./lambda/authorizer"

func (p Props) withDefaults() Props {
	if p.Source.Package == "" {
		p.Source.Package = DefaultPackage
	}
	if p.ReservedConcurrency == 0 {
		p.ReservedConcurrency = DefaultReservedConcurrency
	}
	if p.TimeoutSeconds == 0 {
		p.TimeoutSeconds = DefaultTimeoutSeconds
	}
	if p.MemoryMiB == 0 {
		p.MemoryMiB = DefaultMemoryMiB
	}
	if p.LogRetentionDays == 0 {
		p.LogRetentionDays = DefaultLogRetentionDays
	}
	if p.APIKeyMaxAgeDays == 0 {
		p.APIKeyMaxAgeDays = DefaultAPIKeyMaxAgeDays
	}
	return p
}

func (p Props) validate() error {
	switch {
	case p.Environment == "" || p.Tenant == "" || p.Name == "" || p.LogGroupName == "":
		return fmt.Errorf("environment, tenant, name and log group name are required")
	case p.Key == nil:
		return fmt.Errorf("key is required")
	case p.APIKeys && p.SecretName == "":
		return fmt.Errorf("secret name is required with api keys")
	case p.Issuer == "" || p.JWKSURL == "" || len(p.Audiences) == 0:
		return fmt.Errorf("issuer, audiences and jwks url are required")
	case p.ReservedConcurrency < 1:
		return fmt.Errorf("reserved concurrency %d must be at least 1", p.ReservedConcurrency)
	case p.TimeoutSeconds < 1 || p.TimeoutSeconds > 30:
		return fmt.Errorf("timeout %d s is out of range (1 to 30: API Gateway waits 29 s at most)", p.TimeoutSeconds)
	}
	for _, a := range p.Audiences {
		if strings.Contains(a, ",") {
			return fmt.Errorf("audience %q contains a comma (the list is comma-separated)", a)
		}
	}
	return nil
}

// New creates the authorizer function of one tenant.
func New(scope constructs.Construct, id string, props Props) AuthorizerFn {
	p := props.withDefaults()
	if err := p.validate(); err != nil {
		panic(fmt.Errorf("authorizer function %q: %w", id, err)) // config errors are caught earlier, in config.Validate
	}
	code, hash, err := p.Source.Code()
	if err != nil {
		panic(fmt.Errorf("authorizer function %q: %w", id, err))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	a := &authorizerFn{Construct: c, assetHash: hash}
	stack := awscdk.Stack_Of(c)

	a.logs = defaults.LogGroup(c, "Logs", defaults.LogGroupProps{Name: p.LogGroupName, Key: p.Key, RetentionDays: p.LogRetentionDays})

	// The role can write its own log group and nothing else; no AWSLambdaBasicExecutionRole
	// (which allows every log group of the account). Its permissions are one customer-managed
	// policy (no inline policies); the function gets the role without policy updates, so the CDK
	// adds nothing behind it.
	a.role = awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("VoiceVault " + p.Environment + " tenant " + p.Tenant + " API authorizer"),
	})
	statements := []awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("WriteOwnLogs"),
		Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
		Resources: jsii.Strings(*a.logs.LogGroupArn()), // the group's ARN attribute (…:log-group:<name>:*) covers its streams
	})}
	if !p.DisableTracing {
		statements = append(statements, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("WriteTraces"),
			Actions:   jsii.Strings("xray:PutTraceSegments", "xray:PutTelemetryRecords"),
			Resources: jsii.Strings("*"), // X-Ray has no resource-level permissions for these
		}))
	}

	env := map[string]*string{
		EnvTenant:    jsii.String(p.Tenant),
		EnvIssuer:    jsii.String(p.Issuer),
		EnvAudiences: jsii.String(strings.Join(p.Audiences, ",")),
		EnvJWKSURL:   jsii.String(p.JWKSURL),
	}
	if p.TenantClaim != "" {
		env[EnvTenantClaim] = jsii.String(p.TenantClaim)
	}
	if p.APIKeys {
		a.secret = newAPIKeySecret(c, stack, p, a.role)
		env[EnvAPIKeysSecretARN] = a.secret.SecretArn()
		statements = append(statements, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("ReadOwnAPIKeySecret"),
			Actions:   jsii.Strings("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"),
			Resources: jsii.Strings(*a.secret.SecretArn()),
		}))
	}
	a.policy = awsiam.NewManagedPolicy(c, jsii.String("Policy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("VoiceVault " + p.Environment + " tenant " + p.Tenant + " API authorizer: its own logs and traces, and where configured its own API key secret and usage-plan meter keys"),
		Statements:  &statements,
		Roles:       &[]awsiam.IRole{a.role},
	})

	tracing := awslambda.Tracing_ACTIVE
	if p.DisableTracing {
		tracing = awslambda.Tracing_DISABLED
	}
	a.fn = awslambda.NewFunction(c, jsii.String("Function"), &awslambda.FunctionProps{
		Description:                  jsii.String("VoiceVault API authorizer for tenant " + p.Tenant + " (" + p.Environment + ")"),
		Runtime:                      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:                 awslambda.Architecture_ARM_64(),
		Handler:                      jsii.String("bootstrap"),
		Code:                         code,
		Role:                         a.role.WithoutPolicyUpdates(nil),
		LogGroup:                     a.logs,
		LoggingFormat:                awslambda.LoggingFormat_JSON,
		Timeout:                      awscdk.Duration_Seconds(jsii.Number(float64(p.TimeoutSeconds))),
		MemorySize:                   jsii.Number(float64(p.MemoryMiB)),
		ReservedConcurrentExecutions: jsii.Number(float64(p.ReservedConcurrency)),
		Tracing:                      tracing,
		Environment:                  &env,
	})

	a.fn.Node().AddDependency(a.policy)

	a.alarms = []awscloudwatch.Alarm{
		alarm(c, "ErrorsAlarm", p, "authorizer-errors", "the authorizer function failed (errors are denials: callers get 500/403)",
			a.fn.MetricErrors(&awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: jsii.String("Sum")})),
		alarm(c, "ThrottlesAlarm", p, "authorizer-throttles", "the authorizer hit its reserved concurrency (callers get 500)",
			a.fn.MetricThrottles(&awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: jsii.String("Sum")})),
	}
	if p.APIKeys {
		a.alarms = append(a.alarms, keyAgeAlarm(c, p, a.logs))
	}
	return a
}

// keyAgeAlarm alarms when the oldest partner key still accepted is older than APIKeyMaxAgeDays.
// Secrets Manager publishes no age metric, and partner keys can't be rotated by a function (the
// partner must receive the new key), so the authorizer reports the age it sees: each time it
// loads the secret (at most every five minutes while partners call) it logs oldestKeyAgeDays,
// and this metric filter makes it a metric (CloudWatch Logs metric filters can take a value from
// a JSON field: "Creating metrics from log events using filters", Amazon CloudWatch Logs User
// Guide). No partner calls, no data: the alarm stays OK (an unused key is not at work).
func keyAgeAlarm(c constructs.Construct, p Props, logs awslogs.LogGroup) awscloudwatch.Alarm {
	awslogs.NewMetricFilter(c, jsii.String("APIKeyAgeMetric"), &awslogs.MetricFilterProps{
		LogGroup:        logs,
		FilterPattern:   awslogs.FilterPattern_StringValue(jsii.String("$.event"), jsii.String("="), jsii.String(apiKeySecretLoadedEvent)),
		MetricNamespace: jsii.String(MetricNamespace),
		MetricName:      jsii.String(MetricOldestAPIKeyAge),
		MetricValue:     jsii.String("$.oldestKeyAgeDays"),
		Dimensions:      &map[string]*string{"Tenant": jsii.String("$.tenant")},
		Unit:            awscloudwatch.Unit_COUNT,
	})
	metric := awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:     jsii.String(MetricNamespace),
		MetricName:    jsii.String(MetricOldestAPIKeyAge),
		DimensionsMap: &map[string]*string{"Tenant": jsii.String(p.Tenant)},
		Statistic:     jsii.String("Maximum"),
		Period:        awscdk.Duration_Hours(jsii.Number(6)),
		Unit:          awscloudwatch.Unit_COUNT,
	})
	return defaults.Alarm(c, "APIKeyAgeAlarm", defaults.AlarmProps{
		Name: p.Name + "-api-key-age",
		Description: fmt.Sprintf("Tenant %s: a partner API key the authorizer accepts is older than %d days; rotate it with go run ./cmd/apikeys -tenant %s rotate -partner <id>",
			p.Tenant, p.APIKeyMaxAgeDays, p.Tenant),
		Metric:     metric,
		Threshold:  float64(p.APIKeyMaxAgeDays),
		Comparison: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		Topic:      p.AlarmTopic,
	})
}

// newAPIKeySecret creates the secret holding the partner API key hashes (format: package
// lambda/authorizer/authz). CloudFormation generates its pepper at deployment (44 characters
// from [A-Za-z0-9], which is valid base64 of 33 bytes) with an empty key list, so every API key
// is denied until an operator adds hashes. The value never appears in the template.
func newAPIKeySecret(c constructs.Construct, stack awscdk.Stack, p Props, role awsiam.Role) awssecretsmanager.Secret {
	name := p.SecretName
	secret := awssecretsmanager.NewSecret(c, jsii.String("APIKeys"), &awssecretsmanager.SecretProps{
		SecretName:  jsii.String(name),
		Description: jsii.String("VoiceVault tenant " + p.Tenant + ": HMAC-SHA256 hashes of partner API keys and their pepper"),
		// By ARN, so the Secret construct does not add its own key statements (for every secret
		// of the account through Secrets Manager): the two below are scoped to this secret.
		EncryptionKey: awskms.Key_FromKeyArn(c, jsii.String("SecretKey"), p.Key.KeyArn()),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			SecretStringTemplate: jsii.String(`{"keys":[]}`),
			GenerateStringKey:    jsii.String("pepper"),
			PasswordLength:       jsii.Number(44),
			ExcludePunctuation:   jsii.Bool(true),
			IncludeSpace:         jsii.Bool(false),
		},
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE,
	})

	// The key policy admits nobody by default (kmskey), and an IAM grant alone can't open it: the
	// key itself lets Secrets Manager use it for this secret, for the authorizer (read: granted to
	// the role by name, so its IAM policy needs no KMS statement) and for the account's authorized
	// principals named in SecretWriters (CloudFormation creating it) and SecretOperators (adding
	// hashes). Scoped to this secret by its ARN in the encryption context.
	secretARNs := fmt.Sprintf("arn:%s:secretsmanager:%s:%s:secret:%s-*", *stack.Partition(), *stack.Region(), *stack.Account(), name)
	viaSecretsManager := map[string]interface{}{
		"StringEquals": map[string]interface{}{"kms:ViaService": "secretsmanager." + *stack.Region() + ".amazonaws.com"},
		"StringLike":   map[string]interface{}{"kms:EncryptionContext:SecretARN": secretARNs},
	}
	p.Key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AuthorizerReadsItsAPIKeySecret"),
		Principals: &[]awsiam.IPrincipal{role},
		Actions:    jsii.Strings("kms:Decrypt"),
		Resources:  jsii.Strings("*"),
		Conditions: &viaSecretsManager,
	}), jsii.Bool(false))
	// The account's principals by ARN (aws:PrincipalArn), not the account as a whole: the writers
	// encrypt, the operators also decrypt. Named in a condition, not as principals, so a role that
	// does not exist yet doesn't make KMS reject the policy.
	for _, g := range []struct {
		sid     string
		arns    []string
		actions []string
	}{
		{"DeployerWritesAPIKeySecretThroughSecretsManager", p.SecretWriters, []string{"kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"}},
		{"OperatorsManageAPIKeySecretThroughSecretsManager", p.SecretOperators, []string{"kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"}},
	} {
		if len(g.arns) == 0 {
			continue
		}
		p.Key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String(g.sid),
			Principals: &[]awsiam.IPrincipal{awsiam.NewAccountRootPrincipal()},
			Actions:    jsii.Strings(g.actions...),
			Resources:  jsii.Strings("*"),
			Conditions: &map[string]interface{}{
				"StringEquals": map[string]interface{}{"kms:ViaService": "secretsmanager." + *stack.Region() + ".amazonaws.com"},
				"StringLike":   map[string]interface{}{"kms:EncryptionContext:SecretARN": secretARNs},
				"ArnEquals":    map[string]interface{}{"aws:PrincipalArn": g.arns},
			},
		}), jsii.Bool(false))
	}
	return secret
}

func alarm(scope constructs.Construct, id string, p Props, suffix, what string, metric awscloudwatch.IMetric) awscloudwatch.Alarm {
	return defaults.Alarm(scope, id, defaults.AlarmProps{
		Name:        p.Name + "-" + suffix,
		Description: "Tenant " + p.Tenant + ": " + what,
		Metric:      metric,
		Threshold:   1,
		Topic:       p.AlarmTopic,
	})
}
