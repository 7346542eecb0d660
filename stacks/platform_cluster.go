package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/jsii-runtime-go"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/constructs/cluster"
	"github.com/voicevault/voicevault/constructs/defaults"
	"github.com/voicevault/voicevault/constructs/gpunodepool"
	"github.com/voicevault/voicevault/constructs/modelregistry"
	"github.com/voicevault/voicevault/constructs/network"
	"github.com/voicevault/voicevault/constructs/nodegroup"
	"github.com/voicevault/voicevault/constructs/observability"
	"github.com/voicevault/voicevault/naming"
)

// addNetworkAndCluster builds the private network, the EKS cluster with its node groups, the
// model registry, and the SSM parameters tenant stacks read (contract.go).
func (p *Platform) addNetworkAndCluster() {
	env, stack := p.Env, p.Stack
	prefix := naming.LogGroupPrefix(env.Name)
	// One statement for every log group the platform key encrypts: the platform's own and the
	// groups Container Insights writes (names EKS fixes for the cluster).
	defaults.AllowCloudWatchLogs(p.Key, prefix+"*", naming.ContainerInsightsLogGroup(naming.Cluster(env.Name), "*"))

	p.Network = network.New(stack, "Network", network.Props{
		CIDR:               env.VPCCIDR,
		AZs:                env.AZs,
		Egress:             network.Egress(env.Egress),
		FlowLogKey:         p.Key,
		FlowLogGroupName:   naming.FlowLogGroup(env.Name),
		HelperLogGroupName: prefix + "vpc/default-security-group-helper",
		RetentionDays:      env.LogRetentionDays,
	})
	p.VPC = p.Network.VPC()

	p.Cluster = cluster.New(stack, "EKS", cluster.Props{
		Name:             naming.Cluster(env.Name),
		Version:          env.KubernetesVersion,
		VPC:              p.VPC,
		Subnets:          p.Network.PrivateSubnets(),
		Key:              p.Key,
		LogGroupPrefix:   prefix,
		LogRetentionDays: env.LogRetentionDays,
		AdminRoleARNs:    env.ClusterAdminRoleARNs,
	})

	if env.Egress == config.EgressNone {
		awscdk.Annotations_Of(p.Cluster.Cluster()).AcknowledgeWarning(jsii.String("@aws-cdk/aws-eks:isolatedSubnetsForKubectlPrivateSubnets"),
			jsii.String("isolated by design: the network construct adds the STS, EKS, ECR, S3, Lambda and other endpoints the kubectl provider and nodes need"))
	}

	nodes := func(id string, gpu bool, g config.NodeGroup, tenant string) nodegroup.NodeGroup {
		ng := nodegroup.New(stack, id, nodegroup.Props{
			Tenant:        tenant,
			Cluster:       p.Cluster.Cluster(),
			Subnets:       p.Network.PrivateSubnets(),
			Key:           p.Key,
			GPU:           gpu,
			InstanceTypes: g.InstanceTypes,
			MinSize:       *g.MinSize,
			DesiredSize:   *g.DesiredSize,
			MaxSize:       *g.MaxSize,
			DiskSizeGiB:   g.DiskSizeGiB,
		})
		// Nodes become Ready only with the CNI, kube-proxy and the Pod Identity agent in place.
		for _, a := range p.Cluster.NodeAddons() {
			ng.Nodegroup().Node().AddDependency(a)
		}
		return ng
	}
	p.SystemNodes = nodes("SystemNodes", false, env.SystemNodes, "")
	p.GPUNodes = nodes("GPUNodes", true, env.GPUNodes, "")
	// CoreDNS pods need a node to run on (the system nodes; the GPU nodes are tainted).
	p.Cluster.CoreDNS().Node().AddDependency(p.SystemNodes.Nodegroup())
	pullRoles := []awsiam.IRole{p.GPUNodes.Role(), p.SystemNodes.Role()}
	// Pooled tenants with dedicatedGpuNodes get GPU nodes of their own, tainted for them.
	p.TenantGPUNodes = map[string]nodegroup.NodeGroup{}
	for _, t := range p.Tenants {
		if t.DedicatedGPUNodes != nil {
			ng := nodes("Tenant-"+t.Name+"-GPUNodes", true, *t.DedicatedGPUNodes, t.Name)
			p.TenantGPUNodes[t.Name] = ng
			pullRoles = append(pullRoles, ng.Role())
		}
	}

	// Above the warm nodes, EKS Auto Mode launches GPU nodes for pending pods (docs/platform.md).
	p.GPUNodePools = map[string]*gpunodepool.GPUNodePool{}
	addPool := func(id, name string, g config.NodeGroup, tenant string) {
		if g.BurstGPUs() < 1 {
			return // maxSize == desiredSize: no capacity above the warm nodes
		}
		labels := map[string]string{naming.GPUNodeLabelKey: naming.GPUNodeLabelValue}
		taints := []gpunodepool.Taint{{Key: naming.GPUTaintKey, Value: nodegroup.GPUTaintValue, Effect: "NoSchedule"}}
		if tenant != "" {
			labels[naming.TenantNodeKey] = tenant
			taints = append(taints, gpunodepool.Taint{Key: naming.TenantNodeKey, Value: tenant, Effect: "NoSchedule"})
		}
		pool := gpunodepool.New(stack, id, gpunodepool.Props{
			Cluster:          p.Cluster.Cluster(),
			ClusterRole:      p.Cluster.Cluster().Role(),
			Key:              p.Key,
			Subnets:          p.Network.PrivateSubnets(),
			SecurityGroupIDs: []string{*p.Cluster.Cluster().ClusterSecurityGroupId()},
			Name:             name,
			InstanceTypes:    g.InstanceTypes,
			MaxGPUs:          g.BurstGPUs(),
			DiskSizeGiB:      g.DiskSizeGiB,
			Labels:           labels,
			Taints:           taints,
		})
		p.GPUNodePools[tenant] = pool
		pullRoles = append(pullRoles, pool.Role())
	}
	addPool("GPUNodePool", naming.GPUNodePool(""), env.GPUNodes, "")
	for _, t := range p.Tenants {
		if t.DedicatedGPUNodes != nil {
			addPool("Tenant-"+t.Name+"-GPUNodePool", naming.GPUNodePool(t.Name), *t.DedicatedGPUNodes, t.Name)
		}
	}

	// Container Insights (GPU metrics, pod states) and container logs, after the system nodes
	// its controller runs on.
	clusterName := naming.Cluster(env.Name)
	// Each tenant namespace's container logs go to the tenant's own group (its stack creates it).
	var tenantLogs []observability.TenantLogs
	for _, t := range p.Tenants {
		tenantLogs = append(tenantLogs, observability.TenantLogs{Namespace: naming.Namespace(t.Name), LogGroupName: naming.TenantPodLogGroup(env.Name, t.Name)})
	}
	p.Observability = observability.New(stack, "Observability", observability.Props{
		Cluster: p.Cluster.Cluster(), ClusterName: clusterName, Key: p.Key, LogRetentionDays: env.LogRetentionDays,
		TenantLogs: tenantLogs, TenantLogGroupPattern: naming.TenantPodLogGroupPattern(env.Name),
	})
	p.Observability.Addon().Node().AddDependency(p.SystemNodes.Nodegroup())

	p.ModelRegistry = modelregistry.New(stack, "ModelRegistry", modelregistry.Props{Name: naming.ModelRepository(env.Name), Key: p.Key, PullRoles: pullRoles})

	p.publishContract()
}

// publishContract writes the platform values tenant stacks need as SSM parameters (no exports).
func (p *Platform) publishContract() {
	params := []struct{ id, key, value, what string }{
		{"KubectlServiceTokenParam", naming.ParamKubectlServiceToken, *p.Cluster.KubectlProvider().ServiceToken(), "service token of the in-VPC kubectl provider"},
		{"KubectlRoleARNParam", naming.ParamKubectlRoleARN, *p.Cluster.KubectlRole().RoleArn(), "role the kubectl provider acts as on the cluster (cluster-admin access entry)"},
		{"VPCIDParam", naming.ParamVPCID, *p.VPC.VpcId(), "VPC of the environment"},
		{"ClusterSGIDParam", naming.ParamClusterSGID, *p.Cluster.Cluster().ClusterSecurityGroupId(), "EKS cluster security group (nodes and pods)"},
		{"ClusterEndpointParam", naming.ParamClusterEndpoint, *p.Cluster.Cluster().ClusterEndpoint(), "EKS API server endpoint (private access only)"},
		{"ClusterCAParam", naming.ParamClusterCA, *p.Cluster.Cluster().ClusterCertificateAuthorityData(), "EKS cluster certificate authority (base64 PEM)"},
		{"PrivateSubnetIDsParam", naming.ParamPrivateSubnetIDs, *awscdk.Fn_Join(jsii.String(","), subnetIDs(p.Network.PrivateSubnets())), "private subnets, comma-separated in zone order"},
	}
	for _, x := range params {
		awsssm.NewStringParameter(p.Stack, jsii.String(x.id), &awsssm.StringParameterProps{
			ParameterName: jsii.String(naming.Param(p.Env.Name, x.key)),
			StringValue:   jsii.String(x.value),
			Description:   jsii.String("VoiceVault " + p.Env.Name + " platform: " + x.what),
			Tier:          awsssm.ParameterTier_STANDARD,
		})
	}
}

func subnetIDs(subnets []awsec2.ISubnet) *[]*string {
	out := []*string{}
	for _, s := range subnets {
		out = append(out, s.SubnetId())
	}
	return &out
}
