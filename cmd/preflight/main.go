// Command preflight checks, with read-only AWS calls, what in an environment's account and region
// would make its deployment fail, and which setting or AWS action fixes it (cmd/preflight/checks):
//
//	preflight [-config PATH] [-lookup-role] ENV
//
// Credentials come from the default chain (environment, AWS_PROFILE, SSO, instance role); the
// region is the environment's. With -lookup-role it first assumes the environment's cdk bootstrap
// lookup role (ReadOnlyAccess), as the CI deploy role must: that role may assume nothing else.
// The file is -config, else $VOICEVAULT_CONFIG, else config/example.yaml.
//
// Exit status: 0 no blocker, 1 at least one blocker, 2 a usage, configuration or credentials error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/voicevault/voicevault/cmd/preflight/checks"
	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/naming"
)

func main() { os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr, nil)) }

// run is main with its inputs; awsCfg, when not nil, replaces the default credential chain and
// endpoint (tests).
func run(ctx context.Context, args []string, stdout, stderr io.Writer, opts *checks.Options) int {
	fs := flag.NewFlagSet("preflight", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "deployment file (default $VOICEVAULT_CONFIG, else config/example.yaml)")
	lookup := fs.Bool("lookup-role", false, "assume the environment's cdk bootstrap lookup role first (CI)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "preflight: "+format+"\n", a...)
		return 2
	}
	if *path == "" {
		*path = os.Getenv("VOICEVAULT_CONFIG")
	}
	if *path == "" {
		*path = "config/example.yaml"
	}
	if fs.NArg() != 1 {
		return fail("usage: preflight [-config PATH] [-lookup-role] ENV")
	}
	cfg, err := config.Load(*path)
	if err != nil {
		return fail("%s", strings.ReplaceAll(err.Error(), "\n", " "))
	}
	env := fs.Arg(0)
	e, ok := cfg.Environment(env)
	if !ok {
		var names []string
		for _, x := range cfg.Environments {
			names = append(names, x.Name)
		}
		return fail("environment %q is not in %s (one of: %s)", env, *path, strings.Join(names, ", "))
	}

	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	o := checks.Options{}
	if opts != nil {
		o = *opts
	} else {
		o.AWS, err = awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(e.Region))
		if err != nil {
			return fail("AWS configuration: %v", err)
		}
	}
	if *lookup {
		roleARN := e.IAMARN("role/" + config.BootstrapRoleName(e, naming.BootstrapLookupRole))
		stsCfg := o.AWS.Copy()
		stsCfg.Region = e.Region
		if o.Endpoint != "" {
			stsCfg.BaseEndpoint = aws.String(o.Endpoint)
		}
		o.AWS.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(stsCfg), roleARN,
			func(p *stscreds.AssumeRoleOptions) { p.RoleSessionName = "voicevault-preflight" }))
	}
	rep, err := checks.Run(ctx, cfg, env, o)
	if err != nil {
		if errors.Is(err, checks.ErrIdentity) {
			return fail("%v (configure credentials for account %s: AWS_PROFILE, aws sso login, or environment variables)", err, e.Account)
		}
		return fail("%v", err)
	}
	rep.Print(stdout)
	return rep.ExitCode()
}
