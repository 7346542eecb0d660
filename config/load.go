package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"reflect"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// ErrInvalid is wrapped by every error that comes from the file's content (as opposed to
// reading it), so callers can tell a user's mistake from an I/O failure.
var ErrInvalid = errors.New("invalid configuration")

// Problem is one thing wrong with the file: where, what was there and what is allowed.
type Problem struct {
	Path    string // Field path, e.g. tenants[1].waf.rateLimit.
	Line    int    // 1-based line in the file, 0 when unknown.
	Message string // Names the bad value and what is allowed.
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("line %d: %s: %s", p.Line, p.Path, p.Message)
	}
	return fmt.Sprintf("%s: %s", p.Path, p.Message)
}

// Problems is every problem found in one file, reported together.
type Problems struct {
	File  string
	Items []Problem
}

func (e *Problems) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d problem(s):", e.File, len(e.Items))
	for _, p := range e.Items {
		b.WriteString("\n  - ")
		b.WriteString(p.String())
	}
	return b.String()
}

func (e *Problems) Unwrap() error { return ErrInvalid }

// maxFileBytes bounds the file read: a deployment file is a few KiB; anything larger is a mistake.
const maxFileBytes = 4 << 20

// Load reads, checks, defaults and validates the file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("config file %s: not found (select one with -c config=PATH)", path)
		}
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	return Parse(path, data)
}

// Parse is Load for bytes already read; name is used in messages only.
func Parse(name string, data []byte) (*Config, error) {
	if len(data) > maxFileBytes {
		return nil, &Problems{File: name, Items: []Problem{{Path: "(file)", Message: fmt.Sprintf("%d bytes is larger than the %d allowed", len(data), maxFileBytes)}}}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, &Problems{File: name, Items: []Problem{{Path: "(file)", Message: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}}}
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, &Problems{File: name, Items: []Problem{{Path: "(file)", Message: "empty file; expected a mapping with environments and tenants"}}}
	}
	var probs []Problem
	checkFields(root.Content[0], reflect.TypeOf(Config{}), "", &probs)
	if len(probs) > 0 {
		return nil, &Problems{File: name, Items: probs}
	}
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, &Problems{File: name, Items: typeProblems(err)}
	}
	c.applyDefaults()
	if probs := c.validate(); len(probs) > 0 {
		return nil, &Problems{File: name, Items: probs}
	}
	return &c, nil
}

// checkFields walks the YAML tree beside the Go type and reports unknown keys and
// mappings/sequences in the wrong place with their path, before decoding proper.
func checkFields(n *yaml.Node, t reflect.Type, path string, probs *[]Problem) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	at := func(msg string) { *probs = append(*probs, Problem{Path: orRoot(path), Line: n.Line, Message: msg}) }
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			return
		}
		if n.Kind != yaml.MappingNode {
			at(fmt.Sprintf("expected a mapping with keys %s, got %s", strings.Join(yamlKeys(t), ", "), describe(n)))
			return
		}
		fields := map[string]reflect.Type{}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if tag := strings.Split(f.Tag.Get("yaml"), ",")[0]; tag != "" && tag != "-" && f.IsExported() {
				fields[tag] = f.Type
			}
		}
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			key := k.Value
			ft, ok := fields[key]
			if !ok {
				*probs = append(*probs, Problem{Path: join(path, key), Line: k.Line,
					Message: fmt.Sprintf("unknown field %q (allowed: %s)", key, strings.Join(yamlKeys(t), ", "))})
				continue
			}
			if seen[key] {
				*probs = append(*probs, Problem{Path: join(path, key), Line: k.Line, Message: fmt.Sprintf("field %q given twice", key)})
			}
			seen[key] = true
			checkFields(v, ft, join(path, key), probs)
		}
	case reflect.Slice:
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			return
		}
		if n.Kind != yaml.SequenceNode {
			at("expected a list, got " + describe(n))
			return
		}
		for i, item := range n.Content {
			checkFields(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i), probs)
		}
	case reflect.Map:
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			return
		}
		if n.Kind != yaml.MappingNode {
			at("expected a mapping of names to values, got " + describe(n))
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			checkFields(n.Content[i+1], t.Elem(), join(path, n.Content[i].Value), probs)
		}
	default:
		switch {
		case n.Kind != yaml.ScalarNode:
			at(fmt.Sprintf("expected a single %s value, got %s", kindName(t), describe(n)))
		case t.Kind() == reflect.Int && n.Tag != "!!int":
			at(fmt.Sprintf("%q is not a whole number", n.Value))
		case t.Kind() == reflect.Bool && n.Tag != "!!bool":
			at(fmt.Sprintf("%q is not true or false", n.Value))
		}
	}
}

// typeProblems turns yaml.v3's decode errors (e.g. a word where a number belongs) into problems.
func typeProblems(err error) []Problem {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		out := make([]Problem, 0, len(te.Errors))
		for _, e := range te.Errors {
			out = append(out, Problem{Path: "(value)", Message: strings.Replace(e, "cannot unmarshal", "wrong type:", 1)})
		}
		return out
	}
	return []Problem{{Path: "(file)", Message: strings.TrimPrefix(err.Error(), "yaml: ")}}
}

func yamlKeys(t reflect.Type) []string {
	var keys []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if tag := strings.Split(f.Tag.Get("yaml"), ",")[0]; tag != "" && tag != "-" && f.IsExported() {
			keys = append(keys, tag)
		}
	}
	sort.Strings(keys)
	return keys
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	default:
		return fmt.Sprintf("%q", n.Value)
	}
}

func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int:
		return "number"
	case reflect.Bool:
		return "true/false"
	default:
		return "text"
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func orRoot(path string) string {
	if path == "" {
		return "(top level)"
	}
	return path
}
