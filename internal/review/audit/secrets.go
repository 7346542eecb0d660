package audit

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"

	"github.com/voicevault/voicevault/internal/review/assembly"
)

var (
	secretName = regexp.MustCompile(`(?i)(secret|passw|token|api_?key|private_?key|credential)`)
	refName    = regexp.MustCompile(`(?i)(_arn|_name|_id|_param|_parameter|_path|_url|_uri|_file|_header|_claim|_ttl)$`)
)

// secretLiterals returns the literal secret-looking values in a resource: Lambda environment
// variables, and env entries or Secret objects in Kubernetes manifests.
func secretLiterals(r *assembly.Resource) []string {
	var out []string
	check := func(where, key string, v any) {
		s, ok := v.(string)
		if !ok || s == "" || !secretName.MatchString(key) || refName.MatchString(key) {
			return
		}
		if strings.HasPrefix(s, "arn:") || strings.HasPrefix(s, "/") || strings.HasPrefix(s, "${") || strings.HasPrefix(s, "http") {
			return
		}
		out = append(out, where+" "+key+" holds a literal value")
	}
	if r.Type == "AWS::Lambda::Function" {
		vars, _ := assembly.Get(r.Properties, "Environment", "Variables").(map[string]any)
		keys := make([]string, 0, len(vars))
		for k := range vars {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			check("environment variable", k, vars[k])
		}
	}
	if m, ok := r.Properties["Manifest"]; ok {
		var doc any
		if json.Unmarshal([]byte(render(m)), &doc) == nil {
			assembly.Objects(doc, func(x map[string]any) bool {
				if x["kind"] == "Secret" && (x["data"] != nil || x["stringData"] != nil) {
					out = append(out, "Kubernetes Secret "+render(assembly.Get(x, "metadata", "name"))+" holds literal data")
				}
				if name, ok := x["name"].(string); ok {
					if _, hasValue := x["value"]; hasValue {
						check("container env", name, x["value"])
					}
				}
				return true
			})
		}
	}
	return out
}
