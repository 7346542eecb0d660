package auditqueries_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/constructs/auditqueries"
	"github.com/voicevault/voicevault/constructs/constructtest"
)

func TestMain(m *testing.M) { constructtest.Main(m) }

type obj = map[string]any
type arr = []any

var like, with = constructtest.Like, constructtest.ArrayWith

func re(s string) assertions.Matcher { return assertions.Match_StringLikeRegexp(jsii.String(s)) }

var (
	tpl *constructtest.Template
	aq  auditqueries.AuditQueries
)

func template(t *testing.T) *constructtest.Template {
	t.Helper()
	if tpl == nil {
		stack := constructtest.NewStack(t)
		aq = auditqueries.New(stack, "Audit", auditqueries.Props{
			Name:           "voicevault-test",
			TrailBucket:    awss3.NewBucket(stack, jsii.String("TrailBucket"), nil),
			TrailKey:       awskms.NewKey(stack, jsii.String("TrailKey"), nil),
			AccessLogs:     awss3.NewBucket(stack, jsii.String("AccessLogs"), nil),
			AllowedRegions: []string{constructtest.TestRegion, "us-east-1"},
			AudioBuckets:   []string{"vv-acme-test", "vv-globex-test"},
		})
		auditqueries.AddTenantQuery(stack, "AcmeQuery", aq.Scope(), auditqueries.WorkGroupName("voicevault-test"), "acme", "vv-acme-test")
		tpl = constructtest.StackTemplate(t, stack)
	}
	return tpl.With(t)
}

func TestCloudTrailTableProjectsRegionAndDayOverTheTrailPrefix(t *testing.T) {
	tables := template(t).Resources("AWS::Glue::Table")
	require.Len(t, tables, 1)
	for _, tb := range tables {
		in := tb["Properties"].(obj)["TableInput"].(obj)
		assert.Equal(t, "cloudtrail", in["Name"])
		assert.Equal(t, "EXTERNAL_TABLE", in["TableType"])
		assert.Equal(t, arr{obj{"Name": "region", "Type": "string"}, obj{"Name": "day", "Type": "string"}}, in["PartitionKeys"])
		p := in["Parameters"].(obj)
		assert.Equal(t, "true", p["projection.enabled"])
		assert.Equal(t, "enum", p["projection.region.type"])
		for _, r := range []string{constructtest.TestRegion, "us-east-1", "ap-southeast-7"} {
			assert.Contains(t, strings.Split(p["projection.region.values"].(string), ","), r)
		}
		assert.Equal(t, "date", p["projection.day.type"])
		assert.Equal(t, "yyyy/MM/dd", p["projection.day.format"])
		assert.Equal(t, "NOW-365DAYS,NOW", p["projection.day.range"])
		b, err := json.Marshal(p["storage.location.template"])
		require.NoError(t, err)
		loc := string(b)
		assert.Contains(t, loc, "/AWSLogs/"+constructtest.TestAccount+"/CloudTrail/${region}/${day}")
		assert.Contains(t, loc, "TrailBucket")
		sd := in["StorageDescriptor"].(obj)
		assert.Equal(t, "com.amazon.emr.cloudtrail.CloudTrailInputFormat", sd["InputFormat"])
		assert.Equal(t, obj{"SerializationLibrary": "org.apache.hive.hcatalog.data.JsonSerDe"}, sd["SerdeInfo"])
		var names []string
		for _, c := range sd["Columns"].(arr) {
			names = append(names, c.(obj)["Name"].(string))
		}
		for _, c := range auditqueries.Columns {
			assert.Contains(t, names, c.Name)
		}
	}
	template(t).ResourceCountIs("AWS::Glue::Crawler", 0)
}

func TestAuditWorkGroupEnforcesKMSEncryptedResultsAndMetrics(t *testing.T) {
	template(t).HasResourceProperties("AWS::Athena::WorkGroup", obj{
		"Name":  "voicevault-test-audit",
		"State": "ENABLED",
		"WorkGroupConfiguration": like(obj{
			"EnforceWorkGroupConfiguration":   true,
			"PublishCloudWatchMetricsEnabled": true,
			"BytesScannedCutoffPerQuery":      float64(auditqueries.DefaultBytesScannedCutoff),
			"EngineVersion":                   obj{"SelectedEngineVersion": auditqueries.EngineVersion},
			"ResultConfiguration": like(obj{
				"ExpectedBucketOwner": constructtest.TestAccount,
				"EncryptionConfiguration": obj{
					"EncryptionOption": "SSE_KMS",
					"KmsKey":           obj{"Fn::GetAtt": arr{re("^AuditResultsKey"), "Arn"}},
				},
			}),
		}),
	})
}

func TestAuditResultsBucketIsLockedDownAndExpires(t *testing.T) {
	template(t).HasResourceProperties("AWS::S3::Bucket", obj{
		"BucketEncryption": obj{"ServerSideEncryptionConfiguration": with(like(obj{
			"ServerSideEncryptionByDefault": obj{"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": obj{"Fn::GetAtt": arr{re("^AuditResultsKey"), "Arn"}}},
		}))},
		"LoggingConfiguration":           obj{"DestinationBucketName": obj{"Ref": re("^AccessLogs")}, "LogFilePrefix": "athena-results/"},
		"PublicAccessBlockConfiguration": obj{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
		"VersioningConfiguration":        obj{"Status": "Enabled"},
		"LifecycleConfiguration": obj{"Rules": with(like(obj{
			"ExpirationInDays": float64(auditqueries.DefaultResultsRetentionDays), "NoncurrentVersionExpiration": like(obj{"NoncurrentDays": float64(auditqueries.DefaultResultsRetentionDays)}), "Status": "Enabled",
		}))},
	})
	template(t).HasResourceProperties("AWS::S3::BucketPolicy", obj{
		"Bucket":         obj{"Ref": re("^AuditResults")},
		"PolicyDocument": like(obj{"Statement": with(like(obj{"Effect": "Deny", "Condition": obj{"Bool": obj{"aws:SecureTransport": "false"}}}))}),
	})
}

func TestAuditResultsKeyIsUsableOnlyThroughS3(t *testing.T) {
	var found bool
	for id, k := range template(t).Resources("AWS::KMS::Key") {
		if !strings.HasPrefix(id, "AuditResultsKey") {
			continue
		}
		for _, s := range k["Properties"].(obj)["KeyPolicy"].(obj)["Statement"].(arr) {
			st := s.(obj)
			if st["Sid"] == "KeyAdministrationByAccount" {
				continue
			}
			found = true
			assert.Equal(t, "AccountUsesKeyThroughS3ForQueryResults", st["Sid"])
			assert.Equal(t, obj{"StringEquals": obj{"kms:CallerAccount": constructtest.TestAccount, "kms:ViaService": "s3." + constructtest.TestRegion + ".amazonaws.com"}}, st["Condition"])
		}
	}
	assert.True(t, found)
}

func TestNamedQueriesAreSavedInTheAuditWorkGroup(t *testing.T) {
	tpl := template(t)
	named := map[string]obj{}
	for _, q := range tpl.Resources("AWS::Athena::NamedQuery") {
		p := q["Properties"].(obj)
		named[p["Name"].(string)] = p
		assert.Equal(t, "voicevault_test_audit", p["Database"])
	}
	for _, q := range aq.Queries() {
		p, ok := named[q.Name]
		require.True(t, ok, "named query %s", q.Name)
		assert.Equal(t, q.SQL, p["QueryString"])
		assert.Equal(t, "voicevault-test-audit", p["WorkGroup"])
	}
	assert.Equal(t, "voicevault-test-audit", named["tenant-acme-audio-access"]["WorkGroup"])
	assert.Contains(t, named["tenant-acme-audio-access"]["QueryString"], "= 'vv-acme-test'")
	assert.Len(t, named, len(aq.Queries())+1)
	for _, name := range []string{"audio-erasures", "access-denied-by-principal", "foreign-region-calls", "security-configuration-changes"} {
		assert.Contains(t, named, name)
	}
}

func TestAuditorPolicyGrantsOnlyTheWorkGroupTableLogsAndResults(t *testing.T) {
	pols := template(t).Resources("AWS::IAM::ManagedPolicy")
	require.Len(t, pols, 1)
	for _, p := range pols {
		props := p["Properties"].(obj)
		assert.Equal(t, "voicevault-test-audit-queries", props["ManagedPolicyName"])
		for _, s := range props["PolicyDocument"].(obj)["Statement"].(arr) {
			st := s.(obj)
			assert.Equal(t, "Allow", st["Effect"])
			assert.NotEqual(t, "*", st["Resource"], st["Sid"])
			for _, a := range toList(st["Action"]) {
				assert.False(t, strings.HasSuffix(a, "*"), "%s: %s", st["Sid"], a)
				assert.NotEqual(t, "s3:DeleteObject", a)
				if a == "s3:PutObject" {
					assert.Equal(t, "WriteAndReadQueryResults", st["Sid"], "only query results are written")
				}
			}
		}
	}
}

func toList(v any) []string {
	if s, ok := v.(string); ok {
		return []string{s}
	}
	var out []string
	for _, x := range v.(arr) {
		out = append(out, x.(string))
	}
	return out
}
