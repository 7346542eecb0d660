package stacks

import (
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/constructs/cideploy"
	"github.com/voicevault/voicevault/internal/review/access"
	"github.com/voicevault/voicevault/naming"
)

// Delivery is an environment's <env>-delivery stack: the limits of every deployment of the
// environment's other stacks (execution policies, permissions boundary), and, with
// deployment.github, how CI may deploy them. An administrator deploys it with their own
// credentials, before `cdk bootstrap` (which names its policies) and after any change to the
// execution policy; it uses no bootstrap resources and no assets.
type Delivery struct {
	Stack    awscdk.Stack
	Env      *config.Environment
	CIDeploy cideploy.CIDeploy
}

// NewDelivery builds the <env>-delivery stack for env, whose execution policy covers the resource
// types of deployed: every stack the bootstrap roles deploy into env, and whose permissions
// boundary lets the runtime flows of env through (flows: Flows).
func NewDelivery(scope awscdk.App, env *config.Environment, deployed []awscdk.Stack, flows []access.Flow) *Delivery {
	stack := newStack(scope, stackSpec{
		name:        naming.DeliveryStack(env.Name),
		description: deliveryDescription(env),
		env:         env,
		tags: map[string]string{
			"Environment":     env.Name,
			"Owner":           env.Owner,
			"DataSensitivity": "internal",
			"Tenant":          "shared",
			"ManagedBy":       ManagedBy,
		},
		extra:         []config.Tags{env.Tags},
		adminDeployed: true,
	})
	d := &Delivery{Stack: stack, Env: env}
	d.CIDeploy = cideploy.New(stack, "CIDeploy", cideploy.Props{Target: DeliveryTarget(env), ResourceTypes: ResourceTypes(deployed...), Flows: flows})
	if env.Deployment.GitHub != nil {
		awscdk.NewCfnOutput(stack, jsii.String("DeployRoleArn"), &awscdk.CfnOutputProps{Value: d.CIDeploy.DeployRole().RoleArn(), Description: jsii.String("role-to-assume of the deploy jobs")})
		awscdk.NewCfnOutput(stack, jsii.String("DiffRoleArn"), &awscdk.CfnOutputProps{Value: d.CIDeploy.DiffRole().RoleArn(), Description: jsii.String("role-to-assume of the pull-request diff jobs")})
	}
	awscdk.NewCfnOutput(stack, jsii.String("BootstrapCommand"), &awscdk.CfnOutputProps{Value: jsii.String(BootstrapCommand(env)), Description: jsii.String("run once, by an administrator, after this stack")})
	return d
}

// DeliveryTarget is env as the delivery construct scopes its policies to it.
func DeliveryTarget(env *config.Environment) cideploy.Target {
	t := cideploy.Target{Name: env.Name, Account: env.Account, Region: env.Region, Partition: env.Partition(),
		Qualifier: env.Deployment.Qualifier, BootstrapRegions: env.BootstrapRegions()}
	if gh := env.Deployment.GitHub; gh != nil {
		t.GitHub = &cideploy.GitHub{Repository: gh.Repository, Environment: gh.Environment, ExistingOIDCProvider: gh.ExistingOIDCProvider}
	}
	return t
}

// BootstrapCommand is the `cdk bootstrap` command line an administrator runs once per environment,
// after deploying the delivery stack.
func BootstrapCommand(env *config.Environment) string {
	return "cdk " + strings.Join(config.BootstrapArgs(env), " ")
}

// ResourceTypes are the CloudFormation resource types in stacks, sorted.
func ResourceTypes(stacks ...awscdk.Stack) []string {
	set := map[string]bool{}
	for _, s := range stacks {
		for _, c := range *s.Node().FindAll(constructs.ConstructOrder_PREORDER) {
			if r, ok := c.(awscdk.CfnResource); ok {
				set[*r.CfnResourceType()] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(set))
}

func deliveryDescription(env *config.Environment) string {
	if env.Deployment.GitHub == nil {
		return "VoiceVault delivery for environment " + env.Name + ": CloudFormation execution policy, permissions boundary (deployed by an administrator)"
	}
	return "VoiceVault delivery for environment " + env.Name + ": GitHub OIDC deploy and diff roles, CloudFormation execution policy, permissions boundary (deployed by an administrator)"
}
