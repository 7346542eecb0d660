// Package stacks composes the constructs into VoiceVault's stacks: one <env>-platform stack
// per environment and one <env>-tenant-<name> stack per tenant.
package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/internal/cdkjson"
	"github.com/voicevault/voicevault/stacks/compliance"
)

// Deployment is every stack built from one configuration.
type Deployment struct {
	Platforms  map[string]*Platform // by environment name
	Tenants    []*Tenant            // in file order
	Costs      map[string]*Costs    // by environment name; environments outside us-east-1 with cost anomaly alerts on
	Deliveries map[string]*Delivery // by environment name; every environment has one
}

// AppOptions configures NewApp.
type AppOptions struct {
	Outdir string // Default: the CDK CLI's output directory (CDK_OUTDIR), else a temporary one.
	// CDKJSON is the cdk.json whose context (the feature flags) the app applies itself, so that
	// a synth without the CDK CLI (tests, the bare binary) builds the same templates as one
	// through it. Default: none (only what the CLI passes).
	CDKJSON string
}

// NewApp builds the whole VoiceVault app for a validated configuration: every stack, plus the
// compliance aspects. Call Synth on the result.
func NewApp(cfg *config.Config, opts AppOptions) (awscdk.App, *Deployment) {
	props := &awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)}
	if opts.Outdir != "" {
		props.Outdir = jsii.String(opts.Outdir)
	}
	if opts.CDKJSON != "" {
		ctx, err := cdkjson.Context(opts.CDKJSON)
		if err != nil {
			panic(err) // cdk.json is part of the repository: a broken one is a programmer error
		}
		props.Context = &ctx
	}
	app := awscdk.NewApp(props)
	d := Build(app, cfg)
	compliance.Apply(app)
	return app, d
}

// Build adds the stacks of cfg to app: platforms first (with their <env>-costs stack in us-east-1
// where the environment is elsewhere), then the tenants that depend on them, then each
// environment's delivery stack (its execution policy covers the others' resources).
func Build(app awscdk.App, cfg *config.Config) *Deployment {
	d := &Deployment{Platforms: map[string]*Platform{}, Costs: map[string]*Costs{}, Deliveries: map[string]*Delivery{}}
	for i := range cfg.Environments {
		env := &cfg.Environments[i]
		d.Platforms[env.Name] = NewPlatform(app, env, cfg.TenantsIn(env.Name))
		if env.HasCostsStack() {
			d.Costs[env.Name] = NewCosts(app, env)
		}
	}
	for _, t := range cfg.Tenants {
		p := d.Platforms[t.Environment]
		d.Tenants = append(d.Tenants, NewTenant(app, p, t))
	}
	for i := range cfg.Environments {
		env := &cfg.Environments[i]
		// Every environment: its roles carry the boundary this stack creates, with or without
		// a GitHub workflow to deploy them.
		deployed := []awscdk.Stack{d.Platforms[env.Name].Stack}
		if c, ok := d.Costs[env.Name]; ok {
			deployed = append(deployed, c.Stack)
		}
		for _, t := range d.Tenants {
			if t.Platform.Env.Name == env.Name {
				deployed = append(deployed, t.Stack)
			}
		}
		d.Deliveries[env.Name] = NewDelivery(app, env, deployed, Flows(cfg, env))
	}
	return d
}
