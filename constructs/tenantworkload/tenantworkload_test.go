package tenantworkload_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseksv2"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/constructs/constructtest"
	"github.com/voicevault/voicevault/constructs/tenantworkload"
)

func TestMain(m *testing.M) { constructtest.Main(m) }

// TestManifestsApplyTheGuardrailsBeforeTheWorkloadThroughTheImportedProvider synthesizes the
// construct on an imported cluster and checks that what reaches the template is exactly the
// typed objects, in two manifests, the workload after the guardrails.
func TestManifestsApplyTheGuardrailsBeforeTheWorkloadThroughTheImportedProvider(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("S"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")}})
	provider := awseksv2.KubectlProvider_FromKubectlProviderAttributes(stack, jsii.String("Provider"), &awseksv2.KubectlProviderAttributes{
		ServiceToken: jsii.String("arn:aws:lambda:eu-west-1:111111111111:function:kubectl"),
	})
	cluster := awseksv2.Cluster_FromClusterAttributes(stack, jsii.String("Cluster"), &awseksv2.ClusterAttributes{
		ClusterName: jsii.String("voicevault-prod"), KubectlProvider: provider,
	})
	p := tenantworkload.TestProps()
	p.Cluster = cluster
	w := tenantworkload.New(stack, "Workload", p)
	assert.Equal(t, "tenant-acme", w.Namespace())
	assert.Equal(t, "tts", w.ServiceName())
	assert.Equal(t, 8080, w.ServicePort())

	tpl := constructtest.StackTemplate(t, stack)
	res := tpl.Resources("Custom::AWSCDK-EKS-KubernetesResource")
	require.Len(t, res, 2)
	var guardrailsID string
	manifests := map[string][]map[string]any{}
	deps := map[string][]any{}
	for id, r := range res {
		props := r["Properties"].(map[string]any)
		assert.Equal(t, "voicevault-prod", props["ClusterName"])
		assert.Equal(t, "arn:aws:lambda:eu-west-1:111111111111:function:kubectl", props["ServiceToken"])
		var objs []map[string]any
		require.NoError(t, json.Unmarshal([]byte(props["Manifest"].(string)), &objs))
		manifests[id] = objs
		if d, ok := r["DependsOn"].([]any); ok {
			deps[id] = d
		}
		if strings.HasPrefix(id, "WorkloadGuardrails") {
			guardrailsID = id
		}
	}
	require.NotEmpty(t, guardrailsID)
	for id, objs := range manifests {
		want := w.Objects().Workload()
		if id == guardrailsID {
			want = w.Objects().Guardrails()
			assert.Empty(t, deps[id])
		} else {
			assert.Equal(t, []any{guardrailsID}, deps[id], "the workload is applied after its guardrails")
		}
		require.Len(t, objs, len(want))
		for i, o := range want {
			m, err := tenantworkload.ToMap(o)
			require.NoError(t, err)
			got := objs[i]
			// The manifest construct adds its prune label; everything else is the typed object.
			labels := got["metadata"].(map[string]any)["labels"].(map[string]any)
			for k := range labels {
				if strings.HasPrefix(k, "aws.cdk.eks/prune-") {
					delete(labels, k)
				}
			}
			b1, _ := json.Marshal(m)
			b2, _ := json.Marshal(got)
			assert.JSONEq(t, string(b1), string(b2), "%s #%d", id, i)
		}
	}
}

func TestNewPanicsWithoutACluster(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("S"), nil)
	err := constructtest.Catch(func() { tenantworkload.New(stack, "Workload", tenantworkload.TestProps()) })
	require.Error(t, err)
	assert.Contains(t, err.Error(), `tenant workload "Workload": cluster is required`)
}
