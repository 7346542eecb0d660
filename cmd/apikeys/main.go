// Command apikeys issues, rotates, lists and revokes a tenant's partner API keys. It writes only
// HMAC-SHA256 hashes (under the secret's pepper) to the tenant's API key secret in Secrets
// Manager, in the format the authorizer reads (package lambda/authorizer/authz), and prints each
// new key once, to the operator, to hand to the partner: the key itself is stored nowhere.
//
//	apikeys -tenant acme issue  -partner partner-a     # first key of a partner
//	apikeys -tenant acme rotate -partner partner-a     # new key; the old one stays valid for the overlap
//	apikeys -tenant acme list                          # keys (fingerprints), dates, states, secret age
//	apikeys -tenant acme revoke -partner partner-a [-key <fingerprint>]
//
// The secret, its Region, the partners and the rotation overlap come from the deployment file
// (-config, the tenant's authorizer.apiKeyOverlapHours; -overlap overrides it). Credentials come
// from the usual AWS SDK chain; the caller needs secretsmanager:GetSecretValue, DescribeSecret and
// PutSecretValue on the secret, and the tenant key's permission through Secrets Manager (the key
// policy admits the account's principals for this secret). A write checks that nobody changed
// the secret since it was read (DescribeSecret: the AWSCURRENT version is still the one read) and
// drops keys whose notAfter has passed. Revocation takes effect within the authorizer's secret
// cache (five minutes); a rotation's end (notAfter) takes effect at that instant.
//
// Exit codes: 0 done; 1 the AWS call or the secret failed; 2 bad arguments or configuration.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/lambda/authorizer/authz"
	"github.com/voicevault/voicevault/naming"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr, newClient, time.Now))
}

// secretsAPI is the part of Secrets Manager the command uses.
type secretsAPI interface {
	GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
	DescribeSecret(context.Context, *secretsmanager.DescribeSecretInput, ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error)
	PutSecretValue(context.Context, *secretsmanager.PutSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error)
}

// newClient builds the Secrets Manager client for region; endpoint overrides the regional
// endpoint when set.
func newClient(ctx context.Context, region, endpoint string) (secretsAPI, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(region))
	if err != nil {
		return nil, err
	}
	return secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	}), nil
}

// Limits of the rotation overlap.
const maxOverlap = 30 * 24 * time.Hour

// keyPrefix starts every key this command issues.
const keyPrefix = "vv_"

// request is a parsed command line.
type request struct {
	command  string // issue, rotate, list, revoke
	secret   string
	region   string
	endpoint string
	partner  string
	key      string // revoke: one key's fingerprint
	overlap  time.Duration
	partners []string // configured partner IDs
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, client func(context.Context, string, string) (secretsAPI, error), now func() time.Time) int {
	req, err := parse(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "apikeys: %v\n", err)
		}
		return 2
	}
	api, err := client(ctx, req.region, req.endpoint)
	if err != nil {
		fmt.Fprintf(stderr, "apikeys: AWS credentials: %v\n", err)
		return 1
	}
	if err := execute(ctx, api, req, stdout, now().UTC().Truncate(time.Second)); err != nil {
		fmt.Fprintf(stderr, "apikeys: %v\n", err)
		return 1
	}
	return 0
}

func parse(args []string, stderr io.Writer) (request, error) {
	fs := flag.NewFlagSet("apikeys", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: apikeys [-config file] -tenant name issue|rotate|list|revoke [flags]")
		fs.PrintDefaults()
	}
	cfgPath := fs.String("config", "config/example.yaml", "deployment file")
	tenant := fs.String("tenant", "", "tenant name (required)")
	secret := fs.String("secret", "", "secret name or ARN (default: the tenant's, voicevault/<env>/tenant/<tenant>/api-keys)")
	endpoint := fs.String("endpoint", "", "Secrets Manager endpoint URL (default: the Region's)")
	if err := fs.Parse(args); err != nil {
		return request{}, err
	}
	if *tenant == "" {
		return request{}, errors.New("-tenant is required")
	}
	if fs.NArg() == 0 {
		return request{}, errors.New("give a command: issue, rotate, list or revoke")
	}
	req := request{command: fs.Arg(0), endpoint: *endpoint}
	sub := flag.NewFlagSet("apikeys "+req.command, flag.ContinueOnError)
	sub.SetOutput(stderr)
	partner := sub.String("partner", "", "partner ID (one of the tenant's authorizer.partners)")
	overlap := sub.Duration("overlap", -1, "rotate: how long the old key stays valid beside the new one (default: the tenant's authorizer.apiKeyOverlapHours)")
	key := sub.String("key", "", "revoke: the fingerprint of one key (see list); default: every key of the partner")
	switch req.command {
	case "issue", "rotate", "list", "revoke":
	default:
		return request{}, fmt.Errorf("unknown command %q (allowed: issue, rotate, list, revoke)", req.command)
	}
	if err := sub.Parse(fs.Args()[1:]); err != nil {
		return request{}, err
	}
	if sub.NArg() > 0 {
		return request{}, fmt.Errorf("unexpected argument %q", sub.Arg(0))
	}

	cfg, err := config.Load(*cfgPath)
	if err != nil {
		return request{}, err
	}
	t, ok := cfg.Tenant(*tenant)
	if !ok {
		return request{}, fmt.Errorf("tenant %q is not in %s", *tenant, *cfgPath)
	}
	if !t.Authorizer.APIKeys {
		return request{}, fmt.Errorf("tenant %q has authorizer.apiKeys false in %s: it has no API key secret", *tenant, *cfgPath)
	}
	env, _ := cfg.Environment(t.Environment)
	req.region, req.secret = env.Region, naming.APIKeySecret(env.Name, t.Name)
	if *secret != "" {
		req.secret = *secret
	}
	for _, p := range t.Authorizer.Partners {
		req.partners = append(req.partners, p.ID)
	}
	req.partner, req.key = *partner, *key
	req.overlap = time.Duration(t.Authorizer.APIKeyOverlapHours) * time.Hour
	if *overlap >= 0 {
		req.overlap = *overlap
	}
	switch {
	case req.command != "list" && req.partner == "":
		return request{}, fmt.Errorf("%s: -partner is required", req.command)
	case (req.command == "issue" || req.command == "rotate") && !slices.Contains(req.partners, req.partner):
		return request{}, fmt.Errorf("%s: partner %q is not in tenant %q's authorizer.partners (%s): the authorizer would deny its key (no usage plan)", req.command, req.partner, *tenant, strings.Join(req.partners, ", "))
	case req.overlap > maxOverlap:
		return request{}, fmt.Errorf("rotate: overlap %s is out of range (0 to %s)", req.overlap, maxOverlap)
	case req.key != "" && req.command != "revoke":
		return request{}, fmt.Errorf("%s: -key is only for revoke", req.command)
	}
	return req, nil
}

// secretState is the secret as read: its parsed value and the version it came from.
type secretState struct {
	value   authz.APIKeySecret
	pepper  []byte
	version string
}

func read(ctx context.Context, api secretsAPI, id string) (secretState, error) {
	out, err := api.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
	if err != nil {
		return secretState{}, fmt.Errorf("read %s: %w", id, err)
	}
	if out.SecretString == nil {
		return secretState{}, fmt.Errorf("read %s: the secret has no SecretString", id)
	}
	v, pepper, err := authz.ParseAPIKeySecret(*out.SecretString)
	if err != nil {
		return secretState{}, fmt.Errorf("%s: %w", id, err)
	}
	return secretState{value: v, pepper: pepper, version: aws.ToString(out.VersionId)}, nil
}

// write stores s as the secret's new current version, unless another version became current
// since s was read.
func write(ctx context.Context, api secretsAPI, id string, s secretState) error {
	d, err := api.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(id)})
	if err != nil {
		return fmt.Errorf("describe %s: %w", id, err)
	}
	for v, stages := range d.VersionIdsToStages {
		if slices.Contains(stages, "AWSCURRENT") && v != s.version {
			return fmt.Errorf("%s changed while this command ran (current version %s, read %s): nothing written; run it again", id, v, s.version)
		}
	}
	b, err := json.Marshal(s.value)
	if err != nil {
		return err
	}
	if _, err := api.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(id), SecretString: aws.String(string(b))}); err != nil {
		return fmt.Errorf("write %s: %w", id, err)
	}
	return nil
}

func execute(ctx context.Context, api secretsAPI, req request, stdout io.Writer, now time.Time) error {
	s, err := read(ctx, api, req.secret)
	if err != nil {
		return err
	}
	if req.command == "list" {
		return list(ctx, api, req, s, stdout, now)
	}
	keys := s.value.Keys[:0:0]
	for _, k := range s.value.Keys { // drop keys already refused
		if !expired(k, now) {
			keys = append(keys, k)
		}
	}
	held := 0
	for _, k := range keys {
		if k.ID == req.partner {
			held++
		}
	}
	var newKey string
	switch req.command {
	case "issue", "rotate":
		if req.command == "issue" && held > 0 {
			return fmt.Errorf("issue: partner %q already has %d valid key(s); use rotate", req.partner, held)
		}
		if req.command == "rotate" && held == 0 {
			return fmt.Errorf("rotate: partner %q has no valid key; use issue", req.partner)
		}
		end := now.Add(req.overlap)
		kept := keys[:0]
		for _, k := range keys {
			if k.ID == req.partner {
				if na, _ := time.Parse(time.RFC3339, k.NotAfter); k.NotAfter == "" || na.After(end) {
					k.NotAfter = end.Format(time.RFC3339)
				}
				if expired(k, now) { // an overlap of 0: the old key ends now
					continue
				}
			}
			kept = append(kept, k)
		}
		newKey, err = generateKey()
		if err != nil {
			return err
		}
		keys = append(kept, authz.APIKeyEntry{ID: req.partner, Hash: authz.HashAPIKey(s.pepper, newKey), Created: now.Format(time.RFC3339)})
	case "revoke":
		kept := keys[:0]
		for _, k := range keys {
			if k.ID != req.partner || (req.key != "" && fingerprint(k) != req.key) {
				kept = append(kept, k)
			}
		}
		if len(kept) == len(keys) {
			return fmt.Errorf("revoke: partner %q has no valid key%s", req.partner, map[bool]string{true: " with fingerprint " + req.key}[req.key != ""])
		}
		keys = kept
	}
	s.value.Keys = keys
	if err := write(ctx, api, req.secret, s); err != nil {
		return err
	}
	switch req.command {
	case "issue", "rotate":
		fmt.Fprintf(stdout, "partner %s: new key %s (fingerprint %s)\n", req.partner, newKey, fingerprint(keys[len(keys)-1]))
		fmt.Fprintln(stdout, "This is the only time the key is shown: hand it to the partner over a secure channel. Only its hash was stored.")
		for _, k := range keys[:len(keys)-1] {
			if k.ID == req.partner {
				fmt.Fprintf(stdout, "previous key %s stays valid until %s\n", fingerprint(k), k.NotAfter)
			}
		}
	case "revoke":
		fmt.Fprintf(stdout, "partner %s: revoked; the authorizer refuses it within its secret cache (5 minutes)\n", req.partner)
	}
	return nil
}

func list(ctx context.Context, api secretsAPI, req request, s secretState, stdout io.Writer, now time.Time) error {
	d, err := api.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(req.secret)})
	if err != nil {
		return fmt.Errorf("describe %s: %w", req.secret, err)
	}
	changed := "unknown"
	if d.LastChangedDate != nil {
		changed = fmt.Sprintf("%s, %d days ago", d.LastChangedDate.UTC().Format(time.RFC3339), int(now.Sub(*d.LastChangedDate).Hours()/24))
	}
	fmt.Fprintf(stdout, "secret %s (last changed %s)\n", req.secret, changed)
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "PARTNER\tKEY\tCREATED\tNOT AFTER\tSTATE")
	for _, k := range s.value.Keys {
		state := "valid"
		switch {
		case expired(k, now):
			state = "expired"
		case k.NotAfter != "":
			state = "rotating out"
		}
		if !slices.Contains(req.partners, k.ID) {
			state += " (not a configured partner: denied)"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", k.ID, fingerprint(k), orDash(k.Created), orDash(k.NotAfter), state)
	}
	return w.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// expired reports whether the authorizer refuses k at now.
func expired(k authz.APIKeyEntry, now time.Time) bool {
	na, err := time.Parse(time.RFC3339, k.NotAfter)
	return k.NotAfter != "" && err == nil && !now.Before(na)
}

// fingerprint names a key in listings: the first 12 hex digits of its stored hash (which
// reveal nothing of the key without the pepper).
func fingerprint(k authz.APIKeyEntry) string {
	return strings.ToLower(k.Hash[:12])
}

// generateKey returns a new key: "vv_" and 32 random bytes in base64url (43 characters).
func generateKey() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return keyPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}
