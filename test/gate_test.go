package test

import (
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/constructs/compliance"
	"github.com/voicevault/voicevault/internal/cdktest"
	"github.com/voicevault/voicevault/stacks"
)

// TestUnsuppressedFindingFailsTheSynth proves the gate: a bucket with none of the safe
// defaults, added to a tenant stack, shows up as error findings that cdk.go turns into exit 1.
func TestUnsuppressedFindingFailsTheSynth(t *testing.T) {
	if testing.Short() {
		t.Skip("one more synth")
	}
	cfg, err := config.Load("../config/example.yaml")
	require.NoError(t, err)
	cfg.Environments = cfg.Environments[:1]
	cfg.Tenants = cfg.TenantsIn(cfg.Environments[0].Name)[:1]
	dir := t.TempDir()
	app, d := stacks.NewApp(cfg, stacks.AppOptions{Outdir: dir, CDKJSON: "../cdk.json"})
	awss3.NewBucket(d.Tenants[0].Stack, jsii.String("UnsafeBucket"), &awss3.BucketProps{})
	synthErr := cdktest.Catch(func() { app.Synth(nil) })
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
