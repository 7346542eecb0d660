package tenantidentity_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/constructs/constructtest"
	"github.com/voicevault/voicevault/constructs/tenantidentity"
)

func TestMain(m *testing.M) { constructtest.Main(m) }

func props() tenantidentity.Props {
	return tenantidentity.Props{ClusterName: "voicevault-prod", Namespace: "tenant-acme", ServiceAccount: "tts", RoleName: "voicevault-prod-acme-tts"}
}

func synth(t *testing.T, p tenantidentity.Props) *constructtest.Template {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("S"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")}})
	tenantidentity.New(stack, "Identity", p)
	return constructtest.StackTemplate(t, stack)
}

var shared *constructtest.Template

func tpl(t *testing.T) *constructtest.Template {
	if shared == nil {
		shared = synth(t, props())
	}
	return shared
}

// The trust policy is the isolation boundary of the role: only Pod Identity, only in this
// account, only for this cluster, namespace and service account.
func TestRoleTrustsOnlyPodIdentityForOneServiceAccountInThisAccount(t *testing.T) {
	roles := tpl(t).Resources("AWS::IAM::Role")
	require.Len(t, roles, 1)
	for _, r := range roles {
		p := r["Properties"].(map[string]any)
		assert.Equal(t, "voicevault-prod-acme-tts", p["RoleName"])
		stmts := p["AssumeRolePolicyDocument"].(map[string]any)["Statement"].([]any)
		require.Len(t, stmts, 1)
		assert.Equal(t, map[string]any{
			"Effect":    "Allow",
			"Principal": map[string]any{"Service": "pods.eks.amazonaws.com"},
			"Action":    []any{"sts:AssumeRole", "sts:TagSession"},
			"Condition": map[string]any{"StringEquals": map[string]any{
				"aws:SourceAccount":                         "111111111111",
				"aws:RequestTag/eks-cluster-name":           "voicevault-prod",
				"aws:RequestTag/kubernetes-namespace":       "tenant-acme",
				"aws:RequestTag/kubernetes-service-account": "tts",
			}},
		}, stmts[0])
		assert.Nil(t, p["ManagedPolicyArns"], "no managed policies")
		assert.Nil(t, p["Policies"], "no inline policies")
	}
}

func TestAssociationBindsTheServiceAccountToTheRole(t *testing.T) {
	tpl(t).HasResourceProperties("AWS::EKS::PodIdentityAssociation", map[string]any{
		"ClusterName":    "voicevault-prod",
		"Namespace":      "tenant-acme",
		"ServiceAccount": "tts",
		"RoleArn":        map[string]any{"Fn::GetAtt": []any{"IdentityRole382B61DE", "Arn"}},
	})
	tpl(t).ResourceCountIs("AWS::EKS::PodIdentityAssociation", 1)
}

func TestNewPanicsOnMissingProps(t *testing.T) {
	cases := map[string]func(*tenantidentity.Props){
		"cluster":         func(p *tenantidentity.Props) { p.ClusterName = "" },
		"namespace":       func(p *tenantidentity.Props) { p.Namespace = "" },
		"service account": func(p *tenantidentity.Props) { p.ServiceAccount = "" },
		"long role name":  func(p *tenantidentity.Props) { p.RoleName = string(make([]byte, 65)) },
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			p := props()
			edit(&p)
			err := constructtest.Catch(func() { synth(t, p) })
			require.Error(t, err)
			assert.Contains(t, err.Error(), `tenant identity "Identity"`)
		})
	}
}
