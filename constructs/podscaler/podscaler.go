// Package podscaler runs a tenant's pod scaler: the Go function lambda/podscaler, attached to the
// environment's VPC and invoked every minute by an EventBridge schedule. Each run it reads which
// of the tenant's TTS pods are ready (the Service's EndpointSlices), measures the inference load
// each carries from the model's own metrics (GET /metrics on the model port: the seconds spent in
// inference per second, or the in-flight gauge), and patches the Deployment's scale subresource
// towards TargetInFlight requests per pod, between MinReplicas and MaxReplicas.
//
// Why a function and not a HorizontalPodAutoscaler: an HPA on anything but CPU and memory needs a
// custom or external metrics adapter (KEDA, prometheus-adapter), and none is offered as an EKS
// add-on (EKS user guide, "Community add-ons": metrics-server, kube-state-metrics, node exporter,
// cert-manager, external-dns, Fluent Bit). The function needs no image pulled from the Internet,
// works with egress "none", and holds no AWS permissions beyond its log group and its network
// interfaces.
//
// Access, each layer exactly:
//   - IAM: the role writes its own log group and manages the function's network interfaces in the
//     given subnets with the pod scaler security group; nothing else. The EKS token it presents is a
//     presigned sts:GetCallerIdentity, which needs no permission.
//   - EKS: an access entry (STANDARD) maps the role to the Kubernetes group KubernetesGroup, with
//     no access policy; the tenant's namespace binds that group to a Role allowing get/patch on
//     this Deployment's scale and list on EndpointSlices (constructs/tenantworkload).
//   - Network: the environment's pod scaler security group (SecurityGroupID, the platform's
//     constructs/podpaths) reaches the cluster security group on TCP 443 (the API server's
//     endpoint network interfaces) and the model ports (the pods), nothing else.
package podscaler

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseksv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/voicevault/voicevault/constructs/defaults"
	"github.com/voicevault/voicevault/constructs/gocode"
)

// DefaultPackage is the pod scaler's main package, relative to the module root.
const DefaultPackage = "./lambda/podscaler"

// The function's environment (lambda/podscaler/scaler, ConfigFromEnv; a copy, held equal by
// TestFunctionEnvironmentIsWhatTheScalerReads: importing the scaler would link the AWS SDK into the app).
const (
	EnvClusterName     = "CLUSTER_NAME"
	EnvClusterEndpoint = "CLUSTER_ENDPOINT"
	EnvClusterCA       = "CLUSTER_CA"
	EnvNamespace       = "NAMESPACE"
	EnvDeployment      = "DEPLOYMENT"
	EnvService         = "SERVICE"
	EnvMetricsPort     = "METRICS_PORT"
	EnvMinReplicas     = "MIN_REPLICAS"
	EnvMaxReplicas     = "MAX_REPLICAS"
	EnvTargetInFlight  = "TARGET_IN_FLIGHT"
	EnvSampleSeconds   = "SAMPLE_SECONDS"
)

// Run-time settings: a run samples the pods twice SampleSeconds apart and finishes well inside
// the timeout; one run at a time; a failed run is not retried (the next one starts a minute later).
const (
	Schedule        = 1  // minutes between runs
	SampleSeconds   = 10 // seconds between the two metric samples of a run
	TimeoutSeconds  = 45
	MemoryMiB       = 128
	ErrorsAlarmRuns = 5 // failed runs in 5 minutes (all of them) that raise the alarm
)

// The run log's metrics: a metric filter per field of the one JSON line a run logs ("msg":
// "scale"), with the tenant's namespace as the dimension, so the tenant's dashboard shows the
// replicas the scaler found, the replicas it wanted and the load it measured.
const (
	MetricNamespace = "VoiceVault/PodScaler"
	MetricDimension = "Namespace"
	MetricReplicas  = "Replicas"        // the Deployment's replicas when the run started
	MetricDesired   = "DesiredReplicas" // what the run decided
	MetricLoad      = "InferenceLoad"   // requests on the GPUs at once, summed over the ready pods
	runLogMessage   = "scale"
)

// Props configures a tenant's pod scaler.
type Props struct {
	Environment string // Required. For descriptions.
	Tenant      string // Required. For descriptions.
	// AlarmName names the errors alarm (e.g. naming.TenantPrefix + "-pod-scaler-errors"). Required.
	AlarmName string
	// LogGroupName is the function's log group (naming.PodScalerLogGroup). Required.
	LogGroupName string
	// Key encrypts the log group; its policy must let CloudWatch Logs use it for LogGroupName
	// (defaults.AllowCloudWatchLogs). Required.
	Key              awskms.IKey
	LogRetentionDays int // Default: defaults.DefaultLogRetentionDays.

	ClusterName     string // Required.
	ClusterEndpoint string // Required. The API server's https endpoint (private endpoint access).
	ClusterCA       string // Required. The cluster CA, base64 PEM (DescribeCluster certificateAuthority.data).
	// SecurityGroupID is the environment's pod scaler security group, whose only paths are to the
	// API server and the pods' model ports (constructs/podpaths). Required.
	SecurityGroupID string
	VPC             awsec2.IVpc // Required.
	SubnetIDs       []string    // Required. The private subnets the function attaches to.
	// KubernetesGroup is the group the access entry gives the function's role; the tenant's
	// namespace binds it (tenantworkload.Props.ScalerGroup). Required.
	KubernetesGroup string

	Namespace  string // Required. The tenant's namespace.
	Deployment string // Required. The TTS Deployment.
	Service    string // Required. The Service whose EndpointSlices list the ready pods.
	Port       int    // Required. The model port, which serves /metrics.

	MinReplicas    int     // Required. At least 1.
	MaxReplicas    int     // Required. At least MinReplicas.
	TargetInFlight float64 // Required. Above 0.

	AlarmTopic awssns.ITopic // Default: none (the alarm has no action).
	Source     gocode.Source // Default: DefaultPackage in this repository.
}

func (p Props) validate() error {
	switch {
	case p.Environment == "" || p.Tenant == "" || p.AlarmName == "" || p.LogGroupName == "" || p.Key == nil:
		return fmt.Errorf("environment, tenant, alarm name, log group name and key are required")
	case p.ClusterName == "" || p.ClusterEndpoint == "" || p.ClusterCA == "" || p.SecurityGroupID == "":
		return fmt.Errorf("cluster name, endpoint, CA and security group are required")
	case p.VPC == nil || len(p.SubnetIDs) == 0:
		return fmt.Errorf("VPC and subnets are required")
	case p.KubernetesGroup == "" || strings.HasPrefix(p.KubernetesGroup, "system:"):
		return fmt.Errorf("kubernetes group %q: required, and not a system: group", p.KubernetesGroup)
	case p.Namespace == "" || p.Deployment == "" || p.Service == "":
		return fmt.Errorf("namespace, deployment and service are required")
	case p.Port < 1 || p.Port > 65535:
		return fmt.Errorf("port %d is not a port", p.Port)
	case p.MinReplicas < 1 || p.MaxReplicas < p.MinReplicas:
		return fmt.Errorf("replicas %d to %d: need 1 ≤ min ≤ max", p.MinReplicas, p.MaxReplicas)
	case !(p.TargetInFlight > 0):
		return fmt.Errorf("target in flight %g must be above 0", p.TargetInFlight)
	}
	return nil
}

// PodScaler is the function and what it owns.
type PodScaler struct {
	constructs.Construct
	fn          awslambda.Function
	role        awsiam.Role
	policy      awsiam.ManagedPolicy
	logs        awslogs.LogGroup
	rule        awsevents.Rule
	accessEntry awseksv2.CfnAccessEntry
	alarm       awscloudwatch.Alarm
}

func (s *PodScaler) Function() awslambda.Function         { return s.fn }
func (s *PodScaler) Role() awsiam.Role                    { return s.role }
func (s *PodScaler) Policy() awsiam.ManagedPolicy         { return s.policy } // the role's only policy
func (s *PodScaler) LogGroup() awslogs.LogGroup           { return s.logs }
func (s *PodScaler) Rule() awsevents.Rule                 { return s.rule }
func (s *PodScaler) AccessEntry() awseksv2.CfnAccessEntry { return s.accessEntry }
func (s *PodScaler) ErrorsAlarm() awscloudwatch.Alarm     { return s.alarm }

// New creates a tenant's pod scaler.
func New(scope constructs.Construct, id string, p Props) *PodScaler {
	if p.Source.Package == "" {
		p.Source.Package = DefaultPackage
	}
	if err := p.validate(); err != nil {
		panic(fmt.Errorf("pod scaler %q: %w", id, err)) // config errors are caught earlier, in config.Validate
	}
	code, _, err := p.Source.Code()
	if err != nil {
		panic(fmt.Errorf("pod scaler %q: %w", id, err))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	s := &PodScaler{Construct: c}
	what := "VoiceVault " + p.Environment + " tenant " + p.Tenant + " pod scaler"

	s.logs = defaults.LogGroup(c, "Logs", defaults.LogGroupProps{Name: p.LogGroupName, Key: p.Key, RetentionDays: p.LogRetentionDays})

	// Network: the environment's pod scaler security group (constructs/podpaths opens its paths).
	sg := awsec2.SecurityGroup_FromSecurityGroupId(c, jsii.String("SecurityGroup"), jsii.String(p.SecurityGroupID),
		&awsec2.SecurityGroupImportOptions{Mutable: jsii.Bool(false), AllowAllOutbound: jsii.Bool(false)})

	// IAM: its log group and its network interfaces; one customer-managed policy, the function
	// gets the role without policy updates so the CDK adds nothing (no AWSLambdaVPCAccessExecutionRole).
	s.role = awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String(what + ": Kubernetes rights come from its access entry; AWS rights are its logs and network interfaces"),
	})
	subnets := make([]*string, len(p.SubnetIDs))
	for i, id := range p.SubnetIDs {
		subnets[i] = jsii.String(id)
	}
	statements := append([]awsiam.PolicyStatement{defaults.LogWritePolicy(s.logs)},
		defaults.LambdaVPCStatements(subnets, jsii.String(p.SecurityGroupID))...)
	s.policy = awsiam.NewManagedPolicy(c, jsii.String("Policy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String(what + ": write its log group, attach to the VPC"),
		Statements:  &statements,
		Roles:       &[]awsiam.IRole{s.role},
	})

	imported := make([]awsec2.ISubnet, len(p.SubnetIDs))
	for i, id := range p.SubnetIDs {
		imported[i] = awsec2.Subnet_FromSubnetId(c, jsii.String(fmt.Sprintf("Subnet%d", i)), jsii.String(id))
		// Only the subnet IDs are used (the function's VpcConfig); nothing reads the route table.
		awscdk.Annotations_Of(imported[i]).AcknowledgeWarning(jsii.String("@aws-cdk/aws-ec2:noSubnetRouteTableId"),
			jsii.String("the subnet is imported for the function's VpcConfig only; its route table is the platform's"))
	}
	env := map[string]*string{
		EnvClusterName:     jsii.String(p.ClusterName),
		EnvClusterEndpoint: jsii.String(p.ClusterEndpoint),
		EnvClusterCA:       jsii.String(p.ClusterCA),
		EnvNamespace:       jsii.String(p.Namespace),
		EnvDeployment:      jsii.String(p.Deployment),
		EnvService:         jsii.String(p.Service),
		EnvMetricsPort:     jsii.String(strconv.Itoa(p.Port)),
		EnvMinReplicas:     jsii.String(strconv.Itoa(p.MinReplicas)),
		EnvMaxReplicas:     jsii.String(strconv.Itoa(p.MaxReplicas)),
		EnvTargetInFlight:  jsii.String(strconv.FormatFloat(p.TargetInFlight, 'g', -1, 64)),
		EnvSampleSeconds:   jsii.String(strconv.Itoa(SampleSeconds)),
	}
	s.fn = awslambda.NewFunction(c, jsii.String("Function"), &awslambda.FunctionProps{
		Description:                  jsii.String(what + ": scales " + p.Namespace + "/" + p.Deployment + " on inference load"),
		Runtime:                      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:                 awslambda.Architecture_ARM_64(),
		Handler:                      jsii.String("bootstrap"),
		Code:                         code,
		Role:                         s.role.WithoutPolicyUpdates(nil),
		LogGroup:                     s.logs,
		LoggingFormat:                awslambda.LoggingFormat_JSON,
		Timeout:                      awscdk.Duration_Seconds(jsii.Number(TimeoutSeconds)),
		MemorySize:                   jsii.Number(MemoryMiB),
		ReservedConcurrentExecutions: jsii.Number(1),
		RetryAttempts:                jsii.Number(0),
		MaxEventAge:                  awscdk.Duration_Seconds(jsii.Number(60 * Schedule)),
		Vpc:                          p.VPC,
		VpcSubnets:                   &awsec2.SubnetSelection{Subnets: &imported},
		SecurityGroups:               &[]awsec2.ISecurityGroup{sg},
		Environment:                  &env,
	})
	// Lambda checks at CreateFunction that the role may create network interfaces: the policy first.
	s.fn.Node().AddDependency(s.policy)

	// EKS access: the L2 AccessEntry has no kubernetesGroups, hence the L1 (AWS::EKS::AccessEntry).
	s.accessEntry = awseksv2.NewCfnAccessEntry(c, jsii.String("AccessEntry"), &awseksv2.CfnAccessEntryProps{
		ClusterName:      jsii.String(p.ClusterName),
		PrincipalArn:     s.role.RoleArn(),
		Type:             jsii.String("STANDARD"),
		KubernetesGroups: jsii.Strings(p.KubernetesGroup),
	})

	s.rule = awsevents.NewRule(c, jsii.String("Schedule"), &awsevents.RuleProps{
		Description: jsii.String(what + ": one run a minute"),
		Schedule:    awsevents.Schedule_Rate(awscdk.Duration_Minutes(jsii.Number(Schedule))),
		Targets: &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(s.fn, &awseventstargets.LambdaFunctionProps{
			RetryAttempts: jsii.Number(0),
			MaxEventAge:   awscdk.Duration_Seconds(jsii.Number(60 * Schedule)),
		})},
	})

	for _, m := range []struct{ id, name, field string }{
		{"ReplicasMetric", MetricReplicas, "$.current"}, {"DesiredMetric", MetricDesired, "$.desired"}, {"LoadMetric", MetricLoad, "$.load"},
	} {
		awslogs.NewMetricFilter(c, jsii.String(m.id), &awslogs.MetricFilterProps{
			LogGroup:        s.logs,
			FilterPattern:   awslogs.FilterPattern_StringValue(jsii.String("$.msg"), jsii.String("="), jsii.String(runLogMessage)),
			MetricNamespace: jsii.String(MetricNamespace),
			MetricName:      jsii.String(m.name),
			MetricValue:     jsii.String(m.field),
			Dimensions:      &map[string]*string{MetricDimension: jsii.String("$.namespace")},
			Unit:            awscloudwatch.Unit_COUNT,
		})
	}

	s.alarm = defaults.Alarm(c, "ErrorsAlarm", defaults.AlarmProps{
		Name:        p.AlarmName,
		Description: "every run of tenant " + p.Tenant + "'s pod scaler failed for 5 minutes: its replicas are not following the load (see the function's log group " + p.LogGroupName + ")",
		Metric:      s.fn.MetricErrors(&awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: jsii.String("Sum")}),
		Threshold:   ErrorsAlarmRuns,
		Topic:       p.AlarmTopic,
	})
	return s
}
