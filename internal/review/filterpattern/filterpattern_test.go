package filterpattern

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMatch(t *testing.T) {
	ev := `{"eventName":"PutImage","userIdentity":{"arn":"arn:aws:sts::1:assumed-role/r/s"},"n":3}`
	for _, tc := range []struct {
		pattern string
		want    bool
	}{
		{`{ $.eventName = "PutImage" }`, true},
		{`{ $.eventName = PutImage }`, true},
		{`{ $.eventName = "Put*" }`, true},
		{`{ $.eventName != "PutImage" }`, false},
		{`{ ($.eventName = "X") || ($.eventName = "PutImage") }`, true},
		{`{ ($.eventName = "PutImage") && ($.userIdentity.arn != "arn:aws:sts::1:assumed-role/r/*") }`, false},
		{`{ ($.eventName = "PutImage") && ($.userIdentity.arn != "arn:aws:sts::1:assumed-role/q/*") }`, true},
		{`{ $.missing != "x" }`, false},
		{`{ $.n = 3 }`, true},
	} {
		got, err := Match(tc.pattern, ev)
		require.NoError(t, err, tc.pattern)
		assert.Equal(t, tc.want, got, tc.pattern)
	}
	_, err := Match(`$.eventName = "x"`, ev)
	assert.Error(t, err)
	_, err = Match(`{ ($.eventName = "x" }`, ev)
	assert.Error(t, err)
}
