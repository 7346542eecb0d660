package test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/constructs/constructtest"
)

// TestReadmeCommandsExist keeps the README's commands true: every `make X` it names is a
// Makefile target, every documented Makefile target (a "##" help comment) is in the README, and
// every `go run ./cmd/X` and `scripts/X` it names exists.
func TestReadmeCommandsExist(t *testing.T) {
	root := constructtest.Root()
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

// TestDocsCiteTestsThatExist keeps the documentation's proofs true: every test a README.md or
// docs/*.md sentence names (`TestX`, `FuzzX`, `BenchmarkX`) is defined in some _test.go file.
func TestDocsCiteTestsThatExist(t *testing.T) {
	root := constructtest.Root()
	defined := map[string]bool{}
	require.NoError(t, filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "cdk.out" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if strings.HasSuffix(path, "_test.go") {
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range regexp.MustCompile(`(?m)^func ((?:Test|Fuzz|Benchmark)\w+)\(`).FindAllStringSubmatch(string(src), -1) {
				defined[m[1]] = true
			}
		}
		return nil
	}))
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	require.NoError(t, err)
	for _, doc := range append(docs, filepath.Join(root, "README.md")) {
		text, err := os.ReadFile(doc)
		require.NoError(t, err)
		for _, m := range regexp.MustCompile("`((?:Test|Fuzz|Benchmark)[A-Z0-9]\\w*)").FindAllStringSubmatch(string(text), -1) {
			assert.True(t, defined[m[1]], "%s cites %s, which no _test.go defines", filepath.Base(doc), m[1])
		}
	}
}
