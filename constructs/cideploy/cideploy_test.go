package cideploy_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/constructs/cideploy"
	"github.com/voicevault/voicevault/constructs/compliance"
	"github.com/voicevault/voicevault/internal/cdktest"
)

func TestMain(m *testing.M) { cdktest.Main(m) }

// TestUncoveredResourceTypeFailsTheSynth: a template type the execution policy can't cover is a
// synth error naming it, and no execution policy is created.
func TestUncoveredResourceTypeFailsTheSynth(t *testing.T) {
	dir := t.TempDir()
	env := &config.Environment{Name: "prod", Account: "111111111111", Region: "eu-west-1",
		Deployment: config.Deployment{Qualifier: "vvault", GitHub: &config.GitHub{Repository: "acme/voice", Environment: "production", Branch: "main"}}}
	var c cideploy.CIDeploy
	require.NoError(t, cdktest.Catch(func() {
		app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir), AnalyticsReporting: jsii.Bool(false)})
		stack := awscdk.NewStack(app, jsii.String("prod-delivery"), &awscdk.StackProps{
			Env: &awscdk.Environment{Account: jsii.String(env.Account), Region: jsii.String(env.Region)},
		})
		c = cideploy.New(stack, "CIDeploy", cideploy.Props{Environment: env, ResourceTypes: []string{"AWS::KMS::Key", "AWS::IAM::User", "AWS::RDS::DBInstance"}})
		app.Synth(nil)
	}))
	findings, err := compliance.FindErrors(dir)
	require.NoError(t, err)
	var msgs []string
	for _, f := range findings {
		msgs = append(msgs, f.Message)
	}
	all := strings.Join(msgs, "\n")
	assert.Contains(t, all, "resource type AWS::IAM::User is refused by the CloudFormation execution policy")
	assert.Contains(t, all, "service rds has no entry in the execution policy catalog")
	assert.Empty(t, c.ExecutionPolicies(), "no partial execution policy")
	assert.NotNil(t, c.DeployRole())
}
