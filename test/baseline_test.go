package test

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/constructs/alarmtopic"
	"github.com/voicevault/voicevault/constructs/cisalarms"
	"github.com/voicevault/voicevault/constructs/constructtest"
	"github.com/voicevault/voicevault/constructs/posture"
	"github.com/voicevault/voicevault/constructs/trail"
	"github.com/voicevault/voicevault/naming"
	"github.com/voicevault/voicevault/test/apptest"
)

type obj = map[string]any
type arr = []any

// variant is the example with a third tenant (hooli) in prod, every service switched off, a
// plain-HTTP ingress and no deployment.github (deployed by hand) in initech. Synthesized once per
// test binary.
var variantResult *apptest.Result

func variant(t *testing.T) *apptest.Result {
	t.Helper()
	if variantResult != nil {
		return variantResult
	}
	src, err := os.ReadFile(apptest.ExampleConfig())
	require.NoError(t, err)
	s := string(src)
	start, end := strings.Index(s, "  - name: acme\n"), strings.Index(s, "  - name: globex\n")
	require.True(t, start > 0 && end > start)
	hooli := strings.Replace(s[start:end], "name: acme", "name: hooli", 1)
	s = s[:end] + hooli + s[end:]
	switches := "      guardDuty: false\n      securityHub: false\n"
	require.Contains(t, s, switches)
	s = strings.Replace(s, switches, switches+"      cloudTrail: false\n      config: false\n      accessAnalyzer: false\n      macie: false\n      costAnomaly: false\n", 1)
	github := "    deployment:\n      github:\n        repository: voicevault/voicevault\n        environment: initech-production\n"
	require.Contains(t, s, github)
	s = strings.Replace(s, github, "", 1)
	// initech's ingress is plain HTTP on purpose (ingress.plainHttp), the configuration the
	// registry's HTTP-listener exceptions serve.
	https := "    ingress:\n      certificateArn: arn:aws:acm:us-east-1:222222222222:certificate/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d\n      hostName: ingress.initech.voicevault.example\n"
	require.Contains(t, s, https)
	s = strings.Replace(s, https, "    ingress:\n      plainHttp: true\n", 1)
	path := filepath.Join(t.TempDir(), "variant.yaml")
	require.NoError(t, os.WriteFile(path, []byte(s), 0o600))
	cfg, err := config.Load(path)
	require.NoError(t, err)
	variantResult = apptest.SynthConfig(t, cfg)
	require.Empty(t, variantResult.Findings)
	return variantResult
}

func TestBaselineFollowsEachEnvironmentsServiceSwitches(t *testing.T) {
	// Resource counts per service switch: prod has every service on (cost anomaly alerts exist
	// only in us-east-1 environments); the example switches GuardDuty and Security Hub off in
	// initech (us-east-1); the variant switches everything off there.
	type counts map[string]int
	on := counts{
		"AWS::CloudTrail::Trail": 1, "AWS::Logs::MetricFilter": len(cisalarms.Filters) + 3, // + the misuse alarms
		"AWS::Athena::WorkGroup": 1, "AWS::Glue::Table": 1,
		"AWS::GuardDuty::Detector": 1,
		"AWS::SecurityHub::Hub":    1, "AWS::SecurityHub::Standard": 2,
		"AWS::Config::ConfigurationRecorder": 1, "AWS::Config::DeliveryChannel": 1,
		"AWS::AccessAnalyzer::Analyzer": 1, "AWS::Macie::Session": 1,
		"AWS::CE::AnomalyMonitor": 1, "AWS::CE::AnomalySubscription": 1,
		// always there; the event rules: GuardDuty, Security Hub and Macie findings, ECR image scans
		"AWS::Config::ConfigRule": len(posture.Rules), "AWS::Events::Rule": 4, "AWS::SNS::Topic": 1,
	}
	with := func(over counts) counts {
		c := counts{}
		for k, v := range on {
			c[k] = v
		}
		for k, v := range over {
			c[k] = v
		}
		return c
	}
	allOff := with(counts{
		"AWS::CloudTrail::Trail": 0, "AWS::Logs::MetricFilter": 0, "AWS::GuardDuty::Detector": 0,
		"AWS::Athena::WorkGroup": 0, "AWS::Glue::Table": 0,
		"AWS::SecurityHub::Hub": 0, "AWS::SecurityHub::Standard": 0,
		"AWS::Config::ConfigurationRecorder": 0, "AWS::Config::DeliveryChannel": 0,
		"AWS::AccessAnalyzer::Analyzer": 0, "AWS::Macie::Session": 0,
		"AWS::CE::AnomalyMonitor": 0, "AWS::CE::AnomalySubscription": 0,
	})
	noCE := with(counts{"AWS::CE::AnomalyMonitor": 0, "AWS::CE::AnomalySubscription": 0})
	cases := []struct {
		name   string
		result func(*testing.T) *apptest.Result
		env    string
		want   counts
	}{
		{"prod: all on (cost anomaly alerts in prod-costs)", example, "prod", noCE},
		{"initech: GuardDuty and Security Hub off", example, "initech", with(counts{"AWS::GuardDuty::Detector": 0, "AWS::SecurityHub::Hub": 0, "AWS::SecurityHub::Standard": 0})},
		{"variant initech: all off", variant, "initech", allOff},
		{"variant prod: all on (cost anomaly alerts in prod-costs)", variant, "prod", noCE},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.result(t)
			for _, typ := range slices.Sorted(maps.Keys(tc.want)) {
				assert.Len(t, r.Resources(t, naming.PlatformStack(tc.env), typ), tc.want[typ], "%s %s", tc.env, typ)
			}
		})
	}
}

// dataEventBuckets returns the bucket names the platform trail's data-event selector names.
func dataEventBuckets(t *testing.T, r *apptest.Result, env string) []string {
	t.Helper()
	trails := r.Resources(t, naming.PlatformStack(env), "AWS::CloudTrail::Trail")
	require.Len(t, trails, 1)
	var names []string
	for _, tr := range trails {
		for _, s := range tr["Properties"].(obj)["AdvancedEventSelectors"].(arr) {
			sel := s.(obj)
			for _, f := range sel["FieldSelectors"].(arr) {
				fs := f.(obj)
				if fs["Field"] != "resources.ARN" {
					continue
				}
				assert.Equal(t, trail.DataSelectorName, sel["Name"])
				for _, v := range fs["StartsWith"].(arr) {
					arn, ok := constructtest.Plain(v)
					require.True(t, ok)
					require.True(t, strings.HasPrefix(arn, "arn:aws:s3:::") && strings.HasSuffix(arn, "/"), arn)
					names = append(names, strings.TrimSuffix(strings.TrimPrefix(arn, "arn:aws:s3:::"), "/"))
				}
			}
		}
	}
	return names
}

func tenantBuckets(r *apptest.Result, env string) []string {
	e, _ := r.Config.Environment(env)
	var out []string
	for _, tn := range r.Config.TenantsIn(env) {
		out = append(out, e.Names().AudioBucket(tn.Name))
	}
	return out
}

func TestTrailDataEventsNameExactlyTheEnvironmentsTenantBuckets(t *testing.T) {
	r := example(t)
	for _, e := range r.Config.Environments {
		want := tenantBuckets(r, e.Name)
		require.NotEmpty(t, want)
		assert.Equal(t, want, dataEventBuckets(t, r, e.Name), e.Name)
	}
	assert.Equal(t, []string{"vv-acme-prod-111111111111-eu-west-1", "vv-globex-prod-111111111111-eu-west-1"}, dataEventBuckets(t, r, "prod"))
}

func TestAddingATenantExtendsTheTrailSelectors(t *testing.T) {
	v := variant(t)
	assert.Equal(t, []string{
		"vv-acme-prod-111111111111-eu-west-1", "vv-hooli-prod-111111111111-eu-west-1", "vv-globex-prod-111111111111-eu-west-1",
	}, dataEventBuckets(t, v, "prod"))
	assert.Equal(t, tenantBuckets(v, "prod"), dataEventBuckets(t, v, "prod"))
}

func TestPlatformCreatesTheNamesTenantStacksImport(t *testing.T) {
	r := example(t)
	for i := range r.Config.Environments {
		e := &r.Config.Environments[i]
		stack := naming.PlatformStack(e.Name)
		tpl := r.Template(t, stack)
		tpl.HasResourceProperties("AWS::S3::Bucket", obj{"BucketName": e.Names().AccessLogBucket()})
		tpl.HasResourceProperties("AWS::SNS::Topic", obj{"TopicName": naming.AlarmTopic(e.Name)})
		tpl.HasResourceProperties("AWS::SNS::Subscription", obj{"Protocol": "email", "Endpoint": e.AlarmEmail})
		p := r.Deployment.Platforms[e.Name]
		require.NotNil(t, p.AccessLogs)
		require.NotNil(t, p.AlarmTopic)
	}
}

func TestAccessLogBucketAcceptsTheEnvironmentsBucketsOnly(t *testing.T) {
	r := example(t)
	for i := range r.Config.Environments {
		e := &r.Config.Environments[i]
		stack := naming.PlatformStack(e.Name)
		for _, p := range r.Resources(t, stack, "AWS::S3::BucketPolicy") {
			for _, s := range p["Properties"].(obj)["PolicyDocument"].(obj)["Statement"].(arr) {
				st := s.(obj)
				if st["Principal"] != nil && st["Effect"] == "Allow" && st["Principal"].(obj)["Service"] == "logging.s3.amazonaws.com" {
					cond := st["Condition"].(obj)
					assert.Equal(t, e.Account, cond["StringEquals"].(obj)["aws:SourceAccount"], stack)
					require.Contains(t, cond, "ArnLike", stack)
				}
			}
		}
		// Every tenant audio bucket name matches the accepted pattern.
		for _, b := range tenantBuckets(r, e.Name) {
			ok, _ := filepath.Match("vv-*", b)
			assert.True(t, ok, b)
		}
	}
}

func TestEveryPlatformBucketButTheAccessLogBucketUsesKMSAndLogsToIt(t *testing.T) {
	r := example(t)
	for _, name := range []string{"prod-platform", "initech-platform"} {
		buckets := r.Resources(t, name, "AWS::S3::Bucket")
		var target string
		for id, b := range buckets {
			if _, named := b["Properties"].(obj)["BucketName"]; named {
				target = id
			}
		}
		require.NotEmpty(t, target, "%s: the access-log bucket", name)
		assert.Len(t, buckets, 4, "%s: access logs, trail, config, audit query results", name)
		for id, b := range buckets {
			p := b["Properties"].(obj)
			want := "RetainExceptOnCreate"
			if p["ObjectLockEnabled"] == true {
				want = "Retain" // the trail bucket: locked objects can't be deleted on rollback (package logbucket)
			}
			assert.Equal(t, want, b["DeletionPolicy"], "%s %s", name, id)
			assert.Equal(t, obj{"Status": "Enabled"}, p["VersioningConfiguration"], "%s %s", name, id)
			assert.Contains(t, p, "LifecycleConfiguration", "%s %s", name, id)
			sse := p["BucketEncryption"].(obj)["ServerSideEncryptionConfiguration"].(arr)[0].(obj)["ServerSideEncryptionByDefault"].(obj)
			if id == target {
				assert.Equal(t, "AES256", sse["SSEAlgorithm"], "the documented SSE-S3 exception")
				continue
			}
			assert.Equal(t, "aws:kms", sse["SSEAlgorithm"], "%s %s", name, id)
			assert.Contains(t, sse, "KMSMasterKeyID", "%s %s", name, id)
			assert.Equal(t, obj{"Ref": target}, p["LoggingConfiguration"].(obj)["DestinationBucketName"], "%s %s", name, id)
		}
	}
}

func TestPlatformLogGroupsAreEncryptedWithACustomerManagedKey(t *testing.T) {
	r := example(t)
	for _, name := range []string{"prod-platform", "initech-platform"} {
		groups := r.Resources(t, name, "AWS::Logs::LogGroup")
		assert.NotEmpty(t, groups, name)
		for id, g := range groups {
			assert.Contains(t, g["Properties"].(obj), "KmsKeyId", "%s %s", name, id)
		}
	}
}

func TestAlarmsAndFindingRulesNotifyTheAlarmTopic(t *testing.T) {
	r := example(t)
	for _, name := range []string{"prod-platform", "initech-platform"} {
		topics := r.Resources(t, name, "AWS::SNS::Topic")
		require.Len(t, topics, 1)
		var topic string
		for id := range topics {
			topic = id
		}
		alarms := r.Resources(t, name, "AWS::CloudWatch::Alarm")
		assert.Len(t, alarms, len(cisalarms.Filters)+3, "%s: the CIS alarms and the three misuse alarms", name)
		for id, a := range alarms {
			assert.Equal(t, arr{obj{"Ref": topic}}, a["Properties"].(obj)["AlarmActions"], "%s %s", name, id)
		}
		for id, rule := range r.Resources(t, name, "AWS::Events::Rule") {
			targets := rule["Properties"].(obj)["Targets"].(arr)
			require.Len(t, targets, 1)
			assert.Equal(t, obj{"Ref": topic}, targets[0].(obj)["Arn"], "%s %s", name, id)
		}
	}
}

// The alarm topic's key serves exactly the services that publish in that environment.
func TestAlarmTopicKeyServesOnlyThatEnvironmentsPublishers(t *testing.T) {
	cases := []struct {
		result func(*testing.T) *apptest.Result
		env    string
		want   []string
	}{
		{example, "initech", []string{alarmtopic.CloudWatch, alarmtopic.EventBridge, alarmtopic.CostAlerts}},
		{example, "prod", []string{alarmtopic.CloudWatch, alarmtopic.EventBridge}},    // no cost anomaly outside us-east-1
		{variant, "initech", []string{alarmtopic.CloudWatch, alarmtopic.EventBridge}}, // cost anomaly off
	}
	for _, tc := range cases {
		r := tc.result(t)
		e, _ := r.Config.Environment(tc.env)
		assert.Equal(t, tc.want, r.Deployment.Platforms[tc.env].Baseline.AlarmTopic.Publishers())
		key := r.Resources(t, naming.PlatformStack(tc.env), "AWS::KMS::Key")[constructtest.LogicalID(t, r.Deployment.Platforms[tc.env].Baseline.AlarmTopic.Key())]
		require.NotNil(t, key)
		var got []string
		for _, s := range key["Properties"].(obj)["KeyPolicy"].(obj)["Statement"].(arr) {
			st := s.(obj)
			if st["Sid"] == "KeyAdministrationByAccount" {
				continue
			}
			got = append(got, st["Principal"].(obj)["Service"].(string))
			assert.Equal(t, obj{"StringEquals": obj{"aws:SourceAccount": e.Account}}, st["Condition"])
		}
		assert.Equal(t, tc.want, got, tc.env)
	}
}

// Outside us-east-1 the cost anomaly alerts live in the <env>-costs stack in us-east-1: no warning,
// no silent skip.
func TestCostAnomalyOutsideUSEast1NeedsNoWarning(t *testing.T) {
	warnings := func(r *apptest.Result, stack string) string {
		b, err := os.ReadFile(filepath.Join(r.Outdir, stack+".metadata.json"))
		require.NoError(t, err)
		return string(b)
	}
	for _, s := range []string{"prod-platform", "initech-platform"} {
		assert.NotContains(t, warnings(example(t), s), "cost anomaly alerts are not created")
	}
	assert.Contains(t, example(t).StackNames(), "prod-costs")
}
