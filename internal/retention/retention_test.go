package retention

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/voicevault/voicevault/config"
)

func TestEveryConfigRetentionHasAnEnumValue(t *testing.T) {
	for _, d := range config.LogRetentionValues {
		assert.NotPanics(t, func() { Days(d) }, "%d days", d)
	}
	assert.Equal(t, len(config.LogRetentionValues), len(byDays))
	assert.Panics(t, func() { Days(42) })
}
