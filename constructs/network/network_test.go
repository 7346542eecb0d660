package network_test

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/constructs/constructtest"
	"github.com/voicevault/voicevault/constructs/network"
)

func TestMain(m *testing.M) { constructtest.Main(m) }

var zones = []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}

// synth builds a network with egress mode egress and returns its parsed template.
func synth(t *testing.T, egress network.Egress) (*constructtest.Template, map[string]any) {
	t.Helper()
	stack := constructtest.NewStackWith(t, nil)
	key := awskms.NewKey(stack, jsii.String("Key"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
	network.New(stack, "Network", network.Props{
		CIDR: "10.40.0.0/16", AZs: zones, Egress: egress, FlowLogKey: key,
		FlowLogGroupName: "/test/flow-logs", HelperLogGroupName: "/test/helper", RetentionDays: 731,
	})
	tpl := constructtest.StackTemplate(t, stack)
	return tpl, tpl.JSON()
}

var (
	noneOnce, natOnce struct {
		tpl  *constructtest.Template
		json map[string]any
	}
)

func none(t *testing.T) (*constructtest.Template, map[string]any) {
	if noneOnce.tpl == nil {
		noneOnce.tpl, noneOnce.json = synth(t, network.EgressNone)
	}
	return noneOnce.tpl.With(t), noneOnce.json
}

func nat(t *testing.T) (*constructtest.Template, map[string]any) {
	if natOnce.tpl == nil {
		natOnce.tpl, natOnce.json = synth(t, network.EgressNAT)
	}
	return natOnce.tpl.With(t), natOnce.json
}

func props(r map[string]any) map[string]any { return constructtest.Props(r) }

func subnetsByType(tpl map[string]any) map[string][]map[string]any {
	out := map[string][]map[string]any{}
	for _, s := range constructtest.ResourcesOf(tpl, "AWS::EC2::Subnet") {
		p := props(s)
		for _, tag := range p["Tags"].([]any) {
			if m := tag.(map[string]any); m["Key"] == "aws-cdk:subnet-type" {
				out[m["Value"].(string)] = append(out[m["Value"].(string)], p)
			}
		}
	}
	return out
}

func hasTag(p map[string]any, key, value string) bool {
	for _, tag := range p["Tags"].([]any) {
		if m := tag.(map[string]any); m["Key"] == key && m["Value"] == value {
			return true
		}
	}
	return false
}

func TestVPCTakesTheConfiguredCIDRAndZones(t *testing.T) {
	tpl, j := none(t)
	tpl.HasResourceProperties("AWS::EC2::VPC", map[string]any{"CidrBlock": "10.40.0.0/16", "EnableDnsHostnames": true, "EnableDnsSupport": true})
	var got []string
	for _, s := range constructtest.ResourcesOf(j, "AWS::EC2::Subnet") {
		got = append(got, props(s)["AvailabilityZone"].(string))
	}
	sort.Strings(got)
	assert.Equal(t, zones, got)
}

func TestEgressNoneLeavesNoPathToTheInternet(t *testing.T) {
	tpl, j := none(t)
	for _, typ := range []string{"AWS::EC2::InternetGateway", "AWS::EC2::NatGateway", "AWS::EC2::EgressOnlyInternetGateway", "AWS::EC2::EIP"} {
		tpl.ResourceCountIs(typ, 0)
	}
	byType := subnetsByType(j)
	assert.Len(t, byType["Isolated"], 3, "one isolated subnet per zone")
	assert.Empty(t, byType["Public"])
	for _, r := range constructtest.ResourcesOf(j, "AWS::EC2::Route") {
		t.Errorf("egress none has a route: %v", props(r))
	}
	for _, s := range byType["Isolated"] {
		assert.Equal(t, false, s["MapPublicIpOnLaunch"])
	}
}

func TestEgressNATHasOneNATGatewayPerZoneInPublicSubnetsOnly(t *testing.T) {
	tpl, j := nat(t)
	tpl.ResourceCountIs("AWS::EC2::NatGateway", 3)
	tpl.ResourceCountIs("AWS::EC2::InternetGateway", 1)
	byType := subnetsByType(j)
	require.Len(t, byType["Public"], 3)
	require.Len(t, byType["Private"], 3)
	for _, s := range byType["Public"] {
		assert.Equal(t, false, s["MapPublicIpOnLaunch"], "nothing gets a public IP by default, NAT gateways use EIPs")
		assert.True(t, hasTag(s, "aws-cdk:subnet-name", network.PublicSubnetGroup))
	}
	// Private subnets route 0.0.0.0/0 to a NAT gateway, never to the internet gateway.
	natRoutes := 0
	for _, r := range constructtest.ResourcesOf(j, "AWS::EC2::Route") {
		p := props(r)
		if p["NatGatewayId"] != nil {
			natRoutes++
		}
	}
	assert.Equal(t, 3, natRoutes)
	// Compute never goes in the public subnets: only NAT gateways live there.
	for _, ep := range constructtest.ResourcesOf(j, "AWS::EC2::VPCEndpoint") {
		if ids, ok := props(ep)["SubnetIds"].([]any); ok {
			for _, id := range ids {
				assert.Contains(t, id.(map[string]any)["Ref"], "PrivateSubnet")
			}
		}
	}
}

func TestPrivateSubnetsAreTaggedForInternalLoadBalancers(t *testing.T) {
	for _, mode := range []network.Egress{network.EgressNone, network.EgressNAT} {
		_, j := none(t)
		private := "Isolated"
		if mode == network.EgressNAT {
			_, j = nat(t)
			private = "Private"
		}
		for _, s := range subnetsByType(j)[private] {
			assert.True(t, hasTag(s, "kubernetes.io/role/internal-elb", "1"), "%s: %v", mode, s["CidrBlock"])
		}
	}
}

func TestDefaultSecurityGroupIsClosed(t *testing.T) {
	tpl, j := none(t)
	tpl.ResourceCountIs("Custom::VpcRestrictDefaultSG", 1)
	// Its helper function logs to our encrypted group and its role has no AWS managed policy.
	fns := constructtest.ResourcesOf(j, "AWS::Lambda::Function")
	require.Len(t, fns, 1)
	for _, fn := range fns {
		lc, _ := props(fn)["LoggingConfig"].(map[string]any)
		require.NotNil(t, lc, "helper logging config")
		assert.Contains(t, lc["LogGroup"].(map[string]any)["Ref"], "DefaultSecurityGroupHelperLogGroup")
		role := props(fn)["Role"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
		rp := props(j["Resources"].(map[string]any)[role].(map[string]any))
		assert.NotContains(t, rp, "ManagedPolicyArns", "helper role: no AWS managed policy")
	}
	// A customer-managed policy (no inline policy: IAMNoInlinePolicy) on the helper's role.
	tpl.HasResourceProperties("AWS::IAM::ManagedPolicy", map[string]any{
		"PolicyDocument": map[string]any{"Statement": []any{
			map[string]any{
				"Action": []any{"ec2:AuthorizeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress"}, "Effect": "Allow",
				"Resource": map[string]any{"Fn::Join": []any{"", []any{"arn:aws:ec2:eu-west-1:111111111111:security-group/", map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("NetworkVPC")), "DefaultSecurityGroup"}}}}},
			},
			map[string]any{
				"Action": []any{"logs:CreateLogStream", "logs:PutLogEvents"}, "Effect": "Allow",
				"Resource": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("DefaultSecurityGroupHelperLogGroup")), "Arn"}},
			},
		}},
		"Roles": []any{map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("CustomVpcRestrictDefaultSGCustomResourceProviderRole"))}},
	})
}

func TestNetworkMakesNoInlinePolicies(t *testing.T) {
	tpl, j := none(t)
	tpl.ResourceCountIs("AWS::IAM::Policy", 0)
	for id, r := range constructtest.ResourcesOf(j, "AWS::IAM::Role") {
		assert.NotContains(t, props(r), "Policies", id)
	}
}

func TestFlowLogRoleIsOnlyForThisAccountsFlowLogsAndWritesOnlyTheFlowLogGroup(t *testing.T) {
	tpl, j := none(t)
	tpl.HasResourceProperties("AWS::IAM::Role", map[string]any{
		"AssumeRolePolicyDocument": map[string]any{"Statement": []any{map[string]any{
			"Action": "sts:AssumeRole", "Effect": "Allow",
			"Principal": map[string]any{"Service": "vpc-flow-logs.amazonaws.com"},
			"Condition": map[string]any{
				"StringEquals": map[string]any{"aws:SourceAccount": "111111111111"},
				"ArnLike":      map[string]any{"aws:SourceArn": "arn:aws:ec2:eu-west-1:111111111111:vpc-flow-log/*"},
			},
		}}},
	})
	var roleID string
	for id := range constructtest.ResourcesOf(j, "AWS::IAM::Role") {
		if strings.Contains(id, "FlowLogRole") {
			roleID = id
		}
	}
	require.NotEmpty(t, roleID)
	tpl.HasResourceProperties("AWS::EC2::FlowLog", map[string]any{"DeliverLogsPermissionArn": map[string]any{"Fn::GetAtt": []any{roleID, "Arn"}}})
	tpl.HasResourceProperties("AWS::IAM::ManagedPolicy", map[string]any{
		"PolicyDocument": map[string]any{"Statement": []any{map[string]any{
			"Action": []any{"logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"}, "Effect": "Allow",
			"Resource": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("FlowLogGroup")), "Arn"}},
		}}},
		"Roles": []any{map[string]any{"Ref": roleID}},
	})
	for id, fl := range constructtest.ResourcesOf(j, "AWS::EC2::FlowLog") {
		deps, _ := fl["DependsOn"].([]any)
		found := false
		for _, d := range deps {
			found = found || strings.Contains(d.(string), "FlowLogPolicy")
		}
		assert.True(t, found, "%s waits for its role's policy: %v", id, deps)
	}
}

func TestFlowLogsRecordAllTrafficToAnEncryptedLogGroupWithRetention(t *testing.T) {
	tpl, _ := none(t)
	tpl.HasResourceProperties("AWS::EC2::FlowLog", map[string]any{
		"ResourceType": "VPC", "TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs",
		"LogGroupName": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("FlowLogGroup"))},
	})
	tpl.HasResourceProperties("AWS::Logs::LogGroup", map[string]any{
		"LogGroupName": "/test/flow-logs", "RetentionInDays": 731,
		"KmsKeyId": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^Key")), "Arn"}},
	})
}

func TestEveryLogGroupIsEncryptedAndRetained(t *testing.T) {
	_, j := none(t)
	groups := constructtest.ResourcesOf(j, "AWS::Logs::LogGroup")
	assert.Len(t, groups, 2)
	for id, g := range groups {
		assert.NotNil(t, props(g)["KmsKeyId"], id)
		assert.NotNil(t, props(g)["RetentionInDays"], id)
		assert.Equal(t, "RetainExceptOnCreate", g["DeletionPolicy"], id)
	}
}

func TestS3IsAGatewayEndpointOnThePrivateRouteTables(t *testing.T) {
	tpl, _ := none(t)
	tpl.HasResourceProperties("AWS::EC2::VPCEndpoint", map[string]any{
		"VpcEndpointType": "Gateway",
		"ServiceName":     assertions.Match_ObjectLike(&map[string]any{}),
		"RouteTableIds":   assertions.Match_AnyValue(),
	})
}

func TestEveryInterfaceEndpointHasPrivateDNSAndTheHTTPSOnlyGroup(t *testing.T) {
	tpl, j := none(t)
	var services []string
	for _, ep := range constructtest.ResourcesOf(j, "AWS::EC2::VPCEndpoint") {
		p := props(ep)
		if p["VpcEndpointType"] != "Interface" {
			continue
		}
		services = append(services, p["ServiceName"].(string))
		assert.Equal(t, true, p["PrivateDnsEnabled"], p["ServiceName"])
		sgs := p["SecurityGroupIds"].([]any)
		require.Len(t, sgs, 1)
		assert.Contains(t, sgs[0].(map[string]any)["Fn::GetAtt"].([]any)[0], "EndpointSecurityGroup")
		assert.Len(t, p["SubnetIds"], 3)
	}
	assert.Len(t, services, len(network.DefaultEndpoints()))
	for _, svc := range []string{"ecr.api", "ecr.dkr", "ec2", "sts", "eks", "eks-auth", "lambda", "kms", "secretsmanager", "logs"} {
		assert.Contains(t, services, "com.amazonaws.eu-west-1."+svc)
	}
	// 443 from the VPC CIDR in, nothing out.
	tpl.HasResourceProperties("AWS::EC2::SecurityGroup", map[string]any{
		"GroupDescription":     assertions.Match_StringLikeRegexp(jsii.String("endpoints")),
		"SecurityGroupIngress": []any{map[string]any{"CidrIp": "10.40.0.0/16", "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "Description": assertions.Match_AnyValue()}},
		"SecurityGroupEgress":  []any{map[string]any{"CidrIp": "255.255.255.255/32", "Description": "Disallow all traffic", "IpProtocol": "icmp", "FromPort": 252, "ToPort": 86}},
	})
}

func TestEveryEndpointSaysWhyItExists(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range network.DefaultEndpoints() {
		assert.NotEmpty(t, strings.TrimSpace(e.Reason), e.ID)
		assert.False(t, seen[e.ID], "duplicate endpoint %s", e.ID)
		seen[e.ID] = true
	}
}

func TestNATSubnetsFitBesideThePrivateOnes(t *testing.T) {
	_, j := nat(t)
	var cidrs []string
	for _, s := range constructtest.ResourcesOf(j, "AWS::EC2::Subnet") {
		cidrs = append(cidrs, props(s)["CidrBlock"].(string))
	}
	sort.Strings(cidrs)
	b, _ := json.Marshal(cidrs)
	assert.Equal(t, `["10.40.0.0/18","10.40.128.0/18","10.40.192.0/22","10.40.196.0/22","10.40.200.0/22","10.40.64.0/18"]`, string(b))
}

func TestMissingRequiredPropsPanic(t *testing.T) {
	stack := constructtest.NewStackWith(t, nil)
	err := constructtest.Catch(func() { network.New(stack, "Network", network.Props{CIDR: "10.0.0.0/16", AZs: zones}) })
	assert.ErrorContains(t, err, `network "Network": flow log key`)
}

func TestEgressNoneResolvesOnlyAllowedNames(t *testing.T) {
	tpl, j := none(t)
	tpl.HasResourceProperties("AWS::Route53Resolver::FirewallDomainList", map[string]any{"Domains": []any{"amazonaws.com", "*.amazonaws.com", "*.api.aws", "*.compute.internal", "*.ec2.internal"}})
	tpl.HasResourceProperties("AWS::Route53Resolver::FirewallDomainList", map[string]any{"Domains": []any{"*"}})
	allow, all := "", ""
	for id, l := range constructtest.ResourcesOf(j, "AWS::Route53Resolver::FirewallDomainList") {
		if len(props(l)["Domains"].([]any)) == 1 {
			all = id
		} else {
			allow = id
		}
	}
	tpl.HasResourceProperties("AWS::Route53Resolver::FirewallRuleGroup", map[string]any{"FirewallRules": []any{
		map[string]any{"Priority": 100, "Action": "ALLOW", "FirewallDomainListId": map[string]any{"Fn::GetAtt": []any{allow, "Id"}}, "FirewallDomainRedirectionAction": "TRUST_REDIRECTION_DOMAIN"},
		map[string]any{"Priority": 200, "Action": "BLOCK", "BlockResponse": "NXDOMAIN", "FirewallDomainListId": map[string]any{"Fn::GetAtt": []any{all, "Id"}}},
	}})
	tpl.HasResourceProperties("AWS::Route53Resolver::FirewallRuleGroupAssociation", map[string]any{
		"VpcId": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^NetworkVPC"))}, "MutationProtection": "DISABLED",
	})
}

func TestEgressNATHasNoDNSFirewall(t *testing.T) {
	tpl, _ := nat(t)
	tpl.ResourceCountIs("AWS::Route53Resolver::FirewallRuleGroupAssociation", 0)
}

// TestEveryEndpointHasAPolicyLimitedToThisAccount: no endpoint keeps the default "full access"
// policy. Each one's first statement lets only this account's principals reach only this
// account's resources ("Data perimeters on AWS"; IAM User Guide, "AWS global condition context
// keys": aws:PrincipalAccount, aws:ResourceAccount; Amazon S3 User Guide: s3:ResourceAccount);
// every other statement is one of the named exceptions below.
func TestEveryEndpointHasAPolicyLimitedToThisAccount(t *testing.T) {
	_, j := none(t)
	eps := constructtest.ResourcesOf(j, "AWS::EC2::VPCEndpoint")
	require.Len(t, eps, len(network.DefaultEndpoints())+1)
	for id, ep := range eps {
		p := props(ep)
		doc, ok := p["PolicyDocument"].(map[string]any)
		require.True(t, ok, "%s has no endpoint policy", id)
		stmts := doc["Statement"].([]any)
		first := stmts[0].(map[string]any)
		resourceKey := "aws:ResourceAccount"
		if p["VpcEndpointType"] == "Gateway" {
			resourceKey = "s3:ResourceAccount"
		}
		assert.Equal(t, "OwnPrincipalsOnOwnResources", first["Sid"], id)
		assert.Equal(t, map[string]any{"StringEquals": map[string]any{"aws:PrincipalAccount": "111111111111", resourceKey: "111111111111"}}, first["Condition"], id)
		for _, s := range stmts {
			st := s.(map[string]any)
			assert.Equal(t, "Allow", st["Effect"])
			assert.Contains(t, []any{"OwnPrincipalsOnOwnResources", "ECRImageLayers", "CloudFormationCustomResourceResponses", "OwnPrincipalsPullFromAWSOwnedRegistries", "WebIdentityIntoOwnRoles"}, st["Sid"], "%s: unexpected statement", id)
			assert.NotEqual(t, "*", st["Action"], id)
		}
	}
}

// TestS3EndpointAdmitsOnlyTheAWSOwnedBucketsTheVPCNeeds: besides this account's buckets, the S3
// gateway endpoint reaches exactly ECR's layer bucket (read) and CloudFormation's custom-resource
// response bucket (write) of the region — AWS docs: Amazon ECR User Guide, "Amazon ECR interface
// VPC endpoints (AWS PrivateLink)" (minimum S3 bucket permissions); AWS CloudFormation User Guide,
// "Setting up VPC endpoints for AWS CloudFormation" (region without dashes).
func TestS3EndpointAdmitsOnlyTheAWSOwnedBucketsTheVPCNeeds(t *testing.T) {
	tpl, _ := none(t)
	tpl.HasResourceProperties("AWS::EC2::VPCEndpoint", map[string]any{
		"VpcEndpointType": "Gateway",
		"PolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{
			map[string]any{
				"Sid": "OwnPrincipalsOnOwnResources", "Effect": "Allow", "Principal": map[string]any{"AWS": "*"}, "Action": "s3:*", "Resource": "*",
				"Condition": map[string]any{"StringEquals": map[string]any{"aws:PrincipalAccount": "111111111111", "s3:ResourceAccount": "111111111111"}},
			},
			map[string]any{"Sid": "ECRImageLayers", "Effect": "Allow", "Principal": map[string]any{"AWS": "*"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::prod-eu-west-1-starport-layer-bucket/*"},
			map[string]any{"Sid": "CloudFormationCustomResourceResponses", "Effect": "Allow", "Principal": map[string]any{"AWS": "*"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::cloudformation-custom-resource-response-euwest1/*"},
		}},
	})
}

// TestECREndpointsPullFromAnyRegistryButPushOnlyToOurs: the ECR endpoints let this account's
// principals pull (read-only actions) from AWS-owned registries — EKS add-on images, the GuardDuty
// agent — and do anything else only on this account's repositories.
func TestECREndpointsPullFromAnyRegistryButPushOnlyToOurs(t *testing.T) {
	_, j := none(t)
	found := 0
	for _, ep := range constructtest.ResourcesOf(j, "AWS::EC2::VPCEndpoint") {
		p := props(ep)
		name, _ := p["ServiceName"].(string)
		if !strings.Contains(name, ".ecr.") {
			continue
		}
		found++
		stmts := p["PolicyDocument"].(map[string]any)["Statement"].([]any)
		require.Len(t, stmts, 2, name)
		pull := stmts[1].(map[string]any)
		assert.Equal(t, "OwnPrincipalsPullFromAWSOwnedRegistries", pull["Sid"])
		assert.ElementsMatch(t, []any{"ecr:GetAuthorizationToken", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"}, pull["Action"])
		assert.Equal(t, map[string]any{"StringEquals": map[string]any{"aws:PrincipalAccount": "111111111111"}}, pull["Condition"])
	}
	assert.Equal(t, 2, found)
}
