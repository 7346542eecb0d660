package compliance

import (
	"fmt"
	"sort"
	"strings"

	"github.com/voicevault/voicevault/internal/review/assembly"
)

// Finding is an annotation that fails the synth: any error (an unsuppressed nag finding at
// error level, or a synth-time error), and any cdk-nag warning. Pack warnings count: a
// warning-level rule (e.g. AwsSolutions-APIG3, an API stage without WAF, or the packs' VPC
// default security group rule) is still a finding an auditor reads as non-compliant, so it is
// fixed or registered like an error. So does every violation the CDK's built-in CloudFormation
// template validation (cfn-lint rules) reports, warnings included: a value CloudFormation doesn't
// allow is a warning there (W3030). Other CDK warnings (deprecations and the like) do not fail
// the synth.
type Finding struct {
	Stack   string
	Path    string
	Level   string // error or warning
	Message string
}

func (f Finding) String() string {
	return fmt.Sprintf("%s %s: %s", f.Stack, f.Path, f.Message)
}

// FindErrors reads the cloud assembly in outdir and returns every finding that fails the
// synth (see Finding), sorted. It reads files only, so it costs nothing in jsii. The CDK writes
// annotations into each stack's metadata file (manifest "additionalMetadataFile"); both that
// and inline manifest metadata are read.
func FindErrors(outdir string) ([]Finding, error) {
	a, err := assembly.Load(outdir)
	if err != nil {
		return nil, err
	}
	var out []Finding
	for _, an := range a.Annotations("") {
		if an.Level == "error" || (an.Level == "warning" && IsNagMessage(an.Message)) {
			out = append(out, Finding{Stack: an.Stack, Path: an.Path, Level: an.Level, Message: an.Message})
		}
	}
	tv, err := templateValidationFindings(outdir)
	if err != nil {
		return nil, err
	}
	out = append(out, tv...)
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out, nil
}

// templateValidationFindings returns the unacknowledged violations of the CDK's template
// validation (none when it did not run: CDK_VALIDATION=false).
func templateValidationFindings(outdir string) ([]Finding, error) {
	reports, err := assembly.ReadValidationReport(outdir)
	if err != nil {
		return nil, err
	}
	var out []Finding
	for _, p := range reports {
		if p.Name != assembly.TemplateValidationPlugin {
			continue
		}
		for _, v := range p.Violations {
			level := "warning"
			if v.Severity == "error" || v.Severity == "fatal" {
				level = "error"
			}
			out = append(out, Finding{Stack: v.Stack, Path: v.Path, Level: level,
				Message: fmt.Sprintf("CloudFormation-Validate::%s: %s", v.Rule, v.Description)})
		}
	}
	return out, nil
}

// IsNagMessage reports whether an annotation message comes from one of the packs (it starts
// with a rule ID of a pack, or with the validation-failure ID).
func IsNagMessage(msg string) bool {
	if strings.HasPrefix(msg, ValidationFailureRule) {
		return true
	}
	for _, p := range Packs {
		if strings.HasPrefix(msg, string(p)+"-") {
			return true
		}
	}
	return false
}
