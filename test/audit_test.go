package test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/internal/review/audit"
)

// TestAuditPackOfTheExample builds the auditor evidence pack from the example synth: every
// stack hashed, no tenant reaching another, no IAM policy failure, every data store encrypted
// with a rotating customer-managed key, every pack's counts reported.
func TestAuditPackOfTheExample(t *testing.T) {
	r := example(t)
	a := exampleAssembly(t)
	flows := evaluateExample(t, nil)
	rep, err := audit.Build(a, "cdk.out", audit.Options{Access: &flows})
	require.NoError(t, err)

	require.Len(t, rep.Stacks, len(r.StackNames()))
	for _, s := range rep.Stacks {
		assert.Len(t, s.SHA256, 64, s.Name)
		assert.Equal(t, len(r.TemplateBytes(t, s.Name)), s.Bytes, s.Name)
	}
	assert.Len(t, rep.Isolation.Tenants, len(r.Config.Tenants))
	assert.Zero(t, rep.Isolation.Breaches, "tenant pairs reachable: %+v", rep.Isolation.Cells)
	assert.Zero(t, rep.Summary.PolicyFails)
	exceptions := 0
	for _, e := range rep.Encryption {
		assert.NotEqual(t, audit.Fail, e.Status, "%s/%s %s: %s %s", e.Stack, e.Resource, e.What, e.Encryption, e.Note)
		if strings.Contains(e.Note, "registered exception") {
			// Only the access-log buckets (SSE-S3: the one target S3 access logging can write to),
			// through their reviewed registry entry.
			exceptions++
			assert.Contains(t, e.Resource, "AccessLogs", e.Note)
			assert.Contains(t, e.Note, "(owner: baseline)")
		}
	}
	assert.Equal(t, len(r.Config.Environments), exceptions, "one access-log bucket per environment")
	for _, k := range rep.Keys {
		assert.True(t, k.Rotation, "%s/%s rotates", k.Stack, k.ID)
	}
	// No control of the example fails (a companion stack in another Region, like prod-costs in
	// us-east-1, is no environment of its own: it once failed MON-1 for having no trail).
	for _, c := range rep.Controls {
		assert.NotEqual(t, audit.Fail, c.Status, "%s %s: %v", c.ID, c.Check, c.Failing)
	}
	for _, n := range rep.NagSummary {
		t.Logf("%-16s %-24s compliant %3d  non-compliant %d  suppressed %d  unknown %d", n.Pack, n.Stack, n.Compliant, n.NonCompliant, n.Suppressed, n.Unknown)
	}
	t.Logf("controls: %v; failing: %v", rep.Summary.Controls, rep.Summary.FailedChecks)

	out := t.TempDir()
	files, err := audit.Write(rep, a, out)
	require.NoError(t, err)
	assert.Contains(t, files, "report.html")
	again := t.TempDir()
	_, err = audit.Write(rep, a, again)
	require.NoError(t, err)
	for _, f := range files {
		x := readFile(t, filepath.Join(out, f))
		y := readFile(t, filepath.Join(again, f))
		assert.True(t, bytes.Equal(x, y), "%s is deterministic", f)
	}
}
