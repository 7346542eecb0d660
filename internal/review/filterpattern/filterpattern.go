// Package filterpattern evaluates the subset of CloudWatch Logs JSON filter patterns VoiceVault's
// metric filters use, so tests can run a pattern against sample log events: `{ expr }` where expr
// combines `$.a.b = "value"` and `$.a.b != "value"` (quoted or bare values, `*` as a wildcard)
// with &&, || and parentheses. Syntax: "Filter pattern syntax for metric filters" in the
// CloudWatch Logs user guide
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html).
// A comparison on a field the event does not have is false, for = and != alike.
package filterpattern

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"
	"unicode"
)

// Match reports whether the JSON log event matches pattern.
func Match(pattern, event string) (bool, error) {
	var doc map[string]any
	if err := json.Unmarshal([]byte(event), &doc); err != nil {
		return false, fmt.Errorf("event is not JSON: %w", err)
	}
	p := &parser{s: strings.TrimSpace(pattern)}
	if !strings.HasPrefix(p.s, "{") || !strings.HasSuffix(p.s, "}") {
		return false, fmt.Errorf("pattern %q is not a JSON pattern ({ … })", pattern)
	}
	p.s = p.s[1 : len(p.s)-1]
	v, err := p.or(doc)
	if err != nil {
		return false, err
	}
	if p.skip(); p.i != len(p.s) {
		return false, fmt.Errorf("unexpected %q at %d", p.s[p.i:], p.i)
	}
	return v, nil
}

type parser struct {
	s string
	i int
}

func (p *parser) skip() {
	for p.i < len(p.s) && unicode.IsSpace(rune(p.s[p.i])) {
		p.i++
	}
}

func (p *parser) eat(tok string) bool {
	p.skip()
	if strings.HasPrefix(p.s[p.i:], tok) {
		p.i += len(tok)
		return true
	}
	return false
}

func (p *parser) or(doc map[string]any) (bool, error) {
	v, err := p.and(doc)
	for err == nil && p.eat("||") {
		var w bool
		w, err = p.and(doc)
		v = v || w
	}
	return v, err
}

func (p *parser) and(doc map[string]any) (bool, error) {
	v, err := p.term(doc)
	for err == nil && p.eat("&&") {
		var w bool
		w, err = p.term(doc)
		v = v && w
	}
	return v, err
}

func (p *parser) term(doc map[string]any) (bool, error) {
	if p.eat("(") {
		v, err := p.or(doc)
		if err == nil && !p.eat(")") {
			err = fmt.Errorf("missing ) at %d", p.i)
		}
		return v, err
	}
	if !p.eat("$.") {
		return false, fmt.Errorf("expected a selector ($.field) at %d", p.i)
	}
	start := p.i
	for p.i < len(p.s) && (unicode.IsLetter(rune(p.s[p.i])) || unicode.IsDigit(rune(p.s[p.i])) || strings.ContainsRune("._-", rune(p.s[p.i]))) {
		p.i++
	}
	field := p.s[start:p.i]
	var neq bool
	switch {
	case p.eat("!="):
		neq = true
	case p.eat("="):
	default:
		return false, fmt.Errorf("expected = or != after $.%s", field)
	}
	p.skip()
	var want string
	if p.eat(`"`) {
		end := strings.IndexByte(p.s[p.i:], '"')
		if end < 0 {
			return false, fmt.Errorf("unterminated string at %d", p.i)
		}
		want, p.i = p.s[p.i:p.i+end], p.i+end+1
	} else {
		start := p.i
		for p.i < len(p.s) && !unicode.IsSpace(rune(p.s[p.i])) && p.s[p.i] != ')' {
			p.i++
		}
		want = p.s[start:p.i]
	}
	got, ok := lookup(doc, field)
	if !ok {
		return false, nil
	}
	eq, _ := path.Match(strings.ReplaceAll(want, "/", "\x00"), strings.ReplaceAll(got, "/", "\x00"))
	return eq != neq, nil
}

func lookup(doc map[string]any, field string) (string, bool) {
	var cur any = doc
	for _, k := range strings.Split(field, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return "", false
		}
		if cur, ok = m[k]; !ok {
			return "", false
		}
	}
	switch v := cur.(type) {
	case string:
		return v, true
	case nil:
		return "", false
	default:
		b, _ := json.Marshal(v)
		return string(b), true
	}
}
