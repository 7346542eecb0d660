package compliance

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/voicevault/voicevault/internal/assembly"
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

// TemplateValidationPlugin is the name of the CDK's built-in template validation in its report.
const TemplateValidationPlugin = "CloudFormation Validate"

// templateValidationFindings returns the unacknowledged violations of the CDK's template
// validation from outdir/validation-report.json (absent when the validation was switched off
// with CDK_VALIDATION=false and no other plugin reported). Acknowledged ones are listed by the
// CDK under suppressedViolations and are not findings.
func templateValidationFindings(outdir string) ([]Finding, error) {
	b, err := os.ReadFile(filepath.Join(outdir, "validation-report.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var report struct {
		PluginReports []struct {
			PluginName string `json:"pluginName"`
			Violations []struct {
				RuleName            string `json:"ruleName"`
				Description         string `json:"description"`
				Severity            string `json:"severity"`
				ViolatingConstructs []struct {
					ConstructPath string `json:"constructPath"`
					Resource      struct {
						TemplatePath string `json:"templatePath"`
						LogicalID    string `json:"logicalId"`
					} `json:"cloudFormationResource"`
				} `json:"violatingConstructs"`
			} `json:"violations"`
		} `json:"pluginReports"`
	}
	if err := json.Unmarshal(b, &report); err != nil {
		return nil, fmt.Errorf("validation-report.json: %w", err)
	}
	var out []Finding
	for _, p := range report.PluginReports {
		if p.PluginName != TemplateValidationPlugin {
			continue
		}
		for _, v := range p.Violations {
			level := "warning"
			if v.Severity == "error" || v.Severity == "fatal" {
				level = "error"
			}
			msg := fmt.Sprintf("CloudFormation-Validate::%s: %s", v.RuleName, v.Description)
			for _, c := range v.ViolatingConstructs {
				stack := strings.TrimSuffix(filepath.Base(c.Resource.TemplatePath), ".template.json")
				path := c.ConstructPath
				if path == "" {
					path = c.Resource.LogicalID
				}
				out = append(out, Finding{Stack: stack, Path: path, Level: level, Message: msg})
			}
			if len(v.ViolatingConstructs) == 0 {
				out = append(out, Finding{Level: level, Message: msg})
			}
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
