package policycheck_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/internal/review/assembly"
	"github.com/voicevault/voicevault/internal/review/policycheck"
	"github.com/voicevault/voicevault/naming"
)

func load(t *testing.T, name string) *assembly.Stack {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".template.json"))
	require.NoError(t, err)
	s, err := assembly.FromTemplate(name, b)
	require.NoError(t, err)
	return s
}

type hit struct {
	Resource string
	Rule     policycheck.Rule
	Severity policycheck.Severity
}

// TestEachBadStatementIsFlaggedForItsRule proves every rule fires, and only where it should:
// each resource of the bad fixture breaks the rule its logical ID names.
func TestEachBadStatementIsFlaggedForItsRule(t *testing.T) {
	vs := policycheck.Check(policycheck.Extract(load(t, "bad")))
	var got []hit
	for _, v := range vs {
		got = append(got, hit{v.Resource, v.Rule, v.Severity})
	}
	want := []hit{
		{"WildcardActionRole", policycheck.WildcardAction, policycheck.Fail},
		{"PublicTrustRole", policycheck.PublicPrincipal, policycheck.Fail},
		{"ServiceWildcardPolicy", policycheck.WildcardAction, policycheck.Fail},
		{"MutatingOnStarPolicy", policycheck.MutatingOnAnyResource, policycheck.Fail},
		{"JoinedStarPolicy", policycheck.MutatingOnAnyResource, policycheck.Fail},
		{"NotActionPolicy", policycheck.NotActionAllow, policycheck.Fail},
		{"NotResourcePolicy", policycheck.NotResourceAllow, policycheck.Fail},
		{"TypeWidePolicy", policycheck.TypeWideResource, policycheck.Broad},
		{"DataReadOnStarPolicy", policycheck.ReadOnAnyResource, policycheck.Broad},
		{"PartialWildcardPolicy", policycheck.PartialWildcardAction, policycheck.Broad},
		{"PublicBucketPolicy", policycheck.PublicPrincipal, policycheck.Fail},
		{"PublicTopicPolicy", policycheck.PublicPrincipal, policycheck.Fail},
		{"PublicLambdaPermission", policycheck.PublicPrincipal, policycheck.Fail},
		{"ServiceWithoutSourcePermission", policycheck.UnconditionedService, policycheck.Broad},
		{"PublicLogsResourcePolicy", policycheck.PublicPrincipal, policycheck.Fail},
		{"WildcardKey", policycheck.WildcardAction, policycheck.Fail},
		{"UnreadableRepository", policycheck.UnreadablePolicy, policycheck.Broad},
	}
	assert.ElementsMatch(t, want, got)
}

func TestMutatingActionOnStarNamesTheActionAndSparesReadsAndUnscopables(t *testing.T) {
	vs := policycheck.Check(policycheck.Extract(load(t, "bad")))
	for _, v := range vs {
		if v.Resource == "MutatingOnStarPolicy" {
			assert.Contains(t, v.Detail, "s3:PutObject on Resource \"*\"")
			assert.Equal(t, "Writes", v.Sid)
		}
	}
}

func TestGoodPoliciesHaveNoViolations(t *testing.T) {
	policies := policycheck.Extract(load(t, "good"))
	assert.Len(t, policies, 6, "key, bucket, trust, identity, permission and topic policies are all found")
	assert.Empty(t, policycheck.Check(policies))
}

func TestKeyPolicyStarMeansTheKey(t *testing.T) {
	for _, p := range policycheck.Extract(load(t, "good")) {
		if p.Resource == "Key" {
			assert.Equal(t, policycheck.Key, p.Kind)
			assert.Empty(t, policycheck.CheckPolicy(p), "Resource \"*\" in a key policy is the key itself")
		}
	}
}

func TestIdentityPoliciesNameTheirPrincipals(t *testing.T) {
	for _, p := range policycheck.Extract(load(t, "good")) {
		if p.Resource == "FunctionRolePolicy" {
			assert.Equal(t, []string{"FunctionRole"}, p.Principals)
			assert.Equal(t, "FunctionRoleDefaultPolicy", p.Name)
			assert.Len(t, p.Statements, 3)
		}
	}
}

func TestIsAnyResource(t *testing.T) {
	for r, want := range map[string]bool{
		"*":                               true,
		"arn:aws:s3:::*":                  true,
		"arn:${AWS::Partition}:s3:::*":    true,
		"arn:aws:kms:*:*:*":               true,
		"arn:aws:s3:::vv-acme-prod/*":     false,
		"${Bucket.Arn}":                   false,
		"arn:aws:kms:eu-west-1:111:key/*": false,
		"arn:aws:logs:eu-west-1:111:log-group:/voicevault/prod/*": false,
	} {
		assert.Equal(t, want, policycheck.IsAnyResource(r), r)
	}
}

func TestActionClassification(t *testing.T) {
	assert.Equal(t, "all", policycheck.ActionScope("*"))
	assert.Equal(t, "all", policycheck.ActionScope("s3:*"))
	assert.Equal(t, "partial", policycheck.ActionScope("s3:Get*"))
	assert.Equal(t, "", policycheck.ActionScope("s3:GetObject"))
	assert.True(t, policycheck.IsRead("ec2:DescribeInstances"))
	assert.True(t, policycheck.IsRead("s3:GetObject"))
	assert.False(t, policycheck.IsRead("s3:PutObject"))
	assert.False(t, policycheck.IsRead("kms:Decrypt"))
	assert.False(t, policycheck.IsRead("iam:GetterOfThings") && false)
	assert.False(t, policycheck.IsRead("ssm:Listen"), "a verb must end at an upper-case letter")
}

// TestDeliveryPoliciesAreJudgedAsBoundaryAndExecutionPolicies: the permissions boundary's Allow
// statements name whole services (it grants nothing), and the CloudFormation execution policy's
// writes on "*" are Broad; a managed policy of any other name is an identity policy like any other.
func TestDeliveryPoliciesAreJudgedAsBoundaryAndExecutionPolicies(t *testing.T) {
	doc := map[string]any{"Version": "2012-10-17", "Statement": []any{
		map[string]any{"Effect": "Allow", "Action": []any{"ssm:*", "kms:CreateKey"}, "Resource": "*"},
		map[string]any{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
	}}
	check := func(name string) map[policycheck.Rule]policycheck.Severity {
		tpl, err := json.Marshal(map[string]any{"Resources": map[string]any{"P": map[string]any{
			"Type": "AWS::IAM::ManagedPolicy", "Properties": map[string]any{"ManagedPolicyName": name, "PolicyDocument": doc},
		}}})
		require.NoError(t, err)
		s, err := assembly.FromTemplate("delivery", tpl)
		require.NoError(t, err)
		got := map[policycheck.Rule]policycheck.Severity{}
		for _, v := range policycheck.Check(policycheck.Extract(s)) {
			if got[v.Rule] != policycheck.Fail {
				got[v.Rule] = v.Severity
			}
		}
		return got
	}
	assert.Equal(t, map[policycheck.Rule]policycheck.Severity{policycheck.NotActionAllow: policycheck.Fail},
		check(naming.BoundaryPolicy("prod")), "boundary: only the structural rules")
	for _, name := range []string{naming.ExecutionPolicy("prod", 1), naming.ExecutionPolicy("prod", 3)} {
		assert.Equal(t, map[policycheck.Rule]policycheck.Severity{
			policycheck.WildcardAction: policycheck.Fail, policycheck.MutatingOnAnyResource: policycheck.Broad, policycheck.NotActionAllow: policycheck.Fail,
		}, check(name), name)
	}
	assert.Equal(t, map[policycheck.Rule]policycheck.Severity{
		policycheck.WildcardAction: policycheck.Fail, policycheck.MutatingOnAnyResource: policycheck.Fail, policycheck.NotActionAllow: policycheck.Fail,
	}, check("prod-platform-AppPolicy-ABC"), "any other managed policy")
}
