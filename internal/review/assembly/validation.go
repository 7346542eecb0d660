package assembly

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// TemplateValidationPlugin is the name under which the CDK's built-in CloudFormation template
// validation (cfn-lint rules run at the end of every synth) reports.
const TemplateValidationPlugin = "CloudFormation Validate"

// ValidationReportFile is the file the CDK writes into the assembly when a validation plugin ran.
const ValidationReportFile = "validation-report.json"

// PluginReport is one validation plugin's result in the CDK's validation report.
type PluginReport struct {
	Name         string
	Version      string
	Conclusion   string      // success or failure
	Violations   []Violation // unacknowledged
	Acknowledged []Violation // acknowledged with Validations.of(scope).acknowledge (by the CDK or the app)
}

// Violation is one rule's finding on one construct.
type Violation struct {
	Rule        string // e.g. W3030
	Description string
	Severity    string // error, fatal, warning, info
	Stack       string // the stack of the template, from its file name
	Path        string // construct path, or the logical ID when the CDK could not map it
}

// ValidationReport reads validation-report.json: one report per plugin that ran, none when the
// file is absent (no plugin ran: e.g. the CDK's template validation was switched off with
// CDK_VALIDATION=false and nothing else reported).
func (a *Assembly) ValidationReport() ([]PluginReport, error) {
	return ReadValidationReport(a.Dir)
}

// ReadValidationReport is ValidationReport for an assembly directory.
func ReadValidationReport(dir string) ([]PluginReport, error) {
	b, err := os.ReadFile(filepath.Join(dir, ValidationReportFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	type rawViolation struct {
		RuleName            string `json:"ruleName"`
		Description         string `json:"description"`
		Severity            string `json:"severity"`
		ViolatingConstructs []struct {
			ConstructPath string `json:"constructPath"`
			Resource      struct {
				TemplatePath  string   `json:"templatePath"`
				LogicalID     string   `json:"logicalId"`
				PropertyPaths []string `json:"propertyPaths"`
			} `json:"cloudFormationResource"`
		} `json:"violatingConstructs"`
	}
	var raw struct {
		PluginReports []struct {
			PluginName    string         `json:"pluginName"`
			PluginVersion string         `json:"pluginVersion"`
			Conclusion    string         `json:"conclusion"`
			Violations    []rawViolation `json:"violations"`
			Suppressed    []rawViolation `json:"suppressedViolations"`
		} `json:"pluginReports"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", ValidationReportFile, err)
	}
	templates := templateCache{}
	flatten := func(in []rawViolation) []Violation {
		var out []Violation
		for _, v := range in {
			one := Violation{Rule: v.RuleName, Description: v.Description, Severity: v.Severity}
			if len(v.ViolatingConstructs) == 0 {
				out = append(out, one)
			}
			// The CDK groups the constructs a rule flags under one description, the first one's
			// (e.g. "AvailabilityZone: Avoid hardcoding availability zones 'eu-west-1a'" for every
			// subnet): each construct gets its own, with its own value of the property.
			var first any
			for i, c := range v.ViolatingConstructs {
				one.Stack = strings.TrimSuffix(filepath.Base(c.Resource.TemplatePath), ".template.json")
				one.Path = c.ConstructPath
				if one.Path == "" {
					one.Path = c.Resource.LogicalID
				}
				prop := propertyPath(v.Description, c.Resource.PropertyPaths)
				value := templates.value(dir, c.Resource.TemplatePath, c.Resource.LogicalID, prop)
				if i == 0 {
					first = value
				}
				one.Description = ownDescription(v.Description, first, value)
				out = append(out, one)
			}
		}
		return out
	}
	var reports []PluginReport
	for _, p := range raw.PluginReports {
		reports = append(reports, PluginReport{Name: p.PluginName, Version: p.PluginVersion, Conclusion: p.Conclusion,
			Violations: flatten(p.Violations), Acknowledged: flatten(p.Suppressed)})
	}
	return reports, nil
}

// propertyPath is where a violation points in its resource: the report's first property path
// (e.g. Properties.AvailabilityZone), or the property its description starts with.
func propertyPath(description string, paths []string) string {
	if len(paths) > 0 {
		return paths[0]
	}
	if name, _, ok := strings.Cut(description, ":"); ok && !strings.ContainsAny(name, " '") {
		return "Properties." + name
	}
	return ""
}

// ownDescription is description (written for the first construct, whose property value was
// first) with this construct's value in place of the first one's, when the description quotes it.
func ownDescription(description string, first, value any) string {
	f, ok1 := first.(string)
	v, ok2 := value.(string)
	if !ok1 || !ok2 || f == "" || f == v || !strings.Contains(description, "'"+f+"'") {
		return description
	}
	return strings.Replace(description, "'"+f+"'", "'"+v+"'", 1)
}

// templateCache reads each template of the assembly once.
type templateCache map[string]map[string]any

// value is the value at the dotted path (Properties.X.Y) of resource id in the template file,
// or nil.
func (c templateCache) value(dir, file, id, path string) any {
	if file == "" || id == "" || path == "" {
		return nil
	}
	t, ok := c[file]
	if !ok {
		if b, err := os.ReadFile(filepath.Join(dir, filepath.Base(file))); err == nil {
			_ = json.Unmarshal(b, &t)
		}
		c[file] = t
	}
	var v any = Get(t, "Resources", id)
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}
