package cideploy

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/naming"
)

func target() Target {
	return Target{Name: "prod", Account: "111111111111", Region: "eu-west-1", Qualifier: "vvault", BootstrapRegions: []string{"eu-west-1", "us-east-1"}}
}

// fullPlatform is every resource type the finished platform and tenant stacks are expected to
// hold (network, EKS, baseline services, API edge, buckets, secrets, ECR, SSM, alarms).
var fullPlatform = []string{
	"AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::RouteTable", "AWS::EC2::SubnetRouteTableAssociation", "AWS::EC2::Route",
	"AWS::EC2::InternetGateway", "AWS::EC2::VPCGatewayAttachment", "AWS::EC2::NatGateway", "AWS::EC2::EIP", "AWS::EC2::VPCEndpoint",
	"AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress", "AWS::EC2::FlowLog", "AWS::EC2::LaunchTemplate",
	"AWS::EKS::Cluster", "AWS::EKS::Nodegroup", "AWS::EKS::AccessEntry", "AWS::EKS::Addon", "AWS::EKS::PodIdentityAssociation",
	"AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::InstanceProfile", "AWS::IAM::OIDCProvider",
	"AWS::KMS::Key", "AWS::KMS::Alias", "AWS::Logs::LogGroup", "AWS::Logs::ResourcePolicy",
	"AWS::Lambda::Function", "AWS::Lambda::Permission", "AWS::Lambda::LayerVersion",
	"Custom::AWSCDK-EKS-KubernetesResource", "AWS::CloudFormation::CustomResource", "AWS::CDK::Metadata",
	"AWS::S3::Bucket", "AWS::S3::BucketPolicy", "AWS::SecretsManager::Secret", "AWS::ECR::Repository", "AWS::SSM::Parameter",
	"AWS::SNS::Topic", "AWS::SNS::TopicPolicy", "AWS::SNS::Subscription",
	"AWS::Config::ConfigurationRecorder", "AWS::Config::DeliveryChannel", "AWS::Config::ConfigRule",
	"AWS::GuardDuty::Detector", "AWS::GuardDuty::MalwareProtectionPlan", "AWS::SecurityHub::Hub", "AWS::SecurityHub::Standard",
	"AWS::Macie::Session", "AWS::CE::AnomalyMonitor", "AWS::CE::AnomalySubscription", "AWS::CloudTrail::Trail",
	"AWS::AccessAnalyzer::Analyzer", "AWS::Events::Rule", "AWS::CloudWatch::Alarm",
	"AWS::ApiGateway::RestApi", "AWS::ApiGateway::Deployment", "AWS::ApiGateway::Stage", "AWS::ApiGateway::Method", "AWS::ApiGateway::Resource",
	"AWS::ApiGateway::Authorizer", "AWS::ApiGateway::VpcLink", "AWS::ApiGateway::RequestValidator", "AWS::ApiGateway::DomainName",
	"AWS::ApiGateway::BasePathMapping", "AWS::ApiGateway::Account", "AWS::ApiGatewayV2::VpcLink",
	"AWS::WAFv2::WebACL", "AWS::WAFv2::WebACLAssociation", "AWS::WAFv2::LoggingConfiguration", "AWS::WAFv2::IPSet",
	"AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancingV2::Listener", "AWS::ElasticLoadBalancingV2::ListenerRule",
	"AWS::ElasticLoadBalancingV2::TargetGroup", "AWS::Route53Resolver::FirewallRuleGroup", "AWS::Route53Resolver::ResolverQueryLoggingConfig",
}

func TestResourceTypePrefixesMapToIAMServices(t *testing.T) {
	cases := map[string]string{
		"AWS::ElasticLoadBalancingV2::LoadBalancer":  "elasticloadbalancing",
		"AWS::Logs::LogGroup":                        "logs",
		"AWS::ApiGateway::RestApi":                   "apigateway",
		"AWS::ApiGatewayV2::VpcLink":                 "apigateway",
		"AWS::WAFv2::WebACL":                         "wafv2",
		"AWS::CE::AnomalyMonitor":                    "ce",
		"AWS::Config::ConfigRule":                    "config",
		"AWS::SecurityHub::Hub":                      "securityhub",
		"AWS::GuardDuty::Detector":                   "guardduty",
		"AWS::AccessAnalyzer::Analyzer":              "access-analyzer",
		"AWS::Macie::Session":                        "macie2",
		"AWS::EKS::Cluster":                          "eks",
		"AWS::EC2::VPC":                              "ec2",
		"AWS::ECR::Repository":                       "ecr",
		"AWS::SSM::Parameter":                        "ssm",
		"AWS::SNS::Topic":                            "sns",
		"AWS::Events::Rule":                          "events",
		"AWS::CloudWatch::Alarm":                     "cloudwatch",
		"AWS::CloudTrail::Trail":                     "cloudtrail",
		"AWS::SecretsManager::Secret":                "secretsmanager",
		"AWS::KMS::Key":                              "kms",
		"AWS::IAM::Role":                             "iam",
		"AWS::S3::Bucket":                            "s3",
		"AWS::Lambda::Function":                      "lambda",
		"AWS::Route53Resolver::FirewallRuleGroup":    "route53resolver",
		"Custom::AWSCDK-EKS-KubernetesResource":      "lambda",
		"AWS::CloudFormation::CustomResource":        "lambda",
		"AWS::CertificateManager::Certificate":       "acm",
		"AWS::CDK::Metadata":                         "",
		"AWS::CloudFormation::WaitConditionHandle":   "",
		"AWS::ApplicationAutoScaling::ScalingPolicy": "application-autoscaling",
	}
	for typ, want := range cases {
		got, err := ServiceOf(typ)
		require.NoError(t, err, typ)
		assert.Equal(t, want, got, typ)
	}
}

func TestEveryMappedServiceTheBriefNamesHasACatalogEntry(t *testing.T) {
	for _, svc := range []string{"elasticloadbalancing", "logs", "apigateway", "wafv2", "ce", "config", "securityhub", "guardduty",
		"access-analyzer", "macie2", "eks", "ec2", "ecr", "ssm", "sns", "events", "cloudwatch", "cloudtrail", "secretsmanager", "kms",
		"s3", "lambda", "route53resolver"} {
		_, ok := Catalog[svc]
		assert.True(t, ok, "catalog entry for %s", svc)
	}
}

func TestExecutionPolicyRefusesUsersKeysAndUnknownServices(t *testing.T) {
	for typ, want := range map[string]string{
		"AWS::IAM::User":             "refused",
		"AWS::IAM::AccessKey":        "long-lived credentials",
		"AWS::CloudFormation::Stack": "nested stacks",
		"AWS::Foo::Bar":              `service "Foo" has no IAM prefix`,
		"AWS::RDS::DBInstance":       "service rds has no entry in the execution policy catalog",
		"AWS::IAM::Group":            "refused",
		"Vendor::Thing::X":           "is not AWS::<Service>::<Resource>",
	} {
		_, err := ExecutionStatements(target(), []string{"AWS::KMS::Key", typ})
		require.Error(t, err, typ)
		assert.Contains(t, err.Error(), want, typ)
	}
}

func TestFullPlatformPolicyFitsTheManagedPolicyLimit(t *testing.T) {
	stmts, err := ExecutionStatements(target(), fullPlatform)
	require.NoError(t, err)
	parts, err := Pack(stmts, naming.ExecutionPolicyCount, MaxManagedPolicySize)
	require.NoError(t, err)
	total := 0
	for i, p := range parts {
		s := Size(p)
		total += s
		assert.LessOrEqual(t, s, MaxManagedPolicySize, "policy %d", i+1)
		t.Logf("execution policy %d: %d statements, %d characters", i+1, len(p), s)
	}
	boundary := BoundaryStatements(target(), Services(stmts), testCeiling)
	assert.LessOrEqual(t, Size(boundary), MaxManagedPolicySize)
	t.Logf("execution policy total %d characters over %d services; boundary %d characters", total, len(Services(stmts)), Size(boundary))
	// Headroom for services others add: at most 80% of the capacity is used.
	assert.LessOrEqual(t, total, MaxManagedPolicySize*naming.ExecutionPolicyCount*8/10, "little headroom left: raise naming.ExecutionPolicyCount")
}

func TestExecutionPolicyGrantsNoAdminOrServiceWideActions(t *testing.T) {
	stmts, err := ExecutionStatements(target(), fullPlatform)
	require.NoError(t, err)
	for _, s := range stmts {
		for _, a := range s.Actions {
			assert.NotEqual(t, "*", a, s.Sid)
			svc, name, ok := strings.Cut(a, ":")
			require.True(t, ok, "%s: action %q has a service prefix", s.Sid, a)
			if s.Effect == "Allow" && slices.Contains(s.Resources, "*") {
				assert.NotEqual(t, "*", name, "%s: %s is service-wide", s.Sid, a)
				assert.NotEqual(t, "*", svc, s.Sid)
				assert.NotContains(t, []string{"s3:GetObject", "secretsmanager:GetSecretValue", "logs:GetLogEvents", "kms:ScheduleKeyDeletion", "iam:CreateUser", "iam:CreateAccessKey"}, a,
					"%s grants a data read or a forbidden action unscoped", s.Sid)
			}
		}
	}
}

func TestDataReadsAreScopedToCDKAssets(t *testing.T) {
	stmts, err := ExecutionStatements(target(), fullPlatform)
	require.NoError(t, err)
	for _, s := range stmts {
		if s.Effect == "Allow" && slices.Contains(s.Actions, "s3:GetObject") {
			assert.Equal(t, []string{"arn:aws:s3:::cdk-vvault-assets-111111111111-eu-west-1/*", "arn:aws:s3:::cdk-vvault-assets-111111111111-us-east-1/*"}, s.Resources, s.Sid,
				"the bootstrap buckets of the environment's region and of us-east-1 (its costs stack)")
		}
	}
}

func TestIAMActionsAreScopedToTheEnvironmentsNames(t *testing.T) {
	stmts, err := ExecutionStatements(target(), fullPlatform)
	require.NoError(t, err)
	allowed := []string{
		"arn:aws:iam::111111111111:role/prod-*", "arn:aws:iam::111111111111:role/voicevault-prod-*",
		"arn:aws:iam::111111111111:policy/prod-*", "arn:aws:iam::111111111111:policy/voicevault-prod-*",
		"arn:aws:iam::111111111111:instance-profile/prod-*", "arn:aws:iam::111111111111:instance-profile/voicevault-prod-*",
		"arn:aws:iam::111111111111:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/*",
	}
	boundaryCond := map[string][]string{"iam:PermissionsBoundary": {"arn:aws:iam::111111111111:policy/voicevault-prod-boundary"}}
	sawPass, sawCreate := false, false
	for _, s := range stmts {
		if s.Effect != "Allow" {
			continue
		}
		for _, a := range s.Actions {
			if !strings.HasPrefix(a, "iam:") {
				continue
			}
			for _, r := range s.Resources {
				if strings.Contains(r, ":role/aws-service-role/") {
					if a == "iam:DeleteServiceLinkedRole" || a == "iam:GetServiceLinkedRoleDeletionStatus" {
						// Deletion (iam:AWSServiceName doesn't apply to it) is scoped to one declared service's path.
						principal := strings.TrimSuffix(strings.TrimPrefix(r, "arn:aws:iam::111111111111:role/aws-service-role/"), "/*")
						assert.True(t, slices.ContainsFunc(slices.Collect(maps.Values(Catalog)), func(c Service) bool { return slices.Contains(c.ServiceLinkedRoles, principal) }),
							"%s: %s on %s, a service-linked role the catalog declares", s.Sid, a, r)
						continue
					}
					assert.Equal(t, "iam:CreateServiceLinkedRole", a, "%s: only service-linked role creation and deletion on aws-service-role", s.Sid)
					assert.NotEmpty(t, s.Conditions["StringEquals"]["iam:AWSServiceName"], s.Sid)
					continue
				}
				assert.Contains(t, allowed, r, "%s: %s on %s", s.Sid, a, r)
			}
			switch a {
			case "iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:AttachRolePolicy", "iam:PutRolePolicy":
				sawCreate = true
				assert.Equal(t, boundaryCond, s.Conditions["StringEquals"], "%s: %s needs the boundary condition", s.Sid, a)
			case "iam:PassRole":
				sawPass = true
				assert.ElementsMatch(t, []string{"arn:aws:iam::111111111111:role/prod-*", "arn:aws:iam::111111111111:role/voicevault-prod-*"}, s.Resources, "iam:PassRole only to the environment's roles")
			case "iam:DeleteRolePermissionsBoundary":
				t.Errorf("%s allows removing a permissions boundary", s.Sid)
			}
		}
	}
	assert.True(t, sawPass && sawCreate)
	var denies []string
	for _, s := range stmts {
		if s.Effect == "Deny" {
			denies = append(denies, s.Sid)
		}
	}
	assert.ElementsMatch(t, []string{"DenyChangesToDeliveryAndBootstrap", "DenyRolesWithoutTheBoundary", "DenyBoundaryRemoval"}, denies)
}

func TestWithoutACostsStackOnlyTheEnvironmentsRegion(t *testing.T) {
	tgt := target()
	tgt.BootstrapRegions = nil // no costs stack: the environment's region alone
	stmts, err := ExecutionStatements(tgt, fullPlatform)
	require.NoError(t, err)
	for _, s := range stmts {
		if r, ok := s.Conditions["StringEquals"]["aws:RequestedRegion"]; ok {
			assert.Equal(t, []string{"eu-west-1"}, r, s.Sid)
		}
		for _, res := range s.Resources {
			assert.NotContains(t, res, "us-east-1", s.Sid)
		}
	}
	assert.Equal(t, execRoles[:1], tgt.ExecutionRoleARNs())
}

func TestRegionalStatementsAreLimitedToTheRegion(t *testing.T) {
	stmts, err := ExecutionStatements(target(), fullPlatform)
	require.NoError(t, err)
	for _, s := range stmts {
		if s.Effect != "Allow" || !slices.Equal(s.Resources, []string{"*"}) {
			continue
		}
		svc, _, _ := strings.Cut(s.Actions[0], ":")
		if Catalog[svc].Global {
			continue
		}
		assert.Equal(t, []string{"eu-west-1", "us-east-1"}, s.Conditions["StringEquals"]["aws:RequestedRegion"], "%s on * needs the region condition (us-east-1: the costs stack)", s.Sid)
	}
}

// execRoles are the execution roles of target's bootstraps: eu-west-1 and, for its costs stack, us-east-1.
var execRoles = []string{"arn:aws:iam::111111111111:role/cdk-vvault-cfn-exec-role-111111111111-eu-west-1", "arn:aws:iam::111111111111:role/cdk-vvault-cfn-exec-role-111111111111-us-east-1"}

func TestBoundaryDeniesEscalationAndTampering(t *testing.T) {
	stmts, err := ExecutionStatements(target(), fullPlatform)
	require.NoError(t, err)
	b := BoundaryStatements(target(), Services(stmts), testCeiling)
	denied := map[string]Statement{}
	for _, s := range b {
		if s.Effect == "Deny" {
			for _, a := range s.Actions {
				denied[a] = s
			}
		}
	}
	for _, a := range []string{"iam:CreateUser", "iam:CreateAccessKey", "iam:DeleteRolePermissionsBoundary", "organizations:*",
		"cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "guardduty:DeleteDetector", "kms:ScheduleKeyDeletion", "ec2:ModifySnapshotAttribute",
		"lambda:CreateFunctionUrlConfig"} {
		assert.Contains(t, denied, a)
	}
	// Audit tampering is denied to every role but the execution role.
	assert.Equal(t, execRoles, denied["cloudtrail:StopLogging"].Conditions["ArnNotEquals"]["aws:PrincipalArn"])
	// The delivery policies and roles can't be changed by anything the boundary caps.
	assert.Contains(t, denied["iam:Create*"].Resources, "arn:aws:iam::111111111111:policy/voicevault-prod-boundary")
	assert.Contains(t, denied["iam:Update*"].Resources, "arn:aws:iam::111111111111:role/vv-github-deploy-prod")
	// The execution role's ceiling is exactly its services, and only for that principal.
	for _, s := range b {
		if s.Sid == "CeilingCloudFormationExecution" {
			assert.Equal(t, execRoles, s.Conditions["ArnEquals"]["aws:PrincipalArn"])
			assert.Len(t, s.Actions, len(Services(stmts)))
		}
		if s.Effect == "Allow" {
			assert.NotContains(t, s.Actions, "*")
		}
		if s.Effect == "Allow" && s.Sid != "CeilingCloudFormationExecution" {
			assert.NotContains(t, s.Actions, "iam:*", "%s: IAM is never whole in the runtime ceiling", s.Sid)
		}
	}
}

func TestStatementJSONIsWhatIAMReads(t *testing.T) {
	b, err := json.Marshal(Statement{Sid: "X", Effect: "Allow", Actions: []string{"s3:GetObject"}, Resources: []string{"*"},
		Conditions: map[string]map[string][]string{"StringEquals": {"aws:RequestedRegion": {"eu-west-1"}}}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"Sid":"X","Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}`, string(b))
}

// testCeiling stands for a derived runtime ceiling (access.Ceiling) in tests of the boundary's shape.
var testCeiling = []string{"apigateway:*", "ec2:*", "events:*", "kms:*", "logs:*", "s3:*", "iam:GetRole"}
