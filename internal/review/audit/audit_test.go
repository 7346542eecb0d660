package audit_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/internal/review/access"
	"github.com/voicevault/voicevault/internal/review/assembly"
	"github.com/voicevault/voicevault/internal/review/audit"
)

// fixture is testdata/assembly: a hand-written cloud assembly with a platform and a tenant
// that follow the rules (prod-platform, prod-tenant-alpha), a tenant that breaks them and
// reaches alpha (prod-tenant-beta), and a platform that breaks them (lab-platform).
const fixture = "testdata/assembly"

var (
	fixtureAccessOnce sync.Once
	fixtureAccess     access.Report
	fixtureAccessErr  error
)

// build builds the pack of the fixture. The fixture's flows are evaluated once per test binary
// (one Node process), so two builds are the same bytes.
func build(t *testing.T) (*audit.Report, *assembly.Assembly) {
	t.Helper()
	a, err := assembly.Load(fixture)
	require.NoError(t, err)
	fixtureAccessOnce.Do(func() { fixtureAccess, fixtureAccessErr = access.EvaluateAssembly(a, fixture) })
	require.NoError(t, fixtureAccessErr)
	r, err := audit.Build(a, fixture, audit.Options{Access: &fixtureAccess})
	require.NoError(t, err)
	return r, a
}

func encRow(t *testing.T, r *audit.Report, stack, resource, what string) audit.EncryptionRow {
	t.Helper()
	for _, e := range r.Encryption {
		if e.Stack == stack && e.Resource == resource && (what == "" || e.What == what) {
			return e
		}
	}
	t.Fatalf("no encryption row for %s/%s %s", stack, resource, what)
	return audit.EncryptionRow{}
}

func controlOf(t *testing.T, r *audit.Report, id string) audit.Control {
	t.Helper()
	for _, c := range r.Controls {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no control %s", id)
	return audit.Control{}
}

func TestUnencryptedBucketShowsUpUnencrypted(t *testing.T) {
	r, _ := build(t)
	e := encRow(t, r, "prod-tenant-beta", "AudioBucket", "S3 bucket")
	assert.Equal(t, audit.EncAWSOwned, e.Encryption)
	assert.Equal(t, audit.Fail, e.Status)
	assert.Contains(t, strings.Join(controlOf(t, r, "ENC-1").Failing, "\n"), "prod-tenant-beta/AudioBucket [S3 bucket]")
}

func TestBucketKeyResolvesToItsAliasAndRotation(t *testing.T) {
	r, _ := build(t)
	e := encRow(t, r, "prod-tenant-alpha", "AudioBucket", "S3 bucket")
	assert.Equal(t, audit.EncCMK, e.Encryption)
	assert.Equal(t, "prod-tenant-alpha/TenantKey", e.Key, "Fn::GetAtt resolves to the key's logical ID")
	assert.Equal(t, "alias/voicevault/prod/tenant/alpha", e.KeyAlias)
	assert.Equal(t, "on", e.Rotation)
	assert.Equal(t, audit.Pass, e.Status)
}

func TestKeyNamedByAliasARNResolvesAcrossStacks(t *testing.T) {
	r, _ := build(t)
	e := encRow(t, r, "prod-tenant-alpha", "ApiLogs", "Log group")
	assert.Equal(t, "prod-platform/PlatformKey", e.Key, "the tenant log group names the platform key by alias ARN")
	assert.Equal(t, audit.Pass, e.Status)
	for _, k := range r.Keys {
		if k.Stack == "prod-platform" {
			assert.Contains(t, k.Protects, "prod-tenant-alpha/ApiLogs")
		}
	}
}

func TestKeyPassedThroughAnSSMParameterResolvesToThePlatformKey(t *testing.T) {
	r, _ := build(t)
	e := encRow(t, r, "prod-tenant-alpha", "AuthorizerLogs", "Log group")
	assert.Equal(t, "prod-platform/PlatformKey", e.Key)
	assert.Equal(t, "alias/voicevault/prod/platform", e.KeyAlias)
	assert.Equal(t, audit.Pass, e.Status)
}

func TestAWSManagedAndOwnedEncryptionIsFlagged(t *testing.T) {
	r, _ := build(t)
	for _, c := range []struct{ stack, res, what, enc string }{
		{"prod-tenant-beta", "Secret", "Secret", audit.EncAWSKMS},
		{"prod-tenant-beta", "PlainLogs", "Log group", audit.EncAWSOwned},
		{"lab-platform", "Repo", "ECR repository", audit.EncAWSOwned},
		{"lab-platform", "Queue", "SQS queue", audit.EncAWSOwned},
		{"lab-platform", "Cluster", "EKS Kubernetes secrets", audit.EncAWSOwned},
		{"lab-platform", "NodeTemplate", "EBS volumes (launch template)", audit.EncNotStated},
		{"lab-platform", "Trail", "CloudTrail log files", audit.EncAWSOwned},
	} {
		e := encRow(t, r, c.stack, c.res, c.what)
		assert.Equal(t, c.enc, e.Encryption, "%s/%s", c.stack, c.res)
		assert.Equal(t, audit.Fail, e.Status, "%s/%s", c.stack, c.res)
	}
}

func TestKeyWithoutRotationFails(t *testing.T) {
	r, _ := build(t)
	for _, k := range r.Keys {
		want := audit.Pass
		if k.Stack == "prod-tenant-beta" {
			want = audit.Fail
		}
		assert.Equal(t, want, k.Status, "%s/%s", k.Stack, k.ID)
	}
	assert.Equal(t, audit.Fail, controlOf(t, r, "ENC-2").Status)
}

func TestWildcardActionIsFlaggedOnTheRole(t *testing.T) {
	r, _ := build(t)
	var found bool
	for _, row := range r.IAM {
		if row.Stack == "prod-tenant-beta" && row.Source == "inline:Everything" {
			found = true
			assert.Equal(t, "s3:*", row.Actions)
			assert.Equal(t, "*", row.Resources)
			assert.Contains(t, row.Flags, "wildcard-action")
			assert.Equal(t, audit.Fail, row.Status)
		}
	}
	assert.True(t, found, "the inline policy is flattened onto its role")
	assert.Equal(t, audit.Fail, controlOf(t, r, "IAM-1").Status)
}

func TestRolesFlattenAttachedPoliciesAndManagedPolicyNames(t *testing.T) {
	r, _ := build(t)
	var sources []string
	for _, row := range r.IAM {
		if row.Stack == "prod-platform" && row.Principal == "ClusterRole" {
			sources = append(sources, row.Source)
		}
		if row.Stack == "prod-tenant-alpha" && row.Principal == "WorkloadRole" {
			assert.Equal(t, "policy:WorkloadPolicy", row.Source, "AWS::IAM::Policy attached through Roles")
			assert.Equal(t, audit.Pass, row.Status)
		}
	}
	assert.Equal(t, []string{"aws-managed:AmazonEKSClusterPolicy"}, sources)
	for _, ro := range r.Roles {
		if ro.Stack == "prod-platform" && ro.Principal == "ClusterRole" {
			assert.Equal(t, []string{"AWS managed: AmazonEKSClusterPolicy"}, ro.Managed)
			assert.Equal(t, []string{"Service:eks.amazonaws.com (sts:AssumeRole, sts:TagSession)"}, ro.Trust)
		}
	}
}

func exposure(t *testing.T, r *audit.Report, stack, resource string) audit.ExposureRow {
	t.Helper()
	for _, n := range r.Network {
		if n.Stack == stack && n.Resource == resource {
			return n
		}
	}
	t.Fatalf("no exposure row %s/%s", stack, resource)
	return audit.ExposureRow{}
}

func TestPublicSecurityGroupIsFlagged(t *testing.T) {
	r, _ := build(t)
	n := exposure(t, r, "prod-tenant-beta", "OpenSG")
	assert.Equal(t, "internet", n.Exposure)
	assert.Equal(t, audit.Fail, n.Status)
	assert.Contains(t, n.Through, "0.0.0.0/0 tcp/22")
	assert.Contains(t, n.Through, "::/0 all traffic", "a separate AWS::EC2::SecurityGroupIngress counts too")
	assert.Equal(t, audit.Pass, exposure(t, r, "prod-platform", "ClusterSG").Status)
	assert.Equal(t, audit.Fail, controlOf(t, r, "CMP-5").Status)
}

func TestInternetExposureIsFlagged(t *testing.T) {
	r, _ := build(t)
	assert.Equal(t, audit.Fail, exposure(t, r, "lab-platform", "Cluster").Status, "EKS endpoint public by default")
	assert.Equal(t, audit.Pass, exposure(t, r, "prod-platform", "Cluster").Status)
	assert.Equal(t, audit.Fail, exposure(t, r, "lab-platform", "PublicAlb").Status, "load balancers are internet-facing by default")
	assert.Equal(t, audit.Fail, exposure(t, r, "lab-platform", "PublicSubnet").Status)
	assert.Equal(t, audit.Fail, exposure(t, r, "lab-platform", "NodeTemplate").Status)
	assert.Equal(t, audit.Warn, exposure(t, r, "lab-platform", "Igw").Status)
	assert.Equal(t, audit.Fail, controlOf(t, r, "CMP-1").Status)
	assert.Equal(t, audit.Fail, controlOf(t, r, "CMP-4").Status)
}

func TestAPIWithoutWAFOrAuthorizerIsFlagged(t *testing.T) {
	r, _ := build(t)
	require.Len(t, r.APIs, 2)
	alpha, beta := r.APIs[0], r.APIs[1]
	assert.Equal(t, "REGIONAL", alpha.Endpoint)
	assert.Equal(t, "prod-platform/WebAcl", alpha.Stages[0].WAF, "associated through a WebACLAssociation naming the API and stage, with the ACL ARN read from the platform's SSM parameter")
	assert.Equal(t, "POST /v1/speech", alpha.Methods[0].HTTPMethod+" "+alpha.Methods[0].Path)
	assert.Equal(t, audit.Pass, alpha.Status)

	assert.Equal(t, "EDGE", beta.Endpoint, "no EndpointConfiguration means edge-optimized")
	assert.Empty(t, beta.Stages[0].WAF)
	assert.Equal(t, audit.Fail, beta.Stages[0].Status)
	assert.Equal(t, 0, beta.Authorized)
	assert.Equal(t, audit.Fail, beta.Status)
	assert.Equal(t, audit.Fail, controlOf(t, r, "API-1").Status)
	assert.Equal(t, audit.Fail, controlOf(t, r, "API-2").Status)
}

func TestTrailsAndMonitoringServices(t *testing.T) {
	r, _ := build(t)
	require.Len(t, r.Trails, 2)
	for _, tr := range r.Trails {
		if tr.Stack == "prod-platform" {
			assert.Equal(t, audit.Pass, tr.Status)
			assert.Equal(t, "alias/voicevault/prod/platform", tr.KMS)
			assert.Contains(t, tr.DataEvents, "resources.type Equals AWS::S3::Object")
		} else {
			assert.Equal(t, audit.Fail, tr.Status, "single-region, no validation, no KMS")
		}
	}
	present := map[string]bool{}
	for _, s := range r.Services {
		present[strings.Split(s.Environment, " ")[0]+" "+s.Service] = s.Present
		if !s.Present {
			assert.NotEqual(t, audit.Pass, s.Status)
		}
	}
	assert.True(t, present["prod GuardDuty"])
	assert.False(t, present["lab GuardDuty"])
	assert.Equal(t, audit.Fail, controlOf(t, r, "MON-1").Status)
	assert.Equal(t, audit.Warn, controlOf(t, r, "MON-2").Status, "absent detective services may be run by the organization")
}

func TestLogGroupsFlowLogsAndAlarms(t *testing.T) {
	r, _ := build(t)
	for _, g := range r.LogGroups {
		if g.Resource == "PlainLogs" {
			assert.Equal(t, "never expires", g.Retention)
			assert.Equal(t, audit.Fail, g.Status)
		} else {
			assert.Equal(t, audit.Pass, g.Status, g.Resource)
		}
	}
	flows := map[string]audit.Status{}
	for _, l := range r.LogSources {
		if l.Source == "VPC flow logs" {
			flows[l.Stack] = l.Status
		}
	}
	assert.Equal(t, map[string]audit.Status{"prod-platform": audit.Pass, "lab-platform": audit.Fail}, flows)
	for _, l := range r.LogSources {
		if l.Source == "WAF web ACL logging" {
			assert.Equal(t, "prod-platform/WafLogs", l.Destination)
			assert.Equal(t, audit.Pass, l.Status)
		}
	}
	for _, a := range r.Alarms {
		if a.Resource == "NoActionAlarm" {
			assert.Equal(t, audit.Fail, a.Status)
		} else {
			assert.Equal(t, "prod-platform/AlarmTopic", a.Actions)
			assert.Equal(t, audit.Pass, a.Status)
		}
	}
}

func TestBucketLifecycle(t *testing.T) {
	r, _ := build(t)
	got := map[string]audit.Bucket{}
	for _, b := range r.Buckets {
		got[b.Stack+"/"+b.Resource] = b
	}
	alpha := got["prod-tenant-alpha/AudioBucket"]
	assert.Equal(t, "alpha", alpha.Tenant)
	assert.Equal(t, "90", alpha.ExpireDays)
	assert.Equal(t, "30", alpha.NoncurrentDays)
	assert.Equal(t, "Enabled", alpha.Versioning)
	assert.Equal(t, "Retain", alpha.DeletionPolicy)
	assert.True(t, alpha.PublicBlock)
	assert.True(t, alpha.TLSOnly)
	assert.Equal(t, "vv-logs-prod-111111111111-eu-west-1/s3/vv-alpha-prod-111111111111-eu-west-1/", alpha.AccessLogs)
	assert.Contains(t, alpha.Erasure, "schedule deletion of alias/voicevault/prod/tenant/alpha")
	assert.Equal(t, audit.Pass, alpha.Status)

	logs := got["prod-platform/AccessLogBucket"]
	assert.Empty(t, logs.Tenant, "a platform bucket is nobody's")
	assert.True(t, logs.LogTarget)
	assert.Equal(t, audit.Warn, logs.Status, "the access-log target does not log to itself")

	beta := got["prod-tenant-beta/AudioBucket"]
	assert.Equal(t, audit.Fail, beta.Status)
	for _, p := range []string{"versioning off", "no lifecycle expiration", "not retained on stack deletion", "public access not fully blocked", "no TLS-only bucket policy", "no access logging"} {
		assert.Contains(t, beta.Problems, p)
	}
}

// TestIsolationBreachIsDetected: the fixture's flows (testdata/assembly/voicevault-flows.json)
// include must-deny flows of each tenant's role on the other's bucket; beta's role allows s3:* on
// *, so the engine allows two of them, and the matrix shows beta reaching alpha with the
// statements that decided it.
func TestIsolationBreachIsDetected(t *testing.T) {
	r, _ := build(t)
	require.Len(t, r.Isolation.Tenants, 2)
	assert.Equal(t, "audit.FlowIsolation", r.Isolation.Checker)
	ab, _ := r.Isolation.Cell("alpha", "beta")
	assert.False(t, ab.Reachable, "alpha reaches nothing of beta: %v", ab.Evidence)
	ba, _ := r.Isolation.Cell("beta", "alpha")
	require.True(t, ba.Reachable)
	ev := strings.Join(ba.Evidence, "\n")
	assert.Contains(t, ev, "TTS pods read tenant alpha's voice: arn:aws:iam::111111111111:role/voicevault-prod-beta-tts s3:GetObject on arn:aws:s3:::vv-alpha-prod-111111111111-eu-west-1/voices/v1.wav allowed by")
	assert.Contains(t, ev, "identity Allow prod-tenant-beta/WorkloadRole/Everything[#1]", "the statement that opened it")
	assert.Contains(t, ev, "s3:DeleteObject")
	assert.Equal(t, 1, r.Isolation.Breaches)
	assert.Equal(t, audit.Fail, controlOf(t, r, "CPL-3").Status)
	assert.True(t, r.Access.Evaluated)
	assert.Equal(t, 3, r.Access.MustDeny)
	assert.Equal(t, 2, r.Access.Failures)
}

// copyFixture copies the fixture assembly into a temporary directory, without the files skip.
func copyFixture(t *testing.T, skip ...string) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(fixture)
	require.NoError(t, err)
	for _, e := range entries {
		if slices.Contains(skip, e.Name()) || e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(fixture, e.Name()))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644))
	}
	return dir
}

// TestAssemblyWithoutFlowsIsRefused: without the flows file there is no isolation model, and
// the pack says how to get one instead of deciding isolation some other way.
func TestAssemblyWithoutFlowsIsRefused(t *testing.T) {
	dir := copyFixture(t, access.FlowsFile)
	a, err := assembly.Load(dir)
	require.NoError(t, err)
	_, err = audit.Build(a, dir, audit.Options{})
	require.ErrorIs(t, err, access.ErrNoFlows)
	assert.Contains(t, err.Error(), "synthesize again (make synth")
}

func TestSecretLiteralIsFlagged(t *testing.T) {
	r, _ := build(t)
	c := controlOf(t, r, "SEC-2")
	assert.Equal(t, audit.Fail, c.Status)
	assert.Equal(t, []string{"fail prod-tenant-beta/Fn: environment variable API_TOKEN holds a literal value"}, c.Failing, "TOKEN_PARAM names a parameter, and alpha's manifest env holds no secret")
}

func TestNagCountsAndSuppressionsWithOwners(t *testing.T) {
	r, _ := build(t)
	counts := map[string]audit.NagCount{}
	for _, n := range r.NagSummary {
		counts[n.Pack+" "+n.Stack] = n
	}
	assert.Len(t, counts, 16, "four packs on four stacks")
	lab := counts["AwsSolutions lab-platform"]
	assert.Equal(t, 1, lab.Compliant)
	assert.Equal(t, 2, lab.NonCompliant)
	assert.Equal(t, 1, lab.Warnings)
	assert.Equal(t, 1, counts["NIST.800.53.R5 lab-platform"].Unknown)

	require.Len(t, r.Suppress, 5)
	iam5 := r.Suppress[0]
	assert.Equal(t, "AwsSolutions-IAM5", iam5.Rule)
	assert.Equal(t, "Resource::<AudioBucket.Arn>/audio/*", iam5.Finding)
	assert.Equal(t, "the tenant's audio prefix", iam5.Reason)
	assert.Equal(t, "tenant-team", iam5.Owner)
	rogue := r.Suppress[4]
	assert.Equal(t, "prod-tenant-beta", rogue.Stack)
	assert.Empty(t, rogue.Owner)
	assert.Equal(t, audit.Fail, rogue.Status, "a suppression without an owner is not from the registry")
	assert.Equal(t, audit.Fail, controlOf(t, r, "CPL-2").Status)
	assert.Equal(t, []string{"lab-platform /lab-platform/Repo/Resource: AwsSolutions-ECR1: fixture finding"}, r.Errors)
}

func TestSplitOwner(t *testing.T) {
	text, owner := audit.SplitOwner("EKS needs it (see docs) (owner: platform-team@voicevault.example)")
	assert.Equal(t, "EKS needs it (see docs)", text)
	assert.Equal(t, "platform-team@voicevault.example", owner)
	text, owner = audit.SplitOwner("no owner here")
	assert.Equal(t, "no owner here", text)
	assert.Empty(t, owner)
}

func TestTemplateHashesMatchTheFiles(t *testing.T) {
	r, _ := build(t)
	require.Len(t, r.Stacks, 4)
	for _, s := range r.Stacks {
		b, err := os.ReadFile(filepath.Join(fixture, s.File))
		require.NoError(t, err)
		sum := sha256.Sum256(b)
		assert.Equal(t, hex.EncodeToString(sum[:]), s.SHA256, s.Name)
	}
}

func TestGoodStacksPassTheirControls(t *testing.T) {
	r, _ := build(t)
	for _, c := range r.Controls {
		for _, f := range c.Failing {
			if strings.Contains(f, "prod-platform/") || strings.Contains(f, "prod-tenant-alpha/") {
				if strings.HasPrefix(f, "warn ") {
					continue
				}
				t.Errorf("%s: a good stack fails: %s", c.ID, f)
			}
		}
	}
}

func TestTemplateValidationViolationsFailTheirControl(t *testing.T) {
	r, _ := build(t)
	require.True(t, r.Validation.Ran)
	assert.Equal(t, "1.9.0", r.Validation.Version)
	c := controlOf(t, r, "CPL-5")
	assert.Equal(t, audit.Fail, c.Status)
	require.Len(t, c.Failing, 1)
	assert.Contains(t, c.Failing[0], "lab-platform/Repo/Resource W3030")
	assert.Contains(t, strings.Join(c.Satisfied, "\n"), "prod-platform: no violation")
	assert.Contains(t, strings.Join(c.Satisfied, "\n"), "W3010: acknowledged: AvailabilityZone", "acknowledged rules are listed, not hidden")
	assert.NotContains(t, strings.Join(c.Satisfied, "\n"), "lab-platform: no violation")
}

func TestTemplateValidationThatDidNotRunIsAWarning(t *testing.T) {
	dir := copyFixture(t, assembly.ValidationReportFile)
	a, err := assembly.Load(dir)
	require.NoError(t, err)
	r, err := audit.Build(a, dir, audit.Options{})
	require.NoError(t, err)
	assert.False(t, r.Validation.Ran)
	c := controlOf(t, r, "CPL-5")
	assert.Equal(t, audit.Warn, c.Status)
	assert.Contains(t, strings.Join(c.Failing, "\n"), "CDK_VALIDATION=false")
}

func TestUnmeteredAPIFailsAndMeteredAPIShowsItsPlans(t *testing.T) {
	r, _ := build(t)
	c := controlOf(t, r, "API-5")
	assert.Equal(t, audit.Fail, c.Status)
	require.Len(t, c.Satisfied, 1)
	assert.Contains(t, c.Satisfied[0], "prod-tenant-alpha/Api: key source AUTHORIZER; 1 of 1 methods require an API key")
	assert.Contains(t, c.Satisfied[0], "voicevault-prod-alpha-interactive (rate 50, burst 100; quota 1000000 per MONTH; 1 key)")
	require.Len(t, c.Failing, 1)
	assert.Contains(t, c.Failing[0], "prod-tenant-beta/Api")
	assert.Contains(t, c.Failing[0], "API key source HEADER")
	assert.Contains(t, c.Failing[0], "no usage plan")
	assert.Contains(t, c.Failing[0], "GET / requires no API key")
	assert.NotContains(t, c.Failing[0], "OPTIONS", "a CORS preflight answered by API Gateway needs no key")
}
