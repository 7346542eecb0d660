// Package compliance runs the cdk-nag rule packs over the whole app on every synth and applies
// the one reviewed suppression registry (registry.go). Suppressions are made nowhere else.
package compliance

import (
	"path"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Pack names a cdk-nag rule pack.
type Pack string

// The packs VoiceVault runs.
const (
	AwsSolutions Pack = "AwsSolutions"
)

// Packs are the packs every synth runs.
var Packs = []Pack{AwsSolutions}

// Apply adds the suppression registry and the nag packs to app as aspects. The registry runs
// first (mutating priority) so that the packs see its suppressions. Findings become error
// annotations; the app fails on them after synth (see FindErrors).
func Apply(app awscdk.App) {
	aspects := awscdk.Aspects_Of(app)
	aspects.Add(&registryAspect{entries: Registry}, &awscdk.AspectOptions{Priority: awscdk.AspectPriority_MUTATING()})
	props := &cdknag.NagPackProps{Reports: jsii.Bool(true), Verbose: jsii.Bool(true)}
	for _, p := range Packs {
		switch p {
		case AwsSolutions:
			aspects.Add(cdknag.NewAwsSolutionsChecks(props), nil)
		}
	}
}

// registryAspect adds each registry entry's suppression to the resources its path matches.
type registryAspect struct{ entries []Suppression }

func (r *registryAspect) Visit(node constructs.IConstruct) {
	if _, ok := node.(awscdk.CfnResource); !ok {
		return
	}
	p := relativePath(node)
	var found []*cdknag.NagPackSuppression
	for _, e := range r.entries {
		if e.Matches(p) {
			found = append(found, e.nag())
		}
	}
	if len(found) > 0 {
		cdknag.NagSuppressions_AddResourceSuppressions(node, &found, jsii.Bool(false))
	}
}

// relativePath is the construct path below the stack, e.g. "Cluster/Resource".
func relativePath(node constructs.IConstruct) string {
	full := *node.Node().Path()
	stack := *awscdk.Stack_Of(node).Node().Path()
	return strings.TrimPrefix(strings.TrimPrefix(full, stack), "/")
}

// Matches reports whether the entry applies to the resource at path p (relative to its stack).
func (s Suppression) Matches(p string) bool {
	ok, err := path.Match(s.Path, p)
	return err == nil && ok
}

func (s Suppression) nag() *cdknag.NagPackSuppression {
	ns := &cdknag.NagPackSuppression{Id: jsii.String(s.Rule), Reason: jsii.String(s.Reason + " (owner: " + s.Owner + ")")}
	if len(s.AppliesTo) > 0 {
		at := make([]interface{}, len(s.AppliesTo))
		for i, a := range s.AppliesTo {
			if isRegex(a) {
				at[i] = &cdknag.RegexAppliesTo{Regex: jsii.String(a)}
			} else {
				at[i] = a
			}
		}
		ns.AppliesTo = &at
	}
	return ns
}

// isRegex reports whether an AppliesTo entry is a regular expression: written /.../ .
func isRegex(a string) bool {
	return len(a) > 2 && strings.HasPrefix(a, "/") && strings.HasSuffix(a, "/")
}
