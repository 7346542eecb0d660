package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseksv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/constructs/kmskey"
)

// Tenant is one tenant's stack: everything the tenant owns, Kubernetes objects included.
type Tenant struct {
	Stack    awscdk.Stack
	Config   config.Tenant
	Platform *Platform
	Key      awskms.Key // tenant CMK: audio bucket, tenant logs
	TenantAPI
	cluster awseksv2.ICluster // see importCluster
}

// NewTenant builds the <env>-tenant-<name> stack. It is deployed after its platform stack and
// reads what it needs from it by name (see contract.go), not through CloudFormation exports.
func NewTenant(scope awscdk.App, p *Platform, t config.Tenant) *Tenant {
	env := p.Env
	stack := newStack(scope, stackSpec{
		name:        config.TenantStackName(env.Name, t.Name),
		description: "VoiceVault tenant " + t.Name + " (" + string(t.Isolation) + ") in environment " + env.Name,
		env:         env,
		tags: map[string]string{
			"Environment":     env.Name,
			"Owner":           t.Owner,
			"DataSensitivity": t.DataSensitivity,
			"Tenant":          t.Name,
			"ManagedBy":       ManagedBy,
		},
		extra: []config.Tags{env.Tags, t.Tags},
	})
	stack.AddStackDependency(p.Stack, jsii.String("tenant resources run on the platform's cluster and network"))
	tn := &Tenant{Stack: stack, Config: t, Platform: p}
	tn.Key = kmskey.New(stack, "TenantKey", kmskey.Props{
		Alias:       "voicevault/" + env.Name + "/tenant/" + t.Name,
		Description: "VoiceVault tenant " + t.Name + ": audio bucket and tenant logs",
	})
	addAPI(tn)
	return tn
}
