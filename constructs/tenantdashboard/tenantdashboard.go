// Package tenantdashboard gives a tenant a CloudWatch dashboard of its API front door and its
// TTS fleet, and alarms on sustained GPU saturation and on pods pending too long.
//
// Sources: API Gateway's metrics (requests, latency, 4xx/5xx; the integration latency is the time
// the model took, the inference duration seen from the API), the authorizer's denial metric by
// reason (constructs/denialalarms' metric filter over its JSON log), AWS WAF's blocked requests,
// and Container Insights with enhanced observability for EKS (the amazon-cloudwatch-observability
// add-on: per-pod GPU utilization and GPU memory from the NVIDIA DCGM exporter, pending pods,
// container restarts; https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-metrics-enhanced-EKS.html).
package tenantdashboard

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/voicevault/voicevault/constructs/defaults"
)

// Metric namespaces and names read.
const (
	ContainerInsights      = "ContainerInsights"
	MetricGPUUtilization   = "pod_gpu_utilization"
	MetricGPUMemory        = "pod_gpu_memory_utilization"
	MetricPending          = "pod_status_pending"
	MetricRestarts         = "pod_number_of_container_restarts"
	APIGateway             = "AWS/ApiGateway"
	WAF                    = "AWS/WAFV2"
	AuthorizerNamespace    = "VoiceVault/Authorizer"
	AuthorizerDenialMetric = "Denials"
)

// Defaults of the alarms.
const (
	DefaultGPUSaturationPercent = 90
	DefaultGPUSaturationMinutes = 15
	DefaultPendingMinutes       = 10
	period                      = 5 // minutes per datapoint
)

// Props configures the dashboard and alarms.
type Props struct {
	DashboardName string // Required. e.g. voicevault-prod-acme.
	Tenant        string // Required. The authorizer metric's Tenant dimension.
	// ClusterName, Namespace and Workload are Container Insights' ClusterName, Namespace and
	// PodName dimensions (PodName is the Deployment's name for its pods). Required.
	ClusterName string
	Namespace   string
	Workload    string
	APIName     string // Required. The REST API's name (API Gateway's ApiName dimension).
	Stage       string // Required. The stage (Stage dimension).
	WebACL      string // Required. The web ACL's metric name (AWS WAF's WebACL dimension).
	Region      string // Required. The WAF metric's Region dimension.
	Topic       awssns.ITopic
	// AlarmNamePrefix prefixes the two alarms' names, e.g. voicevault-prod-acme-. Required.
	AlarmNamePrefix      string
	GPUSaturationPercent int // Default: DefaultGPUSaturationPercent (average GPU utilization of the tenant's pods).
	GPUSaturationMinutes int // Default: DefaultGPUSaturationMinutes (how long it must last; a multiple of 5).
	PendingMinutes       int // Default: DefaultPendingMinutes (how long a pod may stay Pending; a multiple of 5).
	// Scaler adds a row for the tenant's pod scaler: the replicas it found and wanted, and the
	// inference load it measured. Default: none (the tenant does not autoscale).
	Scaler *ScalerMetrics
}

// ScalerMetrics names the pod scaler's metrics (constructs/podscaler writes them from its log).
type ScalerMetrics struct {
	Namespace, Dimension, Replicas, Desired, Load string // Required.
}

// Dashboard is the tenant's dashboard and its fleet alarms.
type Dashboard struct {
	constructs.Construct
	dashboard     awscloudwatch.Dashboard
	gpuSaturation awscloudwatch.Alarm
	pending       awscloudwatch.Alarm
}

// Dashboard is the CloudWatch dashboard.
func (d *Dashboard) Dashboard() awscloudwatch.Dashboard { return d.dashboard }

// GPUSaturationAlarm fires when the tenant's pods use their GPUs above the threshold for long.
func (d *Dashboard) GPUSaturationAlarm() awscloudwatch.Alarm { return d.gpuSaturation }

// PendingPodsAlarm fires when a TTS pod stays Pending (no GPU node for it) for long.
func (d *Dashboard) PendingPodsAlarm() awscloudwatch.Alarm { return d.pending }

func (p Props) withDefaults() Props {
	if p.GPUSaturationPercent == 0 {
		p.GPUSaturationPercent = DefaultGPUSaturationPercent
	}
	if p.GPUSaturationMinutes == 0 {
		p.GPUSaturationMinutes = DefaultGPUSaturationMinutes
	}
	if p.PendingMinutes == 0 {
		p.PendingMinutes = DefaultPendingMinutes
	}
	return p
}

func (p Props) validate() error {
	switch {
	case p.DashboardName == "" || p.Tenant == "" || p.ClusterName == "" || p.Namespace == "" || p.Workload == "":
		return fmt.Errorf("dashboard name, tenant, cluster name, namespace and workload are required")
	case p.APIName == "" || p.Stage == "" || p.WebACL == "" || p.Region == "":
		return fmt.Errorf("API name, stage, web ACL and region are required")
	case p.GPUSaturationPercent < 1 || p.GPUSaturationPercent > 100:
		return fmt.Errorf("GPU saturation %d%% is not in 1..100", p.GPUSaturationPercent)
	case p.GPUSaturationMinutes%period != 0 || p.PendingMinutes%period != 0:
		return fmt.Errorf("GPU saturation minutes %d and pending minutes %d must be multiples of %d", p.GPUSaturationMinutes, p.PendingMinutes, period)
	case p.Topic == nil || p.AlarmNamePrefix == "":
		return fmt.Errorf("topic and alarm name prefix are required")
	case p.Scaler != nil && (p.Scaler.Namespace == "" || p.Scaler.Dimension == "" || p.Scaler.Replicas == "" || p.Scaler.Desired == "" || p.Scaler.Load == ""):
		return fmt.Errorf("pod scaler metrics need a namespace, a dimension and three metric names")
	}
	return nil
}

// New builds the dashboard and the alarms.
func New(scope constructs.Construct, id string, props Props) *Dashboard {
	p := props.withDefaults()
	if err := p.validate(); err != nil {
		panic(fmt.Errorf("tenant dashboard %q: %w", id, err))
	}
	d := &Dashboard{Construct: constructs.NewConstruct(scope, jsii.String(id))}
	five := awscdk.Duration_Minutes(jsii.Number(period))
	metric := func(ns, name, stat, label string, dims map[string]*string) awscloudwatch.Metric {
		mp := &awscloudwatch.MetricProps{
			Namespace: jsii.String(ns), MetricName: jsii.String(name), Statistic: jsii.String(stat), Period: five, DimensionsMap: &dims,
		}
		if label != "" { // alarms take unlabelled metrics: a plain MetricName/Dimensions alarm
			mp.Label = jsii.String(label)
		}
		return awscloudwatch.NewMetric(mp)
	}
	pod := map[string]*string{"ClusterName": jsii.String(p.ClusterName), "Namespace": jsii.String(p.Namespace), "PodName": jsii.String(p.Workload)}
	api := map[string]*string{"ApiName": jsii.String(p.APIName), "Stage": jsii.String(p.Stage)}
	waf := map[string]*string{"WebACL": jsii.String(p.WebACL), "Region": jsii.String(p.Region), "Rule": jsii.String("ALL")}

	gpu := metric(ContainerInsights, MetricGPUUtilization, "Average", "GPU utilization %", pod)
	gpuMem := metric(ContainerInsights, MetricGPUMemory, "Average", "GPU memory %", pod)
	pending := metric(ContainerInsights, MetricPending, "Maximum", "pending pods", pod)
	restarts := metric(ContainerInsights, MetricRestarts, "Sum", "container restarts", pod)
	denials := awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression: jsii.String(fmt.Sprintf(`SEARCH('{%s,Reason,Tenant} MetricName="%s" Tenant="%s"', 'Sum', %d)`, AuthorizerNamespace, AuthorizerDenialMetric, p.Tenant, period*60)),
		Label:      jsii.String("denials by reason"),
		Period:     five,
	})
	graph := func(title string, left ...awscloudwatch.IMetric) awscloudwatch.IWidget {
		return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{Title: jsii.String(title), Left: &left, Width: jsii.Number(8), Height: jsii.Number(6)})
	}
	rows := []*[]awscloudwatch.IWidget{
		{
			graph("API requests", metric(APIGateway, "Count", "Sum", "requests", api)),
			graph("API latency", metric(APIGateway, "Latency", "p50", "p50", api), metric(APIGateway, "Latency", "p99", "p99", api)),
			graph("API errors", metric(APIGateway, "4XXError", "Sum", "4xx", api), metric(APIGateway, "5XXError", "Sum", "5xx", api)),
		},
		{
			graph("Authorizer denials by reason", denials),
			graph("WAF blocked requests", metric(WAF, "BlockedRequests", "Sum", "blocked", waf)),
			graph("Inference duration (integration latency)", metric(APIGateway, "IntegrationLatency", "p50", "p50", api), metric(APIGateway, "IntegrationLatency", "p99", "p99", api)),
		},
		{
			graph("GPU utilization and memory", gpu, gpuMem),
			graph("Pending TTS pods", pending),
			graph("Container restarts", restarts),
		},
	}
	if sm := p.Scaler; sm != nil {
		dims := map[string]*string{sm.Dimension: jsii.String(p.Namespace)}
		rows = append(rows, &[]awscloudwatch.IWidget{
			graph("Pod scaler: replicas found and wanted", metric(sm.Namespace, sm.Replicas, "Maximum", "replicas", dims), metric(sm.Namespace, sm.Desired, "Maximum", "desired", dims)),
			graph("Pod scaler: inference load (requests on the GPUs)", metric(sm.Namespace, sm.Load, "Average", "load", dims)),
		})
	}
	d.dashboard = awscloudwatch.NewDashboard(d.Construct, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName: jsii.String(p.DashboardName),
		Widgets:       &rows,
	})

	alarm := func(cid, suffix, what string, m awscloudwatch.Metric, threshold float64, minutes int) awscloudwatch.Alarm {
		return defaults.Alarm(d.Construct, cid, defaults.AlarmProps{
			Name: p.AlarmNamePrefix + suffix, Description: what, Metric: m, Threshold: threshold,
			EvaluationPeriods: minutes / period, DatapointsToAlarm: minutes / period, Topic: p.Topic,
		})
	}
	d.gpuSaturation = alarm("GPUSaturationAlarm", "gpu-saturation",
		fmt.Sprintf("Tenant %s: the TTS pods' GPUs averaged %d%% or more for %d minutes: raise model.replicas or the GPU nodes' maxSize", p.Tenant, p.GPUSaturationPercent, p.GPUSaturationMinutes),
		metric(ContainerInsights, MetricGPUUtilization, "Average", "", pod), float64(p.GPUSaturationPercent), p.GPUSaturationMinutes)
	d.pending = alarm("PendingPodsAlarm", "pods-pending",
		fmt.Sprintf("Tenant %s: a TTS pod has been Pending for %d minutes: no GPU node could take it (pool limit, quota, or instance capacity)", p.Tenant, p.PendingMinutes),
		metric(ContainerInsights, MetricPending, "Maximum", "", pod), 1, p.PendingMinutes)
	return d
}
