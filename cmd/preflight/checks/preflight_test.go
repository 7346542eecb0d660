package checks_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/cmd/preflight/checks"
	"github.com/voicevault/voicevault/cmd/preflight/checks/fakeaws"
	"github.com/voicevault/voicevault/config"
)

const (
	account         = "111111111111"
	ingressARN      = "arn:aws:acm:eu-west-1:111111111111:certificate/5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9"
	otherAccountARN = "arn:aws:acm:eu-west-1:222222222222:certificate/5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9"
	acmeARN         = "arn:aws:acm:eu-west-1:111111111111:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
)

// deployment is one environment (GPU: g6.xlarge or g5.xlarge, max 6 nodes: 24 vCPUs) with two
// tenants (Lambda: 2×10 kubectl + 2×5 authorizers reserved + 100 unreserved = 130), an HTTPS
// ingress and one tenant custom domain.
const deployment = `
environments:
  - name: prod
    account: "111111111111"
    region: eu-west-1
    owner: platform@example.com
    availabilityZones: [eu-west-1a, eu-west-1b, eu-west-1c]
    kubernetesVersion: "1.34"
    gpuNodes: {instanceTypes: [g6.xlarge, g5.xlarge], minSize: 1, desiredSize: 2, maxSize: 6}
    clusterAdminRoleArns: [arn:aws:iam::111111111111:role/Admin]
    alarmEmail: secops@example.com
    ingress:
      certificateArn: ` + ingressARN + `
      hostName: ingress.prod.example.com
tenants:
  - name: acme
    owner: voice@acme.example
    environment: prod
    model: {image: "111111111111.dkr.ecr.eu-west-1.amazonaws.com/voicevault/prod/tts@sha256:4c1f0a3e2b8d9c7f6e5d4c3b2a19081726354a5b6c7d8e9f0a1b2c3d4e5f6a7b"}
    authorizer: {issuer: https://issuer.example.com, audiences: [voice], jwksUrl: https://issuer.example.com/jwks}
    customDomain: {domainName: voice.acme.example, certificateArn: ` + acmeARN + `}
  - name: globex
    owner: voice@globex.example
    environment: prod
    model: {image: "111111111111.dkr.ecr.eu-west-1.amazonaws.com/voicevault/prod/tts@sha256:4c1f0a3e2b8d9c7f6e5d4c3b2a19081726354a5b6c7d8e9f0a1b2c3d4e5f6a7b"}
    authorizer: {issuer: https://issuer.example.com, audiences: [voice], jwksUrl: https://issuer.example.com/jwks}
`

func loadDeployment(t *testing.T, yaml string) *config.Config {
	t.Helper()
	cfg, err := config.Parse("test.yaml", []byte(yaml))
	require.NoError(t, err)
	return cfg
}

// emptyAccount is a new account: no singletons, no service-linked roles, default-sized quotas
// that fit, every zone offering both GPU types, the certificates issued.
func emptyAccount() *fakeaws.Account {
	return &fakeaws.Account{
		ID:     account,
		Quotas: map[string]float64{checks.QuotaGAndVT: 64, checks.QuotaP: 0, checks.QuotaLambdaConcurrent: 1000},
		Offerings: map[string][]string{
			"eu-west-1a": {"g5.xlarge", "g6.xlarge"},
			"eu-west-1b": {"g5.xlarge", "g6.xlarge"},
			"eu-west-1c": {"g5.xlarge", "g6.xlarge"},
		},
		Certs: map[string]fakeaws.Certificate{
			ingressARN: {Status: "ISSUED", Domain: "*.prod.example.com"},
			acmeARN:    {Status: "ISSUED", Domain: "voice.acme.example"},
		},
		K8sVersions: map[string]string{"1.31": "EXTENDED_SUPPORT", "1.33": "STANDARD_SUPPORT", "1.34": "STANDARD_SUPPORT", "1.35": "STANDARD_SUPPORT"},
		Roles:       map[string]bool{"Admin": true}, // the configured cluster administrator
		Addons:      map[string]fakeaws.AddonInfo{checks.ObservabilityAddon: observabilityAddon(observabilitySchema, observabilitySchema)},
	}
}

// run runs preflight for prod against a fake answering for a, with real SDK clients.
func run(t *testing.T, cfg *config.Config, a *fakeaws.Account) (checks.Report, *fakeaws.Server) {
	t.Helper()
	srv := fakeaws.New(a)
	t.Cleanup(srv.Close)
	rep, err := checks.Run(context.Background(), cfg, "prod", Options(srv))
	require.NoError(t, err)
	return rep, srv
}

// Options point real SDK clients at srv with static credentials.
func Options(srv *fakeaws.Server) checks.Options {
	return checks.Options{
		AWS: aws.Config{
			Region:           "eu-west-1",
			Credentials:      credentials.NewStaticCredentialsProvider("AKIAFAKE", "secret", ""),
			RetryMaxAttempts: 1,
		},
		Endpoint: srv.URL,
	}
}

func rowsOf(rep checks.Report, v checks.Verdict) []checks.Row {
	var out []checks.Row
	for _, g := range rep.Groups {
		for _, r := range g.Rows {
			if r.Verdict == v {
				out = append(out, r)
			}
		}
	}
	return out
}

func printed(rep checks.Report) string {
	var b bytes.Buffer
	rep.Print(&b)
	return b.String()
}

func TestEmptyNewAccountIsReady(t *testing.T) {
	rep, srv := run(t, loadDeployment(t, deployment), emptyAccount())
	out := printed(rep)
	assert.Empty(t, rep.Blockers(), out)
	assert.Equal(t, 0, rep.ExitCode())
	// Every singleton is absent: the platform stack creates each.
	assert.Contains(t, out, "GuardDuty detector")
	assert.Contains(t, out, "none: prod-platform creates it")
	// Missing service-linked roles are warnings that say what creates them, not blockers.
	for _, r := range rowsOf(rep, checks.Warning) {
		assert.Equal(t, "service-linked role", r.Check, "only service-linked roles warn in an empty account: %+v", r)
		assert.Contains(t, r.Found, "will be created on first use by")
	}
	assert.Len(t, rowsOf(rep, checks.Warning), 10)
	assert.Contains(t, out, "quota 64 ≥ 24 needed (prod: gpuNodes.maxSize 6 × 4 vCPUs of g6.xlarge)")
	assert.Contains(t, out, "quota 1000 ≥ 130 needed")
	assert.Regexp(t, `preflight prod: \d+ ok, 10 warning\(s\), 0 blocker\(s\): ready to deploy`, out)
	// One table per check group.
	for _, g := range []string{"caller identity", "account and region singletons", "service quotas", "GPU instance types per availability zone", "service-linked roles", "ACM certificates", "EKS Kubernetes version", "EKS add-on configuration"} {
		assert.Contains(t, out, "== "+g+"\n")
	}
	// Only read-only actions, each in Actions (what an operator grants, what ReadOnlyAccess covers).
	for _, c := range srv.Calls() {
		assert.Contains(t, checks.Actions, c)
	}
	assert.ElementsMatch(t, checks.Actions, srv.Calls(), "Actions lists exactly what preflight calls")
}

func TestMissingClusterAdminRoleIsABlocker(t *testing.T) {
	a := emptyAccount()
	a.Roles = nil
	rep, _ := run(t, loadDeployment(t, deployment), a)
	require.Len(t, rep.Blockers(), 1, printed(rep))
	b := rep.Blockers()[0]
	assert.Equal(t, "cluster admin role", b.Check)
	assert.Equal(t, "arn:aws:iam::111111111111:role/Admin", b.Subject)
	assert.Contains(t, b.Found, "EKS refuses an access entry")
	assert.Equal(t, 1, rep.ExitCode())
}

func TestOrganizationMemberAccountBlocksOnEachSwitch(t *testing.T) {
	a := emptyAccount()
	a.Detectors = []string{"12abc34d567e8fa901bc2d34e56789f0"}
	a.SecurityHub = true
	a.Recorders = []string{"default"}
	a.Channels = []string{"default"}
	rep, _ := run(t, loadDeployment(t, deployment), a)
	out := printed(rep)
	t.Log("\n" + out)
	assert.Equal(t, 1, rep.ExitCode())
	var fixes []string
	for _, r := range rep.Blockers() {
		assert.Equal(t, "singleton", r.Check)
		fixes = append(fixes, r.Fix)
	}
	assert.ElementsMatch(t, []string{
		"set environments[prod].services.guardDuty: false (the account's own is used)",
		"set environments[prod].services.securityHub: false (the account's own is used)",
		"set environments[prod].services.config: false (the account's own is used)",
		"set environments[prod].services.config: false (the account's own is used)",
	}, fixes, out)
	assert.Contains(t, out, "detector 12abc34d567e8fa901bc2d34e56789f0: prod-platform would create a second one and fail")
	assert.Contains(t, out, "4 blocker(s): NOT ready")

	// With the switches off, as the file then says, the same account is ready.
	off := strings.Replace(deployment, "    alarmEmail:", "    services: {guardDuty: false, securityHub: false, config: false}\n    alarmEmail:", 1)
	rep, _ = run(t, loadDeployment(t, off), a)
	assert.Empty(t, rep.Blockers(), printed(rep))
	assert.Contains(t, printed(rep), "(services.guardDuty: false uses it)")
}

func TestSingletonsOfTheEnvironmentsOwnPlatformStackAreNotBlockers(t *testing.T) {
	// A run after the first deployment (the deploy job runs preflight every time) finds the
	// platform stack's own detector, hub, recorder, channel, session and analyzer.
	a := emptyAccount()
	a.Detectors, a.SecurityHub, a.Recorders, a.Channels, a.Macie, a.Analyzers = []string{"d1"}, true, []string{"voicevault-prod"}, []string{"voicevault-prod"}, true, []string{"voicevault-prod-account"}
	a.StackTypes = map[string][]string{"prod-platform": {"AWS::GuardDuty::Detector", "AWS::SecurityHub::Hub", "AWS::Config::ConfigurationRecorder", "AWS::Config::DeliveryChannel", "AWS::Macie::Session", "AWS::AccessAnalyzer::Analyzer"}}
	rep, _ := run(t, loadDeployment(t, deployment), a)
	assert.Empty(t, rep.Blockers(), printed(rep))
	assert.Contains(t, printed(rep), "(created by prod-platform)")
}

func TestZeroGPUQuotaIsABlockerWithTheNumbers(t *testing.T) {
	a := emptyAccount()
	a.Quotas[checks.QuotaGAndVT] = 0
	rep, _ := run(t, loadDeployment(t, deployment), a)
	require.Len(t, rep.Blockers(), 1, printed(rep))
	b := rep.Blockers()[0]
	assert.Equal(t, "Running On-Demand G and VT instances (L-DB2E81BA)", b.Subject)
	assert.Equal(t, "quota 0 < 24 needed (prod: gpuNodes.maxSize 6 × 4 vCPUs of g6.xlarge)", b.Found)
	assert.Contains(t, b.Fix, "to at least 24 vCPUs")
	assert.Equal(t, 1, rep.ExitCode())
}

// TestEachBlockerFailsTheRun changes one thing at a time in the empty account (or the file) and
// expects exactly that blocker, and exit code 1.
func TestEachBlockerFailsTheRun(t *testing.T) {
	cases := []struct {
		name    string
		account func(*fakeaws.Account)
		file    func(string) string
		subject string
		found   string
	}{
		{name: "another account's credentials", account: func(a *fakeaws.Account) { a.ID = "999999999999" }, subject: "arn:aws:iam::999999999999:user/engineer", found: "credentials of account 999999999999"},
		{name: "GuardDuty detector", account: func(a *fakeaws.Account) { a.Detectors = []string{"d1"} }, subject: "GuardDuty detector", found: "would create a second one"},
		{name: "Security Hub", account: func(a *fakeaws.Account) { a.SecurityHub = true }, subject: "Security Hub", found: "would create a second one"},
		{name: "Config recorder", account: func(a *fakeaws.Account) { a.Recorders = []string{"default"} }, subject: "AWS Config recorder", found: "would create a second one"},
		{name: "Config delivery channel", account: func(a *fakeaws.Account) { a.Channels = []string{"default"} }, subject: "AWS Config delivery channel", found: "would create a second one"},
		{name: "Macie session", account: func(a *fakeaws.Account) { a.Macie = true }, subject: "Macie session", found: "would create a second one"},
		{name: "account analyzer", account: func(a *fakeaws.Account) { a.Analyzers = []string{"org"} }, subject: "IAM Access Analyzer account analyzer", found: "would create a second one"},
		{name: "GPU quota", account: func(a *fakeaws.Account) { a.Quotas[checks.QuotaGAndVT] = 16 }, subject: "Running On-Demand G and VT instances (L-DB2E81BA)", found: "quota 16 < 24 needed"},
		{name: "P quota", file: func(s string) string { return strings.Replace(s, "[g6.xlarge, g5.xlarge]", "[p5.48xlarge]", 1) },
			account: func(a *fakeaws.Account) {
				a.Offerings["eu-west-1a"] = []string{"p5.48xlarge"}
				a.Offerings["eu-west-1b"] = a.Offerings["eu-west-1a"]
				a.Offerings["eu-west-1c"] = a.Offerings["eu-west-1a"]
			},
			subject: "Running On-Demand P instances (L-417A185B)", found: "quota 0 < 1152 needed"},
		{name: "Lambda concurrency", account: func(a *fakeaws.Account) { a.Quotas[checks.QuotaLambdaConcurrent] = 100 }, subject: "Lambda concurrent executions (L-B99A9384)", found: "quota 100 < 130 needed"},
		{name: "zone without GPU types", account: func(a *fakeaws.Account) { a.Offerings["eu-west-1c"] = nil }, subject: "eu-west-1c", found: "offers none of g6.xlarge, g5.xlarge"},
		{name: "certificate pending", account: func(a *fakeaws.Account) {
			a.Certs[ingressARN] = fakeaws.Certificate{Status: "PENDING_VALIDATION", Domain: "*.prod.example.com"}
		}, subject: ingressARN, found: "status PENDING_VALIDATION, not ISSUED"},
		{name: "certificate missing", account: func(a *fakeaws.Account) { delete(a.Certs, acmeARN) }, subject: acmeARN, found: "ResourceNotFoundException"},
		{name: "certificate for another name", account: func(a *fakeaws.Account) {
			a.Certs[acmeARN] = fakeaws.Certificate{Status: "ISSUED", Domain: "other.acme.example"}
		}, subject: acmeARN, found: "does not cover voice.acme.example"},
		{name: "certificate of another account", file: func(s string) string {
			return strings.Replace(s, "certificateArn: "+ingressARN, "certificateArn: "+otherAccountARN, 1)
		}, subject: otherAccountARN, found: "needs one in the environment's 111111111111/eu-west-1"},
		{name: "unsupported Kubernetes version", account: func(a *fakeaws.Account) { a.K8sVersions["1.34"] = "UNSUPPORTED" }, subject: "kubernetesVersion 1.34", found: "not supported by EKS in eu-west-1"},
		{name: "Kubernetes version unknown to EKS", account: func(a *fakeaws.Account) { delete(a.K8sVersions, "1.34") }, subject: "kubernetesVersion 1.34", found: "not supported"},
		{name: "observability add-on unavailable for the Kubernetes version", account: func(a *fakeaws.Account) {
			delete(a.Addons[checks.ObservabilityAddon].Versions, "1.34")
		}, subject: checks.ObservabilityAddon, found: "not available for Kubernetes 1.34 in eu-west-1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := emptyAccount()
			if tc.account != nil {
				tc.account(a)
			}
			file := deployment
			if tc.file != nil {
				file = tc.file(file)
			}
			rep, _ := run(t, loadDeployment(t, file), a)
			require.Len(t, rep.Blockers(), 1, printed(rep))
			b := rep.Blockers()[0]
			assert.Equal(t, tc.subject, b.Subject)
			assert.Contains(t, b.Found, tc.found)
			assert.NotEmpty(t, b.Fix, "a blocker says what fixes it")
			assert.Equal(t, 1, rep.ExitCode())
		})
	}
}

func TestDeniedCallsWarnInsteadOfGuessing(t *testing.T) {
	a := emptyAccount()
	a.Denied = map[string]bool{"guardduty:ListDetectors": true, "servicequotas:GetServiceQuota": true, "ec2:DescribeInstanceTypeOfferings": true}
	rep, _ := run(t, loadDeployment(t, deployment), a)
	assert.Empty(t, rep.Blockers())
	out := printed(rep)
	assert.Contains(t, out, "could not check: AccessDeniedException")
	assert.Contains(t, out, "allow guardduty:ListDetectors")
	assert.Contains(t, out, "could not check: UnauthorizedOperation")
}

func TestPartialZoneOfferingIsAWarning(t *testing.T) {
	a := emptyAccount()
	a.Offerings["eu-west-1b"] = []string{"g5.xlarge"}
	rep, _ := run(t, loadDeployment(t, deployment), a)
	assert.Empty(t, rep.Blockers())
	assert.Contains(t, printed(rep), "offers g5.xlarge; not g6.xlarge")
}

func TestExtendedSupportVersionIsAWarning(t *testing.T) {
	a := emptyAccount()
	a.K8sVersions["1.34"] = "EXTENDED_SUPPORT"
	rep, _ := run(t, loadDeployment(t, deployment), a)
	assert.Empty(t, rep.Blockers())
	assert.Contains(t, printed(rep), "extended support only")
}

func TestNoCredentialsIsAnIdentityError(t *testing.T) {
	a := emptyAccount()
	a.Denied = map[string]bool{"sts:GetCallerIdentity": true}
	srv := fakeaws.New(a)
	defer srv.Close()
	_, err := checks.Run(context.Background(), loadDeployment(t, deployment), "prod", Options(srv))
	require.ErrorIs(t, err, checks.ErrIdentity)
	assert.NotContains(t, err.Error(), "\n")
}

func TestQuotasCountEveryEnvironmentOfTheAccountAndRegion(t *testing.T) {
	// A second environment in the same account and region shares the quotas.
	two := strings.Replace(deployment, "tenants:\n", `  - name: staging
    account: "111111111111"
    region: eu-west-1
    owner: platform@example.com
    vpcCidr: 10.41.0.0/16
    availabilityZones: [eu-west-1a, eu-west-1b]
    kubernetesVersion: "1.34"
    gpuNodes: {instanceTypes: [g6.2xlarge], minSize: 1, desiredSize: 1, maxSize: 2}
    clusterAdminRoleArns: [arn:aws:iam::111111111111:role/Admin]
    alarmEmail: secops@example.com
    deployment: {qualifier: vvstage}
    services: {guardDuty: false, securityHub: false, config: false, macie: false, accessAnalyzer: false}
    ingress: {plainHttp: true}
tenants:
`, 1)
	a := emptyAccount()
	a.Quotas[checks.QuotaGAndVT] = 32
	rep, _ := run(t, loadDeployment(t, two), a)
	require.Len(t, rep.Blockers(), 1, printed(rep))
	assert.Equal(t, "quota 32 < 40 needed (prod: gpuNodes.maxSize 6 × 4 vCPUs of g6.xlarge + staging: gpuNodes.maxSize 2 × 8 vCPUs of g6.2xlarge)", rep.Blockers()[0].Found)
	assert.Contains(t, printed(rep), "quota 1000 ≥ 150 needed", "Lambda: 130 for prod + 20 for staging's kubectl functions")
}
