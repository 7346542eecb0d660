package compliance

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Finding is an error annotation left in the cloud assembly: an unsuppressed nag finding or
// any other synth-time error.
type Finding struct {
	Stack   string
	Path    string
	Message string
}

func (f Finding) String() string { return fmt.Sprintf("%s %s: %s", f.Stack, f.Path, f.Message) }

// FindErrors reads the cloud assembly in outdir and returns every error annotation, sorted.
// Annotations sit in manifest.json or, for stacks, in the file the manifest names as
// additionalMetadataFile. It reads files only, so it costs nothing in jsii.
func FindErrors(outdir string) ([]Finding, error) {
	raw, err := os.ReadFile(filepath.Join(outdir, "manifest.json"))
	if err != nil {
		return nil, fmt.Errorf("read cloud assembly: %w", err)
	}
	var m struct {
		Artifacts map[string]struct {
			Metadata               metadata `json:"metadata"`
			AdditionalMetadataFile string   `json:"additionalMetadataFile"`
		} `json:"artifacts"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("parse cloud assembly manifest: %w", err)
	}
	var out []Finding
	for name, a := range m.Artifacts {
		out = append(out, a.Metadata.errors(name)...)
		if a.AdditionalMetadataFile == "" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(outdir, a.AdditionalMetadataFile))
		if err != nil {
			return nil, fmt.Errorf("read metadata of %s: %w", name, err)
		}
		var more metadata
		if err := json.Unmarshal(b, &more); err != nil {
			return nil, fmt.Errorf("parse %s: %w", a.AdditionalMetadataFile, err)
		}
		out = append(out, more.errors(name)...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out, nil
}

// metadata maps construct paths to their annotations.
type metadata map[string][]struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

func (md metadata) errors(stack string) []Finding {
	var out []Finding
	for p, entries := range md {
		for _, e := range entries {
			if e.Type != "aws:cdk:error" {
				continue
			}
			var msg string
			if json.Unmarshal(e.Data, &msg) != nil {
				msg = string(e.Data)
			}
			out = append(out, Finding{Stack: stack, Path: p, Message: strings.TrimSpace(msg)})
		}
	}
	return out
}
