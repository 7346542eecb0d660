package test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/internal/review/assembly"
	"github.com/voicevault/voicevault/internal/review/policycheck"
	"github.com/voicevault/voicevault/stacks/compliance"
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
// nothing in any configuration the registry serves (the example, and the variant that switches
// initech's services off): remove it, so the registry stays the list of real exceptions.
func TestRegistryHasNoStaleEntries(t *testing.T) {
	inExample, err := compliance.Stale(exampleAssembly(t), compliance.Registry)
	require.NoError(t, err)
	v, err := assembly.Load(variant(t).Outdir)
	require.NoError(t, err)
	inVariant, err := compliance.Stale(v, compliance.Registry)
	require.NoError(t, err)
	for _, s := range inExample {
		if slices.Contains(inVariant, s) {
			t.Errorf("stale registry entry: %s", s)
		}
	}
}

// TestInlineDeliveryTemplatesCarryNoSuppressionsButTheReportsDo proves the trade made for the
// admin-deployed delivery stacks (compliance.SuppressionsOutOfTemplate): their templates, sent
// to CloudFormation inline, hold no cdk_nag metadata, while the registry's suppressions still
// apply and the nag reports (read by the audit report) list them with reason and owner.
func TestInlineDeliveryTemplatesCarryNoSuppressionsButTheReportsDo(t *testing.T) {
	a := exampleAssembly(t)
	reports, err := a.NagReports()
	require.NoError(t, err)
	rows := assembly.NagRows(reports)
	for _, s := range a.Stacks {
		if !strings.HasSuffix(s.Name, "-delivery") {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(a.Dir, s.TemplateFile))
		require.NoError(t, err)
		assert.NotContains(t, string(raw), "cdk_nag", s.Name)
		suppressed := 0
		for _, r := range rows {
			if r.Stack == s.Name && r.Compliance == assembly.NagSuppressed {
				suppressed++
				assert.Contains(t, r.Reason, "(owner: ", "%s %s %s", s.Name, r.Resource, r.Rule)
			}
		}
		assert.Positive(t, suppressed, "%s: the registry's suppressions still apply", s.Name)
	}
}

// TestNoSuppressionOutsideTheRegistry fails on a cdk_nag suppression in a synthesized template
// that no registry entry explains (one made with NagSuppressions elsewhere, or by hand).
func TestNoSuppressionOutsideTheRegistry(t *testing.T) {
	for _, s := range compliance.Unregistered(exampleAssembly(t), compliance.Registry) {
		t.Errorf("suppression outside stacks/compliance/registry.go: %s", s)
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

// TestExampleSynthWarnsOnlyAboutWhatTheConfigurationAsks keeps the synth output readable: no
// warning at all (cost anomaly alerts outside us-east-1, once a warning, are the <env>-costs
// stack); expected CDK warnings are acknowledged where they arise, with the reason (e.g.
// constructs/audiostore: the imported access-log bucket's policy).
func TestExampleSynthWarnsOnlyAboutWhatTheConfigurationAsks(t *testing.T) {
	for _, an := range exampleAssembly(t).Annotations("warning") {
		t.Errorf("unexpected warning: %s %s: %s", an.Stack, an.Path, an.Message)
	}
}
