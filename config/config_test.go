package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/voicevault/voicevault/naming"
)

const digest = "@sha256:4c1f0a3e2b8d9c7f6e5d4c3b2a19081726354a5b6c7d8e9f0a1b2c3d4e5f6a7b"

// base is the smallest valid file: every optional field omitted.
const base = `
environments:
  - name: prod
    account: "111111111111"
    region: eu-west-1
    owner: platform@example.com
    availabilityZones: [eu-west-1a, eu-west-1b, eu-west-1c]
    clusterAdminRoleArns: [arn:aws:iam::111111111111:role/Admin]
    alarmEmail: secops@example.com
    ingress: {certificateArn: "arn:aws:acm:eu-west-1:111111111111:certificate/0a1b2c3d", hostName: ingress.example.com}
tenants:
  - name: acme
    owner: acme@example.com
    environment: prod
    model:
      image: 111111111111.dkr.ecr.eu-west-1.amazonaws.com/voicevault/prod/tts` + digest + `
    authorizer:
      issuer: https://issuer.example.com
      audiences: [voice]
      jwksUrl: https://issuer.example.com/jwks.json
`

func TestExampleConfigIsValid(t *testing.T) {
	c, err := Load(filepath.Join("example.yaml"))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(c.Tenants), 3)
	var pooled, dedicated int
	for _, tn := range c.Tenants {
		switch tn.Isolation {
		case IsolationPooled:
			pooled++
		case IsolationDedicated:
			dedicated++
		}
	}
	assert.GreaterOrEqual(t, pooled, 2)
	assert.GreaterOrEqual(t, dedicated, 1)
	for _, e := range c.Environments {
		assert.NotNil(t, e.Deployment.GitHub, "%s: the example deploys every environment from GitHub Actions", e.Name)
	}
}

func TestDefaultsAreAppliedInOnePlace(t *testing.T) {
	c, err := Parse("base.yaml", []byte(base))
	require.NoError(t, err)
	e, tn := c.Environments[0], c.Tenants[0]
	assert.Equal(t, 3, e.AZCount, "the number of zones listed")
	assert.Equal(t, []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}, e.AZs)
	assert.Equal(t, DefaultVPCCIDR, e.VPCCIDR)
	assert.Equal(t, DefaultKubernetesVersion, e.KubernetesVersion)
	assert.Equal(t, EgressNone, e.Egress)
	assert.Equal(t, DefaultGPUNodes.InstanceTypes, e.GPUNodes.InstanceTypes)
	assert.Equal(t, 2, *e.GPUNodes.DesiredSize)
	assert.Equal(t, DefaultLogRetentionDays, e.LogRetentionDays)
	assert.True(t, Enabled(e.Services.GuardDuty))
	assert.True(t, Enabled(e.Deployment.TerminationProtection))
	assert.Equal(t, 90, tn.AudioRetentionDays)
	assert.Equal(t, IsolationPooled, tn.Isolation)
	assert.Equal(t, "biometric", tn.DataSensitivity)
	assert.Equal(t, "tenant", tn.Authorizer.TenantClaim)
	assert.Equal(t, 300, *tn.Authorizer.CacheTTLSeconds)
	assert.Equal(t, DefaultWAFRateLimit, tn.WAF.RateLimit)
	assert.Equal(t, 8080, tn.Model.Port)
	assert.Equal(t, "", c.Environments[0].DedicatedTo())
	assert.True(t, e.Ingress.TLS(), "the smallest valid file has an HTTPS ingress: HTTP needs plainHttp")
	assert.Equal(t, DerivedListenerPriority("acme"), tn.API.ListenerPriority)
}

func TestAPIKeysTurnTheAuthorizerCacheOff(t *testing.T) {
	c, err := Parse("x.yaml", []byte(strings.Replace(base, "      audiences: [voice]", "      audiences: [voice]\n      apiKeys: true\n      partners: [{id: partner-a}]", 1)))
	require.NoError(t, err)
	assert.Equal(t, 0, *c.Tenants[0].Authorizer.CacheTTLSeconds)
}

func TestUsagePlansDefaultToTheStageThrottle(t *testing.T) {
	src := strings.Replace(base, "      audiences: [voice]", "      audiences: [voice]\n      apiKeys: true\n      partners: [{id: partner-a}, {id: partner-b, rateLimit: 5, quota: {limit: 10000, period: MONTH}}]", 1)
	src = strings.Replace(src, "    environment: prod", "    environment: prod\n    api: {rateLimit: 40, burstLimit: 80}", 1)
	c, err := Parse("x.yaml", []byte(src))
	require.NoError(t, err)
	tn := c.Tenants[0]
	assert.Equal(t, UsagePlan{RateLimit: 40, BurstLimit: 80}, tn.API.Usage, "interactive callers: the stage's throttle, no quota")
	assert.Equal(t, []Partner{
		{ID: "partner-a", RateLimit: 40, BurstLimit: 80},
		{ID: "partner-b", RateLimit: 5, BurstLimit: 80, Quota: &Quota{Limit: 10000, Period: QuotaMonth}},
	}, tn.Authorizer.Partners)
}

func TestDerivedListenerPriorityIsStableAndInRange(t *testing.T) {
	assert.Equal(t, DerivedListenerPriority("acme"), DerivedListenerPriority("acme"))
	assert.NotEqual(t, DerivedListenerPriority("acme"), DerivedListenerPriority("globex"))
	for _, name := range []string{"a", "acme", "globex", "initech", strings.Repeat("z", MaxTenantNameLen)} {
		p := DerivedListenerPriority(name)
		assert.True(t, p >= 1 && p <= MaxListenerPriority, "%s: %d", name, p)
	}
}

func TestListenerPriorityCollisionIsReported(t *testing.T) {
	second := "  - name: beta\n    owner: x@example.com\n    environment: prod\n    api: {listenerPriority: 7}\n    model: {image: 111111111111.dkr.ecr.eu-west-1.amazonaws.com/voicevault/prod/tts" + digest + "}\n    authorizer: {issuer: https://i.example.com, audiences: [a], jwksUrl: https://i.example.com/k}\n"
	src := strings.Replace(base, "    environment: prod", "    environment: prod\n    api: {listenerPriority: 7}", 1) + second
	_, err := Parse("x.yaml", []byte(src))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `tenants[1].api.listenerPriority: 7 is already tenant "acme"'s rule priority in environment "prod"; set api.listenerPriority (1 to 50000) on one of them`)

	// The same priority in two environments is fine: each has its own listener.
	other := strings.Replace(src, "tenants:", "  - name: dev\n    account: \"222222222222\"\n    region: eu-west-1\n    owner: o\n    availabilityZones: [eu-west-1a, eu-west-1b]\n    clusterAdminRoleArns: [arn:aws:iam::222222222222:role/Admin]\n    alarmEmail: a@example.com\n    ingress: {plainHttp: true}\ntenants:", 1)
	other = strings.Replace(other, "    environment: prod\n    api: {listenerPriority: 7}\n    model: {image: 111111111111.dkr.ecr.eu-west-1.amazonaws.com/voicevault/prod/tts", "    environment: dev\n    api: {listenerPriority: 7}\n    model: {image: 222222222222.dkr.ecr.eu-west-1.amazonaws.com/voicevault/dev/tts", 1)
	_, err = Parse("x.yaml", []byte(other))
	require.NoError(t, err)
}

func TestIngressWithCertificateIsTLS(t *testing.T) {
	c, err := Parse("x.yaml", []byte(base))
	require.NoError(t, err)
	assert.True(t, c.Environments[0].Ingress.TLS())
	c, err = Parse("x.yaml", []byte(strings.Replace(base, `ingress: {certificateArn: "arn:aws:acm:eu-west-1:111111111111:certificate/0a1b2c3d", hostName: ingress.example.com}`, "ingress: {plainHttp: true}", 1)))
	require.NoError(t, err)
	assert.False(t, c.Environments[0].Ingress.TLS(), "plainHttp: HTTP inside the VPC")
}

func TestDeliveryDefaults(t *testing.T) {
	c, err := Parse("base.yaml", []byte(base))
	require.NoError(t, err)
	d := c.Environments[0].Deployment
	assert.Equal(t, DefaultQualifier, d.Qualifier)
	assert.Nil(t, d.GitHub, "no github: no delivery stack")

	c, err = Parse("x.yaml", []byte(strings.Replace(base, "    alarmEmail: secops@example.com", "    alarmEmail: secops@example.com\n    deployment: {github: {repository: acme/voice}}", 1)))
	require.NoError(t, err)
	gh := c.Environments[0].Deployment.GitHub
	require.NotNil(t, gh)
	assert.Equal(t, "prod", gh.Environment, "GitHub environment defaults to the environment's name")
	assert.Equal(t, DefaultGitHubBranch, gh.Branch)
	assert.False(t, gh.ExistingOIDCProvider)
}

func TestSecondEnvironmentInAnAccountAndRegionWithItsSingletonsOff(t *testing.T) {
	second := "  - name: stage\n    account: \"111111111111\"\n    region: eu-west-1\n    owner: o\n    availabilityZones: [eu-west-1a, eu-west-1b]\n" +
		"    clusterAdminRoleArns: [arn:aws:iam::111111111111:role/Admin]\n    alarmEmail: a@example.com\n    ingress: {plainHttp: true}\n    deployment: {qualifier: stage}\n" +
		"    services: {guardDuty: false, securityHub: false, config: false, macie: false, accessAnalyzer: false}\ntenants:"
	_, err := Parse("two.yaml", []byte(strings.Replace(base, "tenants:", second, 1)))
	require.NoError(t, err, "one account and Region, each singleton created once")
}

func TestSecondEnvironmentInAnAccountMayReuseTheOIDCProvider(t *testing.T) {
	second := "    deployment: {github: {repository: acme/voice}}\n  - name: stage\n    account: \"111111111111\"\n    region: eu-west-1\n    owner: o\n    availabilityZones: [eu-west-1a, eu-west-1b]\n    clusterAdminRoleArns: [arn:aws:iam::111111111111:role/Admin]\n    alarmEmail: a@example.com\n    ingress: {plainHttp: true}\n    deployment: {qualifier: vvstage, github: {repository: acme/voice, existingOidcProvider: true}}\n" +
		"    services: {guardDuty: false, securityHub: false, config: false, macie: false, accessAnalyzer: false}\ntenants:"
	_, err := Parse("x.yaml", []byte(strings.Replace(base, "tenants:", second, 1)))
	require.NoError(t, err)
}

func TestDeliveryNames(t *testing.T) {
	e := &Environment{Name: "prod", Account: "111111111111", Region: "eu-west-1", Deployment: Deployment{Qualifier: "vvault"}}
	assert.Equal(t, "cdk-vvault-deploy-role-111111111111-eu-west-1", BootstrapRoleName(e, naming.BootstrapDeployRole))
	assert.Equal(t, "arn:aws:iam::111111111111:policy/voicevault-prod-cfn-execution", e.IAMARN("policy/"+naming.ExecutionPolicy("prod", 1)))
	assert.Equal(t, "voicevault-prod-cfn-execution-2", naming.ExecutionPolicy("prod", 2))
	assert.Equal(t, "voicevault-prod-boundary", naming.BoundaryPolicy("prod"))
	assert.Equal(t, "prod-delivery", naming.DeliveryStack("prod"))
	for region, want := range map[string]string{"eu-west-1": "aws", "cn-north-1": "aws-cn", "us-gov-west-1": "aws-us-gov"} {
		assert.Equal(t, want, (&Environment{Region: region}).Partition(), region)
	}
	// The longest bootstrap role name stays within IAM's 64 characters.
	long := &Environment{Account: "111111111111", Region: "ap-southeast-3", Deployment: Deployment{Qualifier: strings.Repeat("q", 10)}}
	assert.LessOrEqual(t, len(BootstrapRoleName(long, naming.BootstrapImagePublishingRole)), 64)
}

func TestExplicitZeroCacheTTLIsKept(t *testing.T) {
	c, err := Parse("x.yaml", []byte(strings.Replace(base, "      audiences: [voice]", "      audiences: [voice]\n      cacheTtlSeconds: 0", 1)))
	require.NoError(t, err)
	assert.Equal(t, 0, *c.Tenants[0].Authorizer.CacheTTLSeconds)
}

func TestDedicatedEnvironmentIsMarked(t *testing.T) {
	c, err := Parse("x.yaml", []byte(strings.Replace(base, "    environment: prod", "    environment: prod\n    isolation: dedicated", 1)))
	require.NoError(t, err)
	assert.Equal(t, "acme", c.Environments[0].DedicatedTo())
}

// edit is one change to base and the message it must produce.
type edit struct {
	name     string
	old, new string // replace old with new in base ("" old: append new)
	want     string // substring of the error: field path, value, what is allowed
}

func TestInvalidConfigNamesFieldValueAndAllowed(t *testing.T) {
	cases := []edit{
		{"unknown field", "    owner: acme@example.com", "    owner: acme@example.com\n    colour: blue", `tenants[0].colour: unknown field "colour" (allowed:`},
		{"unknown nested field", "      audiences: [voice]", "      audiences: [voice]\n      audience: voice", `tenants[0].authorizer.audience: unknown field "audience"`},
		{"unknown top-level field", "", "stacks: []\n", `stacks: unknown field "stacks" (allowed: environments, tenants)`},
		{"duplicated field", "    owner: acme@example.com", "    owner: acme@example.com\n    owner: b@example.com", `tenants[0].owner`},
		{"mapping where list belongs", "    clusterAdminRoleArns: [arn:aws:iam::111111111111:role/Admin]", "    clusterAdminRoleArns: {a: b}", "environments[0].clusterAdminRoleArns: expected a list, got a mapping"},
		{"text where number belongs", "    owner: acme@example.com", "    owner: acme@example.com\n    audioRetentionDays: ninety", `tenants[0].audioRetentionDays: "ninety" is not a whole number`},
		{"word where boolean belongs", "      audiences: [voice]", "      audiences: [voice]\n      apiKeys: maybe", `tenants[0].authorizer.apiKeys: "maybe" is not true or false`},
		{"duplicated tenant", "", "  - name: acme\n    owner: x@example.com\n    environment: prod\n    model: {image: 111111111111.dkr.ecr.eu-west-1.amazonaws.com/voicevault/prod/tts" + digest + "}\n    authorizer: {issuer: https://i.example.com, audiences: [a], jwksUrl: https://i.example.com/k}\n", `tenants[1].name: "acme" is already the name of tenants[0]`},
		{"invalid tenant name", "  - name: acme", "  - name: Acme_Corp", `tenants[0].name: "Acme_Corp" is not a DNS-1123 label of at most 20 characters`},
		{"tenant name too long", "  - name: acme", "  - name: acme-corporation-voice-lab", `is not a DNS-1123 label of at most 20`},
		{"missing tenant name", "  - name: acme\n", "  - owner2: x\n", `unknown field "owner2"`},
		{"bad account id", `account: "111111111111"`, `account: "1234"`, `environments[0].account: "1234" is not an AWS account ID (12 digits`},
		{"bad region", "region: eu-west-1", "region: europe", `environments[0].region: "europe" is not an AWS region name`},
		{"environment name too long", "  - name: prod\n", "  - name: production-eu\n", `environments[0].name: "production-eu" is not a DNS-1123 label of at most 10`},
		{"environment name read as a tenant stack", "  - name: prod\n", "  - name: a-tenant-b\n", `environments[0].name: "a-tenant-b" would make stack names the audit cannot read back`},
		{"duplicated environment", "tenants:", "  - name: prod\n    account: \"111111111111\"\n    region: eu-west-1\n    owner: o\n    availabilityZones: [eu-west-1a, eu-west-1b]\n    clusterAdminRoleArns: [arn:aws:iam::111111111111:role/Admin]\n    alarmEmail: a@example.com\n    ingress: {plainHttp: true}\ntenants:", `environments[1].name: "prod" is already the name of environments[0]`},
		{"min greater than max nodes", "    alarmEmail: secops@example.com", "    alarmEmail: secops@example.com\n    gpuNodes: {minSize: 5, maxSize: 3}", "environments[0].gpuNodes.minSize: min size 5 can't be greater than max size 3"},
		{"desired outside range", "    alarmEmail: secops@example.com", "    alarmEmail: secops@example.com\n    gpuNodes: {minSize: 1, desiredSize: 9, maxSize: 3}", "environments[0].gpuNodes.desiredSize: desired size 9 must be between min size 1 and max size 3"},
		{"negative min nodes", "    alarmEmail: secops@example.com", "    alarmEmail: secops@example.com\n    systemNodes: {minSize: -1}", "environments[0].systemNodes.minSize: -1 is negative"},
		{"non-GPU instance for GPU nodes", "    alarmEmail: secops@example.com", "    alarmEmail: secops@example.com\n    gpuNodes: {instanceTypes: [m5.large]}", `environments[0].gpuNodes.instanceTypes[0]: "m5.large" is not an NVIDIA GPU instance type (one of: g4dn.xlarge`},
		{"GPU instance for system nodes", "    alarmEmail: secops@example.com", "    alarmEmail: secops@example.com\n    systemNodes: {instanceTypes: [g5.xlarge]}", `environments[0].systemNodes.instanceTypes[0]: "g5.xlarge" is a GPU instance type`},
		{"bad instance type", "    alarmEmail: secops@example.com", "    alarmEmail: secops@example.com\n    gpuNodes: {instanceTypes: [big]}", `"big" is not an EC2 instance type`},
		{"bad disk size", "    alarmEmail: secops@example.com", "    alarmEmail: secops@example.com\n    gpuNodes: {diskSizeGiB: 5}", "environments[0].gpuNodes.diskSizeGiB: 5 is out of range (20 to 2000)"},
		{"negative retention", "    environment: prod", "    environment: prod\n    audioRetentionDays: -1", "tenants[0].audioRetentionDays: -1 is out of range (1 to 3650 days)"},
		{"retention too long", "    environment: prod", "    environment: prod\n    audioRetentionDays: 4000", "tenants[0].audioRetentionDays: 4000 is out of range"},
		{"no zones", "    availabilityZones: [eu-west-1a, eu-west-1b, eu-west-1c]\n", "", "environments[0].availabilityZones: is required: list 2 to 6 zones of eu-west-1 that offer the GPU instance types"},
		{"az count out of range", "    alarmEmail: secops@example.com", "    alarmEmail: secops@example.com\n    azCount: 1", "environments[0].azCount: 1 is out of range (2 to 6)"},
		{"zone of another region", "[eu-west-1a, eu-west-1b, eu-west-1c]", "[eu-west-1a, us-east-1b]", `environments[0].availabilityZones[1]: "us-east-1b" is not a zone of region "eu-west-1"`},
		{"zones disagree with count", "    availabilityZones: [eu-west-1a, eu-west-1b, eu-west-1c]", "    azCount: 3\n    availabilityZones: [eu-west-1a, eu-west-1b]", "environments[0].availabilityZones: 2 zones given but azCount is 3"},
		{"bad cidr", "    alarmEmail: secops@example.com", "    alarmEmail: secops@example.com\n    vpcCidr: 10.0.0.0", `environments[0].vpcCidr: "10.0.0.0" is not an IPv4 CIDR block`},
		{"cidr too small", "    alarmEmail: secops@example.com", "    alarmEmail: secops@example.com\n    vpcCidr: 10.0.0.0/24", "has prefix /24; allowed /16 to /20"},
		{"public cidr", "    alarmEmail: secops@example.com", "    alarmEmail: secops@example.com\n    vpcCidr: 8.8.0.0/16", "is not a private (RFC 1918) range"},
		{"cidr host bits", "    alarmEmail: secops@example.com", "    alarmEmail: secops@example.com\n    vpcCidr: 10.0.1.0/16", "has host bits set; did you mean 10.0.0.0/16"},
		{"unsupported kubernetes", "    alarmEmail: secops@example.com", "    alarmEmail: secops@example.com\n    kubernetesVersion: \"1.20\"", `environments[0].kubernetesVersion: "1.20" is not supported (one of: 1.31`},
		{"bad egress", "    alarmEmail: secops@example.com", "    alarmEmail: secops@example.com\n    egress: open", `environments[0].egress: "open" is not an egress mode (one of: none, nat)`},
		{"no admin roles", "    clusterAdminRoleArns: [arn:aws:iam::111111111111:role/Admin]\n", "", "environments[0].clusterAdminRoleArns: at least one IAM role ARN is required"},
		{"admin is a user", "role/Admin]", "user/Admin]", `environments[0].clusterAdminRoleArns[0]: "arn:aws:iam::111111111111:user/Admin" is not an IAM role ARN`},
		{"admin in another account", "iam::111111111111:role/Admin", "iam::999999999999:role/Admin", "role is in account 999999999999, not the environment's account 111111111111"},
		{"erasure role is a user", "    alarmEmail: secops@example.com", "    alarmEmail: secops@example.com\n    erasureRoleArns: [arn:aws:iam::111111111111:user/Eraser]", `environments[0].erasureRoleArns[0]: "arn:aws:iam::111111111111:user/Eraser" is not an IAM role ARN`},
		{"erasure role in another account", "    alarmEmail: secops@example.com", "    alarmEmail: secops@example.com\n    erasureRoleArns: [arn:aws:iam::999999999999:role/Eraser]", "environments[0].erasureRoleArns[0]: role is in account 999999999999, not the environment's account 111111111111"},
		{"no ingress certificate", "    ingress: {certificateArn: \"arn:aws:acm:eu-west-1:111111111111:certificate/0a1b2c3d\", hostName: ingress.example.com}\n", "", "environments[0].ingress.certificateArn: is required: the API → load balancer hop is HTTPS by default; set certificateArn and hostName (a public ACM certificate in eu-west-1 for a name you own), or plainHttp: true to accept HTTP inside the VPC"},
		{"plain HTTP and a certificate", "hostName: ingress.example.com}", "hostName: ingress.example.com, plainHttp: true}", "environments[0].ingress.plainHttp: true together with certificateArn/hostName; set one or the other"},
		{"bad alarm email", "alarmEmail: secops@example.com", "alarmEmail: secops", `environments[0].alarmEmail: "secops" is not an e-mail address`},
		{"bad log retention", "    alarmEmail: secops@example.com", "    alarmEmail: secops@example.com\n    logRetentionDays: 42", "environments[0].logRetentionDays: 42 is not a CloudWatch Logs retention (one of: 1, 3,"},
		{"missing environment owner", "    owner: platform@example.com\n", "", "environments[0].owner: is required"},
		{"reserved tag", "    alarmEmail: secops@example.com", "    alarmEmail: secops@example.com\n    tags: {Owner: me}", `environments[0].tags.Owner: tag "Owner" is set by VoiceVault`},
		{"aws tag", "    environment: prod", "    environment: prod\n    tags: {\"aws:x\": y}", "tenants[0].tags.aws:x: tag keys starting with aws: are reserved"},
		{"unknown environment", "    environment: prod", "    environment: staging", `tenants[0].environment: "staging" is not a configured environment (one of: prod)`},
		{"missing tenant owner", "    owner: acme@example.com\n", "", "tenants[0].owner: is required"},
		{"bad sensitivity", "    environment: prod", "    environment: prod\n    dataSensitivity: secret", `tenants[0].dataSensitivity: "secret" is not a sensitivity (one of: biometric, confidential, internal)`},
		{"bad isolation", "    environment: prod", "    environment: prod\n    isolation: shared", `tenants[0].isolation: "shared" is not an isolation mode (one of: pooled, dedicated)`},
		{"dedicated tenant shares environment", "", "  - name: beta\n    owner: x@example.com\n    environment: prod\n    isolation: dedicated\n    model: {image: 111111111111.dkr.ecr.eu-west-1.amazonaws.com/voicevault/prod/tts" + digest + "}\n    authorizer: {issuer: https://i.example.com, audiences: [a], jwksUrl: https://i.example.com/k}\n", `tenants[1].isolation: dedicated tenant "beta" shares environment "prod" with 1 other tenant(s)`},
		{"image by tag", "/tts" + digest, "/tts:latest", `tenants[0].model.image: "111111111111.dkr.ecr.eu-west-1.amazonaws.com/voicevault/prod/tts:latest" is not pinned by digest`},
		{"missing image", "    model:\n      image: 111111111111.dkr.ecr.eu-west-1.amazonaws.com/voicevault/prod/tts" + digest + "\n", "", "tenants[0].model.image: is required"},
		{"image from a public registry", "111111111111.dkr.ecr.eu-west-1.amazonaws.com/voicevault/prod/tts" + digest, "docker.io/library/tts" + digest, `tenants[0].model.image: "docker.io/library/tts@sha256:4c1f0a3e2b8d9c7f6e5d4c3b2a19081726354a5b6c7d8e9f0a1b2c3d4e5f6a7b" is not from environment "prod"'s model registry (allowed: 111111111111.dkr.ecr.eu-west-1.amazonaws.com/voicevault/prod/tts@sha256:<64 hex>`},
		{"image from another account's registry", "111111111111.dkr.ecr", "999999999999.dkr.ecr", `is not from environment "prod"'s model registry`},
		{"image from another region's registry", "dkr.ecr.eu-west-1", "dkr.ecr.us-east-1", `is not from environment "prod"'s model registry`},
		{"image from another repository", "voicevault/prod/tts", "voicevault/stage/tts", `is not from environment "prod"'s model registry`},
		{"too many replicas", "    model:\n", "    model:\n      replicas: 50\n", "tenants[0].model.replicas: 50 is out of range (1 to 20)"},
		{"privileged port", "    model:\n", "    model:\n      port: 80\n", "tenants[0].model.port: 80 is out of range (1024 to 65535"},
		{"too many gpus", "    model:\n", "    model:\n      gpus: 9\n", "tenants[0].model.gpus: 9 is out of range (1 to 8)"},
		{"bad cpu", "    model:\n", "    model:\n      cpu: lots\n", `tenants[0].model.cpu: "lots" is not a Kubernetes CPU quantity`},
		{"bad memory", "    model:\n", "    model:\n      memory: 16GB\n", `tenants[0].model.memory: "16GB" is not a Kubernetes memory quantity`},
		{"bad health path", "    model:\n", "    model:\n      healthPath: healthz\n", `tenants[0].model.healthPath: "healthz" is not an HTTP path`},
		{"http issuer", "issuer: https://issuer.example.com", "issuer: http://issuer.example.com", `tenants[0].authorizer.issuer: "http://issuer.example.com" is not an https URL`},
		{"missing jwks", "      jwksUrl: https://issuer.example.com/jwks.json\n", "", "tenants[0].authorizer.jwksUrl: is required (an https URL)"},
		{"no audiences", "audiences: [voice]", "audiences: []", "tenants[0].authorizer.audiences: at least one audience is required"},
		{"audience with comma", "audiences: [voice]", `audiences: ["a,b"]`, `tenants[0].authorizer.audiences[0]: "a,b" is not an audience`},
		{"bad tenant claim", "      audiences: [voice]", "      audiences: [voice]\n      tenantClaim: \"a b\"", `tenants[0].authorizer.tenantClaim: "a b" is not a claim name`},
		{"cache ttl too long", "      audiences: [voice]", "      audiences: [voice]\n      cacheTtlSeconds: 7200", "tenants[0].authorizer.cacheTtlSeconds: 7200 is out of range (0 to 3600)"},
		{"cache ttl negative", "      audiences: [voice]", "      audiences: [voice]\n      cacheTtlSeconds: -1", "tenants[0].authorizer.cacheTtlSeconds: -1 is out of range (0 to 3600)"},
		{"waf rate too low", "    environment: prod", "    environment: prod\n    waf: {rateLimit: 5}", "tenants[0].waf.rateLimit: 5 is out of range (10 to 2000000000"},
		{"waf bad cidr", "    environment: prod", "    environment: prod\n    waf: {allowedCidrs: [1.2.3.4/33]}", `tenants[0].waf.allowedCidrs[0]: "1.2.3.4/33" is not a CIDR block`},
		{"api rate too high", "    environment: prod", "    environment: prod\n    api: {rateLimit: 20000}", "tenants[0].api.rateLimit: 20000 is out of range (1 to 10000"},
		{"api burst too high", "    environment: prod", "    environment: prod\n    api: {burstLimit: 9000}", "tenants[0].api.burstLimit: 9000 is out of range (1 to 5000)"},
		{"bad domain", "    environment: prod", "    environment: prod\n    customDomain: {domainName: Voice_API, certificateArn: \"arn:aws:acm:eu-west-1:111111111111:certificate/x\"}", `tenants[0].customDomain.domainName: "Voice_API" is not a lowercase DNS name`},
		{"bad certificate", "    environment: prod", "    environment: prod\n    customDomain: {domainName: voice.example.com, certificateArn: cert}", `tenants[0].customDomain.certificateArn: "cert" is not an ACM certificate ARN`},
		{"certificate in another region", "    environment: prod", "    environment: prod\n    customDomain: {domainName: voice.example.com, certificateArn: \"arn:aws:acm:us-east-1:111111111111:certificate/x\"}", `tenants[0].customDomain.certificateArn: certificate is in region "us-east-1"; a regional API in eu-west-1 needs a certificate from eu-west-1`},
		{"ingress host without certificate", "    ingress: {certificateArn: \"arn:aws:acm:eu-west-1:111111111111:certificate/0a1b2c3d\", hostName: ingress.example.com}", "    ingress: {hostName: ingress.example.com}", `environments[0].ingress.certificateArn: "" is not an ACM certificate ARN`},
		{"ingress certificate without host", "    ingress: {certificateArn: \"arn:aws:acm:eu-west-1:111111111111:certificate/0a1b2c3d\", hostName: ingress.example.com}", "    ingress: {certificateArn: \"arn:aws:acm:eu-west-1:111111111111:certificate/x\"}", `environments[0].ingress.hostName: "" is not a lowercase DNS name`},
		{"ingress certificate in another region", "    ingress: {certificateArn: \"arn:aws:acm:eu-west-1:111111111111:certificate/0a1b2c3d\", hostName: ingress.example.com}", "    ingress: {certificateArn: \"arn:aws:acm:us-east-1:111111111111:certificate/x\", hostName: i.example.com}", `environments[0].ingress.certificateArn: certificate is in region "us-east-1"; the load balancer in eu-west-1 needs a certificate from eu-west-1`},
		{"cache ttl with api keys", "      audiences: [voice]", "      audiences: [voice]\n      apiKeys: true\n      cacheTtlSeconds: 300", "tenants[0].authorizer.cacheTtlSeconds: 300 can't be used with apiKeys: true (allowed: 0)"},
		{"key overlap too long", "      audiences: [voice]", "      audiences: [voice]\n      apiKeys: true\n      partners: [{id: partner-a}]\n      apiKeyOverlapHours: 721", "tenants[0].authorizer.apiKeyOverlapHours: 721 is out of range (1 to 720 hours)"},
		{"key max age too long", "      audiences: [voice]", "      audiences: [voice]\n      apiKeys: true\n      partners: [{id: partner-a}]\n      apiKeyMaxAgeDays: 731", "tenants[0].authorizer.apiKeyMaxAgeDays: 731 is out of range (1 to 730 days)"},
		{"key max age negative", "      audiences: [voice]", "      audiences: [voice]\n      apiKeys: true\n      partners: [{id: partner-a}]\n      apiKeyMaxAgeDays: -1", "tenants[0].authorizer.apiKeyMaxAgeDays: -1 is out of range (1 to 730 days)"},
		{"key rotation without api keys", "      audiences: [voice]", "      audiences: [voice]\n      apiKeyOverlapHours: 24", "tenants[0].authorizer: apiKeyOverlapHours and apiKeyMaxAgeDays need apiKeys: true"},
		{"listener priority out of range", "    environment: prod", "    environment: prod\n    api: {listenerPriority: 50001}", "tenants[0].api.listenerPriority: 50001 is out of range (1 to 50000)"},
		{"bad qualifier", "    alarmEmail: secops@example.com", "    alarmEmail: secops@example.com\n    deployment: {qualifier: VoiceVault01}", `environments[0].deployment.qualifier: "VoiceVault01" is not a cdk bootstrap qualifier (1-10 lowercase letters and digits)`},
		{"missing github repository", "    alarmEmail: secops@example.com", "    alarmEmail: secops@example.com\n    deployment: {github: {environment: production}}", "environments[0].deployment.github.repository: is required (owner/name"},
		{"bad github repository", "    alarmEmail: secops@example.com", "    alarmEmail: secops@example.com\n    deployment: {github: {repository: https://github.com/acme/voice}}", `environments[0].deployment.github.repository: "https://github.com/acme/voice" is not a GitHub repository (owner/name`},
		{"bad github environment", "    alarmEmail: secops@example.com", "    alarmEmail: secops@example.com\n    deployment: {github: {repository: acme/voice, environment: \"prod:*\"}}", `environments[0].deployment.github.environment: "prod:*" is not a GitHub environment name`},
		{"bad github branch", "    alarmEmail: secops@example.com", "    alarmEmail: secops@example.com\n    deployment: {github: {repository: acme/voice, branch: \"release/*\"}}", `environments[0].deployment.github.branch: "release/*" is not a git branch name`},
		{"second guardduty detector in one account and region", "tenants:", "  - name: stage\n    account: \"111111111111\"\n    region: eu-west-1\n    owner: o\n    availabilityZones: [eu-west-1a, eu-west-1b]\n    clusterAdminRoleArns: [arn:aws:iam::111111111111:role/Admin]\n    alarmEmail: a@example.com\n    ingress: {plainHttp: true}\n    deployment: {qualifier: stage}\n    services: {securityHub: false, config: false, macie: false, accessAnalyzer: false}\ntenants:", `environments[1].services.guardDuty: environments[0] (prod) already creates the GuardDuty detector of account 111111111111 in eu-west-1, and there can be only one; set guardDuty: false here`},
		{"second config recorder in one account and region", "tenants:", "  - name: stage\n    account: \"111111111111\"\n    region: eu-west-1\n    owner: o\n    availabilityZones: [eu-west-1a, eu-west-1b]\n    clusterAdminRoleArns: [arn:aws:iam::111111111111:role/Admin]\n    alarmEmail: a@example.com\n    ingress: {plainHttp: true}\n    deployment: {qualifier: stage}\n    services: {guardDuty: false, securityHub: false, macie: false, accessAnalyzer: false}\ntenants:", `environments[1].services.config: environments[0] (prod) already creates the AWS Config configuration recorder of account 111111111111 in eu-west-1`},
		{"shared bootstrap qualifier", "tenants:", "  - name: stage\n    account: \"111111111111\"\n    region: eu-west-1\n    owner: o\n    availabilityZones: [eu-west-1a, eu-west-1b]\n    clusterAdminRoleArns: [arn:aws:iam::111111111111:role/Admin]\n    alarmEmail: a@example.com\n    ingress: {plainHttp: true}\ntenants:", `environments[1].deployment.qualifier: "vvault" is already the qualifier of environments[0] in the same account and region`},
		{"shared github environment", "tenants:", "    deployment: {github: {repository: acme/voice, environment: production}}\n  - name: stage\n    account: \"222222222222\"\n    region: eu-west-1\n    owner: o\n    availabilityZones: [eu-west-1a, eu-west-1b]\n    clusterAdminRoleArns: [arn:aws:iam::222222222222:role/Admin]\n    alarmEmail: a@example.com\n    ingress: {plainHttp: true}\n    deployment: {github: {repository: acme/voice, environment: Production}}\ntenants:", `environments[1].deployment.github.environment: "Production" is already the GitHub environment of environments[0]`},
		{"second oidc provider in one account", "tenants:", "    deployment: {github: {repository: acme/voice}}\n  - name: stage\n    account: \"111111111111\"\n    region: eu-west-1\n    owner: o\n    availabilityZones: [eu-west-1a, eu-west-1b]\n    clusterAdminRoleArns: [arn:aws:iam::111111111111:role/Admin]\n    alarmEmail: a@example.com\n    ingress: {plainHttp: true}\n    deployment: {qualifier: vvstage, github: {repository: acme/voice}}\ntenants:", "environments[1].deployment.github.existingOidcProvider: account 111111111111 has one GitHub OIDC provider, created by the delivery stack of environments[0]; set existingOidcProvider: true here"},
		{"api keys without partners", "      audiences: [voice]", "      audiences: [voice]\n      apiKeys: true", "tenants[0].authorizer.partners: apiKeys: true needs at least one partner (id, and optionally rateLimit, burstLimit, quota)"},
		{"partners without api keys", "      audiences: [voice]", "      audiences: [voice]\n      partners: [{id: partner-a}]", "tenants[0].authorizer.partners: 1 partner(s) given but apiKeys is false; set apiKeys: true or remove the partners"},
		{"too many partners", "      audiences: [voice]", "      audiences: [voice]\n      apiKeys: true\n      partners: [" + manyPartners(MaxPartners+1) + "]", "tenants[0].authorizer.partners: 21 partners; at most 20 per tenant"},
		{"bad partner id", "      audiences: [voice]", "      audiences: [voice]\n      apiKeys: true\n      partners: [{id: Partner_A}]", `tenants[0].authorizer.partners[0].id: "Partner_A" is not a partner ID (1-32 lowercase letters, digits and '-'`},
		{"missing partner id", "      audiences: [voice]", "      audiences: [voice]\n      apiKeys: true\n      partners: [{rateLimit: 5}]", `tenants[0].authorizer.partners[0].id: "" is not a partner ID`},
		{"duplicated partner id", "      audiences: [voice]", "      audiences: [voice]\n      apiKeys: true\n      partners: [{id: partner-a}, {id: partner-a}]", `tenants[0].authorizer.partners[1].id: "partner-a" is already the id of partners[0]; partner ids must be unique`},
		{"partner rate above stage", "      audiences: [voice]", "      audiences: [voice]\n      apiKeys: true\n      partners: [{id: partner-a, rateLimit: 51}]", "tenants[0].authorizer.partners[0].rateLimit: 51 is out of range (1 to the stage's api.rateLimit, 50 requests per second)"},
		{"partner burst above stage", "      audiences: [voice]", "      audiences: [voice]\n      apiKeys: true\n      partners: [{id: partner-a, burstLimit: 101}]", "tenants[0].authorizer.partners[0].burstLimit: 101 is out of range (1 to the stage's api.burstLimit, 100)"},
		{"partner quota of zero", "      audiences: [voice]", "      audiences: [voice]\n      apiKeys: true\n      partners: [{id: partner-a, quota: {limit: 0, period: DAY}}]", "tenants[0].authorizer.partners[0].quota.limit: 0 is out of range (at least 1 request per period)"},
		{"partner quota period", "      audiences: [voice]", "      audiences: [voice]\n      apiKeys: true\n      partners: [{id: partner-a, quota: {limit: 10, period: YEAR}}]", `tenants[0].authorizer.partners[0].quota.period: "YEAR" is not a quota period (one of: DAY, WEEK, MONTH)`},
		{"usage rate above stage", "    environment: prod", "    environment: prod\n    api: {rateLimit: 20, usage: {rateLimit: 30}}", "tenants[0].api.usage.rateLimit: 30 is out of range (1 to the stage's api.rateLimit, 20 requests per second)"},
		{"negative usage rate", "    environment: prod", "    environment: prod\n    api: {usage: {rateLimit: -1}}", "tenants[0].api.usage.rateLimit: -1 is out of range (1 to the stage's api.rateLimit, 50 requests per second)"},
		{"usage burst above stage", "    environment: prod", "    environment: prod\n    api: {usage: {burstLimit: 500}}", "tenants[0].api.usage.burstLimit: 500 is out of range (1 to the stage's api.burstLimit, 100)"},
		{"usage quota of zero", "    environment: prod", "    environment: prod\n    api: {usage: {quota: {period: WEEK}}}", "tenants[0].api.usage.quota.limit: 0 is out of range (at least 1 request per period)"},
		{"usage quota period in lower case", "    environment: prod", "    environment: prod\n    api: {usage: {quota: {limit: 5, period: day}}}", `tenants[0].api.usage.quota.period: "day" is not a quota period (one of: DAY, WEEK, MONTH)`},
		{"usage quota without period", "    environment: prod", "    environment: prod\n    api: {usage: {quota: {limit: 5}}}", `tenants[0].api.usage.quota.period: "" is not a quota period (one of: DAY, WEEK, MONTH)`},
		{"no tenants", "tenants:", "tenants: []\nx_tenants:", `x_tenants: unknown field`},
		// Capacity (config/capacity.go): pods that can run, node groups that can hold them, drains that can proceed.
		{"replica fits on no node type", "    model:\n", "    model:\n      cpu: \"8\"\n", `tenants[0].model: a replica of tenant "acme" (cpu 8 = 8000m, memory 12Gi = 12288 MiB, 1 GPU(s)) fits on no instance type of environments[0].gpuNodes: g6.xlarge allocates 3520m CPU, 13394 MiB, 1 GPU(s)`},
		{"replica memory above every node type", "    model:\n", "    model:\n      memory: 16Gi\n", `tenants[0].model: a replica of tenant "acme" (cpu 3 = 3000m, memory 16Gi = 16384 MiB, 1 GPU(s)) fits on no instance type`},
		{"more GPUs per replica than a node has", "    model:\n", "    model:\n      gpus: 2\n", `fits on no instance type of environments[0].gpuNodes: g6.xlarge allocates 3520m CPU, 13394 MiB, 1 GPU(s)`},
		{"minimum replicas need more GPUs than the node group holds", "    alarmEmail: secops@example.com", "    alarmEmail: secops@example.com\n    gpuNodes: {minSize: 1, maxSize: 1}", "environments[0].gpuNodes.maxSize: tenants need 2 GPU(s) at their minimum replicas (acme 2×1; replicas × GPUs); 1 node(s) × 1 GPU(s) hold 1 (raise maxSize to at least 2 or lower model.replicas)"},
		{"no room for a rolling update on the shared nodes", "    alarmEmail: secops@example.com", "    alarmEmail: secops@example.com\n    gpuNodes: {minSize: 1, maxSize: 2}", `environments[0].gpuNodes.maxSize: 2 node(s) × 1 GPU(s) hold 2 GPU(s), and the tenants' minimum replicas take 2 (acme 2×1): a rolling update of tenant "acme" starts 1 more replica(s) (1 GPU(s)) before stopping one and would never finish (raise maxSize to at least 3)`},
		{"no room for a rolling update on dedicated nodes", "    environment: prod", "    environment: prod\n    dedicatedGpuNodes: {minSize: 2, maxSize: 2}", `tenants[0].dedicatedGpuNodes.maxSize: 2 node(s) × 1 GPU(s) hold 2 GPU(s), all taken by tenant "acme"'s minimum replicas: a rolling update starts 1 more replica(s) (1 GPU(s)) before stopping one and would never finish (raise maxSize to at least 3)`},
		{"autoscaling maximum below the minimum", "    model:\n", "    model:\n      autoscaling: {maxReplicas: 1}\n", "tenants[0].model.autoscaling.maxReplicas: 1 is out of range (model.replicas 2 to 20)"},
		{"autoscaling target of zero", "    model:\n", "    model:\n      autoscaling: {maxReplicas: 3, targetInFlight: -1}\n", "tenants[0].model.autoscaling.targetInFlight: -1 is out of range (above 0, at most 64 inference requests per pod)"},
		{"autoscaling maximum beyond the shared nodes", "    model:\n", "    model:\n      autoscaling: {maxReplicas: 5}\n", `tenants[0].model.autoscaling.maxReplicas: tenant "acme" scales up to 5 replica(s) × 1 GPU(s) = 5 GPU(s); environments[0].gpuNodes.maxSize 4 node(s) × 1 GPU(s) hold 4 (lower maxReplicas to at most 4 or raise maxSize to at least 5)`},
		{"autoscaling maximum beyond the dedicated nodes", "    model:\n", "    dedicatedGpuNodes: {minSize: 2, maxSize: 3}\n    model:\n      autoscaling: {maxReplicas: 4}\n", `tenants[0].model.autoscaling.maxReplicas: tenant "acme" scales up to 4 replica(s) × 1 GPU(s) = 4 GPU(s); tenants[0].dedicatedGpuNodes.maxSize 3 node(s) × 1 GPU(s) hold 3 (lower maxReplicas to at most 3 or raise maxSize to at least 4)`},
		{"autoscaling maximum beside another tenant's minimum", "tenants:\n  - name: acme\n    owner: acme@example.com\n    environment: prod\n    model:\n",
			"tenants:\n  - name: beta\n    owner: b@example.com\n    environment: prod\n    model: {image: 111111111111.dkr.ecr.eu-west-1.amazonaws.com/voicevault/prod/tts" + digest + ", replicas: 1}\n    authorizer: {issuer: https://i.example.com, audiences: [a], jwksUrl: https://i.example.com/k}\n  - name: acme\n    owner: acme@example.com\n    environment: prod\n    model:\n      autoscaling: {maxReplicas: 4}\n",
			`tenants[1].model.autoscaling.maxReplicas: tenant "acme" scales up to 4 replica(s) × 1 GPU(s) = 4 GPU(s) beside the other tenants' minimum replicas (1 GPU(s)); environments[0].gpuNodes.maxSize 4 node(s) × 1 GPU(s) hold 4 (lower maxReplicas to at most 3 or raise maxSize to at least 5)`},
		{"pod disruption budget blocks every drain", "    model:\n", "    model:\n      minAvailable: 2\n", `tenants[0].model.minAvailable: 2 would block every node drain: the PodDisruptionBudget of tenant "acme" must let at least one of its 2 replica(s) go (allowed: 0 to 1)`},
		{"GPU type outside the capacity table", "    alarmEmail: secops@example.com", "    alarmEmail: secops@example.com\n    gpuNodes: {instanceTypes: [gr6.4xlarge]}", `environments[0].gpuNodes.instanceTypes[0]: "gr6.4xlarge" is not in VoiceVault's GPU capacity table, so its pods can't be sized (one of: g4dn.xlarge,`},
		{"dedicated GPU nodes too small", "    environment: prod", "    environment: prod\n    dedicatedGpuNodes: {minSize: 0, maxSize: 1}", `tenants[0].dedicatedGpuNodes.maxSize: tenant "acme" needs 2 GPU(s) at its minimum replicas (2 × 1); 1 node(s) × 1 GPU(s) hold 1`},
		{"dedicated GPU nodes where the tenant has an environment", "    environment: prod", "    environment: prod\n    isolation: dedicated\n    dedicatedGpuNodes: {maxSize: 2}", `tenants[0].dedicatedGpuNodes: tenant "acme" has isolation: dedicated, whose environment's GPU nodes are all its own`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := base + tc.new
			if tc.old != "" {
				require.Contains(t, base, tc.old, "test case edits text that is not in base")
				src = strings.Replace(base, tc.old, tc.new, 1)
			}
			_, err := Parse("bad.yaml", []byte(src))
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrInvalid), "a content error wraps ErrInvalid")
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "goroutine", "no stack trace")
		})
	}
}

func manyPartners(n int) string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("{id: p%d}", i)
	}
	return strings.Join(ids, ", ")
}

func TestAllProblemsAreReportedAtOnce(t *testing.T) {
	src := strings.NewReplacer(`account: "111111111111"`, `account: "12"`, "  - name: acme", "  - name: ACME", "alarmEmail: secops@example.com", "alarmEmail: nope").Replace(base)
	_, err := Parse("bad.yaml", []byte(src))
	require.Error(t, err)
	var p *Problems
	require.ErrorAs(t, err, &p)
	assert.Len(t, p.Items, 3, err.Error())
	assert.Contains(t, err.Error(), "bad.yaml: 3 problem(s)")
}

func TestUnreadableAndMalformedFiles(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "missing.yaml"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "missing.yaml: not found")
	assert.False(t, errors.Is(err, ErrInvalid))

	for name, src := range map[string]string{
		"broken":   "environments: [\n  - name: prod\n",
		"tabs":     "environments:\n\t- name: prod\n",
		"empty":    "",
		"scalar":   "hello",
		"list":     "- a\n- b\n",
		"tooLarge": "# " + strings.Repeat("x", maxFileBytes),
	} {
		t.Run(name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), name+".yaml")
			require.NoError(t, os.WriteFile(f, []byte(src), 0o600))
			_, err := Load(f)
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrInvalid))
			assert.Contains(t, err.Error(), name+".yaml")
			assert.Less(t, len(err.Error()), 400, "short message")
		})
	}
}

func TestAudioBucketNameFitsS3(t *testing.T) {
	e := &Environment{Name: strings.Repeat("e", MaxEnvNameLen), Account: "111111111111", Region: "ap-southeast-3"}
	assert.LessOrEqual(t, len(e.Names().AudioBucket(strings.Repeat("t", MaxTenantNameLen))), 63)
}
