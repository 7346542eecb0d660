package authorizerfn

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/voicevault/voicevault/lambda/authorizer/authz"
)

// TestEnvironmentContractMatchesTheAuthorizer: the construct keeps its own copy of the
// authorizer's variable names (importing authz would link the AWS SDK into the CDK app), so this
// test holds the two together.
func TestEnvironmentContractMatchesTheAuthorizer(t *testing.T) {
	for ours, theirs := range map[string]string{
		EnvTenant:           authz.EnvTenant,
		EnvIssuer:           authz.EnvIssuer,
		EnvAudiences:        authz.EnvAudiences,
		EnvJWKSURL:          authz.EnvJWKSURL,
		EnvTenantClaim:      authz.EnvTenantClaim,
		EnvAPIKeysSecretARN: authz.EnvAPIKeysSecretARN,
		EnvUsageKeys:        authz.EnvUsageKeys,
		EnvTokenCacheSize:   authz.EnvTokenCacheSize,
		JWTCaller:           authz.JWTCaller,
	} {
		assert.Equal(t, theirs, ours)
	}
}
