package network

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSubnetSizes(t *testing.T) {
	cases := []struct {
		cidr          string
		zones         int
		private, nat  float64
		wantErrSubstr string
	}{
		{"10.40.0.0/16", 3, 18, 22, ""},
		{"10.40.0.0/16", 2, 18, 22, ""},
		{"10.40.0.0/16", 4, 19, 23, ""},
		{"10.40.0.0/16", 6, 19, 23, ""},
		{"10.50.0.0/20", 3, 22, 26, ""},
		{"10.50.0.0/24", 6, 27, 28, "too small"},
		{"not-a-cidr", 3, 0, 0, "is not an IPv4 CIDR"},
		{"10.40.0.0/16", 0, 0, 0, "availability zone"},
	}
	for _, c := range cases {
		priv, pub, err := subnetMasks(c.cidr, c.zones)
		if c.wantErrSubstr != "" {
			assert.ErrorContains(t, err, c.wantErrSubstr, c.cidr)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, c.private, priv, "%s x%d private", c.cidr, c.zones)
		assert.Equal(t, c.nat, pub, "%s x%d nat", c.cidr, c.zones)
	}
}
