package audit

import (
	"regexp"
	"strings"

	"github.com/voicevault/voicevault/internal/review/assembly"
)

// ssmParam is an SSM parameter a stack writes: VoiceVault's platform → tenant contract passes
// values (key ARNs, the web ACL...) through them instead of exports.
type ssmParam struct {
	stack *assembly.Stack
	value any
}

var ssmResolve = regexp.MustCompile(`^\{\{resolve:ssm:([^:}]+)(:\d+)?\}\}$`)

// indexParams records every AWS::SSM::Parameter with a literal name.
func (b *builder) indexParams() {
	b.params = map[string]ssmParam{}
	for _, s := range b.a.Stacks {
		for _, r := range s.OfType("AWS::SSM::Parameter") {
			if name, ok := r.Properties["Name"].(string); ok {
				b.params[name] = ssmParam{stack: s, value: r.Properties["Value"]}
			}
		}
	}
}

// follow resolves a value read from an SSM parameter — a Ref to a template parameter of type
// AWS::SSM::Parameter::Value<...> whose default names it, or a {{resolve:ssm:NAME}} dynamic
// reference — to the stack and value that wrote the parameter. Other values come back as
// they are.
func (b *builder) follow(s *assembly.Stack, v any) (*assembly.Stack, any) {
	for range 3 {
		name := ""
		if str, ok := v.(string); ok {
			if m := ssmResolve.FindStringSubmatch(str); m != nil {
				name = m[1]
			}
		} else if id := refParam(v); id != "" {
			p, _ := assembly.Get(s.Template, "Parameters", id).(map[string]any)
			if typ, _ := p["Type"].(string); strings.HasPrefix(typ, "AWS::SSM::Parameter::Value") {
				name, _ = p["Default"].(string)
			}
		}
		src, ok := b.params[name]
		if name == "" || !ok {
			return s, v
		}
		s, v = src.stack, src.value
	}
	return s, v
}

// refParam returns the name of a Ref (not a GetAtt), or "".
func refParam(v any) string {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return ""
	}
	r, _ := m["Ref"].(string)
	return r
}
