package cluster

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRoleIDIsTheRoleNameWithoutPathOrPunctuation(t *testing.T) {
	assert.Equal(t, "VoiceVaultPlatformAdmin", roleID("arn:aws:iam::111111111111:role/VoiceVaultPlatformAdmin"))
	assert.Equal(t, "adminsplatformops", roleID("arn:aws:iam::111111111111:role/team/admins.platform-ops"))
}

func TestKubectlLayerIsFoundFromAPackageDirectory(t *testing.T) {
	p, err := KubectlLayerPath()
	require.NoError(t, err, "run scripts/setup")
	assert.True(t, filepath.IsAbs(p))
	assert.FileExists(t, p)
}

func TestKubectlLayerIsFoundFromAnotherDirectory(t *testing.T) {
	wd, _ := os.Getwd()
	t.Cleanup(func() { os.Chdir(wd) })
	require.NoError(t, os.Chdir(t.TempDir()))
	p, err := KubectlLayerPath() // falls back to this source file's repository
	require.NoError(t, err)
	assert.FileExists(t, p)
}

func TestVersionMustBeMajorDotMinor(t *testing.T) {
	for v, ok := range map[string]bool{"1.34": true, "1.36": true, "1.3": false, "v1.34": false, "1.34.2": false, "": false} {
		assert.Equal(t, ok, reVersion.MatchString(v), v)
	}
}
