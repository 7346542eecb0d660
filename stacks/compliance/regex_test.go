package compliance

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRegexAppliesToIsRecognised(t *testing.T) {
	assert.True(t, isRegex(`/^Action::[a-z]+:\*$/`))
	assert.False(t, isRegex("Resource::*"))
	assert.False(t, isRegex("/"))
}

func TestRegexAppliesToCountsAsUsedWhenItMatchesAFinding(t *testing.T) {
	findings := map[string]bool{"Action::ec2:Create*": true}
	assert.True(t, matchesAny(`/^Action::[a-z0-9-]+:Create\*$/`, findings))
	assert.False(t, matchesAny(`/^Action::[a-z0-9-]+:Delete\*$/`, findings))
	assert.True(t, matchesAny("Action::ec2:Create*", findings))
	assert.False(t, matchesAny("Action::ec2:Delete*", findings))
}

func TestRegexSuppressionsInTemplatesAreComparedWithTheRegistry(t *testing.T) {
	re := `/^Resource::arn:aws:s3:::vv-\*$/`
	meta := map[string]any{"cdk_nag": map[string]any{"rules_to_suppress": []any{
		map[string]any{"id": "AwsSolutions-IAM5", "reason": "r (owner: o)", "applies_to": []any{"Resource::*", map[string]any{"regex": re}}},
	}}}
	rules := rulesToSuppress(meta)
	assert.Equal(t, []string{"Resource::*", re}, rules[0].appliesTo)
	entry := Suppression{Rule: "AwsSolutions-IAM5", Path: "Role/Resource", AppliesTo: []string{"Resource::*", re}, Reason: "r", Owner: "o"}
	assert.True(t, registered(rules[0], "Role/Resource", []Suppression{entry}))
	entry.AppliesTo = []string{"Resource::*"}
	assert.False(t, registered(rules[0], "Role/Resource", []Suppression{entry}), "a regex the registry does not hold")
}
