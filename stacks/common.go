package stacks

import (
	"maps"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/naming"
	"github.com/voicevault/voicevault/stacks/compliance"
)

// ManagedBy is the value of the ManagedBy tag on every resource.
const ManagedBy = "voicevault"

// stackSpec is what every VoiceVault stack is made from.
type stackSpec struct {
	name        string
	description string
	env         *config.Environment
	tags        map[string]string // mandatory tags; extra tags are merged below them
	extra       []config.Tags
	// region is where the stack goes. Default: the environment's region.
	region string
	// adminDeployed marks a stack an administrator deploys before `cdk bootstrap` (the delivery
	// stack): no bootstrap roles, no permissions boundary on its roles.
	adminDeployed bool
}

// newStack creates a stack in the environment's account and region, with termination
// protection (unless the file turns it off) and the tags on every resource. It is deployed
// through the bootstrap roles of the environment's qualifier, and every role in it carries the
// environment's permissions boundary (see constructs/cideploy).
func newStack(scope constructs.Construct, s stackSpec) awscdk.Stack {
	var synth awscdk.IStackSynthesizer = awscdk.NewDefaultStackSynthesizer(&awscdk.DefaultStackSynthesizerProps{Qualifier: jsii.String(s.env.Deployment.Qualifier)})
	if s.adminDeployed {
		synth = awscdk.NewLegacyStackSynthesizer() // CLI credentials, no bootstrap roles; the template (< 51,200 bytes) is sent inline
	}
	region := s.region
	if region == "" {
		region = s.env.Region
	}
	stack := awscdk.NewStack(scope, jsii.String(s.name), &awscdk.StackProps{
		Synthesizer:           synth,
		StackName:             jsii.String(s.name),
		Description:           jsii.String(s.description),
		Env:                   &awscdk.Environment{Account: jsii.String(s.env.Account), Region: jsii.String(region)},
		TerminationProtection: jsii.Bool(config.Enabled(s.env.Deployment.TerminationProtection)),
	})
	if region == s.env.Region {
		answerAvailabilityZones(stack, s.env)
	}
	if s.adminDeployed {
		// The CLI sends this template inline (< 51,200 bytes): the nag reports and the audit
		// report list its suppressions, the template does not repeat them.
		compliance.SuppressionsOutOfTemplate(stack)
	} else {
		awsiam.PermissionsBoundary_Of(stack).Apply(awsiam.ManagedPolicy_FromManagedPolicyName(stack, jsii.String("PermissionsBoundary"), jsii.String(naming.BoundaryPolicy(s.env.Name))))
	}
	tags := awscdk.Tags_Of(stack)
	for _, extra := range s.extra {
		for _, k := range slices.Sorted(maps.Keys(extra)) {
			tags.Add(jsii.String(k), jsii.String(extra[k]), nil)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(s.tags)) {
		tags.Add(jsii.String(k), jsii.String(s.tags[k]), nil)
	}
	return stack
}

// allTags are the tags newStack puts on every resource: the extra tags, then the mandatory ones
// (which win).
func (s stackSpec) allTags() map[string]string {
	all := map[string]string{}
	for _, extra := range s.extra {
		maps.Copy(all, extra)
	}
	maps.Copy(all, s.tags)
	return all
}

// answerAvailabilityZones gives the stack its availability zones from the configuration. The CDK
// asks for them (a Vpc checks its zones against the stack's), and an unanswered question becomes
// a context lookup that the CDK CLI turns into AWS calls (no credentials: synth fails). Context
// can be set only before a construct has children, hence here.
func answerAvailabilityZones(stack awscdk.Stack, env *config.Environment) {
	key := awscdk.ContextProvider_GetKey(stack, &awscdk.GetContextKeyOptions{Provider: jsii.String("availability-zones")})
	stack.Node().SetContext(key.Key, env.AZs)
}
