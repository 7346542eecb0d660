package audit

import (
	"regexp"
	"sort"

	"github.com/voicevault/voicevault/internal/review/assembly"
)

// NagCount is one pack's result on one stack, from its report.
type NagCount struct {
	Pack         string `json:"pack"`
	Stack        string `json:"stack"`
	Rules        int    `json:"rulesApplied"`
	Compliant    int    `json:"compliant"`
	NonCompliant int    `json:"nonCompliant"`
	Suppressed   int    `json:"suppressed"`
	Unknown      int    `json:"unknown"`
	Warnings     int    `json:"nonCompliantWarnings"`
}

// NagFinding is a report row that is neither compliant nor suppressed.
type NagFinding struct {
	Pack       string `json:"pack"`
	Stack      string `json:"stack"`
	Resource   string `json:"resource"`
	Rule       string `json:"rule"`
	Compliance string `json:"compliance"`
	Level      string `json:"level"`
	Info       string `json:"info"`
}

// SuppressionRow is one suppressed finding, with its reason and owner.
type SuppressionRow struct {
	Stack    string   `json:"stack"`
	Resource string   `json:"resource"`
	Rule     string   `json:"rule"`
	Finding  string   `json:"finding"`
	Packs    []string `json:"packs"`
	Reason   string   `json:"reason"`
	Owner    string   `json:"owner"` // "" when the reason names none (not from the registry)
	Status   Status   `json:"status"`
}

// ownerSuffix is how the registry appends the owner to a reason (compliance.Suppression.NagReason).
var ownerSuffix = regexp.MustCompile(`^(.*) \(owner: ([^()]+)\)$`)

// SplitOwner splits a registry reason "text (owner: who)" into text and owner.
func SplitOwner(reason string) (text, owner string) {
	if m := ownerSuffix.FindStringSubmatch(reason); m != nil {
		return m[1], m[2]
	}
	return reason, ""
}

func (b *builder) nag() error {
	reports, err := b.a.NagReports()
	if err != nil {
		return err
	}
	sup := map[string]*SuppressionRow{}
	for _, rep := range reports {
		c := NagCount{Pack: rep.Pack, Stack: rep.Stack}
		rules := map[string]bool{}
		for _, r := range rep.Rows {
			rules[r.Rule] = true
			switch r.Compliance {
			case assembly.NagCompliant:
				c.Compliant++
			case assembly.NagNonCompliant:
				c.NonCompliant++
				if r.Level == "Warning" {
					c.Warnings++
				}
			case assembly.NagSuppressed:
				c.Suppressed++
				k := r.Stack + "|" + r.Resource + "|" + r.Rule + "|" + r.Finding
				if s, ok := sup[k]; ok {
					s.Packs = append(s.Packs, r.Pack)
					continue
				}
				text, owner := SplitOwner(r.Reason)
				st := Pass
				if owner == "" {
					st = Fail
				}
				sup[k] = &SuppressionRow{Stack: r.Stack, Resource: r.Resource, Rule: r.Rule, Finding: r.Finding, Packs: []string{r.Pack}, Reason: text, Owner: owner, Status: st}
			case assembly.NagUnknown:
				c.Unknown++
			}
			if r.Compliance == assembly.NagNonCompliant || r.Compliance == assembly.NagUnknown {
				b.r.NagFindings = append(b.r.NagFindings, NagFinding{Pack: r.Pack, Stack: r.Stack, Resource: r.Resource, Rule: r.Rule, Compliance: r.Compliance, Level: r.Level, Info: r.Info})
			}
		}
		c.Rules = len(rules)
		b.r.NagSummary = append(b.r.NagSummary, c)
	}
	keys := make([]string, 0, len(sup))
	for k := range sup {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.r.Suppress = append(b.r.Suppress, *sup[k])
	}
	return nil
}

// templateValidation reads the CDK's template validation report. The report file can exist
// without the validation's part (other plugins, e.g. annotations, write it too): then it did not run.
func (b *builder) templateValidation() error {
	reports, err := b.a.ValidationReport()
	if err != nil {
		return err
	}
	for _, p := range reports {
		if p.Name == assembly.TemplateValidationPlugin {
			b.r.Validation = TemplateValidation{Ran: true, Version: p.Version, Violations: p.Violations, Acknowledged: p.Acknowledged}
		}
	}
	return nil
}
