package authz

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strconv"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func validEnv() map[string]string {
	return map[string]string{
		EnvTenant:    testTenant,
		EnvIssuer:    testIssuer,
		EnvAudiences: testAudience + ", " + testAudience2 + ",",
		EnvJWKSURL:   "https://login.example.test/acme/.well-known/jwks.json",
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := validEnv()
	cfg, err := ConfigFromEnv(func(k string) string { return env[k] })
	require.NoError(t, err)
	assert.Equal(t, Config{
		Tenant:         testTenant,
		Issuer:         testIssuer,
		Audiences:      []string{testAudience, testAudience2},
		JWKSURL:        "https://login.example.test/acme/.well-known/jwks.json",
		TenantClaim:    DefaultTenantClaim,
		TokenCacheSize: DefaultTokenCacheSize,
	}, cfg)
}

func TestTokenCacheSizeFromEnv(t *testing.T) {
	for raw, want := range map[string]string{
		"0":       "",
		"1":       "",
		"1000000": "",
		"-1":      "AUTHZ_TOKEN_CACHE_SIZE -1: want 0 (no cache) to 1000000",
		"1000001": "AUTHZ_TOKEN_CACHE_SIZE 1000001: want 0 (no cache) to 1000000",
		"lots":    `AUTHZ_TOKEN_CACHE_SIZE "lots": want a whole number from 0 (no cache) to 1000000`,
	} {
		env := validEnv()
		env[EnvTokenCacheSize] = raw
		cfg, err := ConfigFromEnv(func(k string) string { return env[k] })
		if want == "" {
			require.NoError(t, err, raw)
			assert.Equal(t, raw, strconv.Itoa(cfg.TokenCacheSize))
		} else {
			assert.EqualError(t, err, want, raw)
		}
	}
}

func TestConfigFromEnvRejects(t *testing.T) {
	tests := []struct {
		name, key, value, want string
	}{
		{"missing tenant", EnvTenant, "", "AUTHZ_TENANT is required"},
		{"missing issuer", EnvIssuer, "", `AUTHZ_ISSUER "": is required`},
		{"http issuer", EnvIssuer, "http://login.example.test", `AUTHZ_ISSUER "http://login.example.test": want an https URL`},
		{"missing audiences", EnvAudiences, " , ", "AUTHZ_AUDIENCES is required"},
		{"missing JWKS URL", EnvJWKSURL, "", `AUTHZ_JWKS_URL "": is required`},
		{"http JWKS URL", EnvJWKSURL, "http://login.example.test/jwks", `AUTHZ_JWKS_URL "http://login.example.test/jwks": want an https URL`},
		{"JWKS URL with user info", EnvJWKSURL, "https://u:p@login.example.test/jwks", "AUTHZ_JWKS_URL"},
		{"bad secret ARN", EnvAPIKeysSecretARN, "arn:aws:ssm:eu-west-1:123456789012:parameter/x", `AUTHZ_API_KEYS_SECRET_ARN "arn:aws:ssm:eu-west-1:123456789012:parameter/x": want a Secrets Manager secret ARN`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := validEnv()
			env[tc.key] = tc.value
			_, err := ConfigFromEnv(func(k string) string { return env[k] })
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestConfigFromEnvReportsEveryError(t *testing.T) {
	_, err := ConfigFromEnv(func(string) string { return "" })
	require.Error(t, err)
	for _, v := range []string{EnvTenant, EnvIssuer, EnvAudiences, EnvJWKSURL} {
		assert.Contains(t, err.Error(), v)
	}
}

func TestSecretRegion(t *testing.T) {
	assert.Equal(t, "eu-west-1", secretRegion(testSecretARN))
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	_, err := New(context.Background(), Config{}, Options{})
	require.Error(t, err)
}

func TestDenyAllDeniesEverything(t *testing.T) {
	testKeys(t)
	var logs bytes.Buffer
	a := DenyAll(testTenant, slog.New(slog.NewJSONHandler(&logs, nil)), errors.New("AUTHZ_ISSUER is required"))
	assert.Contains(t, logs.String(), `"event":"config_error"`)

	f := &fixture{a: a, logs: &syncBuffer{}}
	f.a.log = slog.New(slog.NewJSONHandler(f.logs, nil))
	for name, headers := range map[string]map[string]string{
		"token":   bearer(sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-1", claims(nil))),
		"api key": {"x-api-key": partnerAKey},
		"nothing": nil,
	} {
		r := f.authorize(t, request(headers))
		require.NoError(t, r.err, name)
		assert.Equal(t, ReasonConfigError, r.reason, name)
		assert.Equal(t, "Deny", r.resp.PolicyDocument.Statement[0].Effect, name)
		assert.Equal(t, []string{testResource}, r.resp.PolicyDocument.Statement[0].Resource, name)
	}
}
