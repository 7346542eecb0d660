package test

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/constructs/apiedge"
	"github.com/voicevault/voicevault/constructs/constructtest"
	"github.com/voicevault/voicevault/constructs/defaults"
	"github.com/voicevault/voicevault/naming"
	"github.com/voicevault/voicevault/stacks"
)

// TestTrailLogFilesAreImmutableForTheLogRetention: the trail bucket of every environment has S3
// Object Lock in COMPLIANCE mode with a default retention of the environment's logRetentionDays
// (docs/baseline.md; "Locking objects with Object Lock", Amazon S3 User Guide), and no audio
// bucket has Object Lock (erasure must stay possible).
func TestTrailLogFilesAreImmutableForTheLogRetention(t *testing.T) {
	r := example(t)
	cfg := r.Config
	for _, env := range cfg.Environments {
		stack := naming.PlatformStack(env.Name)
		trails := r.Resources(t, stack, "AWS::CloudTrail::Trail")
		require.Len(t, trails, 1, stack)
		var bucketID string
		for _, tr := range trails {
			bucketID = tr["Properties"].(map[string]any)["S3BucketName"].(map[string]any)["Ref"].(string)
		}
		b := r.Resources(t, stack, "AWS::S3::Bucket")[bucketID]
		require.NotNil(t, b, "%s: trail bucket %s", stack, bucketID)
		props := b["Properties"].(map[string]any)
		assert.Equal(t, true, props["ObjectLockEnabled"], stack)
		assert.Equal(t, map[string]any{
			"ObjectLockEnabled": "Enabled",
			"Rule":              map[string]any{"DefaultRetention": map[string]any{"Mode": "COMPLIANCE", "Days": float64(env.LogRetentionDays)}},
		}, props["ObjectLockConfiguration"], stack)
		assert.Equal(t, "Retain", b["DeletionPolicy"], stack)
	}
	for _, stack := range r.StackNames() {
		for id, b := range r.Resources(t, stack, "AWS::S3::Bucket") {
			props, _ := b["Properties"].(map[string]any)
			name, _ := props["BucketName"].(string)
			if tenantOfBucket(cfg, stack, name) {
				assert.Nil(t, props["ObjectLockEnabled"], "%s: audio bucket %s must stay erasable", stack, id)
			}
		}
	}
}

// tenantOfBucket reports whether name is the audio bucket of a tenant of the stack's environment.
func tenantOfBucket(cfg *config.Config, stack, name string) bool {
	env := envOf(cfg, stack)
	for _, tn := range cfg.Tenants {
		if env != nil && tn.Environment == env.Name && env.Names().AudioBucket(tn.Name) == name {
			return true
		}
	}
	return false
}

// TestAudioDataOnlyFromTheVPCOrTheExemptRoles: every audio bucket denies object data access
// (read, write, tag, delete, list) unless it comes from inside the environment's VPC
// (aws:SourceVpc, the platform's vpc-id parameter) or its principal is the bucket's GuardDuty
// Malware Protection role or one of the environment's erasureRoleArns (docs/tenant.md; IAM User
// Guide, "AWS global condition context keys": aws:SourceVpc, aws:PrincipalArn). The deny names
// data actions only: bucket configuration stays with CloudFormation and AWS services.
func TestAudioDataOnlyFromTheVPCOrTheExemptRoles(t *testing.T) {
	r := example(t)
	for _, tn := range r.Config.Tenants {
		env := envOf(r.Config, naming.TenantStack(tn.Environment, tn.Name))
		stack := naming.TenantStack(tn.Environment, tn.Name)
		tpl := r.JSON(t, stack)
		params, _ := tpl["Parameters"].(map[string]any)
		var vpcParam string
		for id, p := range params {
			if d, _ := p.(map[string]any)["Default"].(string); d == "/voicevault/"+env.Name+"/platform/vpc-id" {
				vpcParam = id
			}
		}
		require.NotEmpty(t, vpcParam, stack)
		var malwareRole string
		for id := range r.Resources(t, stack, "AWS::IAM::Role") {
			if strings.HasPrefix(id, "MalwareScanRole") {
				malwareRole = id
			}
		}
		require.NotEmpty(t, malwareRole, stack)
		exempt := []any{map[string]any{"Fn::GetAtt": []any{malwareRole, "Arn"}}}
		for _, arn := range env.ErasureRoleARNs {
			exempt = append(exempt, arn)
		}
		found := false
		for _, bp := range r.Resources(t, stack, "AWS::S3::BucketPolicy") {
			for _, s := range bp["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
				st := s.(map[string]any)
				if st["Sid"] != "DenyDataAccessFromOutsideTheVPC" {
					continue
				}
				found = true
				assert.Equal(t, "Deny", st["Effect"])
				assert.Equal(t, map[string]any{
					"StringNotEquals": map[string]any{"aws:SourceVpc": map[string]any{"Ref": vpcParam}},
					"ArnNotEquals":    map[string]any{"aws:PrincipalArn": exempt},
				}, st["Condition"], stack)
				for _, a := range st["Action"].([]any) {
					assert.Regexp(t, `^s3:(GetObject|PutObject|DeleteObject|RestoreObject|ReplicateObject|AbortMultipartUpload|ListMultipartUploadParts|ListBucket)`, a, "%s: the deny must name data actions only", stack)
				}
				assert.Contains(t, st["Action"], "s3:GetObject*")
				assert.Contains(t, st["Action"], "s3:PutObject*")
				assert.Contains(t, st["Action"], "s3:ListBucketVersions")
			}
		}
		assert.True(t, found, "%s: audio bucket has no VPC-only data statement", stack)
	}
}

// TestTenantS3TrafficIsGovernedByThePlatformsEndpointPolicy keeps docs/tenant.md's decision true:
// where a tenant's pods may open HTTPS to public IPv4 (S3 through the gateway endpoint), the
// environment has no route to the Internet and its S3 gateway endpoint has a policy limited to
// the environment's account.
func TestTenantS3TrafficIsGovernedByThePlatformsEndpointPolicy(t *testing.T) {
	r := example(t)
	for i := range r.Config.Environments {
		env := &r.Config.Environments[i]
		public := false
		for _, b := range stacks.HTTPSEgress(env) {
			public = public || b.CIDR == "0.0.0.0/0"
		}
		if !public {
			continue
		}
		require.Equal(t, config.EgressNone, env.Egress, env.Name)
		platform := naming.PlatformStack(env.Name)
		assert.Empty(t, r.Resources(t, platform, "AWS::EC2::NatGateway"), platform)
		assert.Empty(t, r.Resources(t, platform, "AWS::EC2::InternetGateway"), platform)
		gateways := 0
		for id, ep := range r.Resources(t, platform, "AWS::EC2::VPCEndpoint") {
			p := ep["Properties"].(map[string]any)
			if p["VpcEndpointType"] != "Gateway" {
				continue
			}
			gateways++
			first := p["PolicyDocument"].(map[string]any)["Statement"].([]any)[0].(map[string]any)
			assert.Equal(t, map[string]any{"StringEquals": map[string]any{"aws:PrincipalAccount": env.Account, "s3:ResourceAccount": env.Account}}, first["Condition"], "%s: %s", platform, id)
		}
		assert.Equal(t, 1, gateways, platform)
	}
}

// TestEveryRESTAPIRequiresTLS12OrLater: every REST API has an enhanced TLS 1.3/1.2 security
// policy with STRICT endpoint access, and an API with a custom domain has its execute-api
// endpoint disabled, so the domain's policy cannot be bypassed ("Security policies for REST APIs
// in API Gateway", Amazon API Gateway Developer Guide; AWS::ApiGateway::RestApi SecurityPolicy,
// EndpointAccessMode, DisableExecuteApiEndpoint).
func TestEveryRESTAPIRequiresTLS12OrLater(t *testing.T) {
	r := example(t)
	apis := 0
	for _, stack := range r.StackNames() {
		domains := r.Resources(t, stack, "AWS::ApiGateway::DomainName")
		for id, api := range r.Resources(t, stack, "AWS::ApiGateway::RestApi") {
			apis++
			p := api["Properties"].(map[string]any)
			assert.Equal(t, apiedge.RESTAPISecurityPolicy, p["SecurityPolicy"], "%s: %s", stack, id)
			assert.Equal(t, "STRICT", p["EndpointAccessMode"], "%s: %s", stack, id)
			assert.Equal(t, len(domains) > 0, p["DisableExecuteApiEndpoint"], "%s: %s: execute-api endpoint off exactly when a custom domain exists", stack, id)
		}
		for id, d := range domains {
			p := d["Properties"].(map[string]any)
			assert.Equal(t, apiedge.RESTAPISecurityPolicy, p["SecurityPolicy"], "%s: %s", stack, id)
		}
	}
	assert.Equal(t, len(r.Config.Tenants), apis)
	assert.Equal(t, "SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09", apiedge.RESTAPISecurityPolicy)
}

// TestIngressIsHTTPSByDefault: every environment of the example (none sets ingress.plainHttp)
// has an HTTPS-only shared listener with a TLS 1.3/1.2 policy (docs/api.md).
func TestIngressIsHTTPSByDefault(t *testing.T) {
	r := example(t)
	for _, env := range r.Config.Environments {
		require.False(t, env.Ingress.PlainHTTP, env.Name)
		listeners := r.Resources(t, naming.PlatformStack(env.Name), "AWS::ElasticLoadBalancingV2::Listener")
		require.Len(t, listeners, 1, env.Name)
		for _, l := range listeners {
			p := l["Properties"].(map[string]any)
			assert.Equal(t, "HTTPS", p["Protocol"], env.Name)
			assert.Equal(t, float64(443), p["Port"], env.Name)
			assert.Equal(t, "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09", p["SslPolicy"], env.Name)
		}
	}
}

// TestClusterAdminAccessIsTheConfiguredRolesAndTheKubectlRole keeps README.md true: the only
// access entries with cluster-admin are those of clusterAdminRoleArns and the kubectl provider's
// role, and the README says so.
func TestClusterAdminAccessIsTheConfiguredRolesAndTheKubectlRole(t *testing.T) {
	r := example(t)
	readme := string(readFile(t, filepath.Join(constructtest.Root(), "README.md")))
	assert.Contains(t, strings.Join(strings.Fields(readme), " "), "cluster-admin access entries only for `clusterAdminRoleArns` and the in-VPC kubectl provider's role")
	for _, env := range r.Config.Environments {
		stack := naming.PlatformStack(env.Name)
		var literal []string
		var refs []string
		for _, e := range r.Resources(t, stack, "AWS::EKS::AccessEntry") {
			p := e["Properties"].(map[string]any)
			raw, _ := json.Marshal(p["AccessPolicies"])
			if !strings.Contains(string(raw), "AmazonEKSClusterAdminPolicy") {
				continue
			}
			switch arn := p["PrincipalArn"].(type) {
			case string:
				literal = append(literal, arn)
			case map[string]any:
				refs = append(refs, arn["Fn::GetAtt"].([]any)[0].(string))
			}
		}
		assert.ElementsMatch(t, env.ClusterAdminRoleARNs, literal, stack)
		require.Len(t, refs, 1, stack)
		assert.True(t, strings.HasPrefix(refs[0], "EKSKubectlRole"), "%s: %s", stack, refs[0])
	}
}

// TestTenantKeyPolicyNamesOnlyThePrincipalsThatUseIt keeps README.md and docs/tenant.md true:
// every statement of a tenant key policy is one docs/tenant.md names; only the administration
// statement names the account without a service; every data-plane statement is bound to one AWS
// service (kms:ViaService, or the CloudWatch Logs service principal) and to the tenant's own
// resources (an encryption context).
func TestTenantKeyPolicyNamesOnlyThePrincipalsThatUseIt(t *testing.T) {
	r := example(t)
	doc := string(readFile(t, filepath.Join(constructtest.Root(), "docs", "tenant.md")))
	row := doc[strings.Index(doc, "| `AWS::KMS::Key`"):]
	row = row[:strings.Index(row, "\n")]
	var documented []string
	for _, m := range regexp.MustCompile("`([A-Za-z0-9]+)(…)?`").FindAllStringSubmatch(row, -1) {
		if !strings.HasPrefix(m[1], "Test") {
			documented = append(documented, m[1])
		}
	}
	require.Len(t, documented, 7, row) // the key policy's statements, each named once
	for _, tn := range r.Config.Tenants {
		stack := naming.TenantStack(tn.Environment, tn.Name)
		for id, k := range r.Resources(t, stack, "AWS::KMS::Key") {
			if !strings.HasPrefix(id, "TenantKey") {
				continue
			}
			for _, s := range k["Properties"].(map[string]any)["KeyPolicy"].(map[string]any)["Statement"].([]any) {
				st := s.(map[string]any)
				sid, _ := st["Sid"].(string)
				named := false
				for _, d := range documented {
					named = named || sid == d || (strings.HasPrefix(sid, d) && d == "AudioKeyThroughS3For")
				}
				assert.True(t, named, "%s: statement %q is not in docs/tenant.md", stack, sid)
				if sid == "KeyAdministrationByAccount" {
					assert.False(t, allowsAction(st["Action"], "kms:Decrypt") || allowsAction(st["Action"], "kms:GenerateDataKey"), stack)
					continue
				}
				cond, _ := json.Marshal(st["Condition"])
				principal, _ := json.Marshal(st["Principal"])
				bound := strings.Contains(string(cond), "kms:ViaService") || string(principal) == `{"Service":"logs.`+r.Config.Environments[0].Region+`.amazonaws.com"}` || strings.Contains(string(principal), `"Service":"logs.`)
				assert.True(t, bound, "%s: %s is not bound to one AWS service", stack, sid)
				assert.Contains(t, string(cond), "kms:EncryptionContext:", "%s: %s is not bound to the tenant's resources", stack, sid)
			}
		}
	}
}

// TestDocumentedTemplateSizesAreTheGoldenTemplates keeps the template sizes README.md's
// Performance table and docs/tenant.md state equal to the example's golden templates (resources
// and bytes; the golden templates are byte for byte what the synth writes).
func TestDocumentedTemplateSizesAreTheGoldenTemplates(t *testing.T) {
	size := func(stack string) (int, int) {
		b := readFile(t, filepath.Join("testdata", stack+".template.json"))
		var tpl struct{ Resources map[string]any }
		require.NoError(t, json.Unmarshal(b, &tpl))
		return len(tpl.Resources), len(b)
	}
	num := func(s string) int {
		n, err := strconv.Atoi(strings.ReplaceAll(s, ",", ""))
		require.NoError(t, err)
		return n
	}
	readme := string(readFile(t, filepath.Join(constructtest.Root(), "README.md")))
	res, bytes := size("prod-platform")
	rows := regexp.MustCompile(`(?m)^\| example configuration(, template validation off)? \|.*\| (?:prod-platform: )?(\d+) / ([\d,]+) \|$`).FindAllStringSubmatch(readme, -1)
	require.Len(t, rows, 2, "README.md Performance: the two example-configuration rows")
	for _, m := range rows {
		assert.Equal(t, res, num(m[2]), "README.md Performance: prod-platform resources")
		assert.Equal(t, bytes, num(m[3]), "README.md Performance: prod-platform bytes")
	}
	doc := string(readFile(t, filepath.Join(constructtest.Root(), "docs", "tenant.md")))
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile("`([a-z0-9]+-tenant-[a-z0-9-]+)`: (\\d+)\\s+resources,\\s+([\\d,]+) bytes").FindAllStringSubmatch(doc, -1) {
		res, bytes := size(m[1])
		assert.Equal(t, res, num(m[2]), "docs/tenant.md: %s resources", m[1])
		assert.Equal(t, bytes, num(m[3]), "docs/tenant.md: %s bytes", m[1])
		seen[m[1]] = true
	}
	for _, tn := range example(t).Config.Tenants {
		assert.True(t, seen[naming.TenantStack(tn.Environment, tn.Name)], "docs/tenant.md states the size of %s", tn.Name)
	}
}

// TestEveryConfigRetentionIsACloudWatchRetention: the configuration accepts exactly the retentions
// CloudWatch Logs knows (constructs/defaults maps each to the CDK's enum).
func TestEveryConfigRetentionIsACloudWatchRetention(t *testing.T) {
	for _, d := range config.LogRetentionValues {
		_, ok := defaults.RetentionLookup(d)
		assert.True(t, ok, "%d days", d)
	}
	_, ok := defaults.RetentionLookup(defaults.DefaultLogRetentionDays)
	assert.True(t, ok)
}
