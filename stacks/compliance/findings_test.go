package compliance

import (
	"os"
	"path/filepath"
	"testing"
)

// The CDK writes each stack's metadata, where cdk-nag leaves its findings, to a file beside
// manifest.json; FindErrors must read it or every finding goes unnoticed.
func TestFindErrorsReadsFindingsFromAdditionalMetadataFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("manifest.json", `{"artifacts": {
		"s": {"type": "aws:cloudformation:stack", "additionalMetadataFile": "s.metadata.json",
		      "properties": {"templateFile": "s.template.json"},
		      "metadata": {"/s/A": [{"type": "aws:cdk:error", "data": "in manifest"}]}},
		"t": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "t.template.json"}}}}`)
	write("s.template.json", `{"Resources": {}}`)
	write("t.template.json", `{"Resources": {}}`)
	write("s.metadata.json", `{"/s/B/Resource": [
		{"type": "aws:cdk:warning", "data": "ignored"},
		{"type": "aws:cdk:error", "data": "AwsSolutions-S1: in metadata file"}]}`)
	got, err := FindErrors(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"s /s/A: in manifest", "s /s/B/Resource: AwsSolutions-S1: in metadata file"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("finding %d: got %q, want %q", i, got[i], want[i])
		}
	}
}

func TestFindErrorsFailsOnAMissingMetadataFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(`{"artifacts": {"s": {"type": "aws:cloudformation:stack", "additionalMetadataFile": "gone.json", "properties": {"templateFile": "s.template.json"}}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := FindErrors(dir); err == nil {
		t.Fatal("a missing metadata file must be an error, not zero findings")
	}
}
