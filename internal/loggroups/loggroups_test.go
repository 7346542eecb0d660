package loggroups

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/voicevault/voicevault/config"
)

func TestEveryAllowedRetentionHasAValue(t *testing.T) {
	for _, days := range config.LogRetentionValues {
		assert.NotPanics(t, func() { Retention(days) }, "%d days", days)
	}
	assert.Equal(t, Retention(DefaultRetentionDays), Retention(0))
	assert.Panics(t, func() { Retention(42) })
}
