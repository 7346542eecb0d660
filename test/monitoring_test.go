package test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/constructs/auditqueries"
	"github.com/voicevault/voicevault/constructs/denialalarms"
	"github.com/voicevault/voicevault/constructs/misusealarms"
	"github.com/voicevault/voicevault/internal/review/audit"
	"github.com/voicevault/voicevault/naming"
)

func re(s string) assertions.Matcher { return assertions.Match_StringLikeRegexp(jsii.String(s)) }

// TestEveryEnvironmentWithATrailHasTheAuditTableWorkGroupAndQueries: the example's platforms hold
// the CloudTrail table (projected), the enforced encrypted workgroup and the environment's saved
// queries; every tenant stack holds its own audio-access query in that workgroup.
func TestEveryEnvironmentWithATrailHasTheAuditTableWorkGroupAndQueries(t *testing.T) {
	r := example(t)
	for _, e := range r.Config.Environments {
		name := naming.PlatformStack(e.Name)
		for _, tb := range r.Resources(t, name, "AWS::Glue::Table") {
			p := tb["Properties"].(obj)["TableInput"].(obj)["Parameters"].(obj)
			assert.Equal(t, "true", p["projection.enabled"], name)
			assert.Contains(t, strings.Split(p["projection.region.values"].(string), ","), e.Region)
		}
		wgs := r.Resources(t, name, "AWS::Athena::WorkGroup")
		require.Len(t, wgs, 1, name)
		for _, wg := range wgs {
			c := wg["Properties"].(obj)["WorkGroupConfiguration"].(obj)
			assert.Equal(t, true, c["EnforceWorkGroupConfiguration"])
			assert.Equal(t, true, c["PublishCloudWatchMetricsEnabled"])
			assert.Equal(t, "SSE_KMS", c["ResultConfiguration"].(obj)["EncryptionConfiguration"].(obj)["EncryptionOption"])
		}
		names := map[string]bool{}
		for _, q := range r.Resources(t, name, "AWS::Athena::NamedQuery") {
			names[q["Properties"].(obj)["Name"].(string)] = true
		}
		for _, q := range auditqueries.EnvironmentQueries(auditqueries.Scope{}) {
			assert.True(t, names[q.Name], "%s: %s", name, q.Name)
		}
		for _, tn := range r.Config.TenantsIn(e.Name) {
			stack := naming.TenantStack(e.Name, tn.Name)
			qs := r.Resources(t, stack, "AWS::Athena::NamedQuery")
			require.Len(t, qs, 1, stack)
			for _, q := range qs {
				p := q["Properties"].(obj)
				assert.Equal(t, auditqueries.TenantQueryName(tn.Name), p["Name"])
				assert.Equal(t, auditqueries.WorkGroupName("voicevault-"+e.Name), p["WorkGroup"])
				assert.Contains(t, p["QueryString"], "'"+e.Names().AudioBucket(tn.Name)+"'")
			}
		}
	}
}

// TestMisuseAlarmsUseEachEnvironmentsAllowedRegionsAndThresholds: the platform's misuse alarms
// and every tenant's denial alarms notify the environment's alarm topic at the configured thresholds.
func TestMisuseAlarmsUseEachEnvironmentsAllowedRegionsAndThresholds(t *testing.T) {
	r := example(t)
	for _, e := range r.Config.Environments {
		name := naming.PlatformStack(e.Name)
		patterns := map[string]bool{}
		for _, f := range r.Resources(t, name, "AWS::Logs::MetricFilter") {
			patterns[f["Properties"].(obj)["FilterPattern"].(string)] = true
		}
		assert.True(t, patterns[misusealarms.ForeignRegionPattern(e.Monitoring.AllowedRegions)], name)
		assert.True(t, patterns[misusealarms.AudioDeletePattern()], name)
		alarms := map[string]obj{}
		for _, a := range r.Resources(t, name, "AWS::CloudWatch::Alarm") {
			p := a["Properties"].(obj)
			alarms[p["AlarmName"].(string)] = p
		}
		for suffix, th := range map[string]int{"ForeignRegionCalls": e.Monitoring.ForeignRegionCalls, "AudioDeletes": e.Monitoring.AudioDeletes, "ModelRegistryChanges": e.Monitoring.ModelRegistryChanges} {
			a, ok := alarms["voicevault-"+e.Name+"-misuse-"+suffix]
			require.True(t, ok, "%s: %s", name, suffix)
			assert.Equal(t, float64(th), a["Threshold"])
			b, _ := json.Marshal(a["AlarmActions"])
			assert.Contains(t, string(b), "AlarmsTopic", "%s notifies the alarm topic", suffix)
		}
		for _, tn := range r.Config.TenantsIn(e.Name) {
			stack := naming.TenantStack(e.Name, tn.Name)
			n := 0
			for _, a := range r.Resources(t, stack, "AWS::CloudWatch::Alarm") {
				p := a["Properties"].(obj)
				if p["Namespace"] != denialalarms.Namespace || p["MetricName"] != denialalarms.MetricName {
					continue
				}
				n++
				assert.Equal(t, float64(e.Monitoring.AuthorizerDenials), p["Threshold"])
				b, _ := json.Marshal(p["AlarmActions"])
				assert.Contains(t, string(b), ":"+naming.AlarmTopic(e.Name), stack)
			}
			assert.Equal(t, len(e.Monitoring.DenialReasons), n, stack)
		}
	}
}

// TestCostsStackAlertsTheEnvironmentsPeopleFromUSEast1: prod (eu-west-1) gets prod-costs in
// us-east-1: a topic there encrypted with a key Cost Anomaly Detection may use, the environment's
// alarmEmail subscribed, and the monitor's immediate subscription to that topic. Cost Anomaly
// Detection takes SNS subscribers in us-east-1 only, with a policy allowing costalerts.amazonaws.com
// (CloudFormation reference "AWS::CE::AnomalySubscription Subscriber"; Cost Management user guide,
// "Creating an Amazon SNS topic for anomaly notifications").
func TestCostsStackAlertsTheEnvironmentsPeopleFromUSEast1(t *testing.T) {
	r := example(t)
	e, ok := r.Config.Environment("prod")
	require.True(t, ok)
	tpl := r.Template(t, "prod-costs")
	tpl.ResourceCountIs("AWS::CE::AnomalyMonitor", 1)
	tpl.HasResourceProperties("AWS::CE::AnomalySubscription", obj{
		"Frequency":   "IMMEDIATE",
		"Subscribers": []any{obj{"Type": "SNS", "Address": obj{"Ref": re("^AlarmsTopic")}}},
	})
	tpl.HasResourceProperties("AWS::SNS::Topic", obj{"TopicName": "voicevault-prod-cost-alerts", "KmsMasterKeyId": obj{"Fn::GetAtt": []any{re("^AlarmsKey"), "Arn"}}})
	tpl.HasResourceProperties("AWS::SNS::Subscription", obj{"Protocol": "email", "Endpoint": e.AlarmEmail})
	b, _ := json.Marshal(r.Resources(t, "prod-costs", "AWS::KMS::Key"))
	assert.Contains(t, string(b), `"Service":"costalerts.amazonaws.com"`)
	b, _ = json.Marshal(r.Resources(t, "prod-costs", "AWS::SNS::TopicPolicy"))
	assert.Contains(t, string(b), `"Service":"costalerts.amazonaws.com"`)
	for _, s := range []string{"prod-platform", "prod-delivery"} {
		assert.Empty(t, r.Resources(t, s, "AWS::CE::AnomalyMonitor"), s)
	}
	assert.Len(t, r.Resources(t, "initech-platform", "AWS::CE::AnomalyMonitor"), 1, "us-east-1: in the platform")
}

// TestCostsStackIsCoveredByTheDeliveryAndBootstrap: prod's execution policy lets CloudFormation
// work in us-east-1 too, its deploy role may assume the us-east-1 bootstrap roles, and the
// bootstrap command bootstraps both regions.
func TestCostsStackIsCoveredByTheDeliveryAndBootstrap(t *testing.T) {
	r := example(t)
	b, _ := json.Marshal(r.Resources(t, "prod-delivery", "AWS::IAM::ManagedPolicy"))
	pol := string(b)
	assert.Contains(t, pol, `"aws:RequestedRegion":["eu-west-1","us-east-1"]`)
	assert.Contains(t, pol, `"ce:CreateAnomalySubscription"`)
	assert.Contains(t, pol, "cdk-vvault-cfn-exec-role-111111111111-us-east-1", "the boundary lets the us-east-1 execution role deploy")
	b, _ = json.Marshal(r.Resources(t, "prod-delivery", "AWS::IAM::Role"))
	assert.Contains(t, string(b), "cdk-vvault-deploy-role-111111111111-us-east-1")
	e, _ := r.Config.Environment("prod")
	assert.Equal(t, []string{"bootstrap", "aws://111111111111/eu-west-1", "aws://111111111111/us-east-1"}, config.BootstrapArgs(e)[:3])
	i, _ := r.Config.Environment("initech")
	assert.Equal(t, []string{"bootstrap", "aws://222222222222/us-east-1", "--qualifier"}, config.BootstrapArgs(i)[:3])
}

// TestAuditPackListsEveryQueryWithWhatItAnswersAndHowToRunIt: the evidence pack has a row per
// saved query of the example, with its question, workgroup and the command that runs it.
func TestAuditPackListsEveryQueryWithWhatItAnswersAndHowToRunIt(t *testing.T) {
	r := example(t)
	flows := evaluateExample(t, nil)
	rep, err := audit.Build(exampleAssembly(t), "cdk.out", audit.Options{Access: &flows})
	require.NoError(t, err)
	want := 0
	for _, e := range r.Config.Environments {
		want += len(auditqueries.EnvironmentQueries(auditqueries.Scope{})) + len(r.Config.TenantsIn(e.Name))
	}
	require.Len(t, rep.AuditQueries, want)
	for _, q := range rep.AuditQueries {
		assert.NotEmpty(t, q.Answers, q.Name)
		assert.Contains(t, q.Run, "aws athena start-query-execution", q.Name)
		assert.Contains(t, q.Run, "--work-group "+q.WorkGroup, q.Name)
		assert.Contains(t, q.SQL, "SELECT", q.Name)
	}
}

// TestRegistryPatternOfTheLargestConfigurationFitsCloudWatch: the two bootstrap roles of the
// longest qualifier, account and region plus config.MaxModelPublishers roles with IAM's longest
// names (64 characters) stay within CloudWatch Logs' 1,024-character filter pattern.
func TestRegistryPatternOfTheLargestConfigurationFitsCloudWatch(t *testing.T) {
	long := strings.Repeat("r", 64)
	roles := []string{
		"arn:aws-us-gov:iam::123456789012:role/cdk-abcdefghij-cfn-exec-role-123456789012-ap-southeast-7",
		"arn:aws-us-gov:iam::123456789012:role/cdk-abcdefghij-image-publishing-role-123456789012-ap-southeast-7",
	}
	for i := 0; i < config.MaxModelPublishers; i++ {
		roles = append(roles, "arn:aws-us-gov:iam::123456789012:role/"+long)
	}
	p := misusealarms.RegistryChangePattern("voicevault/abcdefghij/tts", roles)
	assert.LessOrEqual(t, len(p), misusealarms.MaxPatternLength, p)
	r := misusealarms.ForeignRegionPattern(slices.Repeat([]string{"ap-southeast-7"}, config.MaxAllowedRegions))
	assert.LessOrEqual(t, len(r), misusealarms.MaxPatternLength)
}
