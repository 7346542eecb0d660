package tenantroute

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseksv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/constructs/constructtest"
)

func TestMain(m *testing.M) { constructtest.Main(m) }

func props() Props {
	return Props{
		Tenant: "acme", HeaderName: "X-VoiceVault-Tenant", Priority: 1234, Port: 8080, HealthCheckPath: "/readyz",
		ClusterName: "voicevault-prod", Namespace: "tenant-acme", ServiceName: "tts",
		ArrivalPrefix: "/live",
	}
}

func synth(t *testing.T) *constructtest.Template {
	t.Helper()
	stack := constructtest.NewStackWith(t, nil)
	New(stack, "Route", withImports(stack, props()))
	return constructtest.StackTemplate(t, stack)
}

// withImports completes p with the imported VPC, listener and cluster a route needs.
func withImports(stack awscdk.Stack, p Props) Props {
	p.VPC = awsec2.Vpc_FromVpcAttributes(stack, jsii.String("VPC"), &awsec2.VpcAttributes{VpcId: jsii.String("vpc-123"), AvailabilityZones: jsii.Strings("eu-west-1a")})
	p.Listener = awselasticloadbalancingv2.ApplicationListener_FromApplicationListenerAttributes(stack, jsii.String("Listener"), &awselasticloadbalancingv2.ApplicationListenerAttributes{
		ListenerArn:   jsii.String("arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener/app/ingress/1/2"),
		SecurityGroup: awsec2.SecurityGroup_FromSecurityGroupId(stack, jsii.String("SG"), jsii.String("sg-0123456789abcdef0"), &awsec2.SecurityGroupImportOptions{Mutable: jsii.Bool(false)}),
	})
	p.Cluster = awseksv2.Cluster_FromClusterAttributes(stack, jsii.String("Cluster"), &awseksv2.ClusterAttributes{
		ClusterName: jsii.String("voicevault-prod"),
		KubectlProvider: awseksv2.KubectlProvider_FromKubectlProviderAttributes(stack, jsii.String("Kubectl"), &awseksv2.KubectlProviderAttributes{
			ServiceToken: jsii.String("arn:aws:lambda:eu-west-1:111111111111:function:kubectl"),
		}),
	})
	return p
}

func TestTargetGroupTargetsPodIPsAndChecksReadiness(t *testing.T) {
	synth(t).HasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", map[string]any{
		"TargetType": "ip", "Port": 8080, "Protocol": "HTTP", "VpcId": "vpc-123",
		"HealthCheckPath": "/readyz", "Matcher": map[string]any{"HttpCode": "200"},
		"Tags": assertions.Match_ArrayWith(&[]any{map[string]any{"Key": "eks:eks-cluster-name", "Value": "voicevault-prod"}}),
	})
}

func TestRuleForwardsOnlyTheTenantsHeaderAndAPIPath(t *testing.T) {
	tpl := synth(t)
	tpl.HasResourceProperties("AWS::ElasticLoadBalancingV2::ListenerRule", map[string]any{
		"ListenerArn": "arn:aws:elasticloadbalancing:eu-west-1:111111111111:listener/app/ingress/1/2",
		"Priority":    1234,
		"Conditions": assertions.Match_ArrayEquals(&[]any{
			map[string]any{"Field": "http-header", "HttpHeaderConfig": map[string]any{"HttpHeaderName": "X-VoiceVault-Tenant", "Values": []any{"acme"}}},
			map[string]any{"Field": "path-pattern", "PathPatternConfig": map[string]any{"Values": []any{"/live/v1/*"}}},
		}),
		"Actions": []any{map[string]any{"Type": "forward", "TargetGroupArn": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^RouteTargetGroup"))}}},
		// The stage API Gateway puts in front of the path is removed before the pods see it.
		"Transforms": []any{map[string]any{"Type": "url-rewrite", "UrlRewriteConfig": map[string]any{"Rewrites": []any{
			map[string]any{"Regex": "^/live(/.*)$", "Replace": "$1"},
		}}}},
	})
	tpl.ResourceCountIs("AWS::ElasticLoadBalancingV2::ListenerRule", 1)
}

func TestBindingIsAnAutoModeTargetGroupBindingOfTheService(t *testing.T) {
	b := Binding(props(), "arn:tg")
	raw, err := json.Marshal(b)
	require.NoError(t, err)
	assert.JSONEq(t, `{
		"apiVersion": "eks.amazonaws.com/v1", "kind": "TargetGroupBinding",
		"metadata": {"name": "tts", "namespace": "tenant-acme", "labels": {"app.kubernetes.io/managed-by": "voicevault", "voicevault.io/tenant": "acme"}},
		"spec": {
			"targetGroupARN": "arn:tg", "targetType": "ip",
			"serviceRef": {"name": "tts", "port": 8080}
		}
	}`, string(raw))

	tpl := synth(t)
	res := tpl.Resources("Custom::AWSCDK-EKS-KubernetesResource")
	require.Len(t, res, 1)
	manifest, _ := json.Marshal(res)
	for _, want := range []string{`eks.amazonaws.com/v1`, `TargetGroupBinding`, `tenant-acme`, `\"targetType\":\"ip\"`, `RouteTargetGroup`} {
		assert.Contains(t, string(manifest), want)
	}
}

// The rewrite, applied as the ALB applies it (RE2, first match replaced; ALB rule transforms
// support no lookarounds or backreferences: Elastic Load Balancing user guide, "Transforms for
// listener rules"), gives back the path and query string the pods serve.
func TestRewriteRemovesExactlyTheArrivalPrefix(t *testing.T) {
	rw := URLRewrite("/live")
	re := regexp.MustCompile(rw.Regex)
	for in, want := range map[string]string{
		"/live/v1/syntheses":                  "/v1/syntheses",
		"/live/v1/voices?limit=5&nextToken=x": "/v1/voices?limit=5&nextToken=x",
		"/live/v1/voices/live/x":              "/v1/voices/live/x",
		"/lively/v1/voices":                   "/lively/v1/voices", // not the prefix: unchanged (and the rule doesn't match it)
	} {
		assert.Equal(t, want, re.ReplaceAllString(in, strings.ReplaceAll(rw.Replace, "$1", "${1}")), in)
	}
	assert.Nil(t, URLRewrite(""))
	assert.Equal(t, []string{"/live/v1/*"}, ArrivalPatterns("/live", DefaultPathPatterns))
}

func TestArrivalPrefixMustBeAPlainPath(t *testing.T) {
	for _, bad := range []string{"live", "/live/", "/li*e", "/(live)"} {
		p := props()
		p.ArrivalPrefix = bad
		stack := constructtest.NewStackWith(t, nil)
		p = withImports(stack, p)
		assert.PanicsWithError(t, `tenant route "Route": arrival prefix "`+bad+`" must start with /, not end with / and hold no pattern characters`, func() { New(stack, "Route", p) }, bad)
	}
}

// TestRouteChangesNoSecurityGroup keeps docs/platform.md true: the binding has no
// spec.networking (the controller changes no security group), and the route adds no rule either:
// the load balancer → pods path is the platform's, once per model port (constructs/podpaths).
func TestRouteChangesNoSecurityGroup(t *testing.T) {
	raw, err := json.Marshal(Binding(props(), "arn:tg"))
	require.NoError(t, err)
	assert.NotContains(t, string(raw), "networking")
	tpl := synth(t)
	tpl.ResourceCountIs("AWS::EC2::SecurityGroupIngress", 0)
	tpl.ResourceCountIs("AWS::EC2::SecurityGroupEgress", 0)
	tpl.ResourceCountIs("AWS::EC2::SecurityGroup", 0)
}
