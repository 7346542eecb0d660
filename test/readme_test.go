package test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/internal/cdktest"
)

// TestReadmeCommandsExist keeps the README's commands true: every `make X` it names is a
// Makefile target, every documented Makefile target (a "##" help comment) is in the README, and
// every `go run ./cmd/X` and `scripts/X` it names exists.
func TestReadmeCommandsExist(t *testing.T) {
	root := cdktest.Root()
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	makefile, err := os.ReadFile(filepath.Join(root, "Makefile"))
	require.NoError(t, err)

	targets := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^([a-z][a-z-]*):`).FindAllStringSubmatch(string(makefile), -1) {
		targets[m[1]] = true
	}
	named := map[string]bool{}
	for _, m := range regexp.MustCompile(`\bmake ([a-z][a-z-]*)`).FindAllStringSubmatch(string(readme), -1) {
		named[m[1]] = true
		assert.True(t, targets[m[1]], "README.md names `make %s`, which the Makefile does not have", m[1])
	}
	for _, m := range regexp.MustCompile(`(?m)^([a-z][a-z-]*):[^\n]*##`).FindAllStringSubmatch(string(makefile), -1) {
		assert.True(t, named[m[1]], "Makefile target %s (documented with ##) is not in README.md", m[1])
	}
	for _, m := range regexp.MustCompile(`go run \./cmd/([a-z]+)`).FindAllStringSubmatch(string(readme), -1) {
		_, err := os.Stat(filepath.Join(root, "cmd", m[1], "main.go"))
		assert.NoError(t, err, "README.md runs ./cmd/%s", m[1])
	}
	for _, m := range regexp.MustCompile("`scripts/([a-z][a-z.-]*)`").FindAllStringSubmatch(string(readme), -1) {
		_, err := os.Stat(filepath.Join(root, "scripts", m[1]))
		assert.NoError(t, err, "README.md names scripts/%s", m[1])
	}
}
