package compliance_test

import (
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/constructs/constructtest"
	"github.com/voicevault/voicevault/internal/review/assembly"
	"github.com/voicevault/voicevault/stacks/compliance"
)

func TestUnsuppressedFindingsOfEveryPackFailTheSynth(t *testing.T) {
	got := synthFixture(t).findingsOf("Findings")
	for _, want := range []string{
		"AwsSolutions-IAM5[Resource::*]",
		"HIPAA.Security-IAMNoInlinePolicy",
		"NIST.800.53.R5-IAMNoInlinePolicy",
		"PCI.DSS.321-IAMNoInlinePolicy",
	} {
		assert.Equal(t, "error", got[want], "%s fails the synth; got %v", want, got)
	}
}

func TestNagWarningsFailTheSynth(t *testing.T) {
	got := synthFixture(t).findingsOf("Findings")
	assert.Equal(t, "warning", got["AwsSolutions-VPC3"], "a warning-level rule is a finding too; got %v", got)
}

func TestRegistrySuppressesItsFindingsWithReasonAndOwner(t *testing.T) {
	f := synthFixture(t)
	assert.Empty(t, f.findingsOf("Registered"), "every finding of the Registered stack is in the registry")
	reports, err := f.asm.NagReports()
	require.NoError(t, err)
	rows := assembly.NagRows(reports)
	suppressed := map[string]assembly.NagRow{}
	for _, r := range rows {
		if r.Stack == "Registered" && r.Compliance == assembly.NagSuppressed {
			suppressed[r.Rule] = r
		}
	}
	require.Len(t, suppressed, 4, "one suppressed row per pack: %v", suppressed)
	iam5 := suppressed["AwsSolutions-IAM5"]
	assert.Equal(t, "Resource::*", iam5.Finding)
	assert.Equal(t, "fixture: reads any object (owner: test)", iam5.Reason)
	assert.Equal(t, "RegisteredRole/DefaultPolicy/Resource", iam5.Resource)
}

func TestStaleRegistryEntriesAreReported(t *testing.T) {
	stale, err := compliance.Stale(synthFixture(t).asm, fixtureRegistry)
	require.NoError(t, err)
	require.Len(t, stale, 3, "%q", stale)
	assert.Contains(t, stale[0], `AwsSolutions-IAM5 on "RegisteredRole/DefaultPolicy/Resource": appliesTo "Resource::arn:aws:s3:::gone/*" matches no finding`)
	assert.Contains(t, stale[1], `AwsSolutions-S1 on "NoSuchBucket/Resource" suppresses nothing`)
	assert.Contains(t, stale[2], `AwsSolutions-IAM4 on "RegisteredRole/Resource" suppresses nothing`)
}

func TestSuppressionsOutsideTheRegistryAreReported(t *testing.T) {
	got := compliance.Unregistered(synthFixture(t).asm, fixtureRegistry)
	require.Len(t, got, 3, "%q", got)
	joined := strings.Join(got, "\n")
	assert.Contains(t, joined, "Rogue: stack-level suppression of HIPAA.Security-IAMNoInlinePolicy")
	assert.Contains(t, joined, `(RogueRole/Resource): suppression of AwsSolutions-IAM5 ("made outside the registry"`)
	assert.Contains(t, joined, `(RogueRole/DefaultPolicy/Resource): suppression of AwsSolutions-IAM5`)
	assert.NotContains(t, joined, "Registered", "the registry's own suppressions are registered")
}

func TestEveryPackWritesAReportPerStack(t *testing.T) {
	f := synthFixture(t)
	reports, err := f.asm.NagReports()
	require.NoError(t, err)
	packs := assembly.NagPacks(reports)
	want := make([]string, len(compliance.Packs))
	for i, p := range compliance.Packs {
		want[i] = string(p)
	}
	assert.ElementsMatch(t, want, packs)
	for _, p := range compliance.Packs {
		for _, s := range f.asm.Stacks {
			assert.FileExists(t, filepath.Join(f.dir, string(p)+"--"+s.Name+"-NagReport.csv"))
		}
	}
}

func TestIsNagMessage(t *testing.T) {
	for msg, want := range map[string]bool{
		"AwsSolutions-APIG3: The REST API stage is not associated with AWS WAFv2 web ACL.": true,
		"NIST.800.53.R5-VPCDefaultSecurityGroupClosed: ...":                                true,
		"CdkNagValidationFailure[AwsSolutions-IAM5]: ...":                                  true,
		"[DEPRECATED] minHealthyPercent is deprecated":                                     false,
	} {
		assert.Equal(t, want, compliance.IsNagMessage(msg), msg)
	}
}

// TestRegistryEntriesAreReviewable checks the form of every real registry entry: a rule of a
// pack the app runs, a valid path glob, a reason and an owner, no duplicates.
func TestRegistryEntriesAreReviewable(t *testing.T) {
	seen := map[string]bool{}
	for i, e := range compliance.Registry {
		name := e.Rule + " on " + e.Path
		assert.True(t, compliance.IsNagMessage(e.Rule+": "), "entry %d %s: rule of no pack the app runs", i, name)
		_, err := path.Match(e.Path, "")
		assert.NoError(t, err, "entry %d %s: path is not a path.Match pattern", i, name)
		assert.NotEqual(t, "*", e.Path, "entry %d %s: path too broad", i, name)
		assert.GreaterOrEqual(t, len(strings.Fields(e.Reason)), 5, "entry %d %s: reason too short to review", i, name)
		assert.False(t, strings.HasPrefix(e.Reason, "["), "entry %d %s: a reason must not start with [ (cdk-nag's finding prefix)", i, name)
		assert.NotEmpty(t, e.Owner, "entry %d %s: owner", i, name)
		key := e.Rule + "|" + e.Path + "|" + strings.Join(e.AppliesTo, ",")
		assert.False(t, seen[key], "entry %d %s: duplicate", i, name)
		seen[key] = true
	}
}

// suppressionCall matches code that writes cdk-nag suppression metadata by hand.
var suppressionCall = regexp.MustCompile(`(AddMetadata|SetMetadata|AddOverride|AddPropertyOverride)\(.*cdk_nag|rules_to_suppress.*:`)

// TestSourceMakesNoSuppressionOutsideTheRegistry scans the Go source: only this package may
// import cdk-nag (so only it can call NagSuppressions), and nothing may write cdk_nag metadata.
func TestSourceMakesNoSuppressionOutsideTheRegistry(t *testing.T) {
	root := constructtest.Root()
	own := filepath.Join(root, "stacks", "compliance")
	var offenders []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p == own || slices.Contains([]string{"node_modules", ".git", ".cache", "cdk.out", "testdata"}, d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		f, err := parser.ParseFile(token.NewFileSet(), p, src, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			if v, _ := strconv.Unquote(imp.Path.Value); strings.HasPrefix(v, "github.com/cdklabs/cdk-nag-go") {
				offenders = append(offenders, rel+": imports cdk-nag (only stacks/compliance may)")
			}
		}
		for i, line := range strings.Split(string(src), "\n") {
			if suppressionCall.MatchString(line) {
				offenders = append(offenders, rel+":"+strconv.Itoa(i+1)+": writes cdk_nag metadata: "+strings.TrimSpace(line))
			}
		}
		return nil
	})
	require.NoError(t, err)
	assert.Empty(t, offenders, "suppressions belong in stacks/compliance/registry.go")
}
