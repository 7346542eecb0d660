// Package stacks composes the constructs into VoiceVault's stacks: one <env>-platform stack
// per environment and one <env>-tenant-<name> stack per tenant.
package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/constructs/compliance"
)

// Deployment is every stack built from one configuration.
type Deployment struct {
	Platforms  map[string]*Platform // by environment name
	Tenants    []*Tenant            // in file order
	Deliveries map[string]*Delivery // by environment name; environments with deployment.github only
}

// AppOptions configures NewApp.
type AppOptions struct {
	Outdir string // Default: the CDK CLI's output directory (CDK_OUTDIR), else a temporary one.
}

// NewApp builds the whole VoiceVault app for a validated configuration: every stack, plus the
// compliance aspects. Call Synth on the result.
func NewApp(cfg *config.Config, opts AppOptions) (awscdk.App, *Deployment) {
	props := &awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)}
	if opts.Outdir != "" {
		props.Outdir = jsii.String(opts.Outdir)
	}
	app := awscdk.NewApp(props)
	d := Build(app, cfg)
	compliance.Apply(app)
	return app, d
}

// Build adds the stacks of cfg to app: platforms first, then the tenants that depend on them,
// then each environment's delivery stack (its execution policy covers the others' resources).
func Build(app awscdk.App, cfg *config.Config) *Deployment {
	d := &Deployment{Platforms: map[string]*Platform{}, Deliveries: map[string]*Delivery{}}
	for i := range cfg.Environments {
		env := &cfg.Environments[i]
		d.Platforms[env.Name] = NewPlatform(app, env, cfg.TenantsIn(env.Name))
	}
	for _, t := range cfg.Tenants {
		p := d.Platforms[t.Environment]
		d.Tenants = append(d.Tenants, NewTenant(app, p, t))
	}
	for i := range cfg.Environments {
		env := &cfg.Environments[i]
		if env.Deployment.GitHub == nil {
			continue
		}
		deployed := []awscdk.Stack{d.Platforms[env.Name].Stack}
		for _, t := range d.Tenants {
			if t.Platform.Env.Name == env.Name {
				deployed = append(deployed, t.Stack)
			}
		}
		d.Deliveries[env.Name] = NewDelivery(app, env, deployed)
	}
	return d
}
