package test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/naming"
)

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, v), path)
}

// envOf returns the environment a stack belongs to.
func envOf(c *config.Config, stack string) *config.Environment {
	for i := range c.Environments {
		e := &c.Environments[i]
		if stack == naming.PlatformStack(e.Name) || stack == naming.DeliveryStack(e.Name) || stack == naming.CostsStack(e.Name) || strings.HasPrefix(stack, e.Name+"-tenant-") {
			return e
		}
	}
	return nil
}

// stackRegion is the region a stack deploys to: its environment's, but us-east-1 for a costs stack.
func stackRegion(c *config.Config, stack string) string {
	e := envOf(c, stack)
	if stack == naming.CostsStack(e.Name) {
		return config.CostRegion
	}
	return e.Region
}

// diff is a small line diff for golden failures: the first differing lines with context.
func diff(want, got []byte) string {
	a, b := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	var out strings.Builder
	shown := 0
	for i := 0; i < max(len(a), len(b)) && shown < 40; i++ {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			fmt.Fprintf(&out, "line %d:\n  - %s\n  + %s\n", i+1, x, y)
			shown++
		}
	}
	if len(a) != len(b) {
		fmt.Fprintf(&out, "(%d lines in golden, %d now)\n", len(a), len(b))
	}
	return out.String()
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}
