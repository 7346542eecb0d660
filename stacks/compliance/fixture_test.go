package compliance_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/voicevault/voicevault/constructs/constructtest"
	"github.com/voicevault/voicevault/internal/review/assembly"
	"github.com/voicevault/voicevault/stacks/compliance"
	"github.com/voicevault/voicevault/test/apptest"
)

func TestMain(m *testing.M) { apptest.Main(m) }

// fixtureRegistry is the registry the fixture app runs with: entries that suppress every
// finding of the Registered stack, two stale entries and one stale appliesTo value.
var fixtureRegistry = []compliance.Suppression{
	{Rule: "AwsSolutions-IAM5", Path: "RegisteredRole/DefaultPolicy/Resource", AppliesTo: []string{"Resource::*", "Resource::arn:aws:s3:::gone/*"}, Reason: "fixture: reads any object", Owner: "test"},
	{Rule: "HIPAA.Security-IAMNoInlinePolicy", Path: "RegisteredRole/*/Resource", Reason: "fixture: inline policy", Owner: "test"},
	{Rule: "NIST.800.53.R5-IAMNoInlinePolicy", Path: "RegisteredRole/*/Resource", Reason: "fixture: inline policy", Owner: "test"},
	{Rule: "PCI.DSS.321-IAMNoInlinePolicy", Path: "RegisteredRole/*/Resource", Reason: "fixture: inline policy", Owner: "test"},
	{Rule: "AwsSolutions-S1", Path: "NoSuchBucket/Resource", Reason: "fixture: stale, no such resource", Owner: "test"},
	{Rule: "AwsSolutions-IAM4", Path: "RegisteredRole/Resource", Reason: "fixture: stale, the rule does not fire", Owner: "test"},
}

// fixture is one synth shared by the tests of this package (a synth costs seconds). Each stack
// has a role whose policy allows s3:GetObject on Resource "*" (the granular AwsSolutions-IAM5
// and the three other packs' IAMNoInlinePolicy):
//   - Findings: nothing suppressed, plus a network ACL (the warning-level AwsSolutions-VPC3);
//   - Registered: every finding suppressed through fixtureRegistry;
//   - Rogue: suppressed with direct NagSuppressions calls (forbidden outside the registry).
type fixture struct {
	dir      string
	asm      *assembly.Assembly
	findings []compliance.Finding
}

var (
	fixtureOnce sync.Once
	fixtureVal  *fixture
	fixtureErr  error
)

func synthFixture(t *testing.T) *fixture {
	t.Helper()
	fixtureOnce.Do(func() {
		dir, err := apptest.Outdir()
		if err != nil {
			fixtureErr = err
			return
		}
		fixtureErr = constructtest.Catch(func() {
			app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir), AnalyticsReporting: jsii.Bool(false)})
			env := &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")}
			for _, name := range []string{"Findings", "Registered", "Rogue"} {
				stack := awscdk.NewStack(app, jsii.String(name), &awscdk.StackProps{Env: env})
				role := awsiam.NewRole(stack, jsii.String(name+"Role"), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil)})
				role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Actions:   jsii.Strings("s3:GetObject"),
					Resources: jsii.Strings("*"),
				}))
				switch name {
				case "Findings":
					awsec2.NewCfnNetworkAcl(stack, jsii.String("Acl"), &awsec2.CfnNetworkAclProps{VpcId: jsii.String("vpc-0a1b2c3d4e5f60718")})
				case "Rogue":
					cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{
						{Id: jsii.String("AwsSolutions-IAM5"), Reason: jsii.String("made outside the registry")},
					}, jsii.Bool(true))
					cdknag.NagSuppressions_AddStackSuppressions(stack, &[]*cdknag.NagPackSuppression{
						{Id: jsii.String("HIPAA.Security-IAMNoInlinePolicy"), Reason: jsii.String("stack-wide")},
					}, nil)
				}
			}
			compliance.ApplyWith(app, compliance.Options{Registry: fixtureRegistry})
			app.Synth(nil)
		})
		if fixtureErr != nil {
			return
		}
		fixtureVal = &fixture{dir: dir}
		if fixtureVal.asm, fixtureErr = assembly.Load(dir); fixtureErr != nil {
			return
		}
		fixtureVal.findings, fixtureErr = compliance.FindErrors(dir)
	})
	if fixtureErr != nil {
		t.Fatalf("fixture synth: %v", fixtureErr)
	}
	return fixtureVal
}

// findingsOf returns the rule IDs (with finding) of the findings on stack.
func (f *fixture) findingsOf(stack string) map[string]string {
	out := map[string]string{}
	for _, x := range f.findings {
		if x.Stack == stack {
			id, _, _ := strings.Cut(x.Message, ": ")
			out[id] = x.Level
		}
	}
	return out
}
