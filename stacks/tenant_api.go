package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/constructs/apiedge"
	"github.com/voicevault/voicevault/constructs/authorizerfn"
	"github.com/voicevault/voicevault/constructs/defaults"
	"github.com/voicevault/voicevault/constructs/ingress"
	"github.com/voicevault/voicevault/constructs/tenantroute"
	"github.com/voicevault/voicevault/constructs/waf"
	"github.com/voicevault/voicevault/naming"
)

// TenantAPI is a tenant's API front door: authorizer, REST API, web ACL and ingress route.
type TenantAPI struct {
	Authorizer authorizerfn.AuthorizerFn
	API        apiedge.APIEdge
	WAF        waf.WAF
	Route      tenantroute.Route
}

// addAPI adds the tenant's API front door to its stack: client → (custom domain) → REST API with
// WAF and the Lambda authorizer → VPC link → the environment's shared internal load balancer →
// this tenant's listener rule and target group → the pods of its Service (TargetGroupBinding).
func addAPI(tn *Tenant) {
	t, env, stack := tn.Config, tn.Platform.Env, tn.Stack
	param := func(key string) string { return platformParam(stack, env, key) }
	topic := awssns.Topic_FromTopicArn(stack, jsii.String("AlarmTopic"), jsii.String(
		fmt.Sprintf("arn:%s:sns:%s:%s:%s", *stack.Partition(), env.Region, env.Account, naming.AlarmTopic(env.Name))))
	tn.AlarmTopic = topic

	tn.Authorizer = authorizerfn.New(stack, "Authorizer", authorizerfn.Props{
		Environment: env.Name, Tenant: t.Name, Key: tn.Key,
		Name: naming.TenantPrefix(env.Name, t.Name), LogGroupName: naming.AuthorizerLogGroup(env.Name, t.Name),
		SecretName: naming.APIKeySecret(env.Name, t.Name),
		Issuer:     t.Authorizer.Issuer, Audiences: t.Authorizer.Audiences, JWKSURL: t.Authorizer.JWKSURL,
		TenantClaim: t.Authorizer.TenantClaim, APIKeys: t.Authorizer.APIKeys, APIKeyMaxAgeDays: t.Authorizer.APIKeyMaxAgeDays,
		SecretWriters:    []string{env.IAMARN("role/" + config.BootstrapRoleName(env, naming.BootstrapExecutionRole))},
		SecretOperators:  env.ClusterAdminRoleARNs,
		LogRetentionDays: env.LogRetentionDays, AlarmTopic: topic,
	})

	var backendURL string
	if env.Ingress.TLS() {
		backendURL = "https://" + env.Ingress.HostName
	} else {
		backendURL = "http://" + param(naming.ParamIngressALBDNS)
	}
	var domain *apiedge.CustomDomain
	if d := t.CustomDomain; d != nil {
		domain = &apiedge.CustomDomain{DomainName: d.DomainName, CertificateARN: d.CertificateARN}
	}
	tn.API = apiedge.New(stack, "API", apiedge.Props{
		Environment: env.Name, Tenant: t.Name, Key: tn.Key,
		Name: naming.TenantPrefix(env.Name, t.Name), AccessLogGroupName: naming.APIAccessLogGroup(env.Name, t.Name),
		Authorizer:                tn.Authorizer.Function(),
		AuthorizerCacheTTLSeconds: *t.Authorizer.CacheTTLSeconds,
		APIKeys:                   t.Authorizer.APIKeys,
		RateLimit:                 t.API.RateLimit, BurstLimit: t.API.BurstLimit,
		Interactive: plan(t.API.Usage.RateLimit, t.API.Usage.BurstLimit, t.API.Usage.Quota),
		Partners:    partners(t.Authorizer.Partners),
		Backend: apiedge.Backend{
			VPCLinkID: param(naming.ParamIngressVPCLinkID), LoadBalancerARN: param(naming.ParamIngressLoadBalancerARN),
			URL: backendURL, TenantHeader: ingress.TenantHeader,
		},
		CustomDomain:     domain,
		LogRetentionDays: env.LogRetentionDays,
		AlarmTopic:       topic,
	})

	// The authorizer returns each caller's meter key (usage plans: see package apiedge).
	var keys []authorizerfn.UsageKey
	for _, m := range tn.API.Meters() {
		keys = append(keys, authorizerfn.UsageKey{Caller: m.Caller, Key: m.Key})
	}
	tn.Authorizer.UseUsageKeys(keys)
	addTenantMonitoring(tn, topic)

	tn.WAF = waf.New(stack, "WAF", waf.Props{
		Name:             naming.TenantPrefix(env.Name, t.Name),
		RateLimit:        t.WAF.RateLimit,
		AllowedCIDRs:     t.WAF.AllowedCIDRs,
		LogKey:           tn.Key,
		LogRetentionDays: env.LogRetentionDays,
		AlarmTopic:       topic,
	})
	tn.WAF.Associate("StageAssociation", tn.API.StageARN(), tn.API.Stage())
	addTenantDashboard(tn, topic)
	// One key statement for every log group of the tenant stack, each named exactly.
	groups := []string{
		naming.AuthorizerLogGroup(env.Name, t.Name),
		naming.APIAccessLogGroup(env.Name, t.Name),
		tn.API.ExecutionLogGroupName(),
		waf.LogGroupName(tn.WAF.Name()),
		naming.TenantPodLogGroup(env.Name, t.Name),
	}
	if t.Model.Autoscaling != nil {
		groups = append(groups, naming.PodScalerLogGroup(env.Name, t.Name))
	}
	defaults.AllowCloudWatchLogs(tn.Key, groups...)

	tn.Route = tenantroute.New(stack, "IngressRoute", tenantroute.Props{
		Tenant: t.Name,
		VPC:    tn.VPC,
		Listener: awselasticloadbalancingv2.ApplicationListener_FromApplicationListenerAttributes(stack, jsii.String("IngressListener"), &awselasticloadbalancingv2.ApplicationListenerAttributes{
			ListenerArn: jsii.String(param(naming.ParamIngressListenerARN)),
			// The L2 import requires the listener's security group, but a tenant stack opens no path
			// from it (the platform does, constructs/podpaths): its ID is never read, and reading it
			// fails the synth rather than add a per-tenant rule.
			SecurityGroup: awsec2.SecurityGroup_FromSecurityGroupId(stack, jsii.String("IngressSecurityGroup"), awscdk.Lazy_String(&noTenantPath{}, nil),
				&awsec2.SecurityGroupImportOptions{Mutable: jsii.Bool(false), AllowAllOutbound: jsii.Bool(false)}),
		}),
		HeaderName:      ingress.TenantHeader,
		Priority:        t.API.ListenerPriority,
		Port:            t.Model.Port,
		HealthCheckPath: t.Model.ReadyPath,
		ArrivalPrefix:   apiedge.BackendPathPrefix,
		Cluster:         tn.Cluster,
		ClusterName:     naming.Cluster(env.Name),
		Namespace:       tn.Workload.Namespace(),
		ServiceName:     naming.ServiceName,
	})
	// The binding lives in the tenant's namespace: apply it after the namespace exists.
	tn.Route.Binding().Node().AddDependency(tn.Workload.GuardrailsManifest())
}

func plan(rate, burst int, q *config.Quota) apiedge.Plan {
	p := apiedge.Plan{RateLimit: rate, BurstLimit: burst}
	if q != nil {
		p.Quota = &apiedge.Quota{Limit: q.Limit, Period: awsapigateway.Period(q.Period)}
	}
	return p
}

func partners(ps []config.Partner) []apiedge.Partner {
	var out []apiedge.Partner
	for _, p := range ps {
		out = append(out, apiedge.Partner{ID: p.ID, Plan: plan(p.RateLimit, p.BurstLimit, p.Quota)})
	}
	return out
}

// noTenantPath is the ingress load balancer's security group ID in a tenant stack: never needed.
type noTenantPath struct{}

// Produce fails the synth: something in a tenant stack tried to use the load balancer's security
// group, i.e. to add a per-tenant rule, which EC2 refuses as a duplicate of another tenant's.
func (*noTenantPath) Produce() *string {
	panic("a tenant stack read the ingress load balancer's security group: paths into the pods are the platform's, once per model port (constructs/podpaths)")
}
