package authz

// Reason is why a decision was taken. It is logged as "reason", and its values
// are a fixed set so that metric filters and alarms can count them.
type Reason string

// Reasons logged with each decision.
const (
	ReasonOK Reason = "ok" // allowed

	// Request shape.
	ReasonMissingCredentials   Reason = "missing_credentials" // 401
	ReasonMalformedHeader      Reason = "malformed_header"
	ReasonOversizedHeader      Reason = "oversized_header"
	ReasonAmbiguousCredentials Reason = "ambiguous_credentials" // both a token and an API key
	ReasonBadMethodARN         Reason = "bad_method_arn"

	// JWT.
	ReasonMalformedToken    Reason = "malformed_token"
	ReasonAlgNotAllowed     Reason = "alg_not_allowed"
	ReasonUnsupportedHeader Reason = "unsupported_header" // crit, a JWE, cty, or a sender-supplied key (jku, jwk, x5u, x5c)
	ReasonWrongType         Reason = "wrong_type"         // typ names another kind of JWT
	ReasonMissingKID        Reason = "missing_kid"
	ReasonUnknownKID        Reason = "unknown_kid"
	ReasonJWKSUnavailable   Reason = "jwks_unavailable" // unknown kid while the last JWKS fetch failed
	ReasonKeyMismatch       Reason = "key_mismatch"     // the JWK does not fit the token's alg
	ReasonBadSignature      Reason = "bad_signature"
	ReasonExpired           Reason = "expired"
	ReasonNotYetValid       Reason = "not_yet_valid"
	ReasonIssuedInFuture    Reason = "issued_in_future"
	ReasonMissingClaim      Reason = "missing_claim" // exp, iss or aud
	ReasonWrongIssuer       Reason = "wrong_issuer"
	ReasonWrongAudience     Reason = "wrong_audience"
	ReasonInvalidClaims     Reason = "invalid_claims" // a registered claim of the wrong type
	ReasonMissingSubject    Reason = "missing_subject"
	ReasonMissingTenant     Reason = "missing_tenant"
	ReasonWrongTenant       Reason = "wrong_tenant"

	// API keys.
	ReasonAPIKeysDisabled   Reason = "api_keys_disabled" // no secret configured
	ReasonSecretUnavailable Reason = "secret_unavailable"
	ReasonInvalidAPIKey     Reason = "invalid_api_key"

	// Usage keys (AUTHZ_USAGE_KEYS set): an otherwise allowed caller is denied.
	ReasonNoUsageKey          Reason = "no_usage_key"          // the caller has no mapping
	ReasonUsageKeyUnavailable Reason = "usage_key_unavailable" // GetApiKey failed

	// Everything else.
	ReasonConfigError   Reason = "config_error"
	ReasonInternalError Reason = "internal_error" // a recovered panic
)
