package podscaler

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/constructs/constructtest"
	"github.com/voicevault/voicevault/constructs/kmskey"
)

func TestMain(m *testing.M) { constructtest.Main(m) }

const scalerSG = "sg-0123456789abcdef0"

func testProps(t *testing.T) (Props, awscdk.Stack) {
	t.Helper()
	stack := constructtest.NewStackWith(t, nil)
	key := kmskey.New(stack, "TenantKey", kmskey.Props{Alias: "voicevault/prod/tenant/acme", Description: "test"})
	p := Props{
		Environment: "prod", Tenant: "acme", AlarmName: "voicevault-prod-acme-pod-scaler-errors",
		LogGroupName: "/voicevault/prod/tenant/acme/pod-scaler", Key: key,
		ClusterName: "voicevault-prod", ClusterEndpoint: "https://ABC.gr7.eu-west-1.eks.amazonaws.com", ClusterCA: "LS0tLS1CRUdJTg==",
		SecurityGroupID: scalerSG,
		VPC: awsec2.Vpc_FromVpcAttributes(stack, jsii.String("VPC"), &awsec2.VpcAttributes{
			VpcId: jsii.String("vpc-0abc"), AvailabilityZones: jsii.Strings("eu-west-1a", "eu-west-1b"),
		}),
		SubnetIDs:       []string{"subnet-0a", "subnet-0b"},
		KubernetesGroup: "voicevault:pod-scaler:acme",
		Namespace:       "tenant-acme", Deployment: "tts", Service: "tts", Port: 8080,
		MinReplicas: 2, MaxReplicas: 5, TargetInFlight: 2,
		AlarmTopic: awssns.Topic_FromTopicArn(stack, jsii.String("Topic"), jsii.String("arn:aws:sns:eu-west-1:111111111111:alarms")),
	}
	return p, stack
}

func synth(t *testing.T, edit func(*Props)) *constructtest.Template {
	p, stack := testProps(t)
	if edit != nil {
		edit(&p)
	}
	New(stack, "PodScaler", p)
	return constructtest.StackTemplate(t, stack)
}

// TestFunctionRunsInTheVPCOneAtATimeWithItsBounds: Go on Graviton, attached to the private
// subnets, reserved concurrency 1, no retries (the next run is a
// minute away), and the scaling bounds and cluster in its environment.
func TestFunctionRunsInTheVPCOneAtATimeWithItsBounds(t *testing.T) {
	tpl := synth(t, nil)
	tpl.HasResourceProperties("AWS::Lambda::Function", map[string]any{
		"Runtime": "provided.al2023", "Architectures": []any{"arm64"}, "Handler": "bootstrap",
		"ReservedConcurrentExecutions": 1, "Timeout": TimeoutSeconds, "MemorySize": MemoryMiB,
		"VpcConfig":     constructtest.Like(map[string]any{"SubnetIds": []any{"subnet-0a", "subnet-0b"}}),
		"LoggingConfig": constructtest.Like(map[string]any{"LogFormat": "JSON"}),
		"Environment": map[string]any{"Variables": map[string]any{
			EnvClusterName: "voicevault-prod", EnvClusterEndpoint: "https://ABC.gr7.eu-west-1.eks.amazonaws.com", EnvClusterCA: "LS0tLS1CRUdJTg==",
			EnvNamespace: "tenant-acme", EnvDeployment: "tts", EnvService: "tts", EnvMetricsPort: "8080",
			EnvMinReplicas: "2", EnvMaxReplicas: "5", EnvTargetInFlight: "2", EnvSampleSeconds: "10",
		}},
	})
	tpl.HasResourceProperties("AWS::Lambda::EventInvokeConfig", map[string]any{"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 60})
	tpl.HasResourceProperties("AWS::Events::Rule", map[string]any{
		"ScheduleExpression": "rate(1 minute)", "State": "ENABLED",
		"Targets": []any{constructtest.Like(map[string]any{"RetryPolicy": map[string]any{"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 60}})},
	})
	tpl.HasResourceProperties("AWS::Lambda::Permission", map[string]any{"Action": "lambda:InvokeFunction", "Principal": "events.amazonaws.com"})
	fns := tpl.Resources("AWS::Lambda::Function")
	require.Len(t, fns, 1)
	for _, fn := range fns {
		deps, _ := fn["DependsOn"].([]any)
		var policy bool
		for _, d := range deps {
			policy = policy || strings.HasPrefix(d.(string), "PodScalerPolicy")
		}
		assert.True(t, policy, "Lambda checks the role's network interface permissions at CreateFunction: the function depends on its policy (%v)", deps)
	}
}

// TestRoleHoldsOnlyItsLogsAndNetworkInterfaces: no AWS data permission at all; the EKS token is a
// presigned sts:GetCallerIdentity, which needs none.
func TestRoleHoldsOnlyItsLogsAndNetworkInterfaces(t *testing.T) {
	tpl := synth(t, nil)
	require.Len(t, tpl.Resources("AWS::IAM::ManagedPolicy"), 1)
	var actions []string
	for _, pol := range tpl.Resources("AWS::IAM::ManagedPolicy") {
		for _, st := range constructtest.Props(pol)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			st := st.(map[string]any)
			assert.Equal(t, "Allow", st["Effect"])
			switch a := st["Action"].(type) {
			case string:
				actions = append(actions, a)
			case []any:
				for _, x := range a {
					actions = append(actions, x.(string))
				}
			}
		}
	}
	assert.ElementsMatch(t, []string{"logs:CreateLogStream", "logs:PutLogEvents",
		"ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "ec2:CreateNetworkInterface",
		"ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"}, actions)
	for _, role := range tpl.Resources("AWS::IAM::Role") {
		assert.NotContains(t, constructtest.Props(role), "ManagedPolicyArns", "no AWS managed policy (AWSLambdaVPCAccessExecutionRole allows every interface)")
		assert.NotContains(t, constructtest.Props(role), "Policies", "no inline policy")
	}
}

// TestFunctionUsesTheEnvironmentsScalerSecurityGroup: the function runs in the pod scalers'
// security group (its paths are the platform's, constructs/podpaths) and creates its network
// interfaces only with it; the tenant stack opens no path of its own.
func TestFunctionUsesTheEnvironmentsScalerSecurityGroup(t *testing.T) {
	tpl := synth(t, nil)
	tpl.HasResourceProperties("AWS::Lambda::Function", map[string]any{
		"VpcConfig": constructtest.Like(map[string]any{"SecurityGroupIds": []any{scalerSG}}),
	})
	for _, typ := range []string{"AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"} {
		tpl.ResourceCountIs(typ, 0)
	}
	for _, pol := range tpl.Resources("AWS::IAM::ManagedPolicy") {
		assert.Contains(t, mustJSON(t, constructtest.Props(pol)), "security-group/"+scalerSG)
	}
}

// TestAccessEntryGivesOnlyTheTenantsGroup: a STANDARD entry with the tenant's Kubernetes group and
// no access policy (no cluster-wide rights; the namespace's Role is all it gets).
func TestAccessEntryGivesOnlyTheTenantsGroup(t *testing.T) {
	tpl := synth(t, nil)
	entries := tpl.Resources("AWS::EKS::AccessEntry")
	require.Len(t, entries, 1)
	for _, e := range entries {
		pr := constructtest.Props(e)
		assert.Equal(t, "STANDARD", pr["Type"])
		assert.Equal(t, "voicevault-prod", pr["ClusterName"])
		assert.Equal(t, []any{"voicevault:pod-scaler:acme"}, pr["KubernetesGroups"])
		assert.NotContains(t, pr, "AccessPolicies")
		assert.NotContains(t, pr, "Username")
	}
}

// TestErrorsAlarmAndEncryptedLogs: the log group is the given one, KMS-encrypted; the alarm fires
// when every run of five minutes failed, to the alarm topic.
func TestErrorsAlarmAndEncryptedLogs(t *testing.T) {
	tpl := synth(t, nil)
	tpl.HasResourceProperties("AWS::Logs::LogGroup", map[string]any{
		"LogGroupName": "/voicevault/prod/tenant/acme/pod-scaler",
		"KmsKeyId":     assertions.Match_AnyValue(),
	})
	tpl.HasResourceProperties("AWS::CloudWatch::Alarm", map[string]any{
		"AlarmName": "voicevault-prod-acme-pod-scaler-errors", "Namespace": "AWS/Lambda", "MetricName": "Errors",
		"Statistic": "Sum", "Period": 300, "Threshold": ErrorsAlarmRuns, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
		"AlarmActions": []any{"arn:aws:sns:eu-west-1:111111111111:alarms"}, "TreatMissingData": "notBreaching",
	})
}

func TestPropsAreValidated(t *testing.T) {
	cases := map[string]struct {
		edit func(*Props)
		want string
	}{
		"no endpoint":       {func(p *Props) { p.ClusterEndpoint = "" }, "cluster name, endpoint, CA and security group are required"},
		"system group":      {func(p *Props) { p.KubernetesGroup = "system:masters" }, `kubernetes group "system:masters": required, and not a system: group`},
		"min above max":     {func(p *Props) { p.MinReplicas, p.MaxReplicas = 3, 2 }, "replicas 3 to 2: need 1 ≤ min ≤ max"},
		"zero target":       {func(p *Props) { p.TargetInFlight = 0 }, "target in flight 0 must be above 0"},
		"no subnets":        {func(p *Props) { p.SubnetIDs = nil }, "VPC and subnets are required"},
		"port out of range": {func(p *Props) { p.Port = 70000 }, "port 70000 is not a port"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p, _ := testProps(t)
			tc.edit(&p)
			assert.EqualError(t, p.validate(), tc.want)
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// TestRunLogBecomesMetrics: each run's JSON line ("msg":"scale", pinned by TestRunScalesUp
// in lambda/podscaler/scaler) becomes the replicas, desired replicas and load
// metrics of the tenant's namespace, for its dashboard.
func TestRunLogBecomesMetrics(t *testing.T) {
	tpl := synth(t, nil)
	filters := tpl.Resources("AWS::Logs::MetricFilter")
	require.Len(t, filters, 3)
	got := map[string]string{}
	for _, f := range filters {
		p := constructtest.Props(f)
		assert.Equal(t, `{ $.msg = "scale" }`, p["FilterPattern"])
		tr := p["MetricTransformations"].([]any)[0].(map[string]any)
		assert.Equal(t, MetricNamespace, tr["MetricNamespace"])
		assert.Equal(t, []any{map[string]any{"Key": MetricDimension, "Value": "$.namespace"}}, tr["Dimensions"])
		got[tr["MetricName"].(string)] = tr["MetricValue"].(string)
	}
	assert.Equal(t, map[string]string{MetricReplicas: "$.current", MetricDesired: "$.desired", MetricLoad: "$.load"}, got)
}
