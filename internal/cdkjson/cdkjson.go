// Package cdkjson reads the context (the feature flags) of a cdk.json file, so that a synth
// without the CDK CLI (the tests, the bare binary) applies exactly what the CLI would pass.
package cdkjson

import (
	"encoding/json"
	"fmt"
	"os"
)

// Context returns the "context" object of the cdk.json file at path.
func Context(path string) (map[string]any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var f struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	if f.Context == nil {
		return nil, fmt.Errorf("%s has no context", path)
	}
	return f.Context, nil
}
