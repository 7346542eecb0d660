// Package authz is the verification logic of VoiceVault's API Gateway REQUEST
// authorizer: one tenant's REST API, one Authorizer.
//
// # Credentials
//
// A request carries exactly one of:
//
//   - "Authorization: Bearer <JWT>" from the tenant's OIDC issuer. The
//     signature is checked against the issuer's JWKS with an asymmetric
//     algorithm from a fixed allow-list (RS256/384/512, PS256/384/512,
//     ES256/384/512, EdDSA) and a key whose type (and curve) fits that
//     algorithm. The token must name a key ("kid"). "iss" must equal the
//     issuer exactly, "aud" must contain one of the audiences, "exp" is
//     required, "nbf" and "iat" are checked with 60 s of clock skew, "sub" must
//     be set, and the tenant claim must equal this API's tenant. The token is
//     parsed to the letter of RFC 7515, 7519 and 8725 (jwt.go, json.go; one
//     test per requirement in rfc_test.go): compact serialization only,
//     base64url without padding, UTF-8 JSON objects without duplicate member
//     names, "crit", "cty", JWE ("enc", "zip") and sender-supplied keys ("jku",
//     "jwk", "x5u", "x5c") refused, "typ" when set must be JWT or at+jwt, the
//     JWK's "alg", "use" and "key_ops" must allow the token's algorithm, and
//     registered claims must have their registered types.
//     A verified token is remembered (keyed by its SHA-256, at most
//     AUTHZ_TOKEN_CACHE_SIZE tokens, least recently used first out) until its
//     exp (plus skew, at most a day), and forgotten when its key leaves or
//     changes in the JWKS: a repeated token skips parsing and the signature.
//   - "x-api-key: <key>" for partners, checked against HMAC-SHA256 hashes kept
//     in a Secrets Manager secret (format below).
//
// Header names match case-insensitively. A header that appears twice, is
// longer than [MaxHeaderBytes] or is not well formed is denied before any
// parsing.
//
// # Decisions
//
//   - Allow: an IAM policy allowing execute-api:Invoke on every method of the
//     API stage ("arn:aws:execute-api:<region>:<account>:<apiId>/<stage>/*/*"),
//     so a decision cached by API Gateway for these credentials is right for
//     any method; principalId is the subject (the key ID for API keys), the
//     context holds "tenant", "sub" and "authMethod" ("jwt" or "apikey"), and
//     usageIdentifierKey is the caller's usage key (see Usage keys).
//   - No credentials: the error "Unauthorized", which API Gateway answers 401.
//   - Anything else: an explicit Deny policy (403). The authorizer fails
//     closed: an unreachable JWKS, an unreadable secret, a bad configuration
//     or a panic all deny.
//
// Every decision is logged once as JSON with a fixed [Reason]; tokens and keys
// are never logged.
//
// # Environment
//
//	AUTHZ_TENANT               required  tenant this API serves
//	AUTHZ_ISSUER               required  OIDC issuer, compared exactly with "iss"
//	AUTHZ_AUDIENCES            required  comma-separated; "aud" must contain one
//	AUTHZ_JWKS_URL             required  https URL of the issuer's JWKS
//	AUTHZ_TENANT_CLAIM         optional  claim holding the tenant; default "tenant"
//	AUTHZ_API_KEYS_SECRET_ARN  optional  Secrets Manager secret ARN; when unset,
//	                                     every API key is denied
//	AUTHZ_USAGE_KEYS           optional  comma-separated <caller>=<API key ID>; when
//	                                     set, allowed callers get a usageIdentifierKey
//	AWS_REGION                 with AUTHZ_USAGE_KEYS (Lambda sets it)
//	AUTHZ_TOKEN_CACHE_SIZE     optional  verified tokens remembered; default 4096,
//	                                     0 turns the cache off, at most 1000000
//
// An invalid configuration does not stop the function: it starts, logs the
// configuration error and denies every request (see [DenyAll]), so a bad
// deployment answers 403 rather than letting anything through.
//
// # Usage keys
//
// The REST API meters callers with usage plans: its API key source is
// AUTHORIZER and every method requires an API key, so API Gateway meters (and
// throttles, and counts against a quota) the API Gateway API key whose value
// the authorizer returns as usageIdentifierKey. Those keys are meter keys, not
// credentials: CloudFormation generates their values, nobody is given one, and
// a client's own x-api-key header is never matched against them (it is only
// ever checked here, against the HMAC hashes).
//
// AUTHZ_USAGE_KEYS maps callers to the IDs of those keys: "*" for every JWT
// caller (required) and a partner ID of the secret for each partner, e.g.
//
//	*=a1b2c3d4e5,partner-a=f6g7h8i9j0
//
// The value of a key is read with API Gateway GetApiKey (includeValue) when a
// caller first needs it and kept for the life of the process (a key's value
// never changes). An allowed caller with no mapping is denied (no_usage_key);
// a failed lookup denies (usage_key_unavailable) and is retried after a few
// seconds. Values are never logged; key IDs are. When AUTHZ_USAGE_KEYS is
// unset, responses carry no usageIdentifierKey.
//
// # API key secret
//
// The secret's SecretString is JSON:
//
//	{
//	  "pepper": "<base64 of at least 16 random bytes>",
//	  "keys": [
//	    {"id": "partner-a", "hash": "<hex of HMAC-SHA256(pepper, key)>",
//	     "created": "2026-09-01T10:00:00Z", "notAfter": "2026-12-08T10:00:00Z"},
//	    {"id": "partner-a", "hash": "<hex>", "created": "2026-12-01T10:00:00Z"}
//	  ]
//	}
//
// Write it with cmd/apikeys (issue, rotate, list, revoke), which keeps only
// hashes and prints each new key once. "id" is the partner: it becomes the
// principalId and is logged, the keys themselves never are. A partner has
// one entry per key it holds: two while a rotation's overlap runs. "created"
// (optional) dates the key for the age alarm; "notAfter" (optional) is when
// the key stops being accepted, checked against the clock on every request,
// so a rotated-out key is refused at that instant, whatever the secret cache.
// A hash may be listed once. Unknown fields are rejected, so a typo fails
// closed. The format before rotation existed (id and hash only) is still
// read: such keys never expire and are undated.
//
// The secret is cached for five minutes (so a revoked key works for up to
// five more minutes); a failed fetch denies and is retried after a few
// seconds. Each load logs "api_key_secret_loaded" with the age in days of
// the oldest key still accepted (oldestKeyAgeDays), the number of accepted
// keys and of undated ones; the tenant stack alarms on that age.
package authz
