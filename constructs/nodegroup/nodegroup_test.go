package nodegroup_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseksv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/constructs/constructtest"
	"github.com/voicevault/voicevault/constructs/nodegroup"
	"github.com/voicevault/voicevault/naming"
)

func TestMain(m *testing.M) { constructtest.Main(m) }

var shared struct {
	tpl  *constructtest.Template
	json map[string]any
}

// example builds a GPU group (with instance types the CDK's own GPU list does not know) and a
// system group on one key, in one stack.
func example(t *testing.T) (*constructtest.Template, map[string]any) {
	t.Helper()
	if shared.tpl != nil {
		return shared.tpl.With(t), shared.json
	}
	stack := constructtest.NewStackWith(t, nil)
	key := awskms.NewKey(stack, jsii.String("Key"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
	vpc := awsec2.NewVpc(stack, jsii.String("VPC"), &awsec2.VpcProps{
		AvailabilityZones:            jsii.Strings("eu-west-1a", "eu-west-1b"),
		SubnetConfiguration:          &[]*awsec2.SubnetConfiguration{{Name: jsii.String("Private"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}},
		RestrictDefaultSecurityGroup: jsii.Bool(false),
	})
	cluster := awseksv2.Cluster_FromClusterAttributes(stack, jsii.String("Cluster"), &awseksv2.ClusterAttributes{ClusterName: jsii.String("vv-test"), Vpc: vpc})
	subnets := *vpc.IsolatedSubnets()
	nodegroup.New(stack, "GPUNodes", nodegroup.Props{
		Cluster: cluster, Subnets: subnets, Key: key, GPU: true,
		InstanceTypes: []string{"g6.xlarge", "p5.48xlarge"}, MinSize: 1, DesiredSize: 2, MaxSize: 4, DiskSizeGiB: 120,
	})
	nodegroup.New(stack, "Tenant-acme-GPUNodes", nodegroup.Props{
		Cluster: cluster, Subnets: subnets, Key: key, GPU: true, Tenant: "acme",
		InstanceTypes: []string{"g6.xlarge"}, MinSize: 0, MaxSize: 2, DiskSizeGiB: 100,
	})
	nodegroup.New(stack, "SystemNodes", nodegroup.Props{
		Cluster: cluster, Subnets: subnets, Key: key,
		InstanceTypes: []string{"m6i.large"}, MinSize: 2, MaxSize: 3, DiskSizeGiB: 50,
		Labels: map[string]string{"team": "platform"},
	})
	shared.tpl = constructtest.StackTemplate(t, stack)
	shared.json = shared.tpl.JSON()
	return shared.tpl.With(t), shared.json
}

func props(r map[string]any) map[string]any { return constructtest.Props(r) }

func nodegroupOf(t *testing.T, j map[string]any, prefix string) map[string]any {
	t.Helper()
	for id, r := range constructtest.ResourcesOf(j, "AWS::EKS::Nodegroup") {
		if strings.HasPrefix(id, prefix) {
			return props(r)
		}
	}
	t.Fatalf("no node group %s", prefix)
	return nil
}

func launchTemplates(t *testing.T, j map[string]any) map[string]map[string]any {
	lts := constructtest.ResourcesOf(j, "AWS::EC2::LaunchTemplate")
	require.Len(t, lts, 3)
	return lts
}

func TestLaunchTemplatesRequireIMDSv2WithHopLimitOne(t *testing.T) {
	tpl, _ := example(t)
	tpl.AllResourcesProperties("AWS::EC2::LaunchTemplate", map[string]any{"LaunchTemplateData": assertions.Match_ObjectLike(&map[string]any{
		"MetadataOptions": map[string]any{"HttpTokens": "required", "HttpPutResponseHopLimit": 1, "HttpEndpoint": "enabled"},
	})})
}

func TestBothBottlerocketVolumesAreEncryptedWithTheKey(t *testing.T) {
	_, j := example(t)
	for id, lt := range launchTemplates(t, j) {
		bdm := props(lt)["LaunchTemplateData"].(map[string]any)["BlockDeviceMappings"].([]any)
		require.Len(t, bdm, 2, id)
		devices := map[string]map[string]any{}
		for _, m := range bdm {
			mm := m.(map[string]any)
			devices[mm["DeviceName"].(string)] = mm["Ebs"].(map[string]any)
		}
		for _, dev := range []string{nodegroup.OSDevice, nodegroup.DataDevice} {
			ebs := devices[dev]
			require.NotNil(t, ebs, "%s %s", id, dev)
			assert.Equal(t, true, ebs["Encrypted"], "%s %s", id, dev)
			assert.Contains(t, ebs["KmsKeyId"].(map[string]any)["Fn::GetAtt"].([]any)[0], "Key", "%s %s", id, dev)
		}
		want := 50.0
		switch {
		case strings.HasPrefix(id, "GPUNodes"):
			want = 120
		case strings.HasPrefix(id, "Tenantacme"):
			want = 100
		}
		assert.Equal(t, want, devices[nodegroup.DataDevice]["VolumeSize"], "%s data volume size", id)
	}
}

func TestLaunchTemplatesLeaveSecurityGroupsProfileAndAMIToEKS(t *testing.T) {
	_, j := example(t)
	for id, lt := range launchTemplates(t, j) {
		data := props(lt)["LaunchTemplateData"].(map[string]any)
		for _, k := range []string{"SecurityGroupIds", "NetworkInterfaces", "IamInstanceProfile", "ImageId", "KeyName"} {
			assert.NotContains(t, data, k, id)
		}
	}
}

func TestNodesRunNoShellContainers(t *testing.T) {
	_, j := example(t)
	for id, lt := range launchTemplates(t, j) {
		ud := props(lt)["LaunchTemplateData"].(map[string]any)["UserData"].(map[string]any)["Fn::Base64"].(string)
		assert.Equal(t, nodegroup.UserData, ud, id)
		assert.Contains(t, ud, "[settings.host-containers.control]\nenabled = false")
		assert.Contains(t, ud, "[settings.host-containers.admin]\nenabled = false")
		_, err := base64.StdEncoding.DecodeString(ud)
		assert.Error(t, err, "plain TOML, encoded by Fn::Base64")
	}
}

func TestGPUNodesRunBottlerocketNVIDIAAndAreTaintedAndLabelled(t *testing.T) {
	ng := nodegroupOf(t, example2(t), "GPUNodes")
	assert.Equal(t, "BOTTLEROCKET_x86_64_NVIDIA", ng["AmiType"])
	assert.Equal(t, []any{map[string]any{"Key": "nvidia.com/gpu", "Value": "true", "Effect": "NO_SCHEDULE"}}, ng["Taints"])
	assert.Equal(t, map[string]any{"voicevault.io/node-class": "gpu"}, ng["Labels"])
	assert.Equal(t, []any{"g6.xlarge", "p5.48xlarge"}, ng["InstanceTypes"], "instance types outside the CDK's GPU list are accepted")
	assert.Equal(t, map[string]any{"MinSize": 1.0, "DesiredSize": 2.0, "MaxSize": 4.0}, ng["ScalingConfig"])
	assert.NotContains(t, ng, "DiskSize", "disk size lives in the launch template")
}

// TestTenantGPUNodesAreTaintedAndLabelledForTheTenant: a pooled tenant's dedicated GPU nodes keep
// the GPU taint and add the tenant's (only its pods tolerate it), with the label they select.
func TestTenantGPUNodesAreTaintedAndLabelledForTheTenant(t *testing.T) {
	ng := nodegroupOf(t, example2(t), "TenantacmeGPUNodes")
	assert.Equal(t, "BOTTLEROCKET_x86_64_NVIDIA", ng["AmiType"])
	assert.Equal(t, []any{
		map[string]any{"Key": "nvidia.com/gpu", "Value": "true", "Effect": "NO_SCHEDULE"},
		map[string]any{"Key": "voicevault.io/tenant", "Value": "acme", "Effect": "NO_SCHEDULE"},
	}, ng["Taints"])
	assert.Equal(t, map[string]any{"voicevault.io/node-class": "gpu", "voicevault.io/tenant": "acme"}, ng["Labels"])
	assert.Equal(t, map[string]any{"MinSize": 0.0, "DesiredSize": 0.0, "MaxSize": 2.0}, ng["ScalingConfig"])
	assert.Equal(t, naming.TenantNodeKey, nodegroup.TenantKey)
}

func TestSystemNodesRunBottlerocketWithoutTaint(t *testing.T) {
	ng := nodegroupOf(t, example2(t), "SystemNodes")
	assert.Equal(t, "BOTTLEROCKET_x86_64", ng["AmiType"])
	assert.NotContains(t, ng, "Taints")
	assert.Equal(t, map[string]any{"voicevault.io/node-class": "system", "team": "platform"}, ng["Labels"])
	assert.Equal(t, map[string]any{"MinSize": 2.0, "DesiredSize": 2.0, "MaxSize": 3.0}, ng["ScalingConfig"], "desired defaults to min")
}

func TestNodeRolesCarryOnlyTheNodePolicies(t *testing.T) {
	_, j := example(t)
	roles := 0
	for id, r := range constructtest.ResourcesOf(j, "AWS::IAM::Role") {
		if !strings.Contains(id, "NodeRole") {
			continue
		}
		roles++
		raw, _ := json.Marshal(props(r)["ManagedPolicyArns"])
		assert.JSONEq(t, `[{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::aws:policy/AmazonEKSWorkerNodePolicy"]]},{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::aws:policy/AmazonEC2ContainerRegistryPullOnly"]]}]`, string(raw), id)
		assert.NotContains(t, props(r), "Policies", id)
	}
	assert.Equal(t, 3, roles, "one role per node group")
	for _, p := range constructtest.ResourcesOf(j, "AWS::IAM::Policy") {
		raw, _ := json.Marshal(props(p)["Roles"])
		assert.NotContains(t, string(raw), "NodeRole", "no inline policy on node roles")
	}
}

func TestAutoScalingMayUseTheKeyForNodeVolumesThroughEC2Only(t *testing.T) {
	tpl, j := example(t)
	// The role is named in a condition, never as the principal: it may not exist yet (see
	// AllowAutoScalingVolumes).
	slr := map[string]any{"AWS": "*"}
	via := map[string]any{
		"aws:PrincipalArn":  "arn:aws:iam::111111111111:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling", // the stack's partition is known: aws
		"kms:ViaService":    "ec2.eu-west-1.amazonaws.com",
		"kms:CallerAccount": "111111111111",
	}
	tpl.HasResourceProperties("AWS::KMS::Key", map[string]any{"KeyPolicy": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
		map[string]any{"Sid": "EC2AutoScalingNodeVolumes", "Effect": "Allow", "Principal": slr, "Resource": "*", "Action": assertions.Match_AnyValue(),
			"Condition": map[string]any{"StringEquals": via}},
		map[string]any{"Sid": "EC2AutoScalingNodeVolumeGrants", "Effect": "Allow", "Principal": slr, "Resource": "*", "Action": "kms:CreateGrant",
			"Condition": map[string]any{"StringEquals": via, "Bool": map[string]any{"kms:GrantIsForAWSResource": "true"}}},
	})}})
	// Three node groups on one key: the statements are there once.
	for _, k := range constructtest.ResourcesOf(j, "AWS::KMS::Key") {
		n := 0
		for _, s := range props(k)["KeyPolicy"].(map[string]any)["Statement"].([]any) {
			if sid, _ := s.(map[string]any)["Sid"].(string); strings.HasPrefix(sid, "EC2AutoScaling") {
				n++
			}
		}
		assert.Equal(t, 2, n)
	}
}

func TestSizesOutOfOrderPanic(t *testing.T) {
	stack := constructtest.NewStackWith(t, nil)
	err := constructtest.Catch(func() {
		nodegroup.New(stack, "N", nodegroup.Props{Cluster: awseksv2.Cluster_FromClusterAttributes(stack, jsii.String("C"), &awseksv2.ClusterAttributes{ClusterName: jsii.String("c")}),
			Subnets: []awsec2.ISubnet{awsec2.Subnet_FromSubnetId(stack, jsii.String("S"), jsii.String("subnet-1"))}, Key: awskms.NewKey(stack, jsii.String("K"), nil),
			InstanceTypes: []string{"m6i.large"}, MinSize: 3, DesiredSize: 2, MaxSize: 4, DiskSizeGiB: 20})
	})
	assert.ErrorContains(t, err, `node group "N": sizes min 3, desired 2, max 4 are not in order`)
}

func example2(t *testing.T) map[string]any { _, j := example(t); return j }
