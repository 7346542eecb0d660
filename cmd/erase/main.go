// Command erase removes a voice's or a whole tenant's audio from the tenant's bucket before the
// lifecycle rules would: every object version and delete marker under the prefix, by version
// ID, then a listing that proves nothing is left. The bucket and region come from the
// deployment file, so an operator names a tenant, not a bucket.
//
//	erase -tenant acme -voice v-123 -dry-run     # count what would go
//	erase -tenant acme -voice v-123              # delete voices/v-123/ (every version)
//	erase -tenant acme -voice v-123 -tag-only    # tag every version; lifecycle removes them in ~2 days
//	erase -tenant acme -all -confirm vv-acme-prod-111111111111-eu-west-1
//
// Credentials come from the usual AWS SDK chain (environment, profile, SSO). The caller needs
// s3:ListBucketVersions, s3:DeleteObjectVersion (and s3:PutObjectVersionTagging for -tag-only)
// on the bucket; no KMS permission is needed to delete. See docs/tenant.md.
//
// Exit codes: 0 done; 1 erasure failed or incomplete; 2 bad arguments or configuration.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/voicevault/voicevault/cmd/erase/erasure"
	"github.com/voicevault/voicevault/config"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, newClient)) }

// request is a parsed command line.
type request struct {
	scope  erasure.Scope
	region string
	mode   erasure.Mode
}

// newClient builds the real S3 client for region.
func newClient(ctx context.Context, region string) (erasure.API, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(region))
	if err != nil {
		return nil, err
	}
	return s3.NewFromConfig(cfg), nil
}

func run(args []string, stdout, stderr io.Writer, client func(context.Context, string) (erasure.API, error)) int {
	req, err := parse(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "erase: %v\n", err)
		}
		return 2
	}
	ctx := context.Background()
	api, err := client(ctx, req.region)
	if err != nil {
		fmt.Fprintf(stderr, "erase: AWS credentials: %v\n", err)
		return 1
	}
	r, err := erasure.Erase(ctx, api, req.scope, req.mode)
	fmt.Fprintf(stdout, "%s: %d versions, %d delete markers found; %d deleted, %d tagged, %d remaining\n",
		req.scope, r.Versions, r.DeleteMarkers, r.Deleted, r.Tagged, r.Remaining)
	if err != nil {
		fmt.Fprintf(stderr, "erase: %v\n", err)
		return 1
	}
	if req.mode == erasure.DryRun {
		fmt.Fprintln(stdout, "dry run: nothing was changed")
	}
	return 0
}

func parse(args []string, stderr io.Writer) (request, error) {
	fs := flag.NewFlagSet("erase", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "config/example.yaml", "deployment file")
	tenant := fs.String("tenant", "", "tenant name (required)")
	voice := fs.String("voice", "", "voice ID: erase voices/<voice>/")
	all := fs.Bool("all", false, "erase every object of the tenant's bucket (needs -confirm <bucket name>)")
	confirm := fs.String("confirm", "", "the bucket name, repeated, to confirm -all")
	dryRun := fs.Bool("dry-run", false, "count only; change nothing")
	tagOnly := fs.Bool("tag-only", false, "tag every version for the bucket's lifecycle erasure rule instead of deleting")
	if err := fs.Parse(args); err != nil {
		return request{}, err
	}
	if fs.NArg() > 0 {
		return request{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *tenant == "" {
		return request{}, errors.New("-tenant is required")
	}
	if (*voice == "") == !*all {
		return request{}, errors.New("give exactly one of -voice <id> or -all")
	}
	if *dryRun && *tagOnly {
		return request{}, errors.New("-dry-run and -tag-only exclude each other")
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		return request{}, err
	}
	t, ok := cfg.Tenant(*tenant)
	if !ok {
		return request{}, fmt.Errorf("tenant %q is not in %s", *tenant, *cfgPath)
	}
	env, _ := cfg.Environment(t.Environment)
	bucket := env.Names().AudioBucket(t.Name)
	req := request{region: env.Region, mode: erasure.Delete}
	switch {
	case *dryRun:
		req.mode = erasure.DryRun
	case *tagOnly:
		req.mode = erasure.Tag
	}
	if *all {
		req.scope, err = erasure.TenantScope(bucket, *confirm)
	} else {
		req.scope, err = erasure.VoiceScope(bucket, *voice)
	}
	return req, err
}
