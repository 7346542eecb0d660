package test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/constructs/constructtest"
	"github.com/voicevault/voicevault/internal/review/assembly"
	"github.com/voicevault/voicevault/stacks"
	"github.com/voicevault/voicevault/stacks/compliance"
	"github.com/voicevault/voicevault/test/apptest"
)

// oneTenantApp is the example cut down to its first environment and that environment's first
// tenant, not yet synthesized, with the directory it synthesizes into.
func oneTenantApp(t *testing.T) (awscdk.App, *stacks.Deployment, string) {
	t.Helper()
	cfg, err := config.Load(apptest.ExampleConfig())
	require.NoError(t, err)
	cfg.Environments = cfg.Environments[:1]
	cfg.Tenants = cfg.TenantsIn(cfg.Environments[0].Name)[:1]
	dir := t.TempDir()
	app, d := stacks.NewApp(cfg, stacks.AppOptions{Outdir: dir, CDKJSON: "../cdk.json"})
	return app, d, dir
}

// TestUnsuppressedFindingFailsTheSynth proves the gate: a bucket with none of the safe
// defaults, added to a tenant stack, shows up as error findings that cdk.go turns into exit 1.
func TestUnsuppressedFindingFailsTheSynth(t *testing.T) {
	if testing.Short() {
		t.Skip("one more synth")
	}
	app, d, dir := oneTenantApp(t)
	awss3.NewBucket(d.Tenants[0].Stack, jsii.String("UnsafeBucket"), &awss3.BucketProps{})
	synthErr := constructtest.Catch(func() { app.Synth(nil) })
	if synthErr != nil {
		assert.Contains(t, synthErr.Error(), "ValidationFailed", "the CDK itself refuses a synth with error annotations")
	}

	findings, err := compliance.FindErrors(dir)
	require.NoError(t, err)
	var unsafe []string
	for _, f := range findings {
		if strings.Contains(f.Path, "UnsafeBucket") {
			unsafe = append(unsafe, f.Message)
		}
	}
	require.NotEmpty(t, unsafe, "an unencrypted, unlogged bucket must be a finding")
	assert.Contains(t, strings.Join(unsafe, "\n"), "AwsSolutions-S1", "server access logging rule")
	for _, f := range findings {
		assert.Contains(t, f.Path, "UnsafeBucket", "only the unsafe bucket is a finding: %s", f)
	}
	_ = os.RemoveAll(dir)
}

// validationReport reads the CDK's validation report of an assembly: one entry per plugin.
func validationReport(t *testing.T, dir string) map[string]map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "validation-report.json"))
	require.NoError(t, err, "the CDK writes validation-report.json whenever template validation runs")
	var report struct {
		PluginReports []map[string]any `json:"pluginReports"`
	}
	require.NoError(t, json.Unmarshal(b, &report))
	byName := map[string]map[string]any{}
	for _, r := range report.PluginReports {
		byName[fmt.Sprint(r["pluginName"])] = r
	}
	return byName
}

// TestExamplePassesTheCDKTemplateValidation proves the CDK's built-in CloudFormation validation
// (cfn-lint rules, on in every synth outside unit tests) ran over the example and found nothing.
func TestExamplePassesTheCDKTemplateValidation(t *testing.T) {
	r := example(t)
	cfn, ok := validationReport(t, r.Outdir)[assembly.TemplateValidationPlugin]
	require.True(t, ok, "the CloudFormation Validate plugin ran")
	assert.Equal(t, "success", cfn["conclusion"])
	assert.Empty(t, cfn["violations"], "no unacknowledged violations")
}

// TestInvalidTemplateFailsTheSynth proves template validation is a gate, not a report: a value
// CloudFormation doesn't allow (cfn-lint W3030, a warning to the CDK) is a finding, which cdk.go
// turns into exit 1 like a nag finding.
func TestInvalidTemplateFailsTheSynth(t *testing.T) {
	if testing.Short() {
		t.Skip("one more synth")
	}
	app, d, dir := oneTenantApp(t)
	awscdk.NewCfnResource(d.Tenants[0].Stack, jsii.String("BrokenParameter"), &awscdk.CfnResourceProps{
		Type:       jsii.String("AWS::SSM::Parameter"),
		Properties: &map[string]any{"Type": "NotAType", "Value": "x"},
	})
	_ = constructtest.Catch(func() { app.Synth(nil) })
	cfn := validationReport(t, dir)[assembly.TemplateValidationPlugin]
	require.NotNil(t, cfn)
	assert.Contains(t, fmt.Sprint(cfn["violations"]), "W3030")

	findings, err := compliance.FindErrors(dir)
	require.NoError(t, err)
	require.Len(t, findings, 1, "the broken parameter and nothing else")
	assert.Equal(t, "prod-tenant-acme", findings[0].Stack)
	assert.Equal(t, "prod-tenant-acme/BrokenParameter", findings[0].Path)
	assert.Contains(t, findings[0].Message, "CloudFormation-Validate::W3030")
}
