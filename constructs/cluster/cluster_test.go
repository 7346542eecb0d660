package cluster_test

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/constructs/cluster"
	"github.com/voicevault/voicevault/constructs/constructtest"
)

func TestMain(m *testing.M) { constructtest.Main(m) }

const admin = "arn:aws:iam::111111111111:role/path/PlatformAdmin"

type synthed struct {
	tpl  *constructtest.Template
	json map[string]any
}

var cache = map[string]*synthed{}

// synth builds a cluster in a small isolated VPC, with the app context given (feature flags).
func synth(t *testing.T, context map[string]any) (*constructtest.Template, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(context)
	if s, ok := cache[string(b)]; ok {
		return s.tpl.With(t), s.json
	}
	stack := constructtest.NewStackWith(t, context)
	key := awskms.NewKey(stack, jsii.String("Key"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
	vpc := awsec2.NewVpc(stack, jsii.String("VPC"), &awsec2.VpcProps{
		AvailabilityZones: jsii.Strings("eu-west-1a", "eu-west-1b"),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String("Private"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(20)},
		},
		RestrictDefaultSecurityGroup: jsii.Bool(false),
	})
	cluster.New(stack, "EKS", cluster.Props{
		Name: "vv-test", Version: "1.34", VPC: vpc, Subnets: *vpc.IsolatedSubnets(), Key: key,
		LogGroupPrefix: "/vv/test/", LogRetentionDays: 90, AdminRoleARNs: []string{admin},
	})
	tpl := constructtest.StackTemplate(t, stack)
	s := &synthed{tpl, tpl.JSON()}
	cache[string(b)] = s
	return s.tpl.With(t), s.json
}

func example(t *testing.T) (*constructtest.Template, map[string]any) { return synth(t, nil) }

func props(r map[string]any) map[string]any { return constructtest.Props(r) }

func only(t *testing.T, j map[string]any, typ string) map[string]any {
	t.Helper()
	rs := constructtest.ResourcesOf(j, typ)
	require.Len(t, rs, 1, typ)
	for _, r := range rs {
		return r
	}
	return nil
}

// byPrefix returns the resource of type typ whose logical ID starts with prefix.
func byPrefix(t *testing.T, j map[string]any, typ, prefix string) (string, map[string]any) {
	t.Helper()
	for id, r := range constructtest.ResourcesOf(j, typ) {
		if strings.HasPrefix(id, prefix) {
			return id, r
		}
	}
	t.Fatalf("no %s %s*", typ, prefix)
	return "", nil
}

func getAtt(id, attr string) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{id, attr}}
}

func TestAPIEndpointIsPrivateOnly(t *testing.T) {
	tpl, _ := example(t)
	tpl.HasResourceProperties("AWS::EKS::Cluster", map[string]any{
		"Name": "vv-test", "Version": "1.34",
		"ResourcesVpcConfig": map[string]any{"EndpointPrivateAccess": true, "EndpointPublicAccess": false},
	})
}

func TestSecretsAreEncryptedWithTheKey(t *testing.T) {
	tpl, j := example(t)
	keyID, _ := byPrefix(t, j, "AWS::KMS::Key", "Key")
	tpl.HasResourceProperties("AWS::EKS::Cluster", map[string]any{
		"EncryptionConfig": []any{map[string]any{"Provider": map[string]any{"KeyArn": getAtt(keyID, "Arn")}, "Resources": []any{"secrets"}}},
	})
	// The key policy (not an IAM policy) lets the cluster role use the key.
	roleID, _ := byPrefix(t, j, "AWS::IAM::Role", "EKSClusterRole")
	tpl.HasResourceProperties("AWS::KMS::Key", map[string]any{"KeyPolicy": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
		map[string]any{
			"Sid": "EKSClusterRoleSecretsEncryption", "Effect": "Allow", "Principal": map[string]any{"AWS": getAtt(roleID, "Arn")},
			"Action": []any{"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt"}, "Resource": "*",
		},
		map[string]any{
			"Sid": "EKSClusterRoleGrantForAWSResource", "Effect": "Allow", "Principal": map[string]any{"AWS": getAtt(roleID, "Arn")},
			"Action": "kms:CreateGrant", "Resource": "*",
			"Condition": map[string]any{"Bool": map[string]any{"kms:GrantIsForAWSResource": "true"}},
		},
		map[string]any{
			"Sid": "EKSGrantForSecretsEncryptionByDeployer", "Effect": "Allow", "Action": "kms:CreateGrant", "Resource": "*",
			"Principal": assertions.Match_AnyValue(),
			"Condition": map[string]any{
				"Bool":         map[string]any{"kms:GrantIsForAWSResource": "true"},
				"StringEquals": map[string]any{"kms:ViaService": "eks.eu-west-1.amazonaws.com", "kms:CallerAccount": "111111111111"},
			},
		},
	})}})
}

func TestEveryControlPlaneLogTypeGoesToAnEncryptedLogGroupCreatedFirst(t *testing.T) {
	tpl, j := example(t)
	tpl.HasResourceProperties("AWS::EKS::Cluster", map[string]any{"Logging": map[string]any{"ClusterLogging": map[string]any{"EnabledTypes": []any{
		map[string]any{"Type": "api"}, map[string]any{"Type": "audit"}, map[string]any{"Type": "authenticator"},
		map[string]any{"Type": "controllerManager"}, map[string]any{"Type": "scheduler"},
	}}}})
	groupID, group := byPrefix(t, j, "AWS::Logs::LogGroup", "EKSControlPlaneLogGroup")
	assert.Equal(t, "/aws/eks/vv-test/cluster", props(group)["LogGroupName"])
	assert.NotNil(t, props(group)["KmsKeyId"])
	assert.EqualValues(t, 90, props(group)["RetentionInDays"])
	c := only(t, j, "AWS::EKS::Cluster")
	assert.Contains(t, c["DependsOn"], groupID, "EKS must find the encrypted group, not create its own")
	// CloudWatch Logs may use the key for exactly that group.
	tpl.HasResourceProperties("AWS::KMS::Key", map[string]any{"KeyPolicy": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
		"Sid": "CloudWatchLogsForEKSControlPlaneLogs", "Effect": "Allow", "Resource": "*",
		"Principal": map[string]any{"Service": "logs.eu-west-1.amazonaws.com"}, "Action": assertions.Match_AnyValue(),
		"Condition": map[string]any{"ArnEquals": map[string]any{"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:111111111111:log-group:/aws/eks/vv-test/cluster"}},
	}})}})
}

func TestAuthenticationIsByAccessEntriesOnlyAndTheCreatorIsNotAdmin(t *testing.T) {
	tpl, _ := example(t)
	tpl.HasResourceProperties("AWS::EKS::Cluster", map[string]any{
		"AccessConfig": map[string]any{"AuthenticationMode": "API", "BootstrapClusterCreatorAdminPermissions": false},
	})
}

func TestOnlyTheAdminRolesAndTheKubectlRoleAreClusterAdmins(t *testing.T) {
	tpl, j := example(t)
	kubectlRole, _ := byPrefix(t, j, "AWS::IAM::Role", "EKSKubectlRole")
	clusterAdmin := []any{map[string]any{
		"AccessScope": map[string]any{"Type": "cluster"},
		"PolicyArn":   map[string]any{"Fn::Join": []any{"", []any{"arn:", map[string]any{"Ref": "AWS::Partition"}, ":eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"}}},
	}}
	tpl.ResourceCountIs("AWS::EKS::AccessEntry", 2)
	tpl.HasResourceProperties("AWS::EKS::AccessEntry", map[string]any{"PrincipalArn": admin, "AccessPolicies": clusterAdmin})
	tpl.HasResourceProperties("AWS::EKS::AccessEntry", map[string]any{"PrincipalArn": getAtt(kubectlRole, "Arn"), "AccessPolicies": clusterAdmin})
}

func TestAutoModeProvidesLoadBalancingWithoutNodePools(t *testing.T) {
	tpl, j := example(t)
	c := props(only(t, j, "AWS::EKS::Cluster"))
	assert.Equal(t, map[string]any{"Enabled": true, "NodePools": []any{}}, c["ComputeConfig"], "Auto Mode on, no Auto Mode node pools")
	assert.Equal(t, map[string]any{"Enabled": true}, c["KubernetesNetworkConfig"].(map[string]any)["ElasticLoadBalancing"])
	assert.Equal(t, map[string]any{"BlockStorage": map[string]any{"Enabled": true}}, c["StorageConfig"])
	assert.Equal(t, false, c["BootstrapSelfManagedAddons"], "networking add-ons are managed add-ons")
	// The cluster role carries what Auto Mode's capabilities need, and may tag sessions.
	_, role := byPrefix(t, j, "AWS::IAM::Role", "EKSClusterRole")
	raw, _ := json.Marshal(props(role))
	for _, p := range []string{"AmazonEKSClusterPolicy", "AmazonEKSComputePolicy", "AmazonEKSBlockStoragePolicy", "AmazonEKSLoadBalancingPolicy", "AmazonEKSNetworkingPolicy", "sts:TagSession"} {
		assert.Contains(t, string(raw), p)
	}
	tpl.ResourceCountIs("AWS::EKS::Nodegroup", 0)
	tpl.ResourceCountIs("AWS::AutoScaling::AutoScalingGroup", 0)
}

func TestManagedAddonsForTheNodeGroups(t *testing.T) {
	tpl, j := example(t)
	var names []string
	for _, a := range constructtest.ResourcesOf(j, "AWS::EKS::Addon") {
		names = append(names, props(a)["AddonName"].(string))
	}
	assert.ElementsMatch(t, []string{cluster.AddonVPCCNI, cluster.AddonKubeProxy, cluster.AddonCoreDNS, cluster.AddonPodIdentity}, names)
	cniRole, _ := byPrefix(t, j, "AWS::IAM::Role", "EKSVPCCNIRole")
	tpl.HasResourceProperties("AWS::EKS::Addon", map[string]any{
		"AddonName":               "vpc-cni",
		"ConfigurationValues":     `{"enableNetworkPolicy":"true"}`,
		"PodIdentityAssociations": []any{map[string]any{"ServiceAccount": "aws-node", "RoleArn": getAtt(cniRole, "Arn")}},
	})
	// The CNI gets credentials from the Pod Identity agent, so it is installed after it.
	agent, _ := byPrefix(t, j, "AWS::EKS::Addon", "EKSPodIdentityAgentAddon")
	_, cni := byPrefix(t, j, "AWS::EKS::Addon", "EKSVPCCNIAddon")
	assert.Contains(t, cni["DependsOn"], agent)
}

func TestVPCCNIRoleIsForAwsNodeOfThisClusterOnly(t *testing.T) {
	tpl, _ := example(t)
	tpl.HasResourceProperties("AWS::IAM::Role", map[string]any{
		"AssumeRolePolicyDocument": map[string]any{"Statement": []any{map[string]any{
			"Action": []any{"sts:AssumeRole", "sts:TagSession"}, "Effect": "Allow",
			"Principal": map[string]any{"Service": "pods.eks.amazonaws.com"},
			"Condition": map[string]any{"StringEquals": map[string]any{
				"aws:RequestTag/eks-cluster-name":           "vv-test",
				"aws:RequestTag/kubernetes-namespace":       "kube-system",
				"aws:RequestTag/kubernetes-service-account": "aws-node",
			}},
		}}},
		"ManagedPolicyArns": []any{map[string]any{"Fn::Join": []any{"", []any{"arn:", map[string]any{"Ref": "AWS::Partition"}, ":iam::aws:policy/AmazonEKS_CNI_Policy"}}}},
	})
}

func TestKubectlProviderRunsInThePrivateSubnetsBehindItsOwnSecurityGroup(t *testing.T) {
	_, j := example(t)
	sg, _ := byPrefix(t, j, "AWS::EC2::SecurityGroup", "EKSKubectlSecurityGroup")
	fns := 0
	for id, fn := range constructtest.ResourcesOf(j, "AWS::Lambda::Function") {
		if !strings.Contains(id, "KubectlProvider") {
			continue
		}
		fns++
		vpc, _ := props(fn)["VpcConfig"].(map[string]any)
		require.NotNil(t, vpc, "%s runs in the VPC", id)
		assert.Equal(t, []any{getAtt(sg, "GroupId")}, vpc["SecurityGroupIds"], id)
		assert.Len(t, vpc["SubnetIds"], 2, id)
		for _, s := range vpc["SubnetIds"].([]any) {
			assert.Contains(t, s.(map[string]any)["Ref"], "PrivateSubnet", id)
		}
	}
	assert.Equal(t, 2, fns, "the kubectl handler and the provider framework function")
}

func TestControlPlaneSecurityGroupAdmitsOnlyTheKubectlProvider(t *testing.T) {
	tpl, j := example(t)
	cp, cpRes := byPrefix(t, j, "AWS::EC2::SecurityGroup", "EKSControlPlaneSecurityGroup")
	kubectl, kubectlRes := byPrefix(t, j, "AWS::EC2::SecurityGroup", "EKSKubectlSecurityGroup")
	assert.Nil(t, props(cpRes)["SecurityGroupIngress"], "no inline ingress")
	tpl.ResourceCountIs("AWS::EC2::SecurityGroupIngress", 1)
	tpl.HasResourceProperties("AWS::EC2::SecurityGroupIngress", map[string]any{
		"GroupId": getAtt(cp, "GroupId"), "SourceSecurityGroupId": getAtt(kubectl, "GroupId"),
		"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
	})
	// The kubectl functions may only speak HTTPS.
	assert.Equal(t, []any{map[string]any{"CidrIp": "0.0.0.0/0", "Description": "HTTPS: EKS API, VPC endpoints, S3", "IpProtocol": "tcp", "FromPort": 443.0, "ToPort": 443.0}},
		props(kubectlRes)["SecurityGroupEgress"])
}

func TestKubectlRoleHasOnlyDescribeClusterLogsAndItsNetworkInterfaces(t *testing.T) {
	_, j := example(t)
	roleID, role := byPrefix(t, j, "AWS::IAM::Role", "EKSKubectlRole")
	assert.NotContains(t, props(role), "ManagedPolicyArns", "no AWS managed policy on the kubectl role")
	var actions []string
	policies := constructtest.ResourcesOf(j, "AWS::IAM::Policy")
	maps.Copy(policies, constructtest.ResourcesOf(j, "AWS::IAM::ManagedPolicy"))
	for _, p := range policies {
		raw, _ := json.Marshal(props(p)["Roles"])
		if !strings.Contains(string(raw), roleID) {
			continue
		}
		for _, s := range props(p)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			st := s.(map[string]any)
			switch a := st["Action"].(type) {
			case string:
				actions = append(actions, a)
			case []any:
				for _, x := range a {
					actions = append(actions, x.(string))
				}
			}
			if st["Resource"] == "*" {
				assert.Equal(t, []any{"ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"}, st["Action"], "only describe calls on *")
			}
		}
	}
	assert.ElementsMatch(t, []string{
		"eks:DescribeCluster", "logs:CreateLogStream", "logs:PutLogEvents",
		"ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "ec2:CreateNetworkInterface",
		"ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses",
	}, actions)
}

func TestKubectlRolePermissionsAreACustomerManagedPolicyTheHandlerWaitsFor(t *testing.T) {
	_, j := example(t)
	roleID, _ := byPrefix(t, j, "AWS::IAM::Role", "EKSKubectlRole")
	for id, p := range constructtest.ResourcesOf(j, "AWS::IAM::Policy") {
		raw, _ := json.Marshal(props(p)["Roles"])
		assert.NotContains(t, string(raw), roleID, "%s: no inline policy on the kubectl role (IAMNoInlinePolicy)", id)
	}
	policyID, policy := byPrefix(t, j, "AWS::IAM::ManagedPolicy", "EKSKubectlPolicy")
	assert.Equal(t, []any{map[string]any{"Ref": roleID}}, props(policy)["Roles"])
	handlerID, handler := byPrefix(t, j, "AWS::Lambda::Function", "EKSClusterKubectlProviderHandler")
	assert.Contains(t, handler["DependsOn"], policyID, "%s starts only once its role has its permissions", handlerID)
}

func TestKubectlFunctionsHaveEqualReservedConcurrency(t *testing.T) {
	_, j := example(t)
	fns := constructtest.ResourcesOf(j, "AWS::Lambda::Function")
	require.Len(t, fns, 2, "kubectl handler and framework function")
	for id, fn := range fns {
		assert.Equal(t, float64(cluster.KubectlConcurrency), props(fn)["ReservedConcurrentExecutions"], id)
	}
}

func TestKubectlFrameworkRoleHasNoManagedPolicies(t *testing.T) {
	_, j := example(t)
	for id, r := range constructtest.ResourcesOf(j, "AWS::IAM::Role") {
		if strings.Contains(id, "KubectlProviderframeworkonEvent") {
			assert.NotContains(t, props(r), "ManagedPolicyArns", id)
			return
		}
	}
	t.Fatal("no framework role")
}

func TestKubectlFunctionsLogToEncryptedGroups(t *testing.T) {
	for _, ctx := range []map[string]any{nil, {"@aws-cdk/aws-lambda:useCdkManagedLogGroup": true}} {
		_, j := synth(t, ctx)
		groups := map[string]map[string]any{}
		for id, g := range constructtest.ResourcesOf(j, "AWS::Logs::LogGroup") {
			assert.NotNil(t, props(g)["KmsKeyId"], "%s is encrypted (context %v)", id, ctx)
			assert.NotNil(t, props(g)["RetentionInDays"], id)
			groups[id] = g
		}
		assert.Len(t, groups, 3, "control plane, kubectl handler, kubectl provider (context %v)", ctx)
		for id, fn := range constructtest.ResourcesOf(j, "AWS::Lambda::Function") {
			lc, _ := props(fn)["LoggingConfig"].(map[string]any)
			require.NotNil(t, lc, id)
			ref := lc["LogGroup"].(map[string]any)["Ref"].(string)
			assert.Contains(t, groups, ref, "%s logs to one of ours", id)
			assert.Contains(t, props(groups[ref])["LogGroupName"], "/vv/test/eks/kubectl-", id)
		}
	}
}

func TestNoStackOutputs(t *testing.T) {
	_, j := example(t)
	assert.Nil(t, j["Outputs"], "the cluster exports nothing (no config command outputs)")
}

func TestInvalidPropsPanicWithTheValue(t *testing.T) {
	stack := constructtest.NewStackWith(t, nil)
	err := constructtest.Catch(func() { cluster.New(stack, "EKS", cluster.Props{Name: "x"}) })
	assert.ErrorContains(t, err, `cluster "EKS": name, vpc, subnets, key and log group prefix are required`)
}
