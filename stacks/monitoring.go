package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/constructs/apiedge"
	"github.com/voicevault/voicevault/constructs/auditqueries"
	"github.com/voicevault/voicevault/constructs/denialalarms"
	"github.com/voicevault/voicevault/constructs/misusealarms"
	"github.com/voicevault/voicevault/constructs/podscaler"
	"github.com/voicevault/voicevault/constructs/tenantdashboard"
	"github.com/voicevault/voicevault/naming"
)

// addAuditAndMisuse adds, with the trail, the environment's Athena audit queries over its log
// files and the misuse alarms over its log group (config.Monitoring).
func addAuditAndMisuse(p *Platform) {
	env, stack, b := p.Env, p.Stack, p.Baseline
	m := env.Monitoring
	prefix := naming.Prefix(env.Name)
	trusted := []string{
		env.IAMARN("role/" + config.BootstrapRoleName(env, naming.BootstrapExecutionRole)),
		env.IAMARN("role/" + config.BootstrapRoleName(env, naming.BootstrapImagePublishingRole)),
	}
	trusted = append(trusted, m.ModelPublisherRoleARNs...)
	b.MisuseAlarms = misusealarms.New(stack, "MisuseAlarms", misusealarms.Props{
		LogGroup:           b.Trail.LogGroup(),
		Topic:              p.AlarmTopic,
		AlarmNamePrefix:    prefix + "-misuse-",
		AllowedRegions:     m.AllowedRegions,
		RepositoryName:     naming.ModelRepository(env.Name),
		TrustedRoleARNs:    trusted,
		ForeignRegionCalls: m.ForeignRegionCalls,
		AudioDeletes:       m.AudioDeletes,
		RegistryChanges:    m.ModelRegistryChanges,
		PeriodMinutes:      config.MisusePeriodMinutes,
	})
	b.AuditQueries = auditqueries.New(stack, "AuditQueries", auditqueries.Props{
		Name:             prefix,
		TrailBucket:      b.Trail.Bucket(),
		TrailKey:         b.Trail.Key(),
		AccessLogs:       p.AccessLogs,
		AllowedRegions:   m.AllowedRegions,
		AudioBuckets:     b.Trail.DataEventBuckets(),
		LogRetentionDays: env.LogRetentionDays,
	})
}

// AuditScope is what an environment's audit queries are scoped to; tenant stacks add their own
// query with it (the platform stack holds the table and workgroup, named by derivation).
func AuditScope(env *config.Environment) auditqueries.Scope {
	return auditqueries.Scope{
		Database:       auditqueries.DatabaseName(naming.Prefix(env.Name)),
		Table:          auditqueries.TableName,
		AllowedRegions: env.Monitoring.AllowedRegions,
	}
}

// addTenantMonitoring adds the tenant's audit query (with CloudTrail on) and its authorizer
// denial alarms.
func addTenantMonitoring(tn *Tenant, topic awssns.ITopic) {
	env, t, stack := tn.Platform.Env, tn.Config, tn.Stack
	if config.Enabled(env.Services.CloudTrail) {
		tn.AuditQuery = auditqueries.AddTenantQuery(stack, "AuditQuery", AuditScope(env),
			auditqueries.WorkGroupName(naming.Prefix(env.Name)), t.Name, env.Names().AudioBucket(t.Name))
	}
	tn.DenialAlarms = denialalarms.New(stack, "AuthorizerDenialAlarms", denialalarms.Props{
		LogGroup:        tn.Authorizer.LogGroup(),
		Topic:           topic,
		Tenant:          t.Name,
		AlarmNamePrefix: naming.Prefix(env.Name) + "-" + t.Name + "-authorizer-denials-",
		Reasons:         env.Monitoring.DenialReasons,
		Threshold:       env.Monitoring.AuthorizerDenials,
		PeriodMinutes:   config.MisusePeriodMinutes,
	})
}

// addTenantDashboard adds the tenant's dashboard (API, authorizer, WAF, GPU fleet) and its alarms
// on sustained GPU saturation and on TTS pods pending too long.
func addTenantDashboard(tn *Tenant, topic awssns.ITopic) {
	env, t := tn.Platform.Env, tn.Config
	tn.Dashboard = tenantdashboard.New(tn.Stack, "Dashboard", tenantdashboard.Props{
		DashboardName:   naming.TenantPrefix(env.Name, t.Name),
		Tenant:          t.Name,
		ClusterName:     naming.Cluster(env.Name),
		Namespace:       naming.Namespace(t.Name),
		Workload:        naming.ServiceName,
		APIName:         naming.TenantPrefix(env.Name, t.Name),
		Stage:           apiedge.StageName,
		WebACL:          tn.WAF.Name(),
		Region:          env.Region,
		Topic:           topic,
		AlarmNamePrefix: naming.TenantPrefix(env.Name, t.Name) + "-",
		Scaler:          scalerMetrics(t),
	})
}

// scalerMetrics are the pod scaler's metrics for an autoscaled tenant's dashboard, or nil.
func scalerMetrics(t config.Tenant) *tenantdashboard.ScalerMetrics {
	if t.Model.Autoscaling == nil {
		return nil
	}
	return &tenantdashboard.ScalerMetrics{Namespace: podscaler.MetricNamespace, Dimension: podscaler.MetricDimension,
		Replicas: podscaler.MetricReplicas, Desired: podscaler.MetricDesired, Load: podscaler.MetricLoad}
}
