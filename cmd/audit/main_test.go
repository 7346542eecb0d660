package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

const fixture = "../../internal/review/audit/testdata/assembly"

func TestIsolationBreachExitsOne(t *testing.T) {
	out := t.TempDir()
	assert.Equal(t, 1, run([]string{"-out", out, fixture}), "the fixture's beta tenant reaches alpha")
	for _, f := range []string{"report.md", "report.html", "report.json", "controls.csv"} {
		assert.FileExists(t, filepath.Join(out, f), "the pack is written even when it fails")
	}
}

func TestMissingAssemblyExitsTwo(t *testing.T) {
	assert.Equal(t, 2, run([]string{filepath.Join(t.TempDir(), "nothing")}))
	assert.Equal(t, 2, run([]string{"a", "b"}))
}

// copyFixture copies the fixture assembly into a temporary directory, without the file skip.
func copyFixture(t *testing.T, skip string) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(fixture)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == skip {
			continue
		}
		b, _ := os.ReadFile(filepath.Join(fixture, e.Name()))
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestDefaultOutputIsInsideTheAssembly(t *testing.T) {
	dir := copyFixture(t, "")
	run([]string{dir})
	assert.FileExists(t, filepath.Join(dir, "audit", "report.html"))
}

func TestAssemblyWithoutFlowsExitsTwo(t *testing.T) {
	dir := copyFixture(t, "voicevault-flows.json")
	assert.Equal(t, 2, run([]string{"-out", t.TempDir(), dir}), "no flows, no isolation verdict: the pack is refused")
}
