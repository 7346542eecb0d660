// Command audit writes the auditor evidence pack for a synthesized cloud assembly:
//
//	go run ./cmd/audit [-out DIR] [-strict] [CDK_OUT]
//
// It reads CDK_OUT (default cdk.out) — the manifest, every stack template, the cdk-nag reports
// and the runtime flows the synth wrote beside them (voicevault-flows.json) — and writes DIR
// (default CDK_OUT/audit): report.md, report.html, report.json, nag-results.json and CSVs. It
// is pure Go and starts no jsii runtime: it needs neither the configuration nor the app. The
// flows are evaluated by the runtime access engine (internal/review/access, one Node process
// running the pinned IAM evaluator) for the "Runtime access" section and the tenant isolation
// matrix; an assembly without the flows file is refused (synthesize again).
//
// Exit codes: 0 written; 1 written, but a tenant can reach another tenant (or, with -strict,
// any control fails); 2 the assembly (or its flows file) is missing or unreadable.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/voicevault/voicevault/internal/review/access"
	"github.com/voicevault/voicevault/internal/review/assembly"
	"github.com/voicevault/voicevault/internal/review/audit"
)

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	out := fs.String("out", "", "output directory (default: CDK_OUT/audit)")
	strict := fs.Bool("strict", false, "exit 1 when any control fails, not only on a tenant isolation breach")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: audit [-out DIR] [-strict] [CDK_OUT]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	dir := "cdk.out"
	if fs.NArg() > 1 {
		fs.Usage()
		return 2
	}
	if fs.NArg() == 1 {
		dir = fs.Arg(0)
	}
	if *out == "" {
		*out = filepath.Join(dir, "audit")
	}
	a, err := assembly.Load(dir)
	if err != nil {
		fmt.Fprintf(os.Stderr, "audit: %v (run the synth first: make synth)\n", err)
		return 2
	}
	rep, err := access.EvaluateAssembly(a, dir)
	if err != nil {
		fmt.Fprintf(os.Stderr, "audit: runtime access: %v\n", err)
		return 2
	}
	fmt.Printf("audit: runtime access: %d must-allow and %d must-deny flows, %d failing, evaluated in %s\n",
		rep.Count(access.Allow), rep.Count(access.Deny), len(rep.Failures()), rep.Elapsed.Round(time.Millisecond))
	opts := audit.Options{Access: &rep}
	r, err := audit.Build(a, dir, opts)
	if err != nil {
		fmt.Fprintf(os.Stderr, "audit: %v\n", err)
		return 2
	}
	files, err := audit.Write(r, a, *out)
	if err != nil {
		fmt.Fprintf(os.Stderr, "audit: write %s: %v\n", *out, err)
		return 2
	}
	c := r.Summary.Controls
	fmt.Printf("audit: wrote %s (report.html, report.md, report.json and %d data files)\n", filepath.Join(*out, audit.HTMLFile), len(files)-3)
	validation := "did not run (CDK_VALIDATION=false)"
	if r.Validation.Ran {
		validation = fmt.Sprintf("%d violations, %d acknowledged", len(r.Validation.Violations), len(r.Validation.Acknowledged))
	}
	fmt.Printf("audit: %d controls: %d pass, %d fail, %d warn, %d n/a; tenant pairs reachable: %d of %d; cdk-nag: %d unsuppressed, %d suppressed; template validation: %s; IAM policy failures: %d\n",
		len(r.Controls), c[audit.Pass], c[audit.Fail], c[audit.Warn], c[audit.NA], r.Isolation.Breaches, len(r.Isolation.Cells),
		r.Summary.NagNonCompl, r.Summary.NagSuppressed, validation, r.Summary.PolicyFails)
	for _, f := range r.Summary.FailedChecks {
		fmt.Printf("audit:   fail %s\n", f)
	}
	if r.Isolation.Breaches > 0 {
		fmt.Fprintln(os.Stderr, "audit: a tenant can reach another tenant's resources (see the isolation matrix)")
		return 1
	}
	if *strict && c[audit.Fail] > 0 {
		return 1
	}
	return 0
}
