// Package observability installs the amazon-cloudwatch-observability EKS add-on: the CloudWatch
// agent and Fluent Bit as DaemonSets, giving Container Insights with enhanced observability
// (per-pod NVIDIA GPU utilization and memory through the DCGM exporter, pod states, restarts)
// and the containers' logs. The agent gets its AWS credentials from a Pod Identity role of its
// own that may write only to the cluster's Container Insights log groups, which are created here
// first, encrypted and with retention, so the agent never creates an unencrypted one (it is not
// allowed to create groups at all).
package observability

import (
	"fmt"
	"path"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseksv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/voicevault/voicevault/constructs/defaults"
	"github.com/voicevault/voicevault/naming"
)

// Add-on and service account (EKS user guide, "Amazon CloudWatch Observability agent").
const (
	AddonName      = "amazon-cloudwatch-observability"
	Namespace      = "amazon-cloudwatch"
	ServiceAccount = "cloudwatch-agent"
)

// LogGroupKinds are the Container Insights log groups of a cluster (naming.ContainerInsightsLogGroup)
// (CloudWatch user guide, "Container Insights", log groups the agent and Fluent Bit write).
var LogGroupKinds = []string{"performance", "application", "dataplane", "host"}

// Props configures the add-on.
type Props struct {
	Cluster          awseksv2.ICluster // Required.
	ClusterName      string            // Required. Names the log groups and scopes the Pod Identity trust.
	Key              awskms.IKey       // Required. Encrypts the log groups; its policy must let CloudWatch Logs use it for them.
	LogRetentionDays int               // Default: defaults.DefaultLogRetentionDays.
	// TenantLogs route each tenant namespace's container logs to the tenant's own log group
	// instead of the cluster's application group (ApplicationLogConf); the agent's role may write
	// exactly those groups. Default: none (the add-on's own Fluent Bit configuration).
	TenantLogs []TenantLogs
	// TenantLogGroupPattern is the name pattern (path.Match syntax) every TenantLogs group matches,
	// and the only groups besides its own the agent's role may write (e.g.
	// "/voicevault/prod/tenant/*/pods"). Required with TenantLogs.
	TenantLogGroupPattern string
}

// ConfigPaths are the add-on configuration value paths New sets (with TenantLogs); EKS checks
// them against the add-on version's configuration schema at create, and `make preflight` checks
// that schema before the first deployment (cmd/preflight/checks, addon configuration).
var ConfigPaths = [][]string{{"containerLogs", "fluentBit", "config", "extraFiles", ApplicationLogFile}}

// Observability is the add-on, its role and log groups.
type Observability struct {
	constructs.Construct
	addon     awseksv2.Addon
	role      awsiam.Role
	logGroups map[string]awslogs.LogGroup
}

// Addon is the EKS add-on.
func (o *Observability) Addon() awseksv2.Addon { return o.addon }

// Role is the agent's Pod Identity role.
func (o *Observability) Role() awsiam.Role { return o.role }

// LogGroups are the Container Insights log groups, by kind.
func (o *Observability) LogGroups() map[string]awslogs.LogGroup { return o.logGroups }

// New installs the add-on.
func New(scope constructs.Construct, id string, p Props) *Observability {
	if p.Cluster == nil || p.ClusterName == "" || p.Key == nil {
		panic(fmt.Errorf("observability %q: cluster, cluster name and key are required", id))
	}
	o := &Observability{Construct: constructs.NewConstruct(scope, jsii.String(id)), logGroups: map[string]awslogs.LogGroup{}}
	var write []awsiam.PolicyStatement
	for _, kind := range LogGroupKinds {
		g := defaults.LogGroup(o.Construct, "LogGroup-"+kind, defaults.LogGroupProps{Name: naming.ContainerInsightsLogGroup(p.ClusterName, kind), Key: p.Key, RetentionDays: p.LogRetentionDays})
		o.logGroups[kind] = g
		write = append(write, defaults.LogWritePolicy(g))
	}
	// The agent describes the streams of its groups before writing (CloudWatch agent, logs output).
	var arns []*string
	for _, kind := range LogGroupKinds {
		arns = append(arns, o.logGroups[kind].LogGroupArn())
	}
	write = append(write, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("logs:DescribeLogStreams"), Resources: &arns,
	}))
	// The tenants' pod log groups (the tenant stacks create them): one name pattern, not one ARN
	// per tenant, so the policy stays within a managed policy's 6,144 characters at hundreds of
	// tenants (IAM quotas); it matches only TenantLogGroupPattern's groups.
	if len(p.TenantLogs) > 0 {
		if p.TenantLogGroupPattern == "" {
			panic(fmt.Errorf("observability %q: tenant logs need TenantLogGroupPattern", id))
		}
		for _, t := range p.TenantLogs {
			if ok, _ := path.Match(p.TenantLogGroupPattern, t.LogGroupName); !ok {
				panic(fmt.Errorf("observability %q: tenant log group %q is outside pattern %q", id, t.LogGroupName, p.TenantLogGroupPattern))
			}
		}
		write = append(write, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("WriteTenantPodLogs"),
			Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"),
			Resources: jsii.Strings(fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s:*", *awscdk.Aws_PARTITION(), *awscdk.Aws_REGION(), *awscdk.Aws_ACCOUNT_ID(), p.TenantLogGroupPattern)),
		}))
	}
	o.role = awsiam.NewRole(o.Construct, jsii.String("AgentRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewSessionTagsPrincipal(awsiam.NewServicePrincipal(jsii.String("pods.eks.amazonaws.com"), nil).WithConditions(&map[string]any{
			"StringEquals": map[string]any{
				"aws:RequestTag/eks-cluster-name":           p.ClusterName,
				"aws:RequestTag/kubernetes-namespace":       Namespace,
				"aws:RequestTag/kubernetes-service-account": ServiceAccount,
			},
		})),
		Description: jsii.String("EKS " + p.ClusterName + " CloudWatch agent (" + Namespace + "/" + ServiceAccount + ") through Pod Identity: write the Container Insights log groups"),
	})
	policy := awsiam.NewManagedPolicy(o.Construct, jsii.String("AgentPolicy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("EKS " + p.ClusterName + " CloudWatch agent: write its Container Insights log groups, nothing else"),
		Statements:  &write,
		Roles:       &[]awsiam.IRole{o.role},
	})
	props := &awseksv2.AddonProps{AddonName: jsii.String(AddonName), Cluster: p.Cluster}
	if len(p.TenantLogs) > 0 {
		conf, err := ApplicationLogConf(naming.ContainerInsightsLogGroup(p.ClusterName, "application"), p.TenantLogs)
		if err != nil {
			panic(fmt.Errorf("observability %q: %w", id, err))
		}
		// The add-on's DaemonSets keep the chart's default tolerations (operator Exists: every
		// taint, the GPU nodes' included); nothing here overrides them.
		props.ConfigurationValues = &map[string]any{"containerLogs": map[string]any{"fluentBit": map[string]any{"config": map[string]any{
			"extraFiles": map[string]any{ApplicationLogFile: conf},
		}}}}
	}
	o.addon = awseksv2.NewAddon(o.Construct, jsii.String("Addon"), props)
	// The L2 Addon has no Pod Identity association option; set it on the AWS::EKS::Addon.
	o.addon.Node().DefaultChild().(awseksv2.CfnAddon).SetPodIdentityAssociations(&[]any{
		&awseksv2.CfnAddon_PodIdentityAssociationProperty{ServiceAccount: jsii.String(ServiceAccount), RoleArn: o.role.RoleArn()},
	})
	// The agent starts writing at once: its groups and its policy exist first.
	o.addon.Node().AddDependency(policy)
	for _, kind := range LogGroupKinds {
		o.addon.Node().AddDependency(o.logGroups[kind])
	}
	return o
}
