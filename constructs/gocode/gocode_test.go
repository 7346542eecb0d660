package gocode

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// authorizer is a main package of this module to build.
var authorizer = Source{Package: "./lambda/authorizer"}

func TestHashIsStable(t *testing.T) {
	h1, err := authorizer.Hash()
	require.NoError(t, err)
	hashes.Clear() // recompute from the files, not the cache
	h2, err := authorizer.Hash()
	require.NoError(t, err)
	assert.Equal(t, h1, h2)
	assert.Regexp(t, `^[0-9a-f]{64}$`, h1)
	other, err := Source{Package: "./lambda/podscaler"}.Hash()
	require.NoError(t, err)
	assert.NotEqual(t, h1, other, "another package, another binary")
}

func TestHashChangesWithTheSource(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	write("go.mod", "module "+ModulePath+"\n\ngo 1.26\n")
	write("go.sum", "")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "cmd"), 0o755))
	write("cmd/main.go", "package main\n\nfunc main() {}\n")
	src := Source{ModuleRoot: dir, Package: "./cmd"}
	h1, err := src.Hash()
	require.NoError(t, err)
	write("cmd/main.go", "package main\n\nfunc main() { println() }\n")
	hashes.Clear()
	h2, err := src.Hash()
	require.NoError(t, err)
	assert.NotEqual(t, h1, h2)
}

func TestBuildIsReproducibleForGraviton(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	require.NoError(t, authorizer.Build(a))
	require.NoError(t, authorizer.Build(b))
	x, err := os.ReadFile(filepath.Join(a, "bootstrap"))
	require.NoError(t, err)
	y, err := os.ReadFile(filepath.Join(b, "bootstrap"))
	require.NoError(t, err)
	assert.True(t, bytes.Equal(x, y), "two builds of one source give the same bytes")
	assert.Equal(t, []byte{0x7f, 'E', 'L', 'F'}, x[:4])
	assert.Equal(t, byte(0xb7), x[18], "ELF machine is aarch64")
}

func TestBadSourcesAreErrorsNotPanics(t *testing.T) {
	_, _, err := Source{}.Code()
	assert.EqualError(t, err, "gocode: the main package is required")
	_, err = Source{Package: "./no/such/package"}.Hash()
	assert.ErrorContains(t, err, "go list")
}
