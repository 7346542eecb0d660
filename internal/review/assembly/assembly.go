// Package assembly reads a synthesized CDK cloud assembly (cdk.out) in pure Go: the stacks of
// the manifest, their CloudFormation templates, the construct path of every resource, the
// annotations (errors, warnings) and the cdk-nag report files. It starts no jsii runtime, so
// commands and tests that only read templates stay fast.
package assembly

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Assembly is a loaded cloud assembly.
type Assembly struct {
	Dir    string
	Stacks []*Stack // sorted by name
}

// Stack is one CloudFormation stack artifact.
type Stack struct {
	Name         string            // the stack name, e.g. prod-tenant-acme
	ArtifactID   string            // the manifest artifact ID (usually the stack name)
	Account      string            // from the artifact environment aws://ACCOUNT/REGION
	Region       string            //
	TemplateFile string            // file name inside the assembly directory
	SHA256       string            // hex SHA-256 of the template file as written
	Size         int               // template size in bytes
	Tags         map[string]string // stack tags
	Dependencies []string          // artifact IDs this stack deploys after (stacks only)
	Template     map[string]any    // the parsed template
	Annotations  []Annotation      // errors, warnings and infos left on constructs of this stack
	resources    []*Resource
	byID         map[string]*Resource
}

// Resource is one resource of a template.
type Resource struct {
	Stack          string
	ID             string // logical ID
	Type           string
	Path           string // construct path below the stack, e.g. "TenantKey/Resource" ("" if unknown)
	Properties     map[string]any
	Metadata       map[string]any
	DeletionPolicy string
	UpdateReplace  string // UpdateReplacePolicy
}

// Retained reports whether CloudFormation keeps the resource when its stack is deleted:
// DeletionPolicy Retain, or RetainExceptOnCreate (kept on delete, but removed when the stack's
// own first create rolls back, so a failed first deployment leaves nothing behind).
func (r *Resource) Retained() bool {
	return r.DeletionPolicy == "Retain" || r.DeletionPolicy == "RetainExceptOnCreate"
}

// Annotation is a message the CDK or cdk-nag left on a construct.
type Annotation struct {
	Stack   string
	Path    string // absolute construct path, e.g. /prod-platform/PlatformKey/Resource
	Level   string // error, warning or info
	Message string
}

// Load reads the manifest in dir and every stack it names.
func Load(dir string) (*Assembly, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, fmt.Errorf("read cloud assembly: %w", err)
	}
	var m struct {
		Artifacts map[string]struct {
			Type         string                 `json:"type"`
			Environment  string                 `json:"environment"`
			DisplayName  string                 `json:"displayName"`
			Dependencies []string               `json:"dependencies"`
			Metadata     map[string][]metaEntry `json:"metadata"`
			MetadataFile string                 `json:"additionalMetadataFile"`
			Properties   struct {
				TemplateFile string            `json:"templateFile"`
				StackName    string            `json:"stackName"`
				Tags         map[string]string `json:"tags"`
			} `json:"properties"`
		} `json:"artifacts"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("parse cloud assembly manifest: %w", err)
	}
	a := &Assembly{Dir: dir}
	for id, art := range m.Artifacts {
		if art.Type != "aws:cloudformation:stack" {
			continue
		}
		s := &Stack{ArtifactID: id, Name: art.Properties.StackName, TemplateFile: art.Properties.TemplateFile, Tags: art.Properties.Tags}
		if s.Name == "" {
			s.Name = id
		}
		if s.Tags == nil {
			s.Tags = map[string]string{}
		}
		if env, ok := strings.CutPrefix(art.Environment, "aws://"); ok {
			s.Account, s.Region, _ = strings.Cut(env, "/")
		}
		for _, d := range art.Dependencies {
			if t, ok := m.Artifacts[d]; ok && t.Type == "aws:cloudformation:stack" {
				s.Dependencies = append(s.Dependencies, d)
			}
		}
		sort.Strings(s.Dependencies)
		meta := art.Metadata
		if art.MetadataFile != "" {
			b, err := os.ReadFile(filepath.Join(dir, art.MetadataFile))
			if err != nil {
				return nil, fmt.Errorf("stack %s: read metadata: %w", s.Name, err)
			}
			var extra map[string][]metaEntry
			if err := json.Unmarshal(b, &extra); err != nil {
				return nil, fmt.Errorf("stack %s: parse %s: %w", s.Name, art.MetadataFile, err)
			}
			if meta == nil {
				meta = map[string][]metaEntry{}
			}
			for k, v := range extra {
				meta[k] = append(meta[k], v...)
			}
		}
		if err := s.load(dir, meta); err != nil {
			return nil, err
		}
		a.Stacks = append(a.Stacks, s)
	}
	sort.Slice(a.Stacks, func(i, j int) bool { return a.Stacks[i].Name < a.Stacks[j].Name })
	return a, nil
}

type metaEntry struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

func (s *Stack) load(dir string, meta map[string][]metaEntry) error {
	b, err := os.ReadFile(filepath.Join(dir, s.TemplateFile))
	if err != nil {
		return fmt.Errorf("stack %s: read template: %w", s.Name, err)
	}
	return s.parse(b, meta)
}

func (s *Stack) parse(b []byte, meta map[string][]metaEntry) error {
	sum := sha256.Sum256(b)
	s.SHA256, s.Size = hex.EncodeToString(sum[:]), len(b)
	if err := json.Unmarshal(b, &s.Template); err != nil {
		return fmt.Errorf("stack %s: parse %s: %w", s.Name, s.TemplateFile, err)
	}
	paths := map[string]string{} // logical ID → path below the stack
	prefix := "/" + s.ArtifactID + "/"
	for p, entries := range meta {
		for _, e := range entries {
			switch e.Type {
			case "aws:cdk:logicalId":
				var id string
				if json.Unmarshal(e.Data, &id) == nil {
					paths[id] = strings.TrimPrefix(p, prefix)
				}
			case "aws:cdk:error", "aws:cdk:warning", "aws:cdk:info":
				var msg string
				if json.Unmarshal(e.Data, &msg) != nil {
					msg = string(e.Data)
				}
				s.Annotations = append(s.Annotations, Annotation{Stack: s.Name, Path: p, Level: strings.TrimPrefix(e.Type, "aws:cdk:"), Message: strings.TrimSpace(msg)})
			}
		}
	}
	sort.Slice(s.Annotations, func(i, j int) bool {
		x, y := s.Annotations[i], s.Annotations[j]
		if x.Path != y.Path {
			return x.Path < y.Path
		}
		return x.Message < y.Message
	})
	s.byID = map[string]*Resource{}
	res, _ := s.Template["Resources"].(map[string]any)
	for id, v := range res {
		m, _ := v.(map[string]any)
		r := &Resource{Stack: s.Name, ID: id, Path: paths[id]}
		r.Type, _ = m["Type"].(string)
		r.Properties, _ = m["Properties"].(map[string]any)
		if r.Properties == nil {
			r.Properties = map[string]any{}
		}
		r.Metadata, _ = m["Metadata"].(map[string]any)
		r.DeletionPolicy, _ = m["DeletionPolicy"].(string)
		r.UpdateReplace, _ = m["UpdateReplacePolicy"].(string)
		if r.Path == "" {
			if p, ok := r.Metadata["aws:cdk:path"].(string); ok {
				r.Path = strings.TrimPrefix(p, s.ArtifactID+"/")
			}
		}
		s.resources = append(s.resources, r)
		s.byID[id] = r
	}
	sort.Slice(s.resources, func(i, j int) bool { return s.resources[i].ID < s.resources[j].ID })
	return nil
}

// FromTemplate makes a Stack from a template alone (tests and fixtures): no paths unless the
// resources carry aws:cdk:path metadata.
func FromTemplate(name string, template []byte) (*Stack, error) {
	s := &Stack{Name: name, ArtifactID: name, TemplateFile: name + ".template.json", Tags: map[string]string{}}
	return s, s.parse(template, nil)
}

// Resources returns every resource, sorted by logical ID.
func (s *Stack) Resources() []*Resource { return s.resources }

// Resource returns the resource with logical ID id.
func (s *Stack) Resource(id string) (*Resource, bool) {
	r, ok := s.byID[id]
	return r, ok
}

// OfType returns the resources of any of the given types, sorted by logical ID.
func (s *Stack) OfType(types ...string) []*Resource {
	var out []*Resource
	for _, r := range s.resources {
		for _, t := range types {
			if r.Type == t {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// Stack returns the stack named name.
func (a *Assembly) Stack(name string) (*Stack, bool) {
	for _, s := range a.Stacks {
		if s.Name == name {
			return s, true
		}
	}
	return nil, false
}

// Annotations returns the annotations of every stack at level ("" for all), sorted.
func (a *Assembly) Annotations(level string) []Annotation {
	var out []Annotation
	for _, s := range a.Stacks {
		for _, an := range s.Annotations {
			if level == "" || an.Level == level {
				out = append(out, an)
			}
		}
	}
	return out
}

// Label returns a short human name for the resource: its path if known, else its logical ID.
func (r *Resource) Label() string {
	if r.Path != "" {
		return strings.TrimSuffix(r.Path, "/Resource")
	}
	return r.ID
}
