package test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/constructs/compliance"
	"github.com/voicevault/voicevault/internal/assembly"
	"github.com/voicevault/voicevault/internal/policycheck"
)

func exampleAssembly(t *testing.T) *assembly.Assembly {
	t.Helper()
	a, err := assembly.Load(example(t).Outdir)
	require.NoError(t, err)
	return a
}

// TestEveryNagPackCheckedEveryStack proves the four packs ran on every stack of the example.
func TestEveryNagPackCheckedEveryStack(t *testing.T) {
	a := exampleAssembly(t)
	reports, err := a.NagReports()
	require.NoError(t, err)
	packs := assembly.NagPacks(reports)
	want := make([]string, len(compliance.Packs))
	for i, p := range compliance.Packs {
		want[i] = string(p)
	}
	assert.ElementsMatch(t, want, packs)
	seen := map[string]bool{}
	for _, rep := range reports {
		seen[rep.Pack+" "+rep.Stack] = true
	}
	for _, r := range assembly.NagRows(reports) {
		assert.NotEqual(t, assembly.NagNonCompliant, r.Compliance, "%s %s %s: unsuppressed", r.Stack, r.Resource, r.Rule)
		assert.NotEqual(t, assembly.NagUnknown, r.Compliance, "%s %s %s: the rule could not evaluate the resource", r.Stack, r.Resource, r.Rule)
	}
	for _, p := range packs {
		for _, s := range a.Stacks {
			assert.True(t, seen[p+" "+s.Name], "%s has no %s report", s.Name, p)
		}
	}
}

// TestRegistryHasNoStaleEntries fails on a registry entry (or appliesTo value) that suppresses
// nothing in the example synth: remove it, so the registry stays the list of real exceptions.
func TestRegistryHasNoStaleEntries(t *testing.T) {
	stale, err := compliance.Stale(exampleAssembly(t), compliance.Registry)
	require.NoError(t, err)
	for _, s := range stale {
		t.Errorf("stale registry entry: %s", s)
	}
}

// TestNoSuppressionOutsideTheRegistry fails on a cdk_nag suppression in a synthesized template
// that no registry entry explains (one made with NagSuppressions elsewhere, or by hand).
func TestNoSuppressionOutsideTheRegistry(t *testing.T) {
	for _, s := range compliance.Unregistered(exampleAssembly(t), compliance.Registry) {
		t.Errorf("suppression outside constructs/compliance/registry.go: %s", s)
	}
}

// TestEveryPolicyPassesThePolicyCheck runs the IAM policy checker over every identity, trust and
// resource policy of every stack: no "*" or "service:*" actions, no mutating action on Resource
// "*" beyond policycheck.Unscopable, no NotAction/NotResource with Allow, no public principal
// without a condition.
func TestEveryPolicyPassesThePolicyCheck(t *testing.T) {
	a := exampleAssembly(t)
	n := 0
	for _, s := range a.Stacks {
		policies := policycheck.Extract(s)
		n += len(policies)
		for _, v := range policycheck.Failures(policycheck.Check(policies)) {
			t.Errorf("%s", v)
		}
	}
	assert.Positive(t, n, "the example has policies to check")
	t.Logf("%d policies checked in %d stacks", n, len(a.Stacks))
}
