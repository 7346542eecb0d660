// Command vvconfig prints what the delivery scripts and the GitHub Actions workflow need from the
// deployment file, so that no shell script parses YAML:
//
//	vvconfig [-config PATH] env ENV           shell assignments (VV_ACCOUNT=..., VV_PLATFORM_STACK=...)
//	vvconfig [-config PATH] stacks ENV [TENANT]  the stacks a deploy of ENV (or of one tenant) covers, in order
//	vvconfig [-config PATH] bootstrap ENV     the cdk bootstrap arguments, one per line
//	vvconfig [-config PATH] matrix [-ref REF] the GitHub Actions matrix of environments with deployment.github
//	                                          (with -ref: only those whose branch is REF, e.g. refs/heads/main)
//
// The file is -config, else $VOICEVAULT_CONFIG, else config/example.yaml. It is validated as the
// app validates it; exit 2 on an invalid file or an unknown environment or tenant.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/naming"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("vvconfig", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "deployment file (default $VOICEVAULT_CONFIG, else config/example.yaml)")
	ref := fs.String("ref", "", "matrix: only environments whose deployment.github.branch is this git ref")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *path == "" {
		*path = os.Getenv("VOICEVAULT_CONFIG")
	}
	if *path == "" {
		*path = "config/example.yaml"
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "vvconfig: "+format+"\n", a...)
		return 2
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return fail("usage: vvconfig [-config PATH] env|stacks|bootstrap ENV [TENANT] | matrix [-ref REF]")
	}
	cfg, err := config.Load(*path)
	if err != nil {
		return fail("%v", err)
	}
	cmd, rest := rest[0], rest[1:]
	if cmd == "matrix" {
		// Flags may follow the command word too.
		if err := fs.Parse(rest); err != nil {
			return 2
		}
		return printMatrix(stdout, cfg, *ref)
	}
	if len(rest) == 0 {
		return fail("%s: the environment is required (one of: %s)", cmd, strings.Join(envNames(cfg), ", "))
	}
	e, ok := cfg.Environment(rest[0])
	if !ok {
		return fail("environment %q is not in %s (one of: %s)", rest[0], *path, strings.Join(envNames(cfg), ", "))
	}
	switch cmd {
	case "env":
		printEnv(stdout, cfg, e)
	case "stacks":
		tenant := ""
		if len(rest) > 1 {
			tenant = rest[1]
		}
		stacks, err := stacksOf(cfg, e, tenant)
		if err != nil {
			return fail("%v", err)
		}
		fmt.Fprintln(stdout, strings.Join(stacks, "\n"))
	case "bootstrap":
		fmt.Fprintln(stdout, strings.Join(config.BootstrapArgs(e), "\n"))
		if e.HasCostsStack() {
			fmt.Fprintf(stderr, "vvconfig: %s is bootstrapped in %s too, with the same qualifier, policies and boundary: its %s stack (cost anomaly alerts) deploys there\n",
				e.Name, config.CostRegion, naming.CostsStack(e.Name))
		}
	default:
		return fail("unknown command %q (env, stacks, bootstrap, matrix)", cmd)
	}
	return 0
}

// stacksOf lists the stacks of e: the platform, its costs stack (outside us-east-1), then every
// tenant; or one tenant's stack.
func stacksOf(cfg *config.Config, e *config.Environment, tenant string) ([]string, error) {
	var tenants []string
	for _, t := range cfg.TenantsIn(e.Name) {
		tenants = append(tenants, t.Name)
		if t.Name == tenant {
			return []string{naming.TenantStack(e.Name, t.Name)}, nil
		}
	}
	if tenant != "" {
		return nil, fmt.Errorf("tenant %q is not in environment %s (one of: %s)", tenant, e.Name, strings.Join(tenants, ", "))
	}
	out := []string{naming.PlatformStack(e.Name)}
	if e.HasCostsStack() {
		out = append(out, naming.CostsStack(e.Name))
	}
	for _, t := range tenants {
		out = append(out, naming.TenantStack(e.Name, t))
	}
	return out, nil
}

func printEnv(w io.Writer, cfg *config.Config, e *config.Environment) {
	costs := "" // the <env>-costs stack in us-east-1, when e has one
	if e.HasCostsStack() {
		costs = naming.CostsStack(e.Name)
	}
	var tenants []string
	for _, t := range cfg.TenantsIn(e.Name) {
		tenants = append(tenants, naming.TenantStack(e.Name, t.Name))
	}
	vars := [][2]string{
		{"VV_ENV", e.Name},
		{"VV_ACCOUNT", e.Account},
		{"VV_REGION", e.Region},
		{"VV_QUALIFIER", e.Deployment.Qualifier},
		{"VV_TOOLKIT_STACK", config.ToolkitStackName(e)},
		{"VV_PLATFORM_STACK", naming.PlatformStack(e.Name)},
		{"VV_TENANT_STACKS", strings.Join(tenants, " ")},
		{"VV_COSTS_STACK", costs},
		{"VV_BOUNDARY_POLICY", naming.BoundaryPolicy(e.Name)},
		{"VV_EXECUTION_POLICY_ARNS", strings.Join(config.ExecutionPolicyARNs(e), ",")},
		{"VV_DELIVERY_STACK", naming.DeliveryStack(e.Name)}, // every environment has one (execution policies, boundary)
	}
	if gh := e.Deployment.GitHub; gh != nil {
		vars = append(vars,
			[2]string{"VV_GITHUB_REPOSITORY", gh.Repository},
			[2]string{"VV_GITHUB_ENVIRONMENT", gh.Environment},
			[2]string{"VV_GITHUB_BRANCH", gh.Branch},
			[2]string{"VV_DEPLOY_ROLE_ARN", e.IAMARN("role/" + naming.DeployRole(e.Name))},
			[2]string{"VV_DIFF_ROLE_ARN", e.IAMARN("role/" + naming.DiffRole(e.Name))},
		)
	} else {
		vars = append(vars, [2]string{"VV_GITHUB_REPOSITORY", ""})
	}
	for _, v := range vars {
		fmt.Fprintf(w, "%s=%s\n", v[0], shellQuote(v[1]))
	}
}

// Target is one environment in the workflow's matrix.
type Target struct {
	Env               string `json:"env"`
	Region            string `json:"region"`
	GitHubEnvironment string `json:"githubEnvironment"`
	DeployRole        string `json:"deployRole"`
	DiffRole          string `json:"diffRole"`
}

func printMatrix(w io.Writer, cfg *config.Config, ref string) int {
	m := struct {
		Include []Target `json:"include"`
	}{Include: []Target{}}
	for i := range cfg.Environments {
		e := &cfg.Environments[i]
		gh := e.Deployment.GitHub
		if gh == nil || (ref != "" && ref != "refs/heads/"+gh.Branch) {
			continue
		}
		m.Include = append(m.Include, Target{
			Env:               e.Name,
			Region:            e.Region,
			GitHubEnvironment: gh.Environment,
			DeployRole:        e.IAMARN("role/" + naming.DeployRole(e.Name)),
			DiffRole:          e.IAMARN("role/" + naming.DiffRole(e.Name)),
		})
	}
	b, _ := json.Marshal(m)
	fmt.Fprintln(w, string(b))
	return 0
}

func envNames(cfg *config.Config) []string {
	var out []string
	for _, e := range cfg.Environments {
		out = append(out, e.Name)
	}
	return out
}

// shellQuote quotes s for POSIX shells.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
