package checks_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/cmd/preflight/checks"
	"github.com/voicevault/voicevault/config"
)

// TestReservedConcurrencyMatchesTemplates holds preflight's count of reserved Lambda concurrency to
// what the golden templates of the example configuration really reserve, environment by
// environment (preflight imports no CDK, so it keeps its own constants).
func TestReservedConcurrencyMatchesTemplates(t *testing.T) {
	cfg, err := config.Load("../../../config/example.yaml")
	require.NoError(t, err)
	files, err := filepath.Glob("../../../test/testdata/*.template.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, e := range cfg.Environments {
		reserved := 0
		for _, f := range files {
			if !strings.HasPrefix(filepath.Base(f), e.Name+"-") {
				continue
			}
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			var tpl struct {
				Resources map[string]struct {
					Type       string
					Properties struct{ ReservedConcurrentExecutions int }
				}
			}
			require.NoError(t, json.Unmarshal(data, &tpl), f)
			for _, r := range tpl.Resources {
				if r.Type == "AWS::Lambda::Function" {
					reserved += r.Properties.ReservedConcurrentExecutions
				}
			}
		}
		assert.Equal(t, reserved, checks.ReservedConcurrency(cfg, &e), "environment %s", e.Name)
	}
}
