package naming

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEveryStackNameParsesBack(t *testing.T) {
	for _, env := range []string{"prod", "eu-prod", "a"} {
		for _, tc := range []struct {
			name string
			want Stack
		}{
			{PlatformStack(env), Stack{Kind: PlatformKind, Env: env}},
			{DeliveryStack(env), Stack{Kind: DeliveryKind, Env: env}},
			{CostsStack(env), Stack{Kind: CostsKind, Env: env}},
			{TenantStack(env, "acme"), Stack{Kind: TenantKind, Env: env, Tenant: "acme"}},
			{TenantStack(env, "big-co-2"), Stack{Kind: TenantKind, Env: env, Tenant: "big-co-2"}},
		} {
			got, ok := ParseStack(tc.name)
			require.True(t, ok, tc.name)
			assert.Equal(t, tc.want, got, tc.name)
		}
	}
	for _, name := range []string{"", "prod", "-platform", "CDKToolkit-vv", "prod-tenant-", "prod-tenant-Acme"} {
		_, ok := ParseStack(name)
		assert.False(t, ok, name)
	}
}

func TestAudioBucketNamesParseBackToTheirTenant(t *testing.T) {
	e := Env{Name: "eu-prod", Account: "111122223333", Region: "eu-central-1"}
	known := func(tenants ...string) func(string) bool {
		return func(t string) bool {
			for _, k := range tenants {
				if k == t {
					return true
				}
			}
			return false
		}
	}
	for _, tenant := range []string{"acme", "big-co", "a-b-c"} {
		got, env, ok := ParseAudioBucket(e.AudioBucket(tenant), known(tenant, "acme2"))
		require.True(t, ok, tenant)
		assert.Equal(t, tenant, got)
		assert.Equal(t, e, env)
	}
	_, _, ok := ParseAudioBucket(e.AudioBucket("acme"), known("globex"))
	assert.False(t, ok, "an unknown tenant's bucket is nobody's")
	_, _, ok = ParseAudioBucket(e.AccessLogBucket(), known("access", "access-logs"))
	assert.False(t, ok, "the access-log bucket is no tenant's")
	assert.LessOrEqual(t, len(Env{Name: "abcdefghijklmnop", Account: "111122223333", Region: "ap-southeast-4"}.AudioBucket("a-tenant-name")), 63,
		"S3 bucket names are at most 63 characters (validation keeps tenant and environment names short enough)")
}

func TestDeliveryPoliciesAreToldFromOthers(t *testing.T) {
	assert.Equal(t, BoundaryKind, ParsePolicy(BoundaryPolicy("eu-prod")))
	for n := 1; n <= ExecutionPolicyCount; n++ {
		assert.Equal(t, ExecutionKind, ParsePolicy(ExecutionPolicy("eu-prod", n)))
	}
	for _, name := range []string{WorkloadRole("prod", "acme"), Prefix("prod") + "-audit-queries", "boundary", "voicevault--boundary"} {
		assert.Equal(t, OtherPolicy, ParsePolicy(name), name)
	}
}

func TestTenantNamesStayUnderTheTenantPath(t *testing.T) {
	// Key policies, IAM patterns and the access model grant a tenant "voicevault/<env>/tenant/<t>/*"
	// and "/voicevault/<env>/tenant/<t>/*": every per-tenant name must sit under them.
	for _, name := range []string{TenantKeyAlias("prod", "acme") + "/", APIKeySecret("prod", "acme"), APIAccessLogGroup("prod", "acme")[1:], AuthorizerLogGroup("prod", "acme")[1:]} {
		assert.Contains(t, name, "voicevault/prod/tenant/acme/", name)
	}
	assert.Equal(t, "/voicevault/prod/platform/vpc-id", Param("prod", ParamVPCID))
	assert.Equal(t, "voicevault-prod", Cluster("prod"))
	assert.Equal(t, "/aws/eks/voicevault-prod/cluster", ControlPlaneLogGroup(Cluster("prod")))
	assert.Equal(t, "cdk-vv-deploy-role-111122223333-eu-west-1", BootstrapRole("vv", BootstrapDeployRole, "111122223333", "eu-west-1"))
}

func TestTenantOwnsItsNamesAndNoOtherTenants(t *testing.T) {
	e := Env{Name: "prod", Account: "111122223333", Region: "eu-west-1"}
	mine := []string{"arn:aws:s3:::" + e.AudioBucket("acme") + "/voices/v1.wav", "alias/" + TenantKeyAlias("prod", "acme"), APIKeySecret("prod", "acme"),
		"arn:aws:logs:eu-west-1:111122223333:log-group:" + AuthorizerLogGroup("prod", "acme") + ":*", Namespace("acme")}
	for _, n := range mine {
		assert.True(t, TenantOwns("prod", "acme", n), n)
		assert.False(t, TenantOwns("prod", "acme2", n), n)
		assert.False(t, TenantOwns("prod", "acm", n), n)
		if n != Namespace("acme") { // a namespace is the cluster's: it carries no environment
			assert.False(t, TenantOwns("staging", "acme", n), n)
		}
	}
}
