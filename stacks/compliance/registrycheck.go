package compliance

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"slices"
	"sort"

	"github.com/voicevault/voicevault/internal/review/assembly"
)

// Stale returns a line for every registry entry that suppressed nothing in the assembly, and
// for every appliesTo value of an entry that matched no finding. It reads the nag reports'
// "Suppressed" rows, which name the rule, the resource path and the reason (prefixed by the
// finding for granular rules): an entry is in use when a suppressed row has its rule, a path it
// matches and its reason. Run it on a synth of every configuration the registry serves.
func Stale(a *assembly.Assembly, registry []Suppression) ([]string, error) {
	reports, err := a.NagReports()
	if err != nil {
		return nil, err
	}
	rows := assembly.NagRows(reports)
	var out []string
	for _, e := range registry {
		used := false
		findings := map[string]bool{}
		for _, r := range rows {
			if r.Compliance != assembly.NagSuppressed || r.Reason != e.NagReason() || !e.Matches(r.Resource) {
				continue
			}
			switch {
			case r.Rule == e.Rule:
			case e.Rule == ValidationFailureRule && (len(e.AppliesTo) == 0 || slices.Contains(e.AppliesTo, r.Rule)):
				r.Finding = r.Rule // a suppressed validation failure is reported under the rule that threw
			default:
				continue
			}
			used = true
			findings[r.Finding] = true
		}
		if !used {
			out = append(out, fmt.Sprintf("%s on %q suppresses nothing: remove the entry (reason: %s)", e.Rule, e.Path, e.Reason))
			continue
		}
		for _, at := range e.AppliesTo {
			if !matchesAny(at, findings) {
				out = append(out, fmt.Sprintf("%s on %q: appliesTo %q matches no finding: remove it", e.Rule, e.Path, at))
			}
		}
	}
	return out, nil
}

// matchesAny reports whether the appliesTo value at (an exact finding, or a /regex/ as cdk-nag
// reads it) names one of findings.
func matchesAny(at string, findings map[string]bool) bool {
	if !isRegex(at) {
		return findings[at]
	}
	re, err := regexp.Compile(at[1 : len(at)-1])
	if err != nil {
		return false
	}
	for f := range findings {
		if re.MatchString(f) {
			return true
		}
	}
	return false
}

// Unregistered returns a line for every cdk-nag suppression in the synthesized templates that
// no registry entry explains: stack-level suppressions (never allowed), and resource
// suppressions whose rule, reason and appliesTo are not those of a registry entry matching the
// resource's path. Suppressions made with NagSuppressions anywhere but here end up there.
func Unregistered(a *assembly.Assembly, registry []Suppression) []string {
	var out []string
	for _, s := range a.Stacks {
		if meta, ok := s.Template["Metadata"].(map[string]any); ok {
			for _, rule := range rulesToSuppress(meta) {
				out = append(out, fmt.Sprintf("%s: stack-level suppression of %s (%s): suppress per resource through the registry", s.Name, rule.id, rule.reason))
			}
		}
		for _, r := range s.Resources() {
			for _, rule := range rulesToSuppress(r.Metadata) {
				if !registered(rule, r.Path, registry) {
					out = append(out, fmt.Sprintf("%s %s (%s): suppression of %s (%q, appliesTo %q) is not in the registry", s.Name, r.ID, r.Path, rule.id, rule.reason, rule.appliesTo))
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

type suppressionRule struct {
	id, reason string
	appliesTo  []string // exact findings, and {regex: "/.../"} objects as their "/.../" string
	odd        bool     // an appliesTo entry is neither a string nor a {regex: string} object
}

// rulesToSuppress reads the cdk_nag metadata of a resource or template.
func rulesToSuppress(meta map[string]any) []suppressionRule {
	nag, _ := meta["cdk_nag"].(map[string]any)
	list, _ := nag["rules_to_suppress"].([]any)
	var out []suppressionRule
	for _, x := range list {
		m, _ := x.(map[string]any)
		r := suppressionRule{}
		r.id, _ = m["id"].(string)
		r.reason, _ = m["reason"].(string)
		if enc, _ := m["is_reason_encoded"].(bool); enc {
			if b, err := base64.StdEncoding.DecodeString(r.reason); err == nil {
				r.reason = string(b)
			}
		}
		at, _ := m["applies_to"].([]any)
		for _, a := range at {
			switch v := a.(type) {
			case string:
				r.appliesTo = append(r.appliesTo, v)
			case map[string]any:
				if re, ok := v["regex"].(string); ok && len(v) == 1 && isRegex(re) {
					r.appliesTo = append(r.appliesTo, re)
				} else {
					r.odd = true
				}
			default:
				r.odd = true
			}
		}
		out = append(out, r)
	}
	return out
}

func registered(rule suppressionRule, path string, registry []Suppression) bool {
	if rule.odd || path == "" {
		return false
	}
	for _, e := range registry {
		if e.Rule == rule.id && e.NagReason() == rule.reason && e.Matches(path) && slices.Equal(e.AppliesTo, rule.appliesTo) {
			return true
		}
	}
	return false
}
