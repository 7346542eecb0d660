package compliance

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFindErrorsReadsEachStacksMetadataFile: the CDK writes a stack's annotations (cdk-nag
// findings among them) to <stack>.metadata.json, not to manifest.json.
func TestFindErrorsReadsEachStacksMetadataFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600))
	}
	write("manifest.json", `{"artifacts":{"s":{"type":"aws:cloudformation:stack","additionalMetadataFile":"s.metadata.json",
		"metadata":{"/s/A":[{"type":"aws:cdk:error","data":"in the manifest"}]}}}}`)
	write("s.metadata.json", `{"/s/B/Resource":[{"type":"aws:cdk:warning","data":"a warning"},{"type":"aws:cdk:error","data":"AwsSolutions-IAM5[Resource::*]: wildcard"}]}`)
	got, err := FindErrors(dir)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, Finding{Stack: "s", Path: "/s/A", Message: "in the manifest"}, got[0])
	assert.Equal(t, Finding{Stack: "s", Path: "/s/B/Resource", Message: "AwsSolutions-IAM5[Resource::*]: wildcard"}, got[1])
}

func TestRegexAppliesToIsRecognised(t *testing.T) {
	assert.True(t, isRegex(`/^Action::[a-z]+:\*$/`))
	assert.False(t, isRegex("Resource::*"))
	assert.False(t, isRegex("/"))
}
