package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/jsii-runtime-go"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/constructs/ingress"
	"github.com/voicevault/voicevault/constructs/kmskey"
	"github.com/voicevault/voicevault/internal/retention"
)

// Platform is an environment's shared stack and what its tenant stacks use from it.
type Platform struct {
	Stack   awscdk.Stack
	Env     *config.Environment
	Tenants []config.Tenant // the tenants placed in this environment
	Key     awskms.Key      // platform CMK: cluster secrets, node volumes, platform logs
	VPC     awsec2.IVpc     // the environment's VPC
	Ingress ingress.Ingress // shared VPC link + internal load balancer for tenant APIs

	// Security baseline (baseline.go). Tenant stacks import the first two by their derived
	// names (config.AccessLogBucketName, config.AlarmTopicName).
	AccessLogs awss3.IBucket // S3 server-access-log target of every bucket in the environment
	AlarmTopic awssns.ITopic // encrypted alarm topic: CloudWatch alarms, findings, cost anomalies
	Baseline   *Baseline
}

// NewPlatform builds the <env>-platform stack.
func NewPlatform(scope awscdk.App, env *config.Environment, tenants []config.Tenant) *Platform {
	tenantTag := "shared"
	if d := env.DedicatedTo(); d != "" {
		tenantTag = d
	}
	stack := newStack(scope, stackSpec{
		name:        config.PlatformStackName(env.Name),
		description: "VoiceVault platform for environment " + env.Name + ": network, EKS GPU cluster, security baseline",
		env:         env,
		tags: map[string]string{
			"Environment":     env.Name,
			"Owner":           env.Owner,
			"DataSensitivity": highestSensitivity(tenants),
			"Tenant":          tenantTag,
			"ManagedBy":       ManagedBy,
		},
		extra: []config.Tags{env.Tags},
	})
	p := &Platform{Stack: stack, Env: env, Tenants: tenants}
	p.Key = kmskey.New(stack, "PlatformKey", kmskey.Props{
		Alias:       "voicevault/" + env.Name + "/platform",
		Description: "VoiceVault " + env.Name + " platform: EKS secrets, node volumes, platform logs",
	})
	addBaseline(p)
	addTemporaryVPC(p) // replaced by the network construct on merge
	addIngress(p)
	return p
}

// addTemporaryVPC is a minimal private VPC (isolated subnets, flow logs) so the ingress has a
// network before the network construct lands. // replaced by the network construct on merge
func addTemporaryVPC(p *Platform) {
	env, stack := p.Env, p.Stack
	vpc := awsec2.NewVpc(stack, jsii.String("VPC"), &awsec2.VpcProps{
		IpAddresses:       awsec2.IpAddresses_Cidr(jsii.String(env.VPCCIDR)),
		AvailabilityZones: jsii.Strings(env.AZs...),
		NatGateways:       jsii.Number(0),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String("private"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(20)},
		},
	})
	flowLogs := awslogs.NewLogGroup(stack, jsii.String("VPCFlowLogs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String("/voicevault/" + env.Name + "/platform/vpc-flow-logs"),
		EncryptionKey: p.Key,
		Retention:     retention.Days(env.LogRetentionDays),
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	kmskey.AllowCloudWatchLogs(p.Key, "/voicevault/"+env.Name+"/platform/vpc-flow-logs")
	vpc.AddFlowLog(jsii.String("FlowLog"), &awsec2.FlowLogOptions{
		Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(flowLogs, nil),
		TrafficType: awsec2.FlowLogTrafficType_ALL,
	})
	awsssm.NewStringParameter(stack, jsii.String("VPCIDParam"), &awsssm.StringParameterProps{
		ParameterName: jsii.String(ParamName(env, ParamVPCID)),
		StringValue:   vpc.VpcId(),
		Description:   jsii.String("VoiceVault " + env.Name + ": VPC ID"),
	})
	p.VPC = vpc
}

// highestSensitivity is the most sensitive label among tenants: the platform holds all their data.
func highestSensitivity(tenants []config.Tenant) string {
	for _, s := range config.Sensitivities {
		for _, t := range tenants {
			if t.DataSensitivity == s {
				return s
			}
		}
	}
	return config.Sensitivities[len(config.Sensitivities)-1]
}
