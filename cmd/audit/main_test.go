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

func TestDefaultOutputIsInsideTheAssembly(t *testing.T) {
	dir := t.TempDir()
	entries, err := os.ReadDir(fixture)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(fixture, e.Name()))
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run([]string{dir})
	assert.FileExists(t, filepath.Join(dir, "audit", "report.html"))
}
