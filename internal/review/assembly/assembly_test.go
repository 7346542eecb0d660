package assembly_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/internal/review/assembly"
)

const fixture = "../audit/testdata/assembly"

func parse(t *testing.T, s string) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal([]byte(s), &v))
	return v
}

func TestRenderShowsIntrinsicsAsPlaceholders(t *testing.T) {
	for in, want := range map[string]string{
		`"*"`:                            "*",
		`{"Ref": "Bucket"}`:              "${Bucket}",
		`{"Fn::GetAtt": ["Key", "Arn"]}`: "${Key.Arn}",
		`{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", {"Ref": "Bucket"}, "/*"]]}`: "arn:${AWS::Partition}:s3:::${Bucket}/*",
		`{"Fn::Sub": ["arn:aws:s3:::${B}/x", {"B": {"Ref": "Bucket"}}]}`:                             "arn:aws:s3:::${Bucket}/x",
		`{"Fn::ImportValue": "shared-key"}`:                                                          "${Import:shared-key}",
		`{"Fn::Select": [0, ["a"]]}`:                                                                 "${Fn::Select}",
		`["a", {"Ref": "B"}]`:                                                                        "a, ${B}",
		`5000000`:                                                                                    "5000000",
		`0.5`:                                                                                        "0.5",
		`true`:                                                                                       "true",
	} {
		assert.Equal(t, want, assembly.Render(parse(t, in)), in)
	}
}

func TestRefsFindsEveryReference(t *testing.T) {
	v := parse(t, `{"Fn::Join": ["", [{"Fn::GetAtt": ["Key", "Arn"]}, {"Ref": "AWS::Region"}, {"Fn::Sub": "${Bucket.Arn}/${AWS::AccountId}"}, {"Ref": "Topic"}]]}`)
	assert.Equal(t, []string{"Bucket", "Key", "Topic"}, assembly.Refs(v))
	assert.Equal(t, "Key", assembly.RefTarget(parse(t, `{"Fn::GetAtt": ["Key", "Arn"]}`)))
	assert.Equal(t, "", assembly.RefTarget(parse(t, `{"Ref": "AWS::Partition"}`)))
}

func TestLoadReadsStacksPathsAnnotationsAndReports(t *testing.T) {
	a, err := assembly.Load(fixture)
	require.NoError(t, err)
	var names []string
	for _, s := range a.Stacks {
		names = append(names, s.Name)
	}
	assert.Equal(t, []string{"lab-platform", "prod-platform", "prod-tenant-alpha", "prod-tenant-beta"}, names)
	alpha, ok := a.Stack("prod-tenant-alpha")
	require.True(t, ok)
	assert.Equal(t, "111111111111", alpha.Account)
	assert.Equal(t, "eu-west-1", alpha.Region)
	assert.Equal(t, []string{"prod-platform"}, alpha.Dependencies)
	assert.Equal(t, "alpha", alpha.Tags["Tenant"])
	bucket, ok := alpha.Resource("AudioBucket")
	require.True(t, ok)
	assert.Equal(t, "AudioBucket/Resource", bucket.Path, "from the additional metadata file")
	assert.Equal(t, "AudioBucket", bucket.Label())
	assert.Equal(t, "Retain", bucket.DeletionPolicy)
	assert.Len(t, alpha.OfType("AWS::ApiGateway::Resource"), 2)

	errs := a.Annotations("error")
	require.Len(t, errs, 1, "inline manifest metadata is read too")
	assert.Equal(t, "/lab-platform/Repo/Resource", errs[0].Path)

	reports, err := a.NagReports()
	require.NoError(t, err)
	assert.Len(t, reports, 16)
	assert.Equal(t, []string{"AwsSolutions", "HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321"}, assembly.NagPacks(reports))
	var granular assembly.NagRow
	for _, r := range assembly.NagRows(reports) {
		if r.Stack == "prod-tenant-alpha" && r.Rule == "AwsSolutions-IAM5" {
			granular = r
		}
	}
	assert.Equal(t, "WorkloadRole/DefaultPolicy/Resource", granular.Resource, "paths are relative to the stack")
	assert.Equal(t, "Resource::<AudioBucket.Arn>/audio/*", granular.Finding)
	assert.Equal(t, "the tenant's audio prefix (owner: tenant-team)", granular.Reason)
}

func TestFromTemplateHashesTheBytes(t *testing.T) {
	s, err := assembly.FromTemplate("x", []byte(`{"Resources":{"B":{"Type":"AWS::S3::Bucket"}}}`))
	require.NoError(t, err)
	assert.Len(t, s.SHA256, 64)
	assert.Len(t, s.Resources(), 1)
}

// TestEachValidationRowHasItsConstructsOwnMessage: the CDK writes one description per rule for
// every construct it flags (the first one's); each row gets its construct's own value.
func TestEachValidationRowHasItsConstructsOwnMessage(t *testing.T) {
	dir := t.TempDir()
	tpl := `{"Resources": {
		"SubnetA": {"Type": "AWS::EC2::Subnet", "Properties": {"AvailabilityZone": "eu-west-1a"}},
		"SubnetB": {"Type": "AWS::EC2::Subnet", "Properties": {"AvailabilityZone": "eu-west-1b"}},
		"SubnetC": {"Type": "AWS::EC2::Subnet", "Properties": {"AvailabilityZone": "eu-west-1c"}}}}`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "p.template.json"), []byte(tpl), 0o600))
	construct := func(id string, paths string) string {
		return `{"constructPath": "p/` + id + `", "cloudFormationResource": {"templatePath": "p.template.json", "logicalId": "` + id + `"` + paths + `}}`
	}
	report := `{"pluginReports": [{"pluginName": "CloudFormation Validate", "pluginVersion": "1", "conclusion": "success", "violations": [],
		"suppressedViolations": [{"ruleName": "W3010", "severity": "warning",
			"description": "AvailabilityZone: Avoid hardcoding availability zones 'eu-west-1a'",
			"violatingConstructs": [` + construct("SubnetA", "") + `, ` + construct("SubnetB", `, "propertyPaths": ["Properties.AvailabilityZone"]`) + `, ` + construct("SubnetC", "") + `]}]}]}`
	require.NoError(t, os.WriteFile(filepath.Join(dir, assembly.ValidationReportFile), []byte(report), 0o600))
	reports, err := assembly.ReadValidationReport(dir)
	require.NoError(t, err)
	require.Len(t, reports, 1)
	var got []string
	for _, v := range reports[0].Acknowledged {
		got = append(got, v.Path+": "+v.Description)
	}
	assert.Equal(t, []string{
		"p/SubnetA: AvailabilityZone: Avoid hardcoding availability zones 'eu-west-1a'",
		"p/SubnetB: AvailabilityZone: Avoid hardcoding availability zones 'eu-west-1b'",
		"p/SubnetC: AvailabilityZone: Avoid hardcoding availability zones 'eu-west-1c'",
	}, got)
}
