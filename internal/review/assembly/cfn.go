package assembly

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

var subVar = regexp.MustCompile(`\$\{([^}!]+)\}`)

// Render turns a CloudFormation value into a readable string: literals as they are, and
// intrinsics as ${...} placeholders — Ref X → ${X}, Fn::GetAtt [X, Arn] → ${X.Arn},
// Fn::Join and Fn::Sub rendered with their parts, Fn::ImportValue → ${Import:NAME}. A value that
// renders without "${" is a literal. Lists render as their items joined by ", ".
func Render(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64: // JSON numbers: 5000000, not 5e+06
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool, int:
		return fmt.Sprint(x)
	case []any:
		parts := make([]string, len(x))
		for i, p := range x {
			parts[i] = Render(p)
		}
		return strings.Join(parts, ", ")
	case map[string]any:
		if len(x) != 1 {
			return renderObject(x)
		}
		for k, arg := range x {
			switch k {
			case "Ref":
				return "${" + Render(arg) + "}"
			case "Fn::GetAtt":
				if l, ok := arg.([]any); ok {
					parts := make([]string, len(l))
					for i, p := range l {
						parts[i] = Render(p)
					}
					return "${" + strings.Join(parts, ".") + "}"
				}
				return "${" + Render(arg) + "}"
			case "Fn::Join":
				l, _ := arg.([]any)
				if len(l) == 2 {
					sep, _ := l[0].(string)
					items, _ := l[1].([]any)
					parts := make([]string, len(items))
					for i, p := range items {
						parts[i] = Render(p)
					}
					return strings.Join(parts, sep)
				}
			case "Fn::Sub":
				switch s := arg.(type) {
				case string:
					return s
				case []any:
					if len(s) == 2 {
						tpl, _ := s[0].(string)
						vars, _ := s[1].(map[string]any)
						for _, name := range sortedKeys(vars) {
							tpl = strings.ReplaceAll(tpl, "${"+name+"}", Render(vars[name]))
						}
						return tpl
					}
				}
			case "Fn::ImportValue":
				return "${Import:" + Render(arg) + "}"
			}
			if strings.HasPrefix(k, "Fn::") {
				return "${" + k + "}"
			}
		}
		return renderObject(x)
	}
	return fmt.Sprint(v)
}

func renderObject(m map[string]any) string {
	parts := make([]string, 0, len(m))
	for _, k := range sortedKeys(m) {
		parts = append(parts, k+"="+Render(m[k]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// RefTarget returns the logical ID a value points at when it is a Ref or an Fn::GetAtt (of any
// attribute), and "" otherwise. Pseudo parameters (AWS::Region...) are not targets.
func RefTarget(v any) string {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return ""
	}
	if r, ok := m["Ref"].(string); ok && !strings.HasPrefix(r, "AWS::") {
		return r
	}
	if l, ok := m["Fn::GetAtt"].([]any); ok && len(l) > 0 {
		s, _ := l[0].(string)
		return s
	}
	if s, ok := m["Fn::GetAtt"].(string); ok {
		id, _, _ := strings.Cut(s, ".")
		return id
	}
	return ""
}

// Refs returns every logical ID the value refers to (Ref, Fn::GetAtt, ${X} in Fn::Sub), sorted
// and deduplicated. Pseudo parameters are left out.
func Refs(v any) []string {
	seen := map[string]bool{}
	var visit func(map[string]any) bool
	visit = func(x map[string]any) bool {
		if id := RefTarget(x); id != "" {
			seen[id] = true
			return false
		}
		if sub, ok := x["Fn::Sub"]; ok && len(x) == 1 {
			tpl := ""
			switch s := sub.(type) {
			case string:
				tpl = s
			case []any:
				if len(s) > 0 {
					tpl, _ = s[0].(string)
				}
				if len(s) > 1 {
					Objects(s[1], visit)
				}
			}
			for _, m := range subVar.FindAllStringSubmatch(tpl, -1) {
				if id, _, _ := strings.Cut(m[1], "."); !strings.HasPrefix(id, "AWS::") {
					seen[id] = true
				}
			}
			return false
		}
		return true
	}
	Objects(v, visit)
	out := make([]string, 0, len(seen))
	for id := range seen {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// Strings returns every string in a value (literals, and intrinsics rendered), depth first.
// Fn::Join is rendered as one string, so an ARN built from parts is seen whole.
func Strings(v any) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			if len(x) == 1 {
				for k := range x {
					if k == "Ref" || strings.HasPrefix(k, "Fn::") {
						out = append(out, Render(x))
						return
					}
				}
			}
			for _, k := range sortedKeys(x) {
				walk(x[k])
			}
		}
	}
	walk(v)
	return out
}

// List returns v as a list: a list as is, a single value as a one-item list, nil as empty.
func List(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	default:
		return []any{x}
	}
}

// Get walks nested maps by keys and returns the value found (nil if any step is missing).
func Get(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// Bool reads a CloudFormation boolean (true, or the string "true").
func Bool(v any) (value, set bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		return strings.EqualFold(x, "true"), x != ""
	}
	return false, false
}

// Objects calls visit for every object (JSON map) in v, depth first, keys in sorted order;
// it descends into an object's values when visit returns true.
func Objects(v any, visit func(map[string]any) bool) {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			Objects(e, visit)
		}
	case map[string]any:
		if visit(x) {
			for _, k := range sortedKeys(x) {
				Objects(x[k], visit)
			}
		}
	}
}
