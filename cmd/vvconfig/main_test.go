package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var example = filepath.Join("..", "..", "config", "example.yaml")

func vv(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"-config", example}, args...), &out, &errb)
	return out.String(), errb.String(), code
}

func TestEnvPrintsShellAssignmentsFromTheConfig(t *testing.T) {
	out, _, code := vv(t, "env", "prod")
	require.Equal(t, 0, code)
	for _, want := range []string{
		"VV_ACCOUNT='111111111111'", "VV_REGION='eu-west-1'", "VV_QUALIFIER='vvault'", "VV_TOOLKIT_STACK='CDKToolkit-vvault'",
		"VV_PLATFORM_STACK='prod-platform'", "VV_TENANT_STACKS='prod-tenant-acme prod-tenant-globex'", "VV_COSTS_STACK='prod-costs'", "VV_DELIVERY_STACK='prod-delivery'",
		"VV_GITHUB_ENVIRONMENT='production'", "VV_GITHUB_BRANCH='main'", "VV_DEPLOY_ROLE_ARN='arn:aws:iam::111111111111:role/vv-github-deploy-prod'",
	} {
		assert.Contains(t, out, want+"\n")
	}
}

func TestStacksSelectsAnEnvironmentOrOneTenant(t *testing.T) {
	out, _, code := vv(t, "stacks", "prod")
	require.Equal(t, 0, code)
	assert.Equal(t, "prod-platform\nprod-costs\nprod-tenant-acme\nprod-tenant-globex\n", out, "prod (eu-west-1) has its cost alerts in prod-costs")
	out, _, _ = vv(t, "stacks", "initech")
	assert.Equal(t, "initech-platform\ninitech-tenant-initech\n", out, "initech is in us-east-1: no costs stack")
	out, _, _ = vv(t, "stacks", "prod", "globex")
	assert.Equal(t, "prod-tenant-globex\n", out)
	_, errs, code := vv(t, "stacks", "prod", "initech")
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, `tenant "initech" is not in environment prod (one of: acme, globex)`)
}

func TestBootstrapNamesTheExecutionPoliciesAndBoundary(t *testing.T) {
	out, errs, code := vv(t, "bootstrap", "prod")
	require.Equal(t, 0, code)
	args := strings.Split(strings.TrimSpace(out), "\n")
	assert.Equal(t, []string{"bootstrap", "aws://111111111111/eu-west-1", "aws://111111111111/us-east-1"}, args[:3], "the prod-costs stack deploys through the us-east-1 bootstrap")
	assert.Contains(t, errs, "prod is bootstrapped in us-east-1 too, with the same qualifier")
	flag := func(name string) string {
		for i, a := range args {
			if a == name && i+1 < len(args) {
				return args[i+1]
			}
		}
		return ""
	}
	assert.Equal(t, "vvault", flag("--qualifier"))
	assert.Equal(t, "voicevault-prod-boundary", flag("--custom-permissions-boundary"))
	assert.True(t, strings.HasPrefix(flag("--cloudformation-execution-policies"), "arn:aws:iam::111111111111:policy/voicevault-prod-cfn-execution,"))
	assert.Contains(t, args, "--bootstrap-customer-key")
}

func TestMatrixListsDeliveredEnvironmentsForTheRef(t *testing.T) {
	out, _, code := vv(t, "matrix", "-ref", "refs/heads/main")
	require.Equal(t, 0, code)
	var m struct {
		Include []Target `json:"include"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &m))
	require.Len(t, m.Include, 2)
	assert.Equal(t, Target{Env: "prod", Region: "eu-west-1", GitHubEnvironment: "production",
		DeployRole: "arn:aws:iam::111111111111:role/vv-github-deploy-prod", DiffRole: "arn:aws:iam::111111111111:role/vv-github-diff-prod"}, m.Include[0])
	out, _, _ = vv(t, "matrix", "-ref", "refs/heads/feature")
	assert.JSONEq(t, `{"include":[]}`, out, "no environment deploys from another branch")
}

func TestBadInputExitsTwoWithAMessage(t *testing.T) {
	_, errs, code := vv(t, "env", "staging")
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, `environment "staging" is not in`)
	var out, e bytes.Buffer
	assert.Equal(t, 2, run([]string{"-config", "missing.yaml", "env", "prod"}, &out, &e))
	assert.Contains(t, e.String(), "missing.yaml: not found")
}
