package threatdetection_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/stretchr/testify/assert"

	"github.com/voicevault/voicevault/constructs/constructtest"
	"github.com/voicevault/voicevault/constructs/threatdetection"
)

func TestMain(m *testing.M) { constructtest.Main(m) }

type obj = map[string]any
type arr = []any

func TestGuardDutyDetectorEnablesEveryProtectionPlan(t *testing.T) {
	stack := constructtest.NewStack(t)
	threatdetection.New(stack, "GuardDuty", threatdetection.Props{})
	tpl := constructtest.StackTemplate(t, stack)
	tpl.ResourceCountIs("AWS::GuardDuty::Detector", 1)
	tpl.HasResourceProperties("AWS::GuardDuty::Detector", obj{
		"Enable":                     true,
		"FindingPublishingFrequency": "FIFTEEN_MINUTES",
		"DataSources":                assertions.Match_Absent(),
		"Features": arr{
			obj{"Name": "S3_DATA_EVENTS", "Status": "ENABLED"},
			obj{"Name": "EKS_AUDIT_LOGS", "Status": "ENABLED"},
			obj{"Name": "RUNTIME_MONITORING", "Status": "ENABLED", "AdditionalConfiguration": arr{
				obj{"Name": "EKS_ADDON_MANAGEMENT", "Status": "ENABLED"},
			}},
			obj{"Name": "EBS_MALWARE_PROTECTION", "Status": "ENABLED"},
			obj{"Name": "LAMBDA_NETWORK_LOGS", "Status": "ENABLED"},
		},
	})
}

func TestGuardDutyFeatureTableNamesEachPlanOnce(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range threatdetection.Features {
		assert.False(t, seen[f.Name], f.Name)
		seen[f.Name] = true
	}
	for _, want := range []string{"S3_DATA_EVENTS", "EKS_AUDIT_LOGS", "RUNTIME_MONITORING", "EBS_MALWARE_PROTECTION", "LAMBDA_NETWORK_LOGS"} {
		assert.True(t, seen[want], want)
	}
}
