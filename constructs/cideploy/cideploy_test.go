package cideploy

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/voicevault/voicevault/constructs/constructtest"
	"github.com/voicevault/voicevault/internal/review/assembly"
	"github.com/voicevault/voicevault/naming"
)

func TestMain(m *testing.M) { constructtest.Main(m) }

func prodEnv() Target {
	return Target{Name: "prod", Account: "111111111111", Region: "eu-west-1", Qualifier: "vvault", BootstrapRegions: []string{"eu-west-1", "us-east-1"},
		GitHub: &GitHub{Repository: "acme/voice", Environment: "production"}}
}

func synthDelivery(t *testing.T, types []string) (string, CIDeploy) {
	t.Helper()
	dir := t.TempDir()
	var c CIDeploy
	require.NoError(t, constructtest.Catch(func() {
		app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir), AnalyticsReporting: jsii.Bool(false)})
		stack := awscdk.NewStack(app, jsii.String("prod-delivery"), &awscdk.StackProps{
			Env:         &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")},
			Synthesizer: awscdk.NewLegacyStackSynthesizer(),
		})
		c = New(stack, "CIDeploy", Props{Target: prodEnv(), ResourceTypes: types})
		app.Synth(nil)
	}))
	return dir, c
}

// TestFullDeliveryTemplateDeploysInline: the CLI sends a template of at most 50 KiB (as YAML)
// inline; beyond that it needs the bootstrap bucket, which doesn't exist yet when an
// administrator deploys the delivery stack.
func TestFullDeliveryTemplateDeploysInline(t *testing.T) {
	dir, c := synthDelivery(t, fullPlatform)
	require.Len(t, c.ExecutionPolicies(), naming.ExecutionPolicyCount)
	raw, err := os.ReadFile(filepath.Join(dir, "prod-delivery.template.json"))
	require.NoError(t, err)
	var tpl map[string]any
	require.NoError(t, json.Unmarshal(raw, &tpl))
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	require.NoError(t, enc.Encode(tpl))
	t.Logf("full delivery template: %d bytes JSON, %d bytes YAML", len(raw), buf.Len())
	assert.Less(t, buf.Len(), 50*1024*9/10, "the delivery template must stay well under the CLI's 50 KiB inline limit")
}

// TestUncoveredResourceTypeFailsTheSynth: a template type the execution policy can't cover is a
// synth error naming it, and no execution policy is created.
func TestUncoveredResourceTypeFailsTheSynth(t *testing.T) {
	dir, c := synthDelivery(t, []string{"AWS::KMS::Key", "AWS::IAM::User", "AWS::RDS::DBInstance"})
	a, err := assembly.Load(dir)
	require.NoError(t, err)
	var msgs []string
	for _, an := range a.Annotations("") {
		if an.Level == "error" {
			msgs = append(msgs, an.Message)
		}
	}
	all := strings.Join(msgs, "\n")
	assert.Contains(t, all, "resource type AWS::IAM::User is refused by the CloudFormation execution policy")
	assert.Contains(t, all, "service rds has no entry in the execution policy catalog")
	assert.Empty(t, c.ExecutionPolicies(), "no partial execution policy")
	assert.NotNil(t, c.DeployRole())
}
