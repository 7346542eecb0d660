// Package apiedge is a tenant's API front door: a regional REST API with the TTS routes, JSON
// schema request validation on every method, the tenant's Lambda REQUEST authorizer on every
// method, a private integration to the tenant's Service through the environment's shared VPC
// link and internal load balancer, a stage with JSON access logs, execution logs (errors only,
// no data trace), X-Ray and throttling, an optional custom domain, and alarms.
//
// Account-level CloudWatch role: API Gateway writes logs with one role per account and Region
// (AWS::ApiGateway::Account). RestApi's cloudWatchRole would create that singleton in every
// tenant stack, each overwriting the others and deleting it with any of them, so the APIs here
// set cloudWatchRole false and the platform stack sets the role once per environment.
//
// Usage plans meter keys, not credentials. The API's key source is AUTHORIZER and every method
// requires an API key, so API Gateway throttles and counts each request against the usage plan of
// the API Gateway API key whose value the authorizer returns as usageIdentifierKey, and never looks
// at a client's x-api-key header for that (the authorizer alone checks it, against HMAC hashes).
// The API Gateway keys here are meter keys: CloudFormation generates their values (the template
// has none), nobody is given one, and knowing one gets a caller nothing. There is one plan and key
// for all of the tenant's interactive (JWT) callers and one per partner, each associated with this
// API's stage only; the authorizer maps a caller to its key ID (authorizerfn.UsageKey) and reads
// the value at run time. Partner keys themselves are never stored in API Gateway.
package apiedge

import (
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/voicevault/voicevault/constructs/defaults"
)

// StageName is the name of every tenant API's single stage.
const StageName = "live"

// BackendPathPrefix is the prefix every request reaches the backend with, in front of its route's
// path: API Gateway puts the stage in front of the path of every private integration (API Gateway
// developer guide, "Private integrations for REST APIs": "if you request the test stage of an
// API, API Gateway includes test/path in the request to your private integration"). The ingress
// rule matches it and strips it (tenantroute.Props.ArrivalPrefix), so pods serve Routes as written.
const BackendPathPrefix = "/" + StageName

// BackendPath is the path a request for route reaches the load balancer with (path parameters
// left as {name}).
func BackendPath(route Route) string { return BackendPathPrefix + route.Path }

// Headers the integration sets for the backend. The values are static or come from the
// authorizer's decision; a client's own header of the same name is replaced.
const (
	HeaderSubject    = "X-VoiceVault-Subject"     // the authorizer's principalId (token sub, or API key ID)
	HeaderAuthMethod = "X-VoiceVault-Auth-Method" // jwt or apikey
)

// Limits of the request models.
const (
	MaxSynthesisTextChars = 5000
	MaxVoiceNameChars     = 100
	MaxDescriptionChars   = 500
	MaxAudioUploadBytes   = 50 * 1024 * 1024 // reference audio, uploaded to S3 with a presigned URL
)

// InteractiveCaller is the caller name of the tenant's interactive (JWT) callers' meter key, as
// the authorizer's AUTHZ_USAGE_KEYS names it.
const InteractiveCaller = "*"

// Defaults.
const (
	DefaultLogRetentionDays     = 365
	DefaultLatencyP99Millis     = 10000 // synthesis is synchronous up to API Gateway's 29 s
	DefaultServerErrorRate      = 0.05  // share of requests answered 5XX in 5 minutes
	DefaultIntegrationTimeoutMs = 29000
)

// Backend is where the integration sends requests: the shared ingress.
type Backend struct {
	VPCLinkID string // Required. The environment's VPC link (V2).
	// LoadBalancerARN is the shared internal load balancer: the integration target. For a REST
	// API private integration through a VPC link V2 the target is the load balancer's ARN, not a
	// listener's (API Gateway developer guide, "Set up a private integration": put-integration
	// --integration-target arn:...:loadbalancer/app/...). Required.
	LoadBalancerARN string
	// URL is scheme and host of the listener, e.g. https://ingress.prod.example.com or
	// http://<internal ALB DNS name>; API Gateway sends the host as Host (and SNI). Required.
	URL          string
	TenantHeader string // Required. Set to the tenant's name on every request (ingress.TenantHeader).
}

// Plan is a usage plan's throttle and optional quota.
type Plan struct {
	RateLimit  int    // Default: the stage's RateLimit. At most that.
	BurstLimit int    // Default: the stage's BurstLimit. At most that.
	Quota      *Quota // Default: none (throttled, not capped).
}

// Quota caps a usage plan's requests per period.
type Quota struct {
	Limit  int                  // Required. At least 1.
	Period awsapigateway.Period // Required.
}

// Partner is a partner caller: its ID in the authorizer's API key secret and its own plan.
type Partner struct {
	ID   string // Required. Unique.
	Plan Plan
}

// Meter is one usage plan and the meter key it counts: the API Gateway API key whose value the
// authorizer returns for Caller.
type Meter struct {
	Caller string // InteractiveCaller or a partner ID.
	Plan   awsapigateway.UsagePlan
	Key    awsapigateway.ApiKey
}

// CustomDomain puts the API behind the tenant's own host name.
type CustomDomain struct {
	DomainName     string // Required.
	CertificateARN string // Required. ACM, in the stack's Region.
}

// Props configures a tenant's API.
type Props struct {
	Environment string // Required. For descriptions.
	Tenant      string // Required.
	// Name is the REST API's name and the prefix of its usage plans' and alarms' names
	// (naming.TenantPrefix). Required.
	Name string
	// AccessLogGroupName is the access log group's name (naming.APIAccessLogGroup). Required.
	AccessLogGroupName string
	// Key is the tenant CMK for the access and execution log groups; it must let CloudWatch Logs
	// use it for AccessLogGroupName and ExecutionLogs' name (defaults.AllowCloudWatchLogs). Required.
	Key        awskms.IKey
	Authorizer awslambda.IFunction
	// AuthorizerCacheTTLSeconds caches the authorizer's decision per Authorization header. 0 turns
	// the cache off. Default: 0.
	AuthorizerCacheTTLSeconds int
	// APIKeys says callers may send x-api-key instead of Authorization. The authorizer then has no
	// identity source (every request reaches it, and it answers 401 when both are missing) and no
	// cache, because API Gateway answers 401 without calling the authorizer whenever a listed
	// identity source is missing, and a cache keyed on Authorization alone would reuse a decision
	// for a different x-api-key. Default: false (identity source: the Authorization header).
	APIKeys    bool
	RateLimit  int // Required. Stage steady-state requests per second.
	BurstLimit int // Required.
	// Interactive is the usage plan of every interactive (JWT) caller, metered together by one key.
	// Default: the stage's throttle, no quota.
	Interactive Plan
	// Partners each get a usage plan and meter key of their own. Required (at least one) with
	// APIKeys, not allowed without it: a partner key without a plan would be refused.
	Partners         []Partner
	Backend          Backend
	CustomDomain     *CustomDomain // Default: none (the execute-api endpoint only).
	LogRetentionDays int           // Default: DefaultLogRetentionDays.
	AlarmTopic       awssns.ITopic // Default: none (alarms without actions).
	LatencyP99Millis int           // Default: DefaultLatencyP99Millis.
	ServerErrorRate  float64       // Default: DefaultServerErrorRate.
}

// APIEdge is a tenant's REST API and what it owns.
type APIEdge interface {
	constructs.Construct
	RestAPI() awsapigateway.RestApi
	Stage() awsapigateway.Stage
	// StageARN is the ARN of the stage, for a WAF association (which must depend on Stage()).
	StageARN() string
	Authorizer() awsapigateway.RequestAuthorizer
	AccessLogs() awslogs.LogGroup
	ExecutionLogs() awslogs.LogGroup
	// ExecutionLogGroupName is the execution log group's name, built from the API's ID (not a
	// reference to the group: the key policy naming it must not depend on the group).
	ExecutionLogGroupName() string
	DomainName() awsapigateway.DomainName // nil without a custom domain
	Methods() []awsapigateway.Method
	Alarms() []awscloudwatch.Alarm
	// Meters are the usage plans and their meter keys: the interactive callers' first, then one
	// per partner in Props order.
	Meters() []Meter
}

type apiEdge struct {
	constructs.Construct
	api      awsapigateway.RestApi
	authz    awsapigateway.RequestAuthorizer
	access   awslogs.LogGroup
	exec     awslogs.LogGroup
	execName string
	domain   awsapigateway.DomainName
	methods  []awsapigateway.Method
	alarms   []awscloudwatch.Alarm
	meters   []Meter
}

func (a *apiEdge) RestAPI() awsapigateway.RestApi              { return a.api }
func (a *apiEdge) Stage() awsapigateway.Stage                  { return a.api.DeploymentStage() }
func (a *apiEdge) StageARN() string                            { return *a.api.DeploymentStage().StageArn() }
func (a *apiEdge) Authorizer() awsapigateway.RequestAuthorizer { return a.authz }
func (a *apiEdge) AccessLogs() awslogs.LogGroup                { return a.access }
func (a *apiEdge) ExecutionLogs() awslogs.LogGroup             { return a.exec }
func (a *apiEdge) ExecutionLogGroupName() string               { return a.execName }
func (a *apiEdge) DomainName() awsapigateway.DomainName        { return a.domain }
func (a *apiEdge) Methods() []awsapigateway.Method             { return a.methods }
func (a *apiEdge) Alarms() []awscloudwatch.Alarm               { return a.alarms }
func (a *apiEdge) Meters() []Meter                             { return a.meters }

func (p Props) withDefaults() Props {
	if p.LogRetentionDays == 0 {
		p.LogRetentionDays = DefaultLogRetentionDays
	}
	if p.LatencyP99Millis == 0 {
		p.LatencyP99Millis = DefaultLatencyP99Millis
	}
	if p.ServerErrorRate == 0 {
		p.ServerErrorRate = DefaultServerErrorRate
	}
	p.Interactive = p.Interactive.withDefaults(p)
	partners := make([]Partner, len(p.Partners))
	for i, pt := range p.Partners {
		partners[i] = Partner{ID: pt.ID, Plan: pt.Plan.withDefaults(p)}
	}
	p.Partners = partners
	return p
}

func (pl Plan) withDefaults(p Props) Plan {
	if pl.RateLimit == 0 {
		pl.RateLimit = p.RateLimit
	}
	if pl.BurstLimit == 0 {
		pl.BurstLimit = p.BurstLimit
	}
	return pl
}

func (pl Plan) validate(p Props, who string) error {
	switch q := pl.Quota; {
	case pl.RateLimit < 1 || pl.RateLimit > p.RateLimit || pl.BurstLimit < 1 || pl.BurstLimit > p.BurstLimit:
		return fmt.Errorf("%s plan rate %d and burst %d must be between 1 and the stage's %d and %d", who, pl.RateLimit, pl.BurstLimit, p.RateLimit, p.BurstLimit)
	case q != nil && (q.Limit < 1 || q.Period == ""):
		return fmt.Errorf("%s plan quota %d per %q needs a positive limit and a period", who, q.Limit, q.Period)
	}
	return nil
}

func (p Props) validate() error {
	b := p.Backend
	switch {
	case p.Environment == "" || p.Tenant == "" || p.Name == "" || p.AccessLogGroupName == "" || p.Key == nil || p.Authorizer == nil:
		return fmt.Errorf("environment, tenant, name, access log group name, key and authorizer are required")
	case b.VPCLinkID == "" || b.LoadBalancerARN == "" || b.URL == "" || b.TenantHeader == "":
		return fmt.Errorf("backend vpc link, listener, url and tenant header are required")
	case !strings.HasPrefix(b.URL, "http://") && !strings.HasPrefix(b.URL, "https://"):
		return fmt.Errorf("backend url %q must start with http:// or https://", b.URL)
	case p.APIKeys && p.AuthorizerCacheTTLSeconds != 0:
		return fmt.Errorf("authorizer cache ttl %d s can't be used with api keys (allowed: 0)", p.AuthorizerCacheTTLSeconds)
	case p.AuthorizerCacheTTLSeconds < 0 || p.AuthorizerCacheTTLSeconds > 3600:
		return fmt.Errorf("authorizer cache ttl %d s is out of range (0 to 3600)", p.AuthorizerCacheTTLSeconds)
	case p.RateLimit < 1 || p.BurstLimit < 1:
		return fmt.Errorf("rate limit %d and burst limit %d must be positive", p.RateLimit, p.BurstLimit)
	case p.APIKeys && len(p.Partners) == 0:
		return fmt.Errorf("api keys need at least one partner (a partner key without a usage plan is refused)")
	case !p.APIKeys && len(p.Partners) > 0:
		return fmt.Errorf("%d partners need api keys", len(p.Partners))
	}
	if err := p.Interactive.validate(p, "interactive"); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, pt := range p.Partners {
		if pt.ID == "" || pt.ID == InteractiveCaller || seen[pt.ID] {
			return fmt.Errorf("partner id %q must be unique and not empty or %q", pt.ID, InteractiveCaller)
		}
		seen[pt.ID] = true
		if err := pt.Plan.validate(p, "partner "+pt.ID); err != nil {
			return err
		}
	}
	return nil
}

// RESTAPISecurityPolicy is the TLS policy of every REST API and custom domain: TLS 1.3 and 1.2
// with forward-secret, post-quantum-capable key exchange only ("Security policies for REST APIs
// in API Gateway", Amazon API Gateway Developer Guide).
const RESTAPISecurityPolicy = "SecurityPolicy_" + string(awsapigateway.SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09)

// New creates the tenant's API.
func New(scope constructs.Construct, id string, props Props) APIEdge {
	p := props.withDefaults()
	if err := p.validate(); err != nil {
		panic(fmt.Errorf("api %q: %w", id, err)) // config errors are caught earlier, in config.Validate
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	a := &apiEdge{Construct: c}
	a.addAPI(c, p)
	a.addAuthorizer(c, p)
	a.addRoutes(c, p)
	if d := p.CustomDomain; d != nil {
		a.domain = a.api.AddDomainName(jsii.String("Domain"), &awsapigateway.DomainNameOptions{
			DomainName:         jsii.String(d.DomainName),
			Certificate:        awscertificatemanager.Certificate_FromCertificateArn(c, jsii.String("Certificate"), jsii.String(d.CertificateARN)),
			EndpointType:       awsapigateway.EndpointType_REGIONAL,
			SecurityPolicy:     awsapigateway.SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09,
			EndpointAccessMode: awsapigateway.EndpointAccessMode_STRICT,
		})
	}
	a.meters = append(a.meters, a.meter(c, p, "Interactive", InteractiveCaller, p.Name+"-interactive",
		"interactive (JWT) callers of tenant "+p.Tenant, p.Interactive))
	for _, pt := range p.Partners {
		a.meters = append(a.meters, a.meter(c, p, "Partner-"+pt.ID, pt.ID, p.Name+"-partner-"+pt.ID,
			"partner "+pt.ID+" of tenant "+p.Tenant, pt.Plan))
	}
	a.addAlarms(p)
	return a
}

// addAPI adds the REST API, its stage and both log groups: access logs in the JSON format of
// AccessLogFormat, execution logs (errors only, never bodies) in the group API Gateway would
// otherwise create unencrypted.
func (a *apiEdge) addAPI(c constructs.Construct, p Props) {
	name := p.Name
	a.access = defaults.LogGroup(c, "AccessLogs", defaults.LogGroupProps{Name: p.AccessLogGroupName, Key: p.Key, RetentionDays: p.LogRetentionDays})

	a.api = awsapigateway.NewRestApi(c, jsii.String("API"), &awsapigateway.RestApiProps{
		RestApiName:    jsii.String(name),
		Description:    jsii.String("VoiceVault TTS API of tenant " + p.Tenant + " (" + p.Environment + ")"),
		EndpointTypes:  &[]awsapigateway.EndpointType{awsapigateway.EndpointType_REGIONAL},
		CloudWatchRole: jsii.Bool(false), // the platform stack sets the account's role once
		// Usage plans meter the key the authorizer returns, never a client's x-api-key header.
		ApiKeySourceType:          awsapigateway.ApiKeySourceType_AUTHORIZER,
		DisableExecuteApiEndpoint: jsii.Bool(p.CustomDomain != nil),
		DeployOptions: &awsapigateway.StageOptions{
			StageName:            jsii.String(StageName),
			Description:          jsii.String("VoiceVault " + p.Tenant),
			AccessLogDestination: awsapigateway.NewLogGroupLogDestination(a.access),
			AccessLogFormat:      awsapigateway.AccessLogFormat_Custom(jsii.String(AccessLogFormat())),
			TracingEnabled:       jsii.Bool(true),
			LoggingLevel:         awsapigateway.MethodLoggingLevel_ERROR,
			DataTraceEnabled:     jsii.Bool(false), // never log request or response bodies (voice data, tokens)
			MetricsEnabled:       jsii.Bool(true),
			ThrottlingRateLimit:  jsii.Number(float64(p.RateLimit)),
			ThrottlingBurstLimit: jsii.Number(float64(p.BurstLimit)),
		},
	})

	// TLS 1.3/1.2 on the API's own (execute-api) endpoint too, not only on a custom domain: the
	// L2 RestApi of CDK v2.270.0 has no SecurityPolicy / EndpointAccessMode props, so they are set
	// on the L1 (AWS::ApiGateway::RestApi, 2025). An enhanced policy needs an access mode; STRICT
	// makes API Gateway check that the request's endpoint type and SNI host match the API's.
	cfnAPI := a.api.Node().DefaultChild().(awsapigateway.CfnRestApi)
	cfnAPI.SetSecurityPolicy(jsii.String(RESTAPISecurityPolicy))
	cfnAPI.SetEndpointAccessMode(jsii.String(string(awsapigateway.EndpointAccessMode_STRICT)))

	// API Gateway writes execution logs to this group, creating it unencrypted and without
	// retention if it does not exist. Created here first, encrypted with the tenant key; the
	// account's logging role (platform stack) cannot create log groups at all.
	execName := "API-Gateway-Execution-Logs_" + *a.api.RestApiId() + "/" + StageName
	a.execName = execName
	a.exec = defaults.LogGroup(c, "ExecutionLogs", defaults.LogGroupProps{Name: execName, Key: p.Key, RetentionDays: p.LogRetentionDays})
	a.api.DeploymentStage().Node().AddDependency(a.exec)
}

// addAuthorizer adds the request authorizer: the Authorization header is its identity source,
// or none with API keys (the authorizer reads x-api-key itself).
func (a *apiEdge) addAuthorizer(c constructs.Construct, p Props) {
	identity := []*string{awsapigateway.IdentitySource_Header(jsii.String("Authorization"))}
	if p.APIKeys {
		identity = []*string{}
	}
	a.authz = awsapigateway.NewRequestAuthorizer(c, jsii.String("Authorizer"), &awsapigateway.RequestAuthorizerProps{
		AuthorizerName:  jsii.String(p.Name + "-authorizer"),
		Handler:         p.Authorizer,
		IdentitySources: &identity,
		ResultsCacheTtl: awscdk.Duration_Seconds(jsii.Number(float64(p.AuthorizerCacheTTLSeconds))),
	})
	if len(identity) == 0 {
		// The L2 renders an empty list as "", which is not "no identity source".
		a.authz.Node().DefaultChild().(awsapigateway.CfnAuthorizer).AddPropertyDeletionOverride(jsii.String("IdentitySource"))
	}
}

// addRoutes adds a method per route of Routes: authorized, validated, metered and integrated
// through the VPC link with the shared load balancer.
func (a *apiEdge) addRoutes(c constructs.Construct, p Props) {
	validator := a.api.AddRequestValidator(jsii.String("Validator"), &awsapigateway.RequestValidatorOptions{
		RequestValidatorName:      jsii.String(p.Name + "-body-and-params"),
		ValidateRequestBody:       jsii.Bool(true),
		ValidateRequestParameters: jsii.Bool(true),
	})
	models := map[string]awsapigateway.Model{}
	for _, m := range Models() {
		models[m.Name] = a.api.AddModel(jsii.String(m.Name), &awsapigateway.ModelOptions{
			ModelName:   jsii.String(m.Name),
			ContentType: jsii.String("application/json"),
			Description: jsii.String(m.Description),
			Schema:      m.Schema,
		})
	}

	link := awsapigateway.VpcLink_FromVpcLinkId(c, jsii.String("VPCLink"), jsii.String(p.Backend.VPCLinkID))
	resources := map[string]awsapigateway.IResource{"/": a.api.Root()}
	var resource func(path string) awsapigateway.IResource
	resource = func(path string) awsapigateway.IResource {
		if r, ok := resources[path]; ok {
			return r
		}
		i := strings.LastIndex(path, "/")
		parentPath := path[:i]
		if parentPath == "" {
			parentPath = "/"
		}
		r := resource(parentPath).AddResource(jsii.String(path[i+1:]), nil)
		resources[path] = r
		return r
	}

	for _, rt := range Routes() {
		params := map[string]*string{
			"integration.request.header." + p.Backend.TenantHeader: jsii.String("'" + p.Tenant + "'"),
			"integration.request.header." + HeaderSubject:          jsii.String("context.authorizer.principalId"),
			"integration.request.header." + HeaderAuthMethod:       jsii.String("context.authorizer.authMethod"),
		}
		methodParams := map[string]*bool{}
		for _, pp := range rt.PathParams() {
			params["integration.request.path."+pp] = jsii.String("method.request.path." + pp)
			methodParams["method.request.path."+pp] = jsii.Bool(true)
		}
		for _, q := range rt.Query {
			params["integration.request.querystring."+q] = jsii.String("method.request.querystring." + q)
			methodParams["method.request.querystring."+q] = jsii.Bool(false)
		}
		opts := &awsapigateway.MethodOptions{
			OperationName:     jsii.String(rt.Operation),
			AuthorizationType: awsapigateway.AuthorizationType_CUSTOM,
			Authorizer:        a.authz,
			RequestValidator:  validator,
			RequestParameters: &methodParams,
			// Every request is metered by a usage plan: the authorizer's usageIdentifierKey must be
			// a meter key of one of this stage's plans, or API Gateway answers 403.
			ApiKeyRequired: jsii.Bool(true),
		}
		if rt.Model != "" {
			opts.RequestModels = &map[string]awsapigateway.IModel{"application/json": models[rt.Model]}
			methodParams["method.request.header.Content-Type"] = jsii.Bool(true)
		}
		integration := awsapigateway.NewIntegration(&awsapigateway.IntegrationProps{
			Type:                  awsapigateway.IntegrationType_HTTP_PROXY,
			IntegrationHttpMethod: jsii.String(rt.Method),
			Uri:                   jsii.String(strings.TrimRight(p.Backend.URL, "/") + rt.Path),
			Options: &awsapigateway.IntegrationOptions{
				ConnectionType:    awsapigateway.ConnectionType_VPC_LINK,
				VpcLink:           link,
				RequestParameters: &params,
				Timeout:           awscdk.Duration_Millis(jsii.Number(DefaultIntegrationTimeoutMs)),
			},
		})
		m := resource(rt.Path).AddMethod(jsii.String(rt.Method), integration, opts)
		// The L2 integration has no IntegrationTarget (VPC link V2): set it on the L1 method.
		m.Node().DefaultChild().(awsapigateway.CfnMethod).AddPropertyOverride(jsii.String("Integration.IntegrationTarget"), jsii.String(p.Backend.LoadBalancerARN))
		a.methods = append(a.methods, m)
	}
}

// addAlarms adds the API's alarms: the 5XX rate and the p99 latency.
func (a *apiEdge) addAlarms(p Props) {
	stage := a.api.DeploymentStage()
	period := awscdk.Duration_Minutes(jsii.Number(5))
	a.alarms = []awscloudwatch.Alarm{
		a.alarm("ServerErrorRateAlarm", p, "api-5xx-rate", fmt.Sprintf("more than %.0f%% of requests answered 5XX", p.ServerErrorRate*100),
			stage.MetricServerError(&awscloudwatch.MetricOptions{Statistic: jsii.String("Average"), Period: period}), p.ServerErrorRate),
		a.alarm("LatencyP99Alarm", p, "api-latency-p99", fmt.Sprintf("p99 latency above %d ms", p.LatencyP99Millis),
			stage.MetricLatency(&awscloudwatch.MetricOptions{Statistic: jsii.String("p99"), Period: period}), float64(p.LatencyP99Millis)),
	}
}

// meter creates a usage plan on this API's stage and its meter key. The key has no value in the
// template: API Gateway generates one, which only the authorizer reads (GetApiKey) and returns.
func (a *apiEdge) meter(c constructs.Construct, p Props, id, caller, name, who string, pl Plan) Meter {
	props := &awsapigateway.UsagePlanProps{
		Name:        jsii.String(name),
		Description: jsii.String("VoiceVault usage plan of the " + who + " (" + p.Environment + ")"),
		ApiStages:   &[]*awsapigateway.UsagePlanPerApiStage{{Api: a.api, Stage: a.api.DeploymentStage()}},
		Throttle: &awsapigateway.ThrottleSettings{
			RateLimit:  jsii.Number(float64(pl.RateLimit)),
			BurstLimit: jsii.Number(float64(pl.BurstLimit)),
		},
	}
	if q := pl.Quota; q != nil {
		props.Quota = &awsapigateway.QuotaSettings{Limit: jsii.Number(float64(q.Limit)), Period: q.Period}
	}
	plan := a.api.AddUsagePlan(jsii.String(id+"Plan"), props)
	key := awsapigateway.NewApiKey(c, jsii.String(id+"MeterKey"), &awsapigateway.ApiKeyProps{
		ApiKeyName:  jsii.String(name),
		Description: jsii.String("VoiceVault meter key of the " + who + ": a usage identifier only the authorizer returns, never a credential"),
		Enabled:     jsii.Bool(true),
	})
	plan.AddApiKey(key, nil)
	return Meter{Caller: caller, Plan: plan, Key: key}
}

func (a *apiEdge) alarm(id string, p Props, suffix, what string, metric awscloudwatch.IMetric, threshold float64) awscloudwatch.Alarm {
	return defaults.Alarm(a.Construct, id, defaults.AlarmProps{
		Name:              p.Name + "-" + suffix,
		Description:       "Tenant " + p.Tenant + " API: " + what + " in 2 of the last 3 five-minute periods",
		Metric:            metric,
		Threshold:         threshold,
		EvaluationPeriods: 3,
		DatapointsToAlarm: 2,
		Comparison:        awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		Topic:             p.AlarmTopic,
	})
}

// AccessLogFormat is the stage's access log line: one JSON object, every value quoted (an absent
// value is "-", which would not be valid JSON unquoted). No header, token or body is logged.
func AccessLogFormat() string {
	fields := map[string]string{
		"requestId": "$context.requestId", "extendedRequestId": "$context.extendedRequestId",
		"requestTime": "$context.requestTimeEpoch", "ip": "$context.identity.sourceIp",
		"userAgent": "$context.identity.userAgent", "httpMethod": "$context.httpMethod",
		"resourcePath": "$context.resourcePath", "protocol": "$context.protocol", "domainName": "$context.domainName",
		"status": "$context.status", "responseLength": "$context.responseLength",
		"responseLatency": "$context.responseLatency", "integrationStatus": "$context.integration.status",
		"integrationLatency": "$context.integration.latency", "integrationError": "$context.integration.error",
		"principalId": "$context.authorizer.principalId", "authMethod": "$context.authorizer.authMethod",
		"authorizerStatus": "$context.authorizer.status", "authorizerLatency": "$context.authorizer.latency",
		"authorizerError": "$context.authorizer.error", "wafStatus": "$context.waf.status",
		"wafError": "$context.waf.error", "errorMessage": "$context.error.message",
		"errorType": "$context.error.responseType", "xrayTraceId": "$context.xrayTraceId",
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%q:\"%s\"", k, fields[k])
	}
	return "{" + strings.Join(parts, ",") + "}"
}
