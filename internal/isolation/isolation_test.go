package isolation

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/config"
)

var ids = []Identity{
	{Tenant: "acme", Markers: []Marker{{"audio bucket", "vv-acme-prod-1-eu-west-1"}, {"namespace", "tenant-acme"}}},
	{Tenant: "globex", Markers: []Marker{{"audio bucket", "vv-globex-prod-1-eu-west-1"}, {"namespace", "tenant-globex"}}},
}

var owners = map[string][]string{"prod-tenant-acme": {"acme"}, "prod-tenant-globex": {"globex"}, "prod-platform": {"acme", "globex"}}

func tpl(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(s), &m))
	return m
}

const acmeClean = `{"Resources":{
 "Policy":{"Type":"AWS::IAM::Policy","Properties":{"PolicyDocument":{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":s3:::vv-acme-prod-1-eu-west-1/voices/*"]]}}]}}},
 "Manifest":{"Type":"Custom::AWSCDK-EKS-KubernetesResource","Properties":{"Manifest":"[{\"metadata\":{\"namespace\":\"tenant-acme\"}}]"}}
}}`

func TestCleanTemplatesHaveNoFindingsAndAreActuallyInspected(t *testing.T) {
	rep := Check(ids, owners, map[string]map[string]any{"prod-tenant-acme": tpl(t, acmeClean)})
	assert.Empty(t, rep.Findings)
	assert.Equal(t, map[string]int{"AWS::IAM::Policy PolicyDocument": 1, "Custom::AWSCDK-EKS-KubernetesResource Manifest": 1}, rep.Checked["prod-tenant-acme"])
}

func TestCheckFindsAnotherTenantsNameInEachCheckedKind(t *testing.T) {
	cases := map[string]string{
		"bucket policy": `{"Resources":{"P":{"Type":"AWS::S3::BucketPolicy","Properties":{"PolicyDocument":{"Statement":[{"Resource":"arn:aws:s3:::vv-globex-prod-1-eu-west-1/*"}]}}}}}`,
		"key policy":    `{"Resources":{"K":{"Type":"AWS::KMS::Key","Properties":{"KeyPolicy":{"Statement":[{"Condition":{"StringEquals":{"kms:EncryptionContext:aws:s3:arn":"arn:aws:s3:::vv-globex-prod-1-eu-west-1"}}}]}}}}}`,
		"role trust":    `{"Resources":{"R":{"Type":"AWS::IAM::Role","Properties":{"AssumeRolePolicyDocument":{"Statement":[{"Condition":{"StringEquals":{"aws:RequestTag/kubernetes-namespace":"tenant-globex"}}}]}}}}}`,
		"role inline":   `{"Resources":{"R":{"Type":"AWS::IAM::Role","Properties":{"Policies":[{"PolicyDocument":{"Statement":[{"Resource":"arn:aws:s3:::vv-globex-prod-1-eu-west-1"}]}}]}}}}`,
		"manifest":      `{"Resources":{"M":{"Type":"Custom::AWSCDK-EKS-KubernetesResource","Properties":{"Manifest":"[{\"metadata\":{\"namespace\":\"tenant-globex\"}}]"}}}}`,
		"joined name":   `{"Resources":{"P":{"Type":"AWS::IAM::Policy","Properties":{"PolicyDocument":{"Statement":[{"Resource":{"Fn::Join":["",["arn:aws:s3:::vv-globex-prod-1-","eu-west-1"]]}}]}}}}}`,
		"association":   `{"Resources":{"A":{"Type":"AWS::EKS::PodIdentityAssociation","Properties":{"Namespace":"tenant-globex"}}}}`,
	}
	for name, src := range cases {
		t.Run(name, func(t *testing.T) {
			rep := Check(ids, owners, map[string]map[string]any{"prod-tenant-acme": tpl(t, src)})
			require.Len(t, rep.Findings, 1, "%v", rep.Findings)
			assert.Equal(t, "globex", rep.Findings[0].Tenant)
			assert.Equal(t, "prod-tenant-acme", rep.Findings[0].Stack)
		})
	}
}

func TestCheckFindsImports(t *testing.T) {
	src := `{"Resources":{"P":{"Type":"AWS::SNS::Topic","Properties":{"KmsMasterKeyId":{"Fn::ImportValue":"prod-tenant-globex:KeyArn"}}}}}`
	rep := Check(ids, owners, map[string]map[string]any{"prod-tenant-acme": tpl(t, src)})
	require.Len(t, rep.Findings, 1)
	assert.Equal(t, "Fn::ImportValue", rep.Findings[0].What)
}

func TestPlatformMayNameItsOwnTenantsOnly(t *testing.T) {
	src := `{"Resources":{"P":{"Type":"AWS::IAM::Policy","Properties":{"PolicyDocument":{"Statement":[{"Resource":["arn:aws:s3:::vv-acme-prod-1-eu-west-1","arn:aws:s3:::vv-globex-prod-1-eu-west-1"]}]}}}}}`
	assert.Empty(t, Check(ids, owners, map[string]map[string]any{"prod-platform": tpl(t, src)}).Findings)
	assert.Len(t, Check(ids, map[string][]string{"other-platform": nil}, map[string]map[string]any{"other-platform": tpl(t, src)}).Findings, 2)
}

func TestNamesMatchOnlyWhole(t *testing.T) {
	for s, want := range map[string]bool{
		"tenant-acme":                           true,
		`"namespace":"tenant-acme"`:             true,
		"system:serviceaccount:tenant-acme:tts": true,
		"prod-tenant-acme":                      false, // the stack name is a marker of its own
		"tenant-acme2":                          false,
		"tenant-acme-x":                         false,
		"xtenant-acme":                          false,
		"tenant-acm":                            false,
		"tenant-acme2 tenant-acme":              true,
	} {
		assert.Equal(t, want, contains(s, "tenant-acme"), s)
	}
}

func TestIdentitiesAndOwnersFollowTheConfig(t *testing.T) {
	cfg := &config.Config{
		Environments: []config.Environment{{Name: "prod", Account: "111111111111", Region: "eu-west-1"}},
		Tenants:      []config.Tenant{{Name: "acme", Environment: "prod"}, {Name: "globex", Environment: "prod"}},
	}
	got := Identities(cfg)
	require.Len(t, got, 2)
	var values []string
	for _, m := range got[0].Markers {
		values = append(values, m.Value)
	}
	assert.ElementsMatch(t, []string{"vv-acme-prod-111111111111-eu-west-1", "voicevault/prod/tenant/acme", "voicevault-prod-acme-tts", "tenant-acme", "prod-tenant-acme"}, values)
	assert.Equal(t, map[string][]string{"prod-platform": {"acme", "globex"}, "prod-tenant-acme": {"acme"}, "prod-tenant-globex": {"globex"}}, Owners(cfg))
}
