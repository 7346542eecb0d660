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

// metadata is a stack artifact's metadata: construct path → entries.
type metadata map[string][]struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

// FindErrors reads the cloud assembly manifest in outdir and returns every error annotation,
// sorted. It reads files only, so it costs nothing in jsii.
func FindErrors(outdir string) ([]Finding, error) {
	raw, err := os.ReadFile(filepath.Join(outdir, "manifest.json"))
	if err != nil {
		return nil, fmt.Errorf("read cloud assembly: %w", err)
	}
	var m struct {
		Artifacts map[string]struct {
			Type        string   `json:"type"`
			DisplayName string   `json:"displayName"`
			Metadata    metadata `json:"metadata"`
			// Newer cloud assemblies keep a stack's metadata (nag findings included) in a file
			// of its own beside the manifest.
			AdditionalMetadataFile string `json:"additionalMetadataFile"`
		} `json:"artifacts"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("parse cloud assembly manifest: %w", err)
	}
	var out []Finding
	for name, a := range m.Artifacts {
		all := metadata{}
		for p, entries := range a.Metadata {
			all[p] = append(all[p], entries...)
		}
		if a.AdditionalMetadataFile != "" {
			raw, err := os.ReadFile(filepath.Join(outdir, a.AdditionalMetadataFile))
			if err != nil {
				return nil, fmt.Errorf("read %s metadata: %w", name, err)
			}
			var extra metadata
			if err := json.Unmarshal(raw, &extra); err != nil {
				return nil, fmt.Errorf("parse %s metadata: %w", name, err)
			}
			for p, entries := range extra {
				all[p] = append(all[p], entries...)
			}
		}
		for p, entries := range all {
			for _, e := range entries {
				if e.Type != "aws:cdk:error" {
					continue
				}
				var msg string
				if json.Unmarshal(e.Data, &msg) != nil {
					msg = string(e.Data)
				}
				out = append(out, Finding{Stack: name, Path: p, Message: strings.TrimSpace(msg)})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out, nil
}
