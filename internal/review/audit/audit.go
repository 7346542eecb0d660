// Package audit builds the auditor evidence pack from a synthesized cloud assembly (cdk.out):
// the CloudFormation templates themselves and the cdk-nag reports, nothing else. It is pure Go
// (no jsii), so the command that writes it (cmd/audit) runs in well under a second.
//
// The pack is one Report, written as report.md, a self-contained report.html, report.json and a
// few CSVs. Every row is computed from template properties — encryption inventory, IAM, network
// exposure, logging and monitoring, data lifecycle, tenant isolation, compliance results, the
// control mapping with pass/fail per row, and the SHA-256 of every template — so it changes only
// when the templates change.
package audit

import (
	"fmt"
	"sort"
	"strings"

	"github.com/voicevault/voicevault/internal/review/access"
	"github.com/voicevault/voicevault/internal/review/assembly"
	"github.com/voicevault/voicevault/internal/review/policycheck"
	"github.com/voicevault/voicevault/naming"
)

// Status of a row or control.
type Status string

// Statuses. Fail rows break a control; Warn rows need a human look; NA means nothing in the
// templates is subject to the check.
const (
	Pass Status = "pass"
	Fail Status = "fail"
	Warn Status = "warn"
	NA   Status = "n/a"
)

// worst returns the most severe of statuses (fail > warn > pass > n/a).
func worst(ss ...Status) Status {
	rank := map[Status]int{NA: 0, Pass: 1, Warn: 2, Fail: 3}
	out := NA
	for _, s := range ss {
		if rank[s] > rank[out] {
			out = s
		}
	}
	return out
}

// Options configures Build.
type Options struct {
	// ErasureDoc points to the documented erasure procedure. Default: README.md, "Data lifecycle and erasure".
	ErasureDoc string
	// Access is the evaluation of the runtime flows (internal/review/access): the "Runtime access"
	// section and the tenant isolation matrix. Default: Build evaluates the flows the synth wrote
	// into the assembly (access.FlowsFile) and fails when they are missing.
	Access *access.Report
}

// Report is the whole evidence pack.
type Report struct {
	Title      string            `json:"title"`
	Assembly   string            `json:"assembly"` // the directory read, as given
	Summary    Summary           `json:"summary"`
	Stacks     []StackInfo       `json:"stacks"`
	Controls   []Control         `json:"controls"`
	Keys       []Key             `json:"keys"`
	Encryption []EncryptionRow   `json:"encryption"`
	Roles      []Role            `json:"roles"`
	IAM        []IAMRow          `json:"iam"`
	Violations []PolicyViolation `json:"policyViolations"`
	APIs       []API             `json:"apis"`
	Network    []ExposureRow     `json:"network"`
	Trails     []Trail           `json:"trails"`
	LogGroups  []LogGroup        `json:"logGroups"`
	LogSources []LogSource       `json:"logSources"`
	Alarms     []Alarm           `json:"alarms"`
	// AuditQueries are the saved Athena queries over CloudTrail (queries.go).
	AuditQueries []AuditQuery       `json:"auditQueries"`
	Services     []ServiceRow       `json:"monitoringServices"`
	Buckets      []Bucket           `json:"buckets"`
	Isolation    Isolation          `json:"isolation"`
	Access       RuntimeAccess      `json:"runtimeAccess"`
	NagSummary   []NagCount         `json:"nagSummary"`
	NagFindings  []NagFinding       `json:"nagFindings"` // unsuppressed and unknown rows
	Suppress     []SuppressionRow   `json:"suppressions"`
	Errors       []string           `json:"synthErrors"` // error annotations in the assembly
	Validation   TemplateValidation `json:"templateValidation"`
}

// TemplateValidation is the result of the CDK's built-in CloudFormation template validation
// (cfn-lint rules) over the assembly.
type TemplateValidation struct {
	Ran          bool                 `json:"ran"` // false: synthesized with CDK_VALIDATION=false
	Version      string               `json:"version"`
	Violations   []assembly.Violation `json:"violations"`
	Acknowledged []assembly.Violation `json:"acknowledged"`
}

// Summary counts what the report found.
type Summary struct {
	Stacks        int            `json:"stacks"`
	Resources     int            `json:"resources"`
	Tenants       int            `json:"tenants"`
	Controls      map[Status]int `json:"controls"`
	FailedChecks  []string       `json:"failedControls"`
	IsolationOK   bool           `json:"isolationOK"`
	NagNonCompl   int            `json:"nagNonCompliant"`
	NagSuppressed int            `json:"nagSuppressed"`
	PolicyFails   int            `json:"policyFailures"`
}

// StackInfo identifies one template, with its hash.
type StackInfo struct {
	Name        string `json:"name"`
	Kind        string `json:"kind"` // platform, tenant or other
	Environment string `json:"environment"`
	Tenant      string `json:"tenant,omitempty"`
	Account     string `json:"account"`
	Region      string `json:"region"`
	File        string `json:"templateFile"`
	SHA256      string `json:"sha256"`
	Bytes       int    `json:"bytes"`
	Resources   int    `json:"resources"`
}

// builder carries what the sections share.
type builder struct {
	a        *assembly.Assembly
	opts     Options
	r        *Report
	keys     map[string]*Key // "stack/logicalID" → key
	keyList  []*Key          // in stack, logical ID order
	params   map[string]ssmParam
	aliases  map[string]*Key // alias name (alias/...) → key
	policies map[string][]policycheck.Policy
	viol     []policycheck.Violation
	nagRows  []assembly.NagRow // read on first use (registeredException)
}

// Build computes the report from the assembly.
func Build(a *assembly.Assembly, dir string, opts Options) (*Report, error) {
	if opts.Access == nil {
		rep, err := access.EvaluateAssembly(a, dir)
		if err != nil {
			return nil, fmt.Errorf("runtime access: %w", err)
		}
		opts.Access = &rep
	}
	if opts.ErasureDoc == "" {
		opts.ErasureDoc = `README.md, "Data lifecycle and erasure"`
	}
	b := &builder{a: a, opts: opts, r: &Report{Title: "VoiceVault auditor evidence pack", Assembly: dir}, keys: map[string]*Key{}, aliases: map[string]*Key{}, policies: map[string][]policycheck.Policy{}}
	b.stacks()
	b.indexParams()
	for _, s := range a.Stacks {
		ps := policycheck.Extract(s)
		b.policies[s.Name] = ps
		b.viol = append(b.viol, policycheck.Check(ps)...)
	}
	b.keysSection()
	b.encryption()
	b.iam()
	b.network()
	b.logging()
	b.auditQueries()
	b.lifecycle()
	b.isolation()
	b.runtimeAccess()
	if err := b.nag(); err != nil {
		return nil, err
	}
	if err := b.templateValidation(); err != nil {
		return nil, err
	}
	for _, an := range a.Annotations("error") {
		b.r.Errors = append(b.r.Errors, an.Stack+" "+an.Path+": "+firstLine(an.Message))
	}
	b.controls()
	b.summary()
	return b.r, nil
}

// stackKind returns platform, tenant or other, with the environment and tenant names: from the
// stack's name (naming.ParseStack), the Environment and Tenant tags taking precedence.
func stackKind(s *assembly.Stack) (kind, env, tenant string) {
	env = s.Tags["Environment"]
	st, ok := naming.ParseStack(s.Name)
	if ok && env == "" {
		env = st.Env
	}
	switch {
	case ok && st.Kind == naming.TenantKind:
		tenant = st.Tenant
		if t := s.Tags["Tenant"]; t != "" {
			tenant = t
		}
		return "tenant", env, tenant
	case ok && st.Kind == naming.PlatformKind:
		return "platform", env, ""
	}
	return "other", env, ""
}

func (b *builder) stacks() {
	for _, s := range b.a.Stacks {
		kind, env, tenant := stackKind(s)
		b.r.Stacks = append(b.r.Stacks, StackInfo{Name: s.Name, Kind: kind, Environment: env, Tenant: tenant, Account: s.Account, Region: s.Region, File: s.TemplateFile, SHA256: s.SHA256, Bytes: s.Size, Resources: len(s.Resources())})
	}
}

func (b *builder) summary() {
	sm := &b.r.Summary
	sm.Stacks = len(b.r.Stacks)
	for _, s := range b.r.Stacks {
		sm.Resources += s.Resources
	}
	sm.Tenants = len(b.r.Isolation.Tenants)
	sm.Controls = map[Status]int{}
	for _, c := range b.r.Controls {
		sm.Controls[c.Status]++
		if c.Status == Fail {
			sm.FailedChecks = append(sm.FailedChecks, c.ID+" "+c.Check)
		}
	}
	sm.IsolationOK = b.r.Isolation.Breaches == 0
	for _, n := range b.r.NagSummary {
		sm.NagNonCompl += n.NonCompliant + n.Unknown
		sm.NagSuppressed += n.Suppressed
	}
	sm.PolicyFails = len(policycheck.Failures(b.viol))
}

// ref formats a resource for a row: stack/label.
func ref(r *assembly.Resource) string { return r.Stack + "/" + r.Label() }

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// render is assembly.Render, with "" for missing values.
func render(v any) string { return assembly.Render(v) }

func sortedStrings(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
