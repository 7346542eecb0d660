package access

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/internal/review/assembly"
)

// TestManagedPolicyCopiesNameTheirSource: every pinned AWS managed policy names its ARN, the
// version copied, AWS's publication date, where it was copied from (a commit of a public mirror)
// and AWS's reference page, and holds a policy document.
func TestManagedPolicyCopiesNameTheirSource(t *testing.T) {
	copies, err := ManagedCopies()
	require.NoError(t, err)
	require.NotEmpty(t, copies)
	commit := regexp.MustCompile(`^https://github\.com/[^/]+/[^/]+/blob/[0-9a-f]{40}/`)
	for arn, c := range copies {
		assert.Regexp(t, `^arn:aws:iam::aws:policy/`, arn)
		assert.Regexp(t, `^v[0-9]+$`, c.VersionID, arn)
		assert.Regexp(t, `^20[0-9]{2}-[0-9]{2}-[0-9]{2}T`, c.CreateDate, arn)
		assert.Regexp(t, commit, c.Source, arn)
		assert.True(t, strings.HasSuffix(c.Source, "/"+arn[strings.LastIndex(arn, "/")+1:]), "%s: source %s is its own file", arn, c.Source)
		assert.Regexp(t, `^https://docs\.aws\.amazon\.com/aws-managed-policy/latest/reference/`, c.Reference, arn)
		assert.Regexp(t, `^20[0-9]{2}-[0-9]{2}-[0-9]{2}$`, c.Retrieved, arn)
		assert.NotEmpty(t, c.Document["Statement"], arn)
	}
}

// TestCeilingTakesFlowServicesAndManagedPolicies: the ceiling holds the services of must-allow
// flows of capped roles (not of service principals or service-linked roles, not of must-deny
// flows), IAM actions one by one, and the managed policies' services (AWS_ConfigRole's only
// where the environment deploys or calls them).
func TestCeilingTakesFlowServicesAndManagedPolicies(t *testing.T) {
	flows := []Flow{
		{Principal: "${s/Role}", Action: "apigateway:GET", Expect: Allow},
		{Principal: "${s/Role}", Action: "iam:PassRole", Expect: Allow},
		{Principal: "${s/Role}", Action: "cloudtrail:StopLogging", Expect: Deny},
		{Principal: "logs.eu-west-1.amazonaws.com", Action: "kms:Decrypt", Expect: Allow},
		{Principal: "arn:aws:iam::1:role/aws-service-role/guardduty.amazonaws.com/X", Action: "ec2:DescribeInstances", Expect: Allow},
	}
	got, err := Ceiling(flows, []string{"arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy", "arn:aws:iam::aws:policy/service-role/AWS_ConfigRole"}, []string{"guardduty"})
	require.NoError(t, err)
	for _, want := range []string{"apigateway:*", "iam:PassRole", "ec2:*", "eks:*", "eks-auth:*", "guardduty:*"} {
		assert.Contains(t, got, want)
	}
	for _, not := range []string{"cloudtrail:*", "kms:*", "dynamodb:*", "iam:*"} {
		assert.NotContains(t, got, not)
	}
	_, err = Ceiling(nil, []string{"arn:aws:iam::aws:policy/Nope"}, nil)
	assert.ErrorContains(t, err, "no pinned copy")
}

// TestResolverGivesConcreteARNs resolves the intrinsics a template uses to the environment's ARNs.
func TestResolverGivesConcreteARNs(t *testing.T) {
	s, err := assembly.FromTemplate("prod-tenant-x", []byte(`{
		"Parameters":{"SubnetsParam":{"Type":"AWS::SSM::Parameter::Value<String>","Default":"/voicevault/prod/platform/private-subnet-ids"}},
		"Resources":{
		"RoleAB12CD34":{"Type":"AWS::IAM::Role","Properties":{"RoleName":"r1"}},
		"BucketAB12CD34":{"Type":"AWS::S3::Bucket","Properties":{"BucketName":"b1"}},
		"KeyAB12CD34":{"Type":"AWS::KMS::Key","Properties":{}}}}`))
	require.NoError(t, err)
	r := resolver{"111111111111", "eu-west-1", s}
	for in, want := range map[string]string{
		`{"Fn::GetAtt":["RoleAB12CD34","Arn"]}`:                                                 "arn:aws:iam::111111111111:role/r1",
		`{"Fn::Join":["",[{"Fn::GetAtt":["BucketAB12CD34","Arn"]},"/voices/*"]]}`:               "arn:aws:s3:::b1/voices/*",
		`{"Fn::Sub":"arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:x"}`: "arn:aws:logs:eu-west-1:111111111111:log-group:x",
		`{"Fn::GetAtt":["KeyAB12CD34","Arn"]}`:                                                  "arn:aws:kms:eu-west-1:111111111111:key/prod-tenant-x-keyab12cd34",
		// A deploy-time list parameter split and indexed (the pod scaler's subnets), as the CDK writes it.
		`{"Fn::Select":[1,{"Fn::Split":[",",{"Ref":"SubnetsParam"}]}]}`: "ssm-param:/voicevault/prod/platform/private-subnet-ids[1]",
		`{"Fn::Join":["",["subnet/",{"Fn::Select":[0,[{"Fn::Select":[0,{"Fn::Split":[",",{"Ref":"SubnetsParam"}]}]},{"Fn::Select":[1,{"Fn::Split":[",",{"Ref":"SubnetsParam"}]}]}]]}]]}`: "subnet/ssm-param:/voicevault/prod/platform/private-subnet-ids[0]",
		`{"Fn::Select":[1,{"Fn::Split":[",","a,b"]}]}`: "b",
	} {
		var v any
		require.NoError(t, jsonUnmarshal(in, &v))
		got, err := r.str(v)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	m := &Model{Account: "111111111111", Region: "eu-west-1", stacks: map[string]*assembly.Stack{s.Name: s}}
	got, err := m.Resolve("${prod-tenant-x/Bucket}/voices/a")
	require.NoError(t, err)
	assert.Equal(t, "arn:aws:s3:::b1/voices/a", got)
	_, err = m.Resolve("${prod-tenant-x/Nothing}")
	assert.ErrorContains(t, err, "0 resources named Nothing")
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
