package authz

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// MaxHeaderBytes is the longest Authorization or x-api-key value looked at.
const MaxHeaderBytes = 8 << 10

// ErrUnauthorized is returned when a request carries no credentials; API
// Gateway answers it with 401.
var ErrUnauthorized = errors.New("Unauthorized")

// Options tune an Authorizer. The zero value is what runs in Lambda.
type Options struct {
	Logger                    *slog.Logger     // Default: JSON lines on stdout.
	HTTPClient                *http.Client     // For the JWKS. Default: a client with FetchTimeout.
	Secrets                   SecretFetcher    // Default: Secrets Manager in the secret's region.
	Now                       func() time.Time // Default: time.Now.
	FetchTimeout              time.Duration    // Per JWKS or secret fetch. Default: 3 s.
	JWKSRefreshInterval       time.Duration    // Background JWKS refresh. Default: 10 min.
	UnknownKIDRefetchInterval time.Duration    // At most one unknown-kid refetch per interval. Default: 1 min.
	SecretTTL                 time.Duration    // How long the API key secret is cached. Default: 5 min.
	SecretRetryInterval       time.Duration    // Wait after a failed secret fetch. Default: 5 s.
	APIKeys                   APIKeyFetcher    // Usage key values. Default: API Gateway in Config.Region.
	UsageKeyRetryInterval     time.Duration    // Wait after a failed usage key lookup. Default: 5 s.
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewJSONHandler(os.Stdout, nil))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.FetchTimeout <= 0 {
		o.FetchTimeout = 3 * time.Second
	}
	if o.JWKSRefreshInterval <= 0 {
		o.JWKSRefreshInterval = 10 * time.Minute
	}
	if o.UnknownKIDRefetchInterval <= 0 {
		o.UnknownKIDRefetchInterval = time.Minute
	}
	if o.SecretTTL <= 0 {
		o.SecretTTL = 5 * time.Minute
	}
	if o.SecretRetryInterval <= 0 {
		o.SecretRetryInterval = 5 * time.Second
	}
	if o.UsageKeyRetryInterval <= 0 {
		o.UsageKeyRetryInterval = 5 * time.Second
	}
	return o
}

// Authorizer decides API Gateway REQUEST authorizer events for one tenant.
// It is safe for concurrent use.
type Authorizer struct {
	tenant    string
	log       *slog.Logger
	now       func() time.Time
	tokens    *tokenVerifier
	apiKeys   *apiKeyStore // nil: API keys are disabled
	usage     *usageKeys   // nil: no usageIdentifierKey in responses
	configErr error        // set: deny everything
	cancel    context.CancelFunc
}

// New validates cfg and returns an Authorizer. It fetches the JWKS once but
// does not fail if the issuer is unreachable: tokens are denied until a
// fetch succeeds. Close stops the background refresh.
func New(ctx context.Context, cfg Config, opts Options) (*Authorizer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	ctx, cancel := context.WithCancel(ctx)
	cache := newTokenCache(cfg.TokenCacheSize)
	var dropKIDs func([]string)
	if cache != nil {
		dropKIDs = cache.dropKIDs
	}
	keys, err := newJWKS(ctx, cfg.JWKSURL, opts, opts.Logger, dropKIDs)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("%s %q: %w", EnvJWKSURL, cfg.JWKSURL, err)
	}
	a := &Authorizer{
		tenant: cfg.Tenant,
		log:    opts.Logger,
		now:    opts.Now,
		tokens: newTokenVerifier(cfg, keys, opts.Now, cache),
		cancel: cancel,
	}
	if cfg.APIKeysSecretARN != "" {
		fetcher := opts.Secrets
		if fetcher == nil {
			fetcher = newSecretsManager(secretRegion(cfg.APIKeysSecretARN), "", opts.FetchTimeout)
		}
		a.apiKeys = &apiKeyStore{
			arn: cfg.APIKeysSecretARN, tenant: cfg.Tenant, fetcher: fetcher, log: opts.Logger,
			ttl: opts.SecretTTL, retry: opts.SecretRetryInterval, now: opts.Now,
		}
	}
	if ids, _ := ParseUsageKeys(cfg.UsageKeys); ids != nil { // validated above
		fetcher := opts.APIKeys
		if fetcher == nil {
			fetcher = newAPIGateway(cfg.Region, "", opts.FetchTimeout)
		}
		a.usage = newUsageKeys(ids, fetcher, opts)
	}
	return a, nil
}

// DenyAll returns an Authorizer that denies every request with reason
// config_error, for a function whose configuration is invalid: it keeps
// running, fails closed, and says why once at start.
func DenyAll(tenant string, logger *slog.Logger, cause error) *Authorizer {
	if logger == nil {
		logger = Options{}.withDefaults().Logger
	}
	if cause == nil {
		cause = errors.New("no configuration")
	}
	logger.LogAttrs(context.Background(), slog.LevelError, "invalid configuration: denying every request",
		slog.String("event", "config_error"), slog.String("reason", string(ReasonConfigError)),
		slog.String("error", cause.Error()))
	return &Authorizer{tenant: tenant, log: logger, configErr: cause, cancel: func() {}}
}

// Close stops the background JWKS refresh.
func (a *Authorizer) Close() { a.cancel() }

// decision is the outcome for one request.
type decision struct {
	reason   Reason
	method   string // "jwt" or "apikey", once known
	sub      string
	kid      string
	usageKey string // the usageIdentifierKey of an allowed caller; never logged
}

// Authorize is the Lambda handler. It never panics and fails closed: Allow
// only with ReasonOK, ErrUnauthorized when no credentials were sent, an
// explicit Deny otherwise.
func (a *Authorizer) Authorize(ctx context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (resp events.APIGatewayCustomAuthorizerResponse, err error) {
	d := decision{reason: ReasonInternalError}
	resource := "*"
	defer func() {
		if r := recover(); r != nil {
			// The panic value is not logged: it could quote the input.
			a.log.LogAttrs(ctx, slog.LevelError, "panic while authorizing",
				slog.String("event", "panic"), slog.String("panicType", fmt.Sprintf("%T", r)),
				slog.String("stack", string(debug.Stack())))
			d, resource = decision{reason: ReasonInternalError}, "*"
		}
		resp, err = a.respond(d, resource)
		a.logDecision(ctx, req, d)
	}()
	d, resource = a.decide(ctx, req)
	return resp, err
}

// decide runs every check. Its resource is the API-wide ARN to put in the
// policy, or "*" when the method ARN was not usable.
func (a *Authorizer) decide(ctx context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (decision, string) {
	resource, ok := apiResource(req)
	if !ok {
		resource = "*"
	}
	switch {
	case a.configErr != nil:
		return decision{reason: ReasonConfigError}, resource
	case !ok:
		return decision{reason: ReasonBadMethodARN}, resource
	}
	auth, r := credentialHeader(req, "authorization")
	if r != ReasonOK {
		return decision{reason: r, method: "jwt"}, resource
	}
	key, r := credentialHeader(req, "x-api-key")
	if r != ReasonOK {
		return decision{reason: r, method: "apikey"}, resource
	}
	var d decision
	switch {
	case auth != "" && key != "":
		return decision{reason: ReasonAmbiguousCredentials}, resource
	case auth != "":
		d = a.checkToken(ctx, auth)
	case key != "":
		d = a.checkAPIKey(ctx, key)
	default:
		return decision{reason: ReasonMissingCredentials}, resource
	}
	if d.reason == ReasonOK && a.usage != nil {
		a.meter(ctx, &d)
	}
	return d, resource
}

// meter gives an allowed caller its usage identifier key: "*" for JWT callers,
// the partner's key ID otherwise. A caller without one is denied: API Gateway
// would refuse the request anyway (every method requires an API key), and
// the reason is clearer here.
func (a *Authorizer) meter(ctx context.Context, d *decision) {
	caller := d.sub
	if d.method == "jwt" {
		caller = JWTCaller
	}
	v, err := a.usage.value(ctx, caller)
	switch {
	case errors.Is(err, errNoUsageKey):
		d.reason = ReasonNoUsageKey
	case err != nil:
		d.reason = ReasonUsageKeyUnavailable
	default:
		d.usageKey = v
	}
}

func (a *Authorizer) checkToken(ctx context.Context, header string) decision {
	d := decision{method: "jwt"}
	tok, ok := bearerToken(header)
	if !ok {
		d.reason = ReasonMalformedHeader
		return d
	}
	d.sub, d.kid, d.reason = a.tokens.verify(ctx, tok)
	return d
}

func (a *Authorizer) checkAPIKey(ctx context.Context, key string) decision {
	d := decision{method: "apikey"}
	switch {
	case a.apiKeys == nil:
		d.reason = ReasonAPIKeysDisabled
	case !validAPIKey(key):
		d.reason = ReasonMalformedHeader
	default:
		set, err := a.apiKeys.get(ctx)
		if err != nil {
			d.reason = ReasonSecretUnavailable
			return d
		}
		id, ok := set.match(key, a.now())
		if !ok {
			d.reason = ReasonInvalidAPIKey
			return d
		}
		d.sub, d.reason = id, ReasonOK
	}
	return d
}

func (a *Authorizer) respond(d decision, resource string) (events.APIGatewayCustomAuthorizerResponse, error) {
	switch d.reason {
	case ReasonOK:
		return events.APIGatewayCustomAuthorizerResponse{
			PrincipalID:        d.sub,
			PolicyDocument:     policy("Allow", resource),
			UsageIdentifierKey: d.usageKey,
			Context: map[string]any{
				"tenant":     a.tenant,
				"sub":        d.sub,
				"authMethod": d.method,
			},
		}, nil
	case ReasonMissingCredentials:
		return events.APIGatewayCustomAuthorizerResponse{}, ErrUnauthorized
	}
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID:    "anonymous",
		PolicyDocument: policy("Deny", resource),
	}, nil
}

func policy(effect, resource string) events.APIGatewayCustomAuthorizerPolicy {
	return events.APIGatewayCustomAuthorizerPolicy{
		Version: "2012-10-17",
		Statement: []events.IAMPolicyStatement{{
			Action:   []string{"execute-api:Invoke"},
			Effect:   effect,
			Resource: []string{resource},
		}},
	}
}

func (a *Authorizer) logDecision(ctx context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest, d decision) {
	outcome, level := "deny", slog.LevelWarn
	switch d.reason {
	case ReasonOK:
		outcome, level = "allow", slog.LevelInfo
	case ReasonMissingCredentials:
		outcome = "unauthorized"
	case ReasonConfigError, ReasonInternalError, ReasonJWKSUnavailable, ReasonSecretUnavailable,
		ReasonNoUsageKey, ReasonUsageKeyUnavailable:
		level = slog.LevelError
	}
	attrs := []slog.Attr{
		slog.String("decision", outcome),
		slog.String("reason", string(d.reason)),
		slog.String("tenant", a.tenant),
		slog.String("authMethod", d.method),
		slog.String("sub", truncate(d.sub)),
		slog.String("kid", truncate(d.kid)),
		slog.String("requestId", truncate(req.RequestContext.RequestID)),
		slog.String("apiId", truncate(req.RequestContext.APIID)),
		slog.String("sourceIp", truncate(req.RequestContext.Identity.SourceIP)),
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		attrs = append(attrs, slog.String("lambdaRequestId", lc.AwsRequestID))
	}
	a.log.LogAttrs(ctx, level, "authorization decision", attrs...)
}

// truncate bounds client-controlled strings in the log.
func truncate(s string) string {
	const maxLogged = 128
	if len(s) > maxLogged {
		return s[:maxLogged] + "…"
	}
	return s
}

// credentialHeader returns the value of the named header, matched
// case-insensitively across headers and multiValueHeaders. An absent or blank
// header is "", ReasonOK; one sent twice, or too long, is a rejection.
func credentialHeader(req events.APIGatewayCustomAuthorizerRequestTypeRequest, name string) (string, Reason) {
	var value, multi string
	n, m := 0, 0
	for k, v := range req.Headers {
		if strings.EqualFold(k, name) {
			value, n = v, n+1
		}
	}
	for k, vs := range req.MultiValueHeaders {
		if strings.EqualFold(k, name) {
			for _, v := range vs {
				multi, m = v, m+1
			}
		}
	}
	switch {
	case n > 1 || m > 1 || (n == 1 && m == 1 && value != multi):
		return "", ReasonMalformedHeader
	case n == 0:
		value = multi
	}
	if len(value) > MaxHeaderBytes {
		return "", ReasonOversizedHeader
	}
	return strings.TrimSpace(value), ReasonOK
}

// bearerToken extracts a compact JWS from "Bearer <token>": three base64url
// segments, nothing else.
func bearerToken(v string) (string, bool) {
	scheme, tok, ok := strings.Cut(v, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimLeft(tok, " ")
	dots := 0
	for i := 0; i < len(tok); i++ {
		switch c := tok[i]; {
		case c == '.':
			dots++
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return "", false
		}
	}
	return tok, dots == 2
}

// apiResource turns a method ARN
// (arn:aws:execute-api:<region>:<account>:<apiId>/<stage>/<verb>/<path>)
// into the ARN of every method of that API stage, so that a cached policy
// is right for any method. The API and stage must agree with the request
// context when it names them.
func apiResource(req events.APIGatewayCustomAuthorizerRequestTypeRequest) (string, bool) {
	// strings.Cut rather than SplitN: no allocation on the path of every decision.
	var p [6]string
	rest := req.MethodArn
	for i := range 5 {
		var ok bool
		if p[i], rest, ok = strings.Cut(rest, ":"); !ok {
			return "", false
		}
	}
	p[5] = rest
	if p[0] != "arn" || !strings.HasPrefix(p[1], "aws") || p[2] != "execute-api" ||
		!isName(p[1]) || !isName(p[3]) || len(p[4]) != 12 || !isDigits(p[4]) {
		return "", false
	}
	apiID, rest, ok1 := strings.Cut(p[5], "/")
	stage, rest, ok2 := strings.Cut(rest, "/")
	verb, _, _ := strings.Cut(rest, "/")
	if !ok1 || !ok2 || !isName(apiID) || !isName(stage) || verb == "" {
		return "", false
	}
	rc := req.RequestContext
	if (rc.APIID != "" && rc.APIID != apiID) || (rc.Stage != "" && rc.Stage != stage) {
		return "", false
	}
	return "arn:" + p[1] + ":execute-api:" + p[3] + ":" + p[4] + ":" + apiID + "/" + stage + "/*/*", true
}

// isName reports whether s is a non-empty run of letters, digits, '-' and '_'.
func isName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return s != ""
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
