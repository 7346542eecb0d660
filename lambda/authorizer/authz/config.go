package authz

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Environment variables read by [ConfigFromEnv].
const (
	EnvTenant           = "AUTHZ_TENANT"
	EnvIssuer           = "AUTHZ_ISSUER"
	EnvAudiences        = "AUTHZ_AUDIENCES"
	EnvJWKSURL          = "AUTHZ_JWKS_URL"
	EnvTenantClaim      = "AUTHZ_TENANT_CLAIM"
	EnvAPIKeysSecretARN = "AUTHZ_API_KEYS_SECRET_ARN"
	EnvUsageKeys        = "AUTHZ_USAGE_KEYS"
	EnvTokenCacheSize   = "AUTHZ_TOKEN_CACHE_SIZE"
	EnvRegion           = "AWS_REGION" // set by Lambda; read only with AUTHZ_USAGE_KEYS
)

// DefaultTenantClaim is the claim that holds the tenant when AUTHZ_TENANT_CLAIM is unset.
const DefaultTenantClaim = "tenant"

// Config is what an Authorizer checks credentials against.
type Config struct {
	Tenant           string   // Required. Must equal the token's tenant claim.
	Issuer           string   // Required. https URL, compared exactly with "iss".
	Audiences        []string // Required. "aud" must contain at least one.
	JWKSURL          string   // Required. https URL of the issuer's JWKS.
	TenantClaim      string   // Default: "tenant".
	APIKeysSecretARN string   // Default: none, and every API key is denied.
	// UsageKeys maps callers to API Gateway API key IDs, "<caller>=<id>,…" (see
	// [ParseUsageKeys]). Default: none, and responses carry no usageIdentifierKey.
	UsageKeys string
	Region    string // Required with UsageKeys: the API Gateway Region.
	// TokenCacheSize is how many verified tokens are remembered (see tokenCache); 0 turns the
	// cache off, at most MaxTokenCacheSize. ConfigFromEnv: AUTHZ_TOKEN_CACHE_SIZE, default
	// DefaultTokenCacheSize.
	TokenCacheSize int
}

var secretARNPattern = regexp.MustCompile(`^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+$`)

// ConfigFromEnv reads a Config from the AUTHZ_* environment variables through
// getenv (usually os.Getenv) and validates it. The error names every bad
// variable.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	var audiences []string
	for a := range strings.SplitSeq(getenv(EnvAudiences), ",") {
		if a = strings.TrimSpace(a); a != "" {
			audiences = append(audiences, a)
		}
	}
	c := Config{
		Tenant:           strings.TrimSpace(getenv(EnvTenant)),
		Issuer:           strings.TrimSpace(getenv(EnvIssuer)),
		Audiences:        audiences,
		JWKSURL:          strings.TrimSpace(getenv(EnvJWKSURL)),
		TenantClaim:      strings.TrimSpace(getenv(EnvTenantClaim)),
		APIKeysSecretARN: strings.TrimSpace(getenv(EnvAPIKeysSecretARN)),
		UsageKeys:        strings.TrimSpace(getenv(EnvUsageKeys)),
	}
	if c.UsageKeys != "" {
		c.Region = strings.TrimSpace(getenv(EnvRegion))
	}
	if c.TenantClaim == "" {
		c.TenantClaim = DefaultTenantClaim
	}
	var sizeErr error
	switch raw := strings.TrimSpace(getenv(EnvTokenCacheSize)); raw {
	case "":
		c.TokenCacheSize = DefaultTokenCacheSize
	default:
		n, err := strconv.Atoi(raw)
		if err != nil {
			sizeErr = fmt.Errorf("%s %q: want a whole number from 0 (no cache) to %d", EnvTokenCacheSize, raw, MaxTokenCacheSize)
		}
		c.TokenCacheSize = n
	}
	return c, errors.Join(sizeErr, c.Validate())
}

// Validate reports every invalid field, naming the variable and the value.
func (c Config) Validate() error {
	var errs []error
	if c.Tenant == "" {
		errs = append(errs, fmt.Errorf("%s is required", EnvTenant))
	}
	if err := checkHTTPS(c.Issuer); err != nil {
		errs = append(errs, fmt.Errorf("%s %q: %w", EnvIssuer, c.Issuer, err))
	}
	if len(c.Audiences) == 0 {
		errs = append(errs, fmt.Errorf("%s is required: a comma-separated list of audiences", EnvAudiences))
	}
	if err := checkHTTPS(c.JWKSURL); err != nil {
		errs = append(errs, fmt.Errorf("%s %q: %w", EnvJWKSURL, c.JWKSURL, err))
	}
	if c.TenantClaim == "" {
		errs = append(errs, fmt.Errorf("%s must not be empty", EnvTenantClaim))
	}
	if c.APIKeysSecretARN != "" && !secretARNPattern.MatchString(c.APIKeysSecretARN) {
		errs = append(errs, fmt.Errorf("%s %q: want a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)", EnvAPIKeysSecretARN, c.APIKeysSecretARN))
	}
	if _, err := ParseUsageKeys(c.UsageKeys); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w (want comma-separated <caller>=<API key ID>, caller * or a partner ID, * required)", EnvUsageKeys, err))
	} else if c.UsageKeys != "" && !reRegion.MatchString(c.Region) {
		errs = append(errs, fmt.Errorf("%s %q: want an AWS Region (required with %s)", EnvRegion, c.Region, EnvUsageKeys))
	}
	if c.TokenCacheSize < 0 || c.TokenCacheSize > MaxTokenCacheSize {
		errs = append(errs, fmt.Errorf("%s %d: want 0 (no cache) to %d", EnvTokenCacheSize, c.TokenCacheSize, MaxTokenCacheSize))
	}
	return errors.Join(errs...)
}

var reRegion = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)

func checkHTTPS(raw string) error {
	if raw == "" {
		return errors.New("is required")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return errors.New("want an https URL with a host and no user info")
	}
	return nil
}

// secretRegion is the region part of a validated secret ARN.
func secretRegion(arn string) string {
	parts := strings.SplitN(arn, ":", 5)
	if len(parts) < 5 {
		return ""
	}
	return parts[3]
}
