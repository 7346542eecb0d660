// Package compliance runs the cdk-nag rule packs over the whole app on every synth and applies
// the one reviewed suppression registry (registry.go). Suppressions are made nowhere else: tests
// fail on a cdk_nag suppression in a template that no registry entry explains, on a
// NagSuppressions call outside this package, and on a registry entry that no longer suppresses
// anything (see Audit).
package compliance

import (
	"path"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Pack names a cdk-nag rule pack, as it prefixes its rule IDs and report files.
type Pack string

// The packs VoiceVault runs.
const (
	AwsSolutions Pack = "AwsSolutions"
	HIPAA        Pack = "HIPAA.Security"
	NIST80053R5  Pack = "NIST.800.53.R5"
	PCIDSS321    Pack = "PCI.DSS.321"
)

// Packs are the packs every synth runs, in report order.
var Packs = []Pack{AwsSolutions, HIPAA, NIST80053R5, PCIDSS321}

// ValidationFailureRule is the ID cdk-nag reports when a rule throws (usually on an intrinsic
// it cannot evaluate). It is a finding like any other: fix it or register it.
const ValidationFailureRule = "CdkNagValidationFailure"

// Options configures ApplyWith.
type Options struct {
	// Registry replaces the suppression registry. Default: Registry. Tests use it to prove the
	// stale-entry and suppression checks; the app always runs with Registry.
	Registry []Suppression
	// Packs replaces the packs. Default: Packs.
	Packs []Pack
}

// Apply applies the suppression registry to app's resources and adds every nag pack as an
// aspect. Call it once the app's constructs are all added: the registry is applied at once, in
// one walk over the resources (as an aspect it would be a Go callback for each of the app's
// ~5,000 constructs, measured at 2 s of a 7 s synth); the packs then see its suppressions. Findings (errors and warnings)
// become annotations; the app fails on them after synth (see FindErrors). Every pack writes a
// CSV report per stack into the cloud assembly (<pack>--<stack>-NagReport.csv).
//
// cdk-nag v2.38.2 can also write JSON reports, but it re-reads and rewrites the whole JSON file
// for every line, so the cost grows with the square of a stack's size (measured: +3.4 s on a
// 150-resource stack, against 1.6 s for the whole synth with CSV only). The auditor pack
// (cmd/audit) writes the same rows as JSON (audit/nag-results.json) in milliseconds instead.
func Apply(app awscdk.App) { ApplyWith(app, Options{}) }

// ApplyWith is Apply with another registry or pack list (tests).
func ApplyWith(app awscdk.App, opts Options) {
	registry, packs := opts.Registry, opts.Packs
	if registry == nil {
		registry = Registry
	}
	if packs == nil {
		packs = Packs
	}
	applyRegistry(app, registry)
	aspects := awscdk.Aspects_Of(app)
	props := &cdknag.NagPackProps{
		Reports:       jsii.Bool(true),
		ReportFormats: &[]cdknag.NagReportFormat{cdknag.NagReportFormat_CSV},
		Verbose:       jsii.Bool(true),
	}
	for _, p := range packs {
		switch p {
		case AwsSolutions:
			aspects.Add(cdknag.NewAwsSolutionsChecks(props), nil)
		case HIPAA:
			aspects.Add(cdknag.NewHIPAASecurityChecks(props), nil)
		case NIST80053R5:
			aspects.Add(cdknag.NewNIST80053R5Checks(props), nil)
		case PCIDSS321:
			aspects.Add(cdknag.NewPCIDSS321Checks(props), nil)
		default:
			panic("compliance: unknown nag pack " + string(p))
		}
	}
}

// applyRegistry adds each registry entry's suppression to the resources its path matches: one
// jsii call lists every construct, and only the CloudFormation resources among them (about one
// in ten) cost further calls.
func applyRegistry(app awscdk.App, entries []Suppression) {
	stackPaths := map[string]string{}
	for _, node := range *app.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if stack, ok := node.(awscdk.Stack); ok {
			stackPaths[*stack.Node().Path()+"/"] = *stack.Node().Path()
			continue
		}
		if res, ok := node.(awscdk.CfnResource); ok {
			suppress(res, relativeTo(*res.Node().Path(), stackPaths), entries)
		}
	}
}

// relativeTo is full without the path of its (innermost) stack.
func relativeTo(full string, stackPaths map[string]string) string {
	best := ""
	for prefix := range stackPaths {
		if strings.HasPrefix(full, prefix) && len(prefix) > len(best) {
			best = prefix
		}
	}
	return strings.TrimPrefix(full, best)
}

// suppress adds the suppressions of the entries matching p to the resource res.
func suppress(res awscdk.CfnResource, p string, entries []Suppression) {
	node := constructs.IConstruct(res)
	var found []*cdknag.NagPackSuppression
	for _, e := range entries {
		if e.Matches(p) {
			found = append(found, e.nag())
		}
	}
	if len(found) > 0 {
		cdknag.NagSuppressions_AddResourceSuppressions(node, &found, jsii.Bool(false))
		if inlineTemplate(node) {
			// cdk-nag reads the suppressions from the resource's metadata, not from the rendered
			// template, so they still apply; only the template leaves them out.
			res.AddDeletionOverride(jsii.String("Metadata.cdk_nag"))
		}
	}
}

// inlineTemplateContext marks a stack whose template CloudFormation receives inline (see
// SuppressionsOutOfTemplate).
const inlineTemplateContext = "voicevault:compliance:inlineTemplate"

// SuppressionsOutOfTemplate keeps the registry's suppressions out of stack's template: for a
// stack whose template the CDK CLI sends to CloudFormation inline, which must stay under 51,200
// bytes (the admin-deployed delivery stack, deployed before any bootstrap bucket exists), and
// where the suppressions' reasons, repeated per pack and per resource, would take a third of it.
// The suppressions still apply and the nag reports and the audit report still list them with
// their reasons; only the template does not repeat them. Call it on the new stack, before
// anything is added to it (it sets context).
func SuppressionsOutOfTemplate(stack awscdk.Stack) {
	stack.Node().SetContext(jsii.String(inlineTemplateContext), true)
}

func inlineTemplate(node constructs.IConstruct) bool {
	v, _ := node.Node().TryGetContext(jsii.String(inlineTemplateContext)).(bool)
	return v
}

// Matches reports whether the entry applies to the resource at path p (relative to its stack).
func (s Suppression) Matches(p string) bool {
	ok, err := path.Match(s.Path, p)
	return err == nil && ok
}

// NagReason is the reason text the entry gives cdk-nag: Reason with its owner appended, as
// the nag reports and templates show it (the audit report parses the owner back out).
func (s Suppression) NagReason() string { return s.Reason + " (owner: " + s.Owner + ")" }

func (s Suppression) nag() *cdknag.NagPackSuppression {
	ns := &cdknag.NagPackSuppression{Id: jsii.String(s.Rule), Reason: jsii.String(s.NagReason())}
	if len(s.AppliesTo) > 0 {
		at := make([]interface{}, len(s.AppliesTo))
		for i, a := range s.AppliesTo {
			if isRegex(a) {
				at[i] = &cdknag.RegexAppliesTo{Regex: jsii.String(a)}
			} else {
				at[i] = a
			}
		}
		ns.AppliesTo = &at
	}
	return ns
}

// isRegex reports whether an AppliesTo entry is a regular expression: written /.../ .
func isRegex(a string) bool {
	return len(a) > 2 && strings.HasPrefix(a, "/") && strings.HasSuffix(a, "/")
}
