package stacks

import (
	"github.com/aws/jsii-runtime-go"
	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/constructs/accesslogs"
	"github.com/voicevault/voicevault/constructs/alarmtopic"
	"github.com/voicevault/voicevault/constructs/auditqueries"
	"github.com/voicevault/voicevault/constructs/cisalarms"
	"github.com/voicevault/voicevault/constructs/costanomaly"
	"github.com/voicevault/voicevault/constructs/findingrules"
	"github.com/voicevault/voicevault/constructs/misusealarms"
	"github.com/voicevault/voicevault/constructs/posture"
	"github.com/voicevault/voicevault/constructs/threatdetection"
	"github.com/voicevault/voicevault/constructs/trail"
	"github.com/voicevault/voicevault/naming"
)

// Baseline is the account/region security baseline of a platform stack. A field is nil when
// the environment's services switch turns the service off (config.Services).
type Baseline struct {
	AlarmTopic      alarmtopic.AlarmTopic
	Trail           trail.Trail                     // Services.CloudTrail
	CISAlarms       cisalarms.Alarms                // with the trail: they read its log group
	ThreatDetection threatdetection.ThreatDetection // Services.GuardDuty
	Posture         posture.Posture                 // Security Hub, Config, Access Analyzer, Macie (each switched) + Config rules
	FindingRules    findingrules.FindingRules       // always: findings reach the account even when an organization runs the services
	CostAnomaly     costanomaly.CostAnomaly         // Services.CostAnomaly, in us-east-1 (elsewhere: the <env>-costs stack, costs.go)
	MisuseAlarms    misusealarms.Alarms             // with the trail: they read its log group (monitoring.go)
	AuditQueries    auditqueries.AuditQueries       // with the trail: the table is over its bucket (monitoring.go)
}

// switched resolves a service switch of the configuration (config.Enabled: on unless set false)
// for a construct's switch: every service switch is decided here, the same way, whether it
// selects a construct (trail, GuardDuty, cost alerts) or a part of one (posture's services).
func switched(b *bool) *bool { return jsii.Bool(config.Enabled(b)) }

// addBaseline adds the security baseline to the platform stack: the access-log bucket, the
// alarm topic, CloudTrail with CIS alarms, GuardDuty, the posture services, finding rules and
// cost anomaly alerts. Tenant buckets are referred to only by their derived names.
func addBaseline(p *Platform) {
	env, stack := p.Env, p.Stack
	svc := env.Services
	prefix := naming.Prefix(env.Name)
	b := &Baseline{}

	p.AccessLogs = accesslogs.New(stack, "AccessLogs", accesslogs.Props{
		BucketName:    env.Names().AccessLogBucket(),
		RetentionDays: env.LogRetentionDays,
	})

	b.AlarmTopic = alarmtopic.New(stack, "Alarms", alarmtopic.Props{
		TopicName: naming.AlarmTopic(env.Name),
		KeyAlias:  naming.KeyAlias(env.Name, "alarms"),
		Email:     env.AlarmEmail,
	})
	p.AlarmTopic = b.AlarmTopic.Topic()

	if config.Enabled(svc.CloudTrail) {
		buckets := make([]string, len(p.Tenants))
		for i, t := range p.Tenants {
			buckets[i] = env.Names().AudioBucket(t.Name)
		}
		b.Trail = trail.New(stack, "Trail", trail.Props{
			TrailName:           prefix,
			KeyAlias:            naming.KeyAlias(env.Name, "cloudtrail"),
			AccessLogs:          p.AccessLogs,
			LogGroupName:        naming.CloudTrailLogGroup(env.Name),
			LogRetentionDays:    env.LogRetentionDays,
			BucketRetentionDays: env.LogRetentionDays,
			ObjectLockDays:      env.LogRetentionDays, // log files immutable for as long as they are kept
			DataEventBuckets:    buckets,
		})
		b.CISAlarms = cisalarms.New(stack, "CISAlarms", cisalarms.Props{
			LogGroup:        b.Trail.LogGroup(),
			Topic:           p.AlarmTopic,
			AlarmNamePrefix: prefix + "-cis-",
		})
		p.Baseline = b
		addAuditAndMisuse(p)
	}
	if config.Enabled(svc.GuardDuty) {
		b.ThreatDetection = threatdetection.New(stack, "GuardDuty", threatdetection.Props{VolumeKey: p.Key})
	}
	b.Posture = posture.New(stack, "Posture", posture.Props{
		Name:                prefix,
		AccessLogs:          p.AccessLogs,
		KeyAlias:            naming.KeyAlias(env.Name, "config"),
		SecurityHub:         switched(svc.SecurityHub),
		ConfigRecorder:      switched(svc.Config),
		AccessAnalyzer:      switched(svc.AccessAnalyzer),
		Macie:               switched(svc.Macie),
		ConfigRetentionDays: env.LogRetentionDays,
	})
	b.FindingRules = findingrules.New(stack, "FindingRules", findingrules.Props{
		Topic:             p.AlarmTopic,
		RuleNamePrefix:    prefix + "-",
		ImageRepositories: []string{naming.ModelRepository(env.Name)},
	})
	if config.Enabled(svc.CostAnomaly) && !env.HasCostsStack() {
		// In us-east-1 the alerts are part of the platform; elsewhere the <env>-costs stack holds
		// them (costs.go): CloudFormation has Cost Explorer resources only in us-east-1.
		b.AlarmTopic.AllowPublisher(alarmtopic.CostAlerts)
		b.CostAnomaly = costanomaly.New(stack, "CostAnomaly", costanomaly.Props{
			Name:     prefix,
			Topic:    p.AlarmTopic,
			TagKey:   "ManagedBy",
			TagValue: ManagedBy,
		})
	}
	p.Baseline = b
}
