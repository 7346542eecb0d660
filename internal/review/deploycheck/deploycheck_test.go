package deploycheck

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/internal/review/assembly"
)

func stack(t *testing.T, name, template string, deps ...string) *assembly.Stack {
	t.Helper()
	s, err := assembly.FromTemplate(name, []byte(template))
	require.NoError(t, err)
	s.ArtifactID, s.Account, s.Region, s.Dependencies = name, "111111111111", "eu-west-1", deps
	return s
}

func rules(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule+" "+f.Resource)
	}
	return out
}

func keyWith(principal string) string {
	return `{"Resources": {"Key": {"Type": "AWS::KMS::Key", "DeletionPolicy": "RetainExceptOnCreate", "Properties": {"KeyPolicy": {"Statement": [
		{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*", "Principal": {"AWS": ` + principal + `}}]}}},
		"Role": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "here"}}}}`
}

func TestPrincipals(t *testing.T) {
	earlier := stack(t, "platform", `{"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "platform-role"}}}}`)
	in := Inputs{Principals: []string{"arn:aws:iam::111111111111:role/Admin"}}
	for principal, want := range map[string]string{
		`"*"`:                                            "",
		`"arn:aws:iam::111111111111:root"`:               "",
		`"156460612806"`:                                 "",                                // ELB log delivery, eu-west-1
		`"arn:aws:iam::127311923021:root"`:               "account 127311923021 is neither", // us-east-1's, not this Region's
		`{"Fn::GetAtt": ["Role", "Arn"]}`:                "",
		`{"Fn::GetAtt": ["Elsewhere", "Arn"]}`:           "is not a role of this template",
		`"arn:aws:iam::111111111111:role/Admin"`:         "", // declared by the configuration
		`"arn:aws:iam::111111111111:role/platform-role"`: "", // created by a stack deployed before
		`"arn:aws:iam::111111111111:role/here"`:          "named by its ARN: nothing orders it first",
		`"arn:aws:iam::111111111111:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"`: "is a service-linked role",
		`"arn:aws:iam::222222222222:role/Other"`: "is not created by this deployment",
	} {
		s := stack(t, "tenant", keyWith(principal), "platform")
		fs := Principals(&assembly.Assembly{Stacks: []*assembly.Stack{earlier, s}}, in)
		if want == "" {
			assert.Empty(t, fs, principal)
			continue
		}
		if assert.Len(t, fs, 1, principal) {
			assert.Contains(t, fs[0].Message, want, principal)
			assert.Equal(t, RulePrincipalExists, fs[0].Rule)
		}
	}
	// Without the dependency, the platform's role is not known to exist first.
	s := stack(t, "tenant", keyWith(`"arn:aws:iam::111111111111:role/platform-role"`))
	assert.Len(t, Principals(&assembly.Assembly{Stacks: []*assembly.Stack{earlier, s}}, in), 1)
}

func TestPrincipalsInsideJSONPolicyStrings(t *testing.T) {
	s := stack(t, "p", `{"Resources": {"P": {"Type": "AWS::Logs::ResourcePolicy", "Properties": {"PolicyDocument":
		"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::999999999999:role/x\"},\"Action\":\"logs:PutLogEvents\",\"Resource\":\"*\"}]}"}}}}`)
	assert.Equal(t, []string{RulePrincipalExists + " P"}, rules(Principals(&assembly.Assembly{Stacks: []*assembly.Stack{s}}, Inputs{})))
}

func TestRollback(t *testing.T) {
	s := stack(t, "p", `{"Resources": {
		"Kept": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain"},
		"Fine": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "RetainExceptOnCreate"},
		"Evidence": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain"},
		"ALB": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {"LoadBalancerAttributes": [{"Key": "deletion_protection.enabled", "Value": "true"}]}},
		"DNS": {"Type": "AWS::Route53Resolver::FirewallRuleGroupAssociation", "Properties": {"MutationProtection": "ENABLED"}},
		"DB": {"Type": "AWS::RDS::DBCluster", "Properties": {"DeletionProtection": true}},
		"LT": {"Type": "AWS::EC2::LaunchTemplate", "Properties": {"LaunchTemplateData": {"DisableApiTermination": "true"}}},
		"ALB2": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {"LoadBalancerAttributes": [{"Key": "deletion_protection.enabled", "Value": "false"}]}},
		"Locked": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain", "Properties": {"ObjectLockEnabled": true}},
		"LockedDeleted": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "RetainExceptOnCreate", "Properties": {"ObjectLockEnabled": true}},
		"LockedNamed": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain", "Properties": {"ObjectLockEnabled": "true", "BucketName": "fixed"}}
	}}`)
	got := rules(Rollback(&assembly.Assembly{Stacks: []*assembly.Stack{s}}, Inputs{Retained: map[string]string{"p/Evidence": "object-locked evidence"}}))
	assert.ElementsMatch(t, []string{"rollback-clean Kept", "rollback-clean ALB", "rollback-clean DNS", "rollback-clean DB", "rollback-clean LT",
		"rollback-clean LockedDeleted", "rollback-clean LockedNamed"}, got)
}

func TestSingletons(t *testing.T) {
	a := stack(t, "a", `{"Resources": {"D": {"Type": "AWS::GuardDuty::Detector"}, "A": {"Type": "AWS::AccessAnalyzer::Analyzer", "Properties": {"Type": "ACCOUNT"}}}}`)
	b := stack(t, "b", `{"Resources": {"D": {"Type": "AWS::GuardDuty::Detector"}, "A": {"Type": "AWS::AccessAnalyzer::Analyzer", "Properties": {"Type": "ORGANIZATION"}}}}`)
	types := []string{"AWS::GuardDuty::Detector", "AWS::AccessAnalyzer::Analyzer"}
	assert.Equal(t, []string{"singleton-once D"}, rules(Singletons(&assembly.Assembly{Stacks: []*assembly.Stack{a, b}}, types)))
	b.Region = "us-east-1"
	assert.Empty(t, Singletons(&assembly.Assembly{Stacks: []*assembly.Stack{a, b}}, types), "another Region holds its own")
}

func TestIntegrationTargets(t *testing.T) {
	platform := stack(t, "platform", `{"Resources": {
		"ALB": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer"},
		"Listener": {"Type": "AWS::ElasticLoadBalancingV2::Listener"},
		"LBParam": {"Type": "AWS::SSM::Parameter", "Properties": {"Name": "/vv/lb", "Value": {"Ref": "ALB"}}},
		"ListenerParam": {"Type": "AWS::SSM::Parameter", "Properties": {"Name": "/vv/listener", "Value": {"Ref": "Listener"}}}}}`)
	tenant := func(param string) *assembly.Stack {
		return stack(t, "tenant", `{"Parameters": {"Target": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "`+param+`"}},
			"Resources": {"M": {"Type": "AWS::ApiGateway::Method", "Properties": {"Integration": {"ConnectionType": "VPC_LINK", "IntegrationTarget": {"Ref": "Target"}}}}}}`)
	}
	check := func(s *assembly.Stack) []string {
		return rules(IntegrationTargets(&assembly.Assembly{Stacks: []*assembly.Stack{platform, s}}))
	}
	assert.Empty(t, check(tenant("/vv/lb")))
	assert.Equal(t, []string{"integration-target M"}, check(tenant("/vv/listener")), "a listener ARN is refused")
	assert.Equal(t, []string{"integration-target M"}, check(tenant("/vv/nothing")))
	literal := stack(t, "t", `{"Resources": {"M": {"Type": "AWS::ApiGateway::Method", "Properties": {"Integration": {"ConnectionType": "VPC_LINK",
		"IntegrationTarget": "arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/x/1"}}}}}`)
	assert.Empty(t, check(literal))
}

func TestPodsAfterIdentity(t *testing.T) {
	manifest := `[{\"kind\":\"Deployment\",\"metadata\":{\"namespace\":\"tenant-acme\"},\"spec\":{\"template\":{\"spec\":{\"serviceAccountName\":\"tts\"}}}}]`
	tpl := func(dependsOn string) string {
		return `{"Resources": {
			"Role": {"Type": "AWS::IAM::Role"},
			"Assoc": {"Type": "AWS::EKS::PodIdentityAssociation", "Properties": {"Namespace": "tenant-acme", "ServiceAccount": "tts", "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]}}},
			"Policy": {"Type": "AWS::IAM::ManagedPolicy", "DependsOn": "Assoc", "Properties": {"Roles": [{"Ref": "Role"}]}},
			"Workload": {"Type": "Custom::AWSCDK-EKS-KubernetesResource", ` + dependsOn + ` "Properties": {"Manifest": "` + manifest + `"}}}}`
	}
	check := func(s string) []string {
		return rules(PodsAfterIdentity(&assembly.Assembly{Stacks: []*assembly.Stack{stack(t, "t", s)}}))
	}
	assert.Equal(t, []string{"pods-after-identity Workload", "pods-after-identity Workload"}, check(tpl("")), "association and the role's policy")
	assert.Equal(t, []string{"pods-after-identity Workload"}, check(tpl(`"DependsOn": ["Assoc"],`)), "the role's policy")
	assert.Empty(t, check(tpl(`"DependsOn": ["Policy"],`)), "the association transitively")
	assert.Empty(t, check(strings.Replace(tpl(""), `\"tts\"}}}}]`, `\"other\"}}}}]`, 1)), "no association for that service account")
}

func TestUniqueSids(t *testing.T) {
	doc := func(sids ...string) string {
		var sts []string
		for _, s := range sids {
			sts = append(sts, `{"Sid": "`+s+`", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*", "Principal": {"Service": "logs.amazonaws.com"}}`)
		}
		return `{"Resources": {"Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Statement": [` + strings.Join(sts, ",") + `]}}}}}`
	}
	ok := &assembly.Assembly{Stacks: []*assembly.Stack{stack(t, "p", doc("A", "B"))}}
	assert.Empty(t, UniqueSids(ok))
	bad := &assembly.Assembly{Stacks: []*assembly.Stack{stack(t, "p", doc("A", "B", "A"))}}
	fs := UniqueSids(bad)
	require.Len(t, fs, 1)
	assert.Equal(t, `unique-sid: p/Key: two statements of one AWS::KMS::Key policy have Sid "A"`, fs[0].String())
}

// TestUniqueSecurityGroupRules: two tenant stacks adding the same load balancer → cluster group
// rule, read through the platform's SSM parameters, are one rule twice (the second create fails);
// distinct ports or peers are not, nor is the platform's own rule on another port.
func TestUniqueSecurityGroupRules(t *testing.T) {
	platform := stack(t, "prod-platform", `{"Resources": {
		"ClusterSGParam": {"Type": "AWS::SSM::Parameter", "Properties": {"Name": "/vv/cluster-sg", "Value": {"Fn::GetAtt": ["Cluster", "ClusterSecurityGroupId"]}}},
		"LBSGParam": {"Type": "AWS::SSM::Parameter", "Properties": {"Name": "/vv/lb-sg", "Value": {"Fn::GetAtt": ["LBSG", "GroupId"]}}},
		"LBSG": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "lb", "SecurityGroupEgress": [{"IpProtocol": "tcp", "FromPort": 1024, "ToPort": 65535, "CidrIp": "10.0.0.0/16"}]}},
		"ToPods9000": {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {"GroupId": {"Fn::GetAtt": ["Cluster", "ClusterSecurityGroupId"]}, "IpProtocol": "tcp", "FromPort": 9000, "ToPort": 9000, "SourceSecurityGroupId": {"Fn::GetAtt": ["LBSG", "GroupId"]}}}}}`)
	tenant := func(name string, port int) *assembly.Stack {
		return stack(t, name, fmt.Sprintf(`{
			"Parameters": {"C": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/vv/cluster-sg"}, "L": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/vv/lb-sg"}},
			"Resources": {"ToPods": {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {"GroupId": {"Ref": "C"}, "IpProtocol": "tcp", "FromPort": %d, "ToPort": %d, "SourceSecurityGroupId": {"Ref": "L"}}}}}`, port, port))
	}
	ok := &assembly.Assembly{Stacks: []*assembly.Stack{platform, tenant("prod-tenant-a", 8080), tenant("prod-tenant-b", 8081)}}
	assert.Empty(t, UniqueSecurityGroupRules(ok))
	bad := &assembly.Assembly{Stacks: []*assembly.Stack{platform, tenant("prod-tenant-a", 8080), tenant("prod-tenant-b", 8080)}}
	fs := UniqueSecurityGroupRules(bad)
	require.Len(t, fs, 1)
	assert.Equal(t, "unique-sg-rule prod-tenant-b/ToPods", fs[0].Rule+" "+fs[0].Stack+"/"+fs[0].Resource)
	assert.Contains(t, fs[0].Message, "as prod-tenant-a/ToPods")
	assert.Contains(t, fs[0].Message, "InvalidPermission.Duplicate")
	clash := &assembly.Assembly{Stacks: []*assembly.Stack{platform, tenant("prod-tenant-a", 9000)}}
	require.Len(t, UniqueSecurityGroupRules(clash), 1, "a tenant's rule read through SSM is the platform's own rule")
}
