package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/constructs/cideploy"
)

// schemaRepo makes a git repository holding registry schemas under schemas/ and returns its git
// directory and commit.
func schemaRepo(t *testing.T, files map[string]string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "schemas"), 0o755))
	for name, body := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "schemas", name), []byte(body), 0o644))
	}
	for _, args := range [][]string{{"init", "-q"}, {"add", "."}, {"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "schemas"}} {
		out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
		require.NoError(t, err, string(out))
	}
	commit, err := exec.Command("git", "-C", dir, "rev-parse", "HEAD").Output()
	require.NoError(t, err)
	return filepath.Join(dir, ".git"), strings.TrimSpace(string(commit))
}

func TestGeneratorTakesEachTypeFromTheFirstSourceWithHandlers(t *testing.T) {
	first, firstCommit := schemaRepo(t, map[string]string{
		"AWS_EC2_VPC.json":    `{"typeName":"AWS::EC2::VPC","sourceUrl":"https://github.com/aws-cloudformation/aws-cloudformation-resource-providers-ec2","handlers":{"create":{"permissions":["ec2:CreateVpc","ec2:DescribeVpcs","ec2:CreateVpc"]},"delete":{"permissions":["ec2:DeleteVpc"]}}}`,
		"AWS_IAM_Policy.json": `{"typeName":"AWS::IAM::Policy"}`,
	})
	second, secondCommit := schemaRepo(t, map[string]string{
		"aws-ec2-vpc.json":    `{"typeName":"AWS::EC2::VPC","handlers":{"create":{"permissions":["ec2:Other"]}}}`,
		"aws-iam-policy.json": `{"typeName":"AWS::IAM::Policy","handlers":{"create":{"permissions":["iam:PutRolePolicy"]}}}`,
	})
	tpl := filepath.Join(t.TempDir(), "x.template.json")
	require.NoError(t, os.WriteFile(tpl, []byte(`{"Resources":{"A":{"Type":"AWS::EC2::VPC"},"B":{"Type":"AWS::IAM::Policy"},"C":{"Type":"Custom::X"},"D":{"Type":"AWS::Config::DeliveryChannel"}}}`), 0o644))
	out := filepath.Join(t.TempDir(), "handlers.json")
	srcs := sources{}
	require.NoError(t, srcs.Set("acme/first="+first+":schemas"))
	require.NoError(t, srcs.Set("acme/second@"+secondCommit+"="+second+":schemas/"))
	require.NoError(t, run(out, srcs, []string{tpl}))

	var got cideploy.HandlerData
	require.NoError(t, json.Unmarshal(readOut(t, out), &got))
	assert.Len(t, got.Types, 2, "custom resources and manual types are left out")
	vpc := got.Types["AWS::EC2::VPC"]
	assert.Equal(t, cideploy.SchemaSource{Repository: "acme/first", Path: "schemas/AWS_EC2_VPC.json", Commit: firstCommit, ProviderURL: "https://github.com/aws-cloudformation/aws-cloudformation-resource-providers-ec2"}, vpc.Source)
	assert.Equal(t, []string{"ec2:CreateVpc", "ec2:DescribeVpcs"}, vpc.Create, "sorted, without duplicates")
	assert.Equal(t, []string{"ec2:DeleteVpc"}, vpc.Delete)
	assert.Equal(t, "acme/second", got.Types["AWS::IAM::Policy"].Source.Repository, "a schema without handlers is skipped")

	// A second run keeps the file's types even without templates.
	require.NoError(t, run(out, srcs, nil))
	var again cideploy.HandlerData
	require.NoError(t, json.Unmarshal(readOut(t, out), &again))
	assert.Equal(t, got, again)
}

func TestGeneratorNamesTypesNoSourceHas(t *testing.T) {
	repo, _ := schemaRepo(t, map[string]string{"AWS_EC2_VPC.json": `{"typeName":"AWS::EC2::VPC","handlers":{"create":{"permissions":["ec2:CreateVpc"]}}}`})
	tpl := filepath.Join(t.TempDir(), "x.template.json")
	require.NoError(t, os.WriteFile(tpl, []byte(`{"Resources":{"A":{"Type":"AWS::EC2::TransitGateway"}}}`), 0o644))
	srcs := sources{}
	require.NoError(t, srcs.Set("acme/first="+repo+":schemas"))
	err := run(filepath.Join(t.TempDir(), "handlers.json"), srcs, []string{tpl})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no source has a registry schema with handlers for AWS::EC2::TransitGateway")
	assert.ErrorContains(t, (&sources{}).Set("no-location"), "owner/name[@commit]=GITDIR:FOLDER")
}

func readOut(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}
