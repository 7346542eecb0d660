package access

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/voicevault/voicevault/internal/review/assembly"
)

// FlowsFile is the file the synth writes into the cloud assembly, beside the templates: the
// runtime flows of every environment and the scope the engine needs to evaluate them. Readers
// (cmd/audit, audit.Build) take the flows from it, so they need neither the configuration nor
// the app that declared them.
const FlowsFile = "voicevault-flows.json"

// Environment is one environment's entry of FlowsFile: where it runs, the stacks whose templates
// hold its policies (platform, tenants, delivery), the roles outside the templates whose
// policies they hold (the CloudFormation execution role), and its flows.
type Environment struct {
	Name     string         `json:"environment"`
	Account  string         `json:"account"`
	Region   string         `json:"region"`
	Stacks   []string       `json:"stacks"`
	External []ExternalRole `json:"externalRoles,omitempty"`
	Flows    []Flow         `json:"flows"`
}

// flowsDoc is FlowsFile's content.
type flowsDoc struct {
	Comment      string        `json:"comment"`
	Environments []Environment `json:"environments"`
}

// ErrNoFlows is returned by ReadFlows when the assembly has no FlowsFile.
var ErrNoFlows = errors.New("no " + FlowsFile)

// MarshalFlows is FlowsFile's content for envs: indented JSON, map keys sorted, so the same
// configuration always writes the same bytes.
func MarshalFlows(envs []Environment) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	err := enc.Encode(flowsDoc{Comment: "VoiceVault runtime flows (must-allow and must-deny), written by the synth from flows.go of each construct; read by cmd/audit", Environments: envs})
	return buf.Bytes(), err
}

// WriteFlows writes FlowsFile into the assembly directory dir.
func WriteFlows(dir string, envs []Environment) error {
	b, err := MarshalFlows(envs)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, FlowsFile), b, 0o644)
}

// ReadFlows reads FlowsFile from the assembly directory dir. A missing file is ErrNoFlows, with
// how to regenerate it.
func ReadFlows(dir string) ([]Environment, error) {
	path := filepath.Join(dir, FlowsFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w: the assembly was not synthesized by this version of the app; synthesize again (make synth, or cdk synth) to write it", path, ErrNoFlows)
	}
	if err != nil {
		return nil, err
	}
	var doc flowsDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return doc.Environments, nil
}

// Models resolves each environment of envs over its templates (stacks by name).
func Models(envs []Environment, stacks map[string]*assembly.Stack) ([]EnvFlows, error) {
	var out []EnvFlows
	for _, e := range envs {
		var mine []*assembly.Stack
		for _, n := range e.Stacks {
			s, ok := stacks[n]
			if !ok {
				return nil, fmt.Errorf("environment %s: no template for stack %s", e.Name, n)
			}
			mine = append(mine, s)
		}
		m, err := NewModel(e.Account, e.Region, mine, e.External)
		if err != nil {
			return nil, fmt.Errorf("environment %s: %w", e.Name, err)
		}
		out = append(out, EnvFlows{Environment: e.Name, Model: m, Flows: e.Flows})
	}
	return out, nil
}

// EvaluateAssembly evaluates the flows of the assembly in dir (FlowsFile) over its templates.
func EvaluateAssembly(a *assembly.Assembly, dir string) (Report, error) {
	envs, err := ReadFlows(dir)
	if err != nil {
		return Report{}, err
	}
	byName := map[string]*assembly.Stack{}
	for _, s := range a.Stacks {
		byName[s.Name] = s
	}
	models, err := Models(envs, byName)
	if err != nil {
		return Report{}, fmt.Errorf("%s: %w", filepath.Join(dir, FlowsFile), err)
	}
	return Evaluate(models)
}
