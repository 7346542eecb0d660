// Package tenantroute is one tenant's route through its environment's shared ingress (package
// ingress): a target group of pod IPs, a rule on the shared listener that forwards the tenant's
// requests to it, and the Kubernetes TargetGroupBinding that keeps its targets equal to the ready
// endpoints of the tenant's Service. CloudFormation owns the target group and the rule;
// Kubernetes (EKS Auto Mode's load balancer controller) owns only the targets.
package tenantroute

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseksv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// ClusterNameTag is the tag EKS Auto Mode's load balancer controller requires on a target group
// before it registers targets in it: the cluster role's AmazonEKSLoadBalancingPolicy allows
// elasticloadbalancing:RegisterTargets/DeregisterTargets only on resources tagged with the
// cluster's name.
const ClusterNameTag = "eks:eks-cluster-name"

// DefaultPathPatterns are the paths a tenant's rule forwards: the versioned API only.
var DefaultPathPatterns = []string{"/v1/*"}

// Props configures a tenant's route.
type Props struct {
	Tenant          string                                         // Required. Also the value of HeaderName the rule matches.
	VPC             awsec2.IVpc                                    // Required. The environment's VPC.
	Listener        awselasticloadbalancingv2.IApplicationListener // Required. The shared ingress listener.
	HeaderName      string                                         // Required. The header the tenant's API integration sets to Tenant (ingress.TenantHeader).
	Priority        int                                            // Required. The rule's priority, unique on the listener (config.Tenant.API.ListenerPriority).
	Port            int                                            // Required. The Service port, which is also the pods' port.
	HealthCheckPath string                                         // Required. The model's readiness path.
	PathPatterns    []string                                       // Default: DefaultPathPatterns. The paths pods serve.
	// ArrivalPrefix is a path prefix every request arrives with in front of the paths pods serve:
	// API Gateway puts the stage in front of every private integration's path (API Gateway
	// developer guide, "Private integrations for REST APIs": a request to stage test reaches the
	// backend as test/path). The rule matches ArrivalPrefix + PathPatterns and rewrites the URL
	// back (an ALB url-rewrite transform), so pods serve PathPatterns unprefixed. Default: none
	// (requests arrive as pods serve them). Starts with "/", no trailing "/".
	ArrivalPrefix string
	Cluster       awseksv2.ICluster
	ClusterName   string // Required. Tags the target group for the Auto Mode controller.
	Namespace     string // Required. The tenant's namespace.
	ServiceName   string // Required. The tenant's Service.
}

// Route is a tenant's target group, listener rule and TargetGroupBinding.
type Route interface {
	constructs.Construct
	TargetGroup() awselasticloadbalancingv2.ApplicationTargetGroup
	Rule() awselasticloadbalancingv2.ApplicationListenerRule
	// Binding is the TargetGroupBinding manifest. It must be applied after the tenant's namespace
	// exists: add that dependency where the namespace is created.
	Binding() awseksv2.KubernetesManifest
}

type route struct {
	constructs.Construct
	tg      awselasticloadbalancingv2.ApplicationTargetGroup
	rule    awselasticloadbalancingv2.ApplicationListenerRule
	binding awseksv2.KubernetesManifest
}

func (r *route) TargetGroup() awselasticloadbalancingv2.ApplicationTargetGroup { return r.tg }
func (r *route) Rule() awselasticloadbalancingv2.ApplicationListenerRule       { return r.rule }
func (r *route) Binding() awseksv2.KubernetesManifest                          { return r.binding }

// New creates the route.
func New(scope constructs.Construct, id string, props Props) Route {
	p := props
	if len(p.PathPatterns) == 0 {
		p.PathPatterns = DefaultPathPatterns
	}
	switch {
	case p.Tenant == "" || p.VPC == nil || p.Listener == nil || p.Cluster == nil || p.HeaderName == "":
		panic(fmt.Errorf("tenant route %q: tenant, vpc, listener, header name and cluster are required", id))
	case p.Priority < 1 || p.Priority > 50000:
		panic(fmt.Errorf("tenant route %q: priority %d is out of range (1 to 50000)", id, p.Priority))
	case p.Port < 1 || p.Port > 65535:
		panic(fmt.Errorf("tenant route %q: port %d is out of range", id, p.Port))
	case p.ArrivalPrefix != "" && (!strings.HasPrefix(p.ArrivalPrefix, "/") || strings.HasSuffix(p.ArrivalPrefix, "/") || strings.ContainsAny(p.ArrivalPrefix, `*?()[]{}|\^$.+`)):
		panic(fmt.Errorf("tenant route %q: arrival prefix %q must start with /, not end with / and hold no pattern characters", id, p.ArrivalPrefix))
	case p.ClusterName == "" || p.Namespace == "" || p.ServiceName == "" || p.HealthCheckPath == "":
		panic(fmt.Errorf("tenant route %q: cluster name, namespace, service name, health check path, load balancer and pod security groups are required", id))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	r := &route{Construct: c}

	r.tg = awselasticloadbalancingv2.NewApplicationTargetGroup(c, jsii.String("TargetGroup"), &awselasticloadbalancingv2.ApplicationTargetGroupProps{
		Vpc:                 p.VPC,
		TargetType:          awselasticloadbalancingv2.TargetType_IP,
		Protocol:            awselasticloadbalancingv2.ApplicationProtocol_HTTP, // pod traffic stays inside the VPC
		Port:                jsii.Number(float64(p.Port)),
		DeregistrationDelay: awscdk.Duration_Seconds(jsii.Number(30)),
		HealthCheck: &awselasticloadbalancingv2.HealthCheck{
			Path:                    jsii.String(p.HealthCheckPath),
			HealthyHttpCodes:        jsii.String("200"),
			Interval:                awscdk.Duration_Seconds(jsii.Number(15)),
			Timeout:                 awscdk.Duration_Seconds(jsii.Number(5)),
			HealthyThresholdCount:   jsii.Number(2),
			UnhealthyThresholdCount: jsii.Number(3),
		},
	})
	awscdk.Tags_Of(r.tg).Add(jsii.String(ClusterNameTag), jsii.String(p.ClusterName), nil)

	r.rule = awselasticloadbalancingv2.NewApplicationListenerRule(c, jsii.String("Rule"), &awselasticloadbalancingv2.ApplicationListenerRuleProps{
		Listener: p.Listener,
		Priority: jsii.Number(float64(p.Priority)),
		Conditions: &[]awselasticloadbalancingv2.ListenerCondition{
			awselasticloadbalancingv2.ListenerCondition_HttpHeader(jsii.String(p.HeaderName), jsii.Strings(p.Tenant)),
			awselasticloadbalancingv2.ListenerCondition_PathPatterns(jsii.Strings(ArrivalPatterns(p.ArrivalPrefix, p.PathPatterns)...)),
		},
		TargetGroups: &[]awselasticloadbalancingv2.IApplicationTargetGroup{r.tg},
	})
	if rw := URLRewrite(p.ArrivalPrefix); rw != nil {
		// The L2 rule has no transforms: set them on the L1 rule (AWS::ElasticLoadBalancingV2::ListenerRule Transforms).
		r.rule.Node().DefaultChild().(awselasticloadbalancingv2.CfnListenerRule).SetTransforms([]interface{}{
			&awselasticloadbalancingv2.CfnListenerRule_TransformProperty{
				Type: jsii.String("url-rewrite"),
				UrlRewriteConfig: &awselasticloadbalancingv2.CfnListenerRule_RewriteConfigObjectProperty{
					Rewrites: []interface{}{&awselasticloadbalancingv2.CfnListenerRule_RewriteConfigProperty{Regex: jsii.String(rw.Regex), Replace: jsii.String(rw.Replace)}},
				},
			},
		})
	}

	// The path from the load balancer to the pods is CloudFormation's, opened once per model port
	// by the platform stack (constructs/podpaths; docs/platform.md): the binding carries no
	// spec.networking, so the controller changes no security group, and the route adds none.
	r.binding = awseksv2.NewKubernetesManifest(c, jsii.String("TargetGroupBinding"), &awseksv2.KubernetesManifestProps{
		Cluster:   p.Cluster,
		Manifest:  &[]*map[string]interface{}{toMap(Binding(p, *r.tg.TargetGroupArn()))},
		Overwrite: jsii.Bool(true),
	})
	return r
}

// ArrivalPatterns are the path patterns a rule matches: each of patterns behind prefix.
func ArrivalPatterns(prefix string, patterns []string) []string {
	out := make([]string, len(patterns))
	for i, pt := range patterns {
		out[i] = prefix + pt
	}
	return out
}

// Rewrite is an ALB url-rewrite: Regex (RE2 syntax without backreferences) and its replacement.
type Rewrite struct{ Regex, Replace string }

// URLRewrite is the rewrite that removes prefix from the front of a request URL (path and query
// string); nil without a prefix.
func URLRewrite(prefix string) *Rewrite {
	if prefix == "" {
		return nil
	}
	return &Rewrite{Regex: "^" + prefix + "(/.*)$", Replace: "$1"}
}

// TargetGroupBinding is EKS Auto Mode's binding of a target group to a Service
// (eks.amazonaws.com/v1; the open-source controller's elbv2.k8s.aws/v1beta1 has the same spec).
type TargetGroupBinding struct {
	APIVersion string                 `json:"apiVersion"`
	Kind       string                 `json:"kind"`
	Metadata   ObjectMeta             `json:"metadata"`
	Spec       TargetGroupBindingSpec `json:"spec"`
}

// ObjectMeta is the part of Kubernetes object metadata a binding uses.
type ObjectMeta struct {
	Name      string            `json:"name"`
	Namespace string            `json:"namespace"`
	Labels    map[string]string `json:"labels,omitempty"`
}

// TargetGroupBindingSpec binds TargetGroupARN to ServiceRef.
type TargetGroupBindingSpec struct {
	TargetGroupARN string           `json:"targetGroupARN"`
	TargetType     string           `json:"targetType"`
	ServiceRef     ServiceReference `json:"serviceRef"`
}

// ServiceReference names a Service port.
type ServiceReference struct {
	Name string `json:"name"`
	Port int    `json:"port"`
}

// Binding is the TargetGroupBinding of a tenant's Service to targetGroupARN.
func Binding(p Props, targetGroupARN string) TargetGroupBinding {
	return TargetGroupBinding{
		APIVersion: "eks.amazonaws.com/v1",
		Kind:       "TargetGroupBinding",
		Metadata: ObjectMeta{
			Name: p.ServiceName, Namespace: p.Namespace,
			Labels: map[string]string{"app.kubernetes.io/managed-by": "voicevault", "voicevault.io/tenant": p.Tenant},
		},
		Spec: TargetGroupBindingSpec{
			TargetGroupARN: targetGroupARN,
			TargetType:     "ip",
			ServiceRef:     ServiceReference{Name: p.ServiceName, Port: p.Port},
		},
	}
}

// toMap turns a typed manifest into the map the CDK takes (tokens survive as strings).
func toMap(v any) *map[string]interface{} {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var m map[string]interface{}
	if err := json.Unmarshal(b, &m); err != nil {
		panic(err)
	}
	return &m
}
