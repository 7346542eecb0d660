package scaler

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDocDescribesEveryVariableAndReason keeps doc.go true: every variable
// ConfigFromEnv reads has a row in its Environment table, and every Reason
// is named.
func TestDocDescribesEveryVariableAndReason(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	text := string(doc)
	start, end := strings.Index(text, "// # Environment"), strings.Index(text, "// # One run")
	require.True(t, start >= 0 && end > start, "doc.go has Environment and One run sections")
	table := text[start:end]

	src, err := os.ReadFile("config.go")
	require.NoError(t, err)
	vars := regexp.MustCompile(`(?m)^\s*Env[A-Za-z]+\s*=\s*"([A-Z0-9_]+)"`).FindAllStringSubmatch(string(src), -1)
	require.Len(t, vars, 12)
	for _, v := range vars {
		assert.Regexp(t, `(?m)^//\t`+v[1]+` +(required|optional)`, table, "doc.go Environment: no row for %s", v[1])
	}
	for _, r := range []Reason{ReasonBelowMin, ReasonAboveMax, ReasonNoMetrics, ReasonWithinTolerance, ReasonWaitingForPods, ReasonScaleUp, ReasonScaleDown} {
		assert.Contains(t, text, string(r))
	}
}
