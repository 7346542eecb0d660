package compliance

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Large stacks keep their construct metadata (nag findings included) in a file of their own; a
// finding there must still fail the app.
func TestFindErrorsReadsAdditionalMetadataFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) { require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600)) }
	write("manifest.json", `{"artifacts":{
		"big":{"type":"aws:cloudformation:stack","additionalMetadataFile":"big.metadata.json"},
		"small":{"type":"aws:cloudformation:stack","metadata":{"/small/X":[{"type":"aws:cdk:error","data":"inline finding"}]}}}}`)
	write("big.metadata.json", `{"/big/Role/Resource":[{"type":"aws:cdk:warning","data":"a warning"},{"type":"aws:cdk:error","data":"AwsSolutions-IAM4: managed policy"}]}`)
	got, err := FindErrors(dir)
	require.NoError(t, err)
	assert.Equal(t, []Finding{
		{Stack: "big", Path: "/big/Role/Resource", Message: "AwsSolutions-IAM4: managed policy"},
		{Stack: "small", Path: "/small/X", Message: "inline finding"},
	}, got)
}

func TestFindErrorsFailsOnAMissingMetadataFile(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(`{"artifacts":{"big":{"additionalMetadataFile":"gone.json"}}}`), 0o600))
	_, err := FindErrors(dir)
	assert.ErrorContains(t, err, "read cloud assembly metadata of big")
}
