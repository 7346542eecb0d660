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
