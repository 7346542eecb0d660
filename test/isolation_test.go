package test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/internal/isolation"
	"github.com/voicevault/voicevault/naming"
	"github.com/voicevault/voicevault/test/apptest"
)

func allTemplates(t *testing.T, r *apptest.Result) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, name := range r.StackNames() {
		out[name] = r.JSON(t, name)
	}
	return out
}

// TestNoTemplateNamesAnotherTenant walks every template of the example (3 tenants, 2
// environments): no policy, key policy, bucket policy, Pod Identity association or Kubernetes
// manifest of a tenant names another tenant's bucket, key, role, namespace or stack, and no
// platform names a tenant of another environment.
func TestNoTemplateNamesAnotherTenant(t *testing.T) {
	r := example(t)
	rep := isolation.Check(isolation.Identities(r.Config), isolation.Owners(r.Config), allTemplates(t, r))
	for _, f := range rep.Findings {
		t.Errorf("cross-tenant reference: %s", f)
	}
	// The check looked at every kind of document in every tenant stack.
	for _, tn := range r.Config.Tenants {
		stack := naming.TenantStack(tn.Environment, tn.Name)
		got := rep.Checked[stack]
		for kind, n := range map[string]int{
			"AWS::IAM::ManagedPolicy PolicyDocument":         3, // pod identity, malware scan, API authorizer
			"AWS::IAM::Role AssumeRolePolicyDocument":        3, // pod identity, malware scan, API authorizer
			"AWS::KMS::Key KeyPolicy":                        1,
			"AWS::S3::BucketPolicy PolicyDocument":           1,
			"AWS::EKS::PodIdentityAssociation Namespace":     1,
			"Custom::AWSCDK-EKS-KubernetesResource Manifest": 3, // guardrails, workload, TargetGroupBinding
		} {
			assert.Equal(t, n, got[kind], "%s: %s documents inspected", stack, kind)
		}
	}
}

// TestCheckerKnowsEachTenantsNamesAsTheyAppear proves the markers are the names the stacks
// really use: every marker of a tenant occurs in its own template, and checked against its own
// identity, a tenant stack's policies and manifests "name" its own bucket and namespace. A
// checker whose markers matched nothing would pass vacuously.
func TestCheckerKnowsEachTenantsNamesAsTheyAppear(t *testing.T) {
	r := example(t)
	for _, id := range isolation.Identities(r.Config) {
		tn := tenantNamed(r.Config, id.Tenant)
		stack := naming.TenantStack(tn.Environment, tn.Name)
		raw := string(r.TemplateBytes(t, stack))
		for _, m := range id.Markers {
			if m.What != "stack" { // a stack's name is in its manifest, not its template
				assert.Contains(t, raw, m.Value, "%s: its %s", stack, m.What)
			}
		}
		found, _ := isolation.CheckTemplate(stack, r.JSON(t, stack), []isolation.Identity{id})
		what := map[string]bool{}
		for _, f := range found {
			what[f.What] = true
		}
		for _, w := range []string{"audio bucket", "namespace"} {
			assert.True(t, what[w], "%s: its own %s is visible to the checker", stack, w)
		}
	}
}

func tenantNamed(c *config.Config, name string) config.Tenant {
	for _, t := range c.Tenants {
		if t.Name == name {
			return t
		}
	}
	return config.Tenant{}
}

// TestIsolationCheckFailsWhenATenantNamesAnother doctors acme's real template in each way a
// cross-tenant reference could slip in, and requires the checker to report globex.
func TestIsolationCheckFailsWhenATenantNamesAnother(t *testing.T) {
	r := example(t)
	globexBucket := "arn:aws:s3:::" + mustEnv(t, r.Config, "prod").Names().AudioBucket("globex")
	cases := []struct {
		name   string
		doctor func(t *testing.T, tpl map[string]any)
		what   string
	}{
		{"IAM policy grants globex's bucket", func(t *testing.T, tpl map[string]any) {
			doc := onlyIn(t, tpl, "AWS::IAM::ManagedPolicy", "AudioReadWrite")["PolicyDocument"].(map[string]any)
			doc["Statement"] = append(doc["Statement"].([]any), map[string]any{"Effect": "Allow", "Action": "s3:GetObject", "Resource": globexBucket + "/*"})
		}, "audio bucket"},
		{"key policy serves globex's bucket", func(t *testing.T, tpl map[string]any) {
			for _, s := range only(t, tpl, "AWS::KMS::Key")["KeyPolicy"].(map[string]any)["Statement"].([]any) {
				if c, ok := s.(map[string]any)["Condition"].(map[string]any); ok {
					if eq, ok := c["StringEquals"].(map[string]any); ok {
						eq["kms:EncryptionContext:aws:s3:arn"] = globexBucket
					}
				}
			}
		}, "audio bucket"},
		{"bucket policy trusts globex's role", func(t *testing.T, tpl map[string]any) {
			doc := only(t, tpl, "AWS::S3::BucketPolicy")["PolicyDocument"].(map[string]any)
			doc["Statement"] = append(doc["Statement"].([]any), map[string]any{"Effect": "Allow", "Action": "s3:GetObject",
				"Principal": map[string]any{"AWS": "arn:aws:iam::111111111111:role/" + naming.WorkloadRole("prod", "globex")}, "Resource": "*"})
		}, "workload role"},
		{"role trusts globex's namespace", func(t *testing.T, tpl map[string]any) {
			c := onlyIn(t, tpl, "AWS::IAM::Role", "Identity")["AssumeRolePolicyDocument"].(map[string]any)["Statement"].([]any)[0].(map[string]any)["Condition"].(map[string]any)
			c["StringEquals"].(map[string]any)["aws:RequestTag/kubernetes-namespace"] = naming.Namespace("globex")
		}, "namespace"},
		{"manifest lands in globex's namespace", func(t *testing.T, tpl map[string]any) {
			for _, res := range tpl["Resources"].(map[string]any) {
				m := res.(map[string]any)
				if m["Type"] != "Custom::AWSCDK-EKS-KubernetesResource" {
					continue
				}
				p := m["Properties"].(map[string]any)
				if s, ok := p["Manifest"].(string); ok {
					p["Manifest"] = strings.ReplaceAll(s, `"namespace":"tenant-acme"`, `"namespace":"tenant-globex"`)
				}
			}
		}, "namespace"},
		{"policy uses globex's key alias", func(t *testing.T, tpl map[string]any) {
			doc := onlyIn(t, tpl, "AWS::IAM::ManagedPolicy", "AudioReadWrite")["PolicyDocument"].(map[string]any)
			doc["Statement"] = append(doc["Statement"].([]any), map[string]any{"Effect": "Allow", "Action": "kms:Decrypt",
				"Resource": "*", "Condition": map[string]any{"ForAnyValue:StringEquals": map[string]any{"kms:ResourceAliases": "alias/" + naming.TenantKeyAlias("prod", "globex")}}})
		}, "key alias"},
		{"association binds globex's namespace", func(t *testing.T, tpl map[string]any) {
			only(t, tpl, "AWS::EKS::PodIdentityAssociation")["Namespace"] = naming.Namespace("globex")
		}, "namespace"},
		{"value imported from another stack", func(t *testing.T, tpl map[string]any) {
			only(t, tpl, "AWS::EKS::PodIdentityAssociation")["RoleArn"] = map[string]any{"Fn::ImportValue": "SharedWorkloadRoleArn"}
		}, "Fn::ImportValue"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			templates := allTemplates(t, r)
			acme := deepCopy(t, templates["prod-tenant-acme"])
			tc.doctor(t, acme)
			templates["prod-tenant-acme"] = acme
			rep := isolation.Check(isolation.Identities(r.Config), isolation.Owners(r.Config), templates)
			require.NotEmpty(t, rep.Findings, "the checker must fail")
			for _, f := range rep.Findings {
				assert.Equal(t, "prod-tenant-acme", f.Stack, f.String())
				assert.Equal(t, tc.what, f.What, f.String())
				if tc.what != "Fn::ImportValue" {
					assert.Equal(t, "globex", f.Tenant, f.String())
				}
			}
		})
	}
	// The doctoring worked on copies: the shared templates are still clean.
	assert.Empty(t, isolation.Check(isolation.Identities(r.Config), isolation.Owners(r.Config), allTemplates(t, r)).Findings)
}

func mustEnv(t *testing.T, c *config.Config, name string) *config.Environment {
	t.Helper()
	e, ok := c.Environment(name)
	require.True(t, ok)
	return e
}

func only(t *testing.T, tpl map[string]any, typ string) map[string]any {
	t.Helper()
	var found map[string]any
	for _, res := range tpl["Resources"].(map[string]any) {
		m := res.(map[string]any)
		if m["Type"] == typ {
			require.Nil(t, found, "more than one %s", typ)
			found = m["Properties"].(map[string]any)
		}
	}
	require.NotNil(t, found, typ)
	return found
}

// onlyIn is only, among the resources whose logical ID starts with prefix.
func onlyIn(t *testing.T, tpl map[string]any, typ, prefix string) map[string]any {
	t.Helper()
	var found map[string]any
	for id, res := range tpl["Resources"].(map[string]any) {
		m := res.(map[string]any)
		if m["Type"] == typ && strings.HasPrefix(id, prefix) {
			require.Nil(t, found, "more than one %s %s*", typ, prefix)
			found = m["Properties"].(map[string]any)
		}
	}
	require.NotNil(t, found, "%s %s*", typ, prefix)
	return found
}

func deepCopy(t *testing.T, v map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}
