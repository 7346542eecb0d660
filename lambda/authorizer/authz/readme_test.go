package authz

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadmeDocumentsEveryEnvironmentVariable keeps the README's "Authorizer environment" table
// true: every variable the authorizer reads (the Env constants of config.go) has a row there.
func TestReadmeDocumentsEveryEnvironmentVariable(t *testing.T) {
	src, err := os.ReadFile("config.go")
	require.NoError(t, err)
	vars := regexp.MustCompile(`(?m)^\s*Env[A-Za-z]+\s*=\s*"([A-Z0-9_]+)"`).FindAllStringSubmatch(string(src), -1)
	require.NotEmpty(t, vars)

	readme, err := os.ReadFile("../../../README.md")
	require.NoError(t, err)
	text := string(readme)
	start := strings.Index(text, "### Authorizer environment")
	require.GreaterOrEqual(t, start, 0, "README.md has an Authorizer environment section")
	section := text[start:]
	if end := strings.Index(section[4:], "\n#"); end >= 0 {
		section = section[:end+4]
	}
	for _, v := range vars {
		assert.Contains(t, section, "`"+v[1]+"`", "README.md, Authorizer environment: no row for %s", v[1])
	}
}
