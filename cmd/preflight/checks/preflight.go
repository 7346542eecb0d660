// Package checks tells a platform engineer, before anything is created, what in an AWS account
// and region would make a VoiceVault environment's first deployment fail, and which setting or AWS
// action fixes it: account/region singletons that already exist, service quotas, GPU instance
// offerings per availability zone, service-linked roles, the configured certificates, the
// Kubernetes version and the observability add-on's configuration schema (the keys VoiceVault sets
// in it). Every AWS call it makes is read-only (the list is Actions).
//
// It reads the deployment file through the config package and talks to AWS with the AWS SDK for
// Go v2 only: no CDK, no synthesis.
package checks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"

	"github.com/voicevault/voicevault/config"
)

// Verdict is what a row says about one subject.
type Verdict string

// Verdicts, from harmless to fatal.
const (
	OK      Verdict = "ok"
	Warning Verdict = "warning" // works, or will work, but someone should know (exit code unaffected)
	Blocker Verdict = "blocker" // the deployment would fail: exit 1
)

// Row is one finding: which check, about what, the verdict, what was found, and the fix.
type Row struct {
	Check   string
	Subject string
	Verdict Verdict
	Found   string
	Fix     string // the config setting or AWS action that fixes it; empty for ok rows
}

// Group is one check's table.
type Group struct {
	Name string
	Rows []Row
}

// Report is everything one run found, for one environment.
type Report struct {
	Env    string
	Groups []Group
}

// Count returns how many rows have verdict v.
func (r Report) Count(v Verdict) int {
	n := 0
	for _, g := range r.Groups {
		for _, row := range g.Rows {
			if row.Verdict == v {
				n++
			}
		}
	}
	return n
}

// Blockers returns the rows that would stop the deployment.
func (r Report) Blockers() []Row {
	var out []Row
	for _, g := range r.Groups {
		for _, row := range g.Rows {
			if row.Verdict == Blocker {
				out = append(out, row)
			}
		}
	}
	return out
}

// ExitCode is 1 when any row is a blocker, else 0.
func (r Report) ExitCode() int {
	if r.Count(Blocker) > 0 {
		return 1
	}
	return 0
}

// Print writes a table per check group, then one summary line.
func (r Report) Print(w io.Writer) {
	for _, g := range r.Groups {
		fmt.Fprintf(w, "== %s\n", g.Name)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "CHECK\tSUBJECT\tVERDICT\tFOUND\tFIX")
		for _, row := range g.Rows {
			fix := row.Fix
			if fix == "" {
				fix = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", row.Check, row.Subject, row.Verdict, oneLine(row.Found), oneLine(fix))
		}
		tw.Flush()
		fmt.Fprintln(w)
	}
	status := "ready to deploy"
	if r.Count(Blocker) > 0 {
		status = "NOT ready: fix the blockers first"
	}
	fmt.Fprintf(w, "preflight %s: %d ok, %d warning(s), %d blocker(s): %s\n", r.Env, r.Count(OK), r.Count(Warning), r.Count(Blocker), status)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Options say how to reach AWS. Credentials come from AWS (the default chain in cmd/preflight).
type Options struct {
	AWS aws.Config
	// Endpoint, when set, replaces every service's endpoint (tests point it at a local server).
	Endpoint string
}

// ErrIdentity is wrapped by Run's error when the caller's identity can't be read (no or bad
// credentials): nothing else can be checked then.
var ErrIdentity = errors.New("no usable AWS credentials")

// Run checks environment env of cfg in the account the credentials reach. The error is non-nil
// only when nothing could be checked (ErrIdentity); every other problem is a row.
func Run(ctx context.Context, cfg *config.Config, env string, o Options) (Report, error) {
	e, ok := cfg.Environment(env)
	if !ok {
		return Report{}, fmt.Errorf("environment %q is not in the deployment file", env)
	}
	c := newClients(o, e.Region)
	rep := Report{Env: env}
	id, err := checkIdentity(ctx, c, e)
	if err != nil {
		return rep, err
	}
	rep.Groups = append(rep.Groups, id)
	if id.Rows[0].Verdict == Blocker {
		// Every later answer would describe another account.
		return rep, nil
	}
	owned := ownedTypes(ctx, c, e)
	rep.Groups = append(rep.Groups,
		checkSingletons(ctx, c, e, owned),
		checkQuotas(ctx, c, cfg, e),
		checkZones(ctx, c, e),
		checkServiceLinkedRoles(ctx, c, e),
		checkAdminRoles(ctx, c, e),
		checkCertificates(ctx, c, cfg, e),
		checkKubernetesVersion(ctx, c, e),
		checkAddonConfiguration(ctx, c, e),
	)
	return rep, nil
}

// apiError is an AWS error's code and message, or the error's text.
func apiError(err error) (code, text string) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode(), ae.ErrorCode() + ": " + ae.ErrorMessage()
	}
	return "", err.Error()
}

// couldNotCheck is the row for a call that failed: a warning (the check says nothing), naming the
// read-only action the caller needs.
func couldNotCheck(check, subject, action string, err error) Row {
	_, text := apiError(err)
	return Row{Check: check, Subject: subject, Verdict: Warning, Found: "could not check: " + text,
		Fix: "allow " + action + " to the caller (the bootstrap lookup role's ReadOnlyAccess has it), then run preflight again"}
}
