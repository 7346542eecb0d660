package config

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMonitoringDefaultsAllowTheRegionAndGlobalEvents(t *testing.T) {
	c, err := Parse("base.yaml", []byte(base))
	require.NoError(t, err)
	m := c.Environments[0].Monitoring
	assert.Equal(t, []string{"eu-west-1", GlobalEventsRegion}, m.AllowedRegions)
	assert.Equal(t, DefaultForeignRegionCalls, m.ForeignRegionCalls)
	assert.Equal(t, DefaultAudioDeletes, m.AudioDeletes)
	assert.Equal(t, DefaultAuthorizerDenials, m.AuthorizerDenials)
	assert.Equal(t, DefaultDenialReasons, m.DenialReasons)
	assert.Equal(t, DefaultModelRegistryChanges, m.ModelRegistryChanges)
	assert.True(t, c.Environments[0].HasCostsStack(), "eu-west-1 needs a costs stack in us-east-1")

	c, err = Parse("base.yaml", []byte(strings.ReplaceAll(base, "eu-west-1", "us-east-1")))
	require.NoError(t, err)
	assert.Equal(t, []string{"us-east-1"}, c.Environments[0].Monitoring.AllowedRegions, "us-east-1 once")
	assert.False(t, c.Environments[0].HasCostsStack(), "in us-east-1 the platform stack holds the alerts")
}

func TestInvalidMonitoringNamesFieldValueAndAllowed(t *testing.T) {
	const at = "    alarmEmail: secops@example.com"
	for _, tc := range []struct{ name, with, want string }{
		{"bad region", "allowedRegions: [eu-west-1, us-east-5x]", `environments[0].monitoring.allowedRegions[1]: "us-east-5x" is not an AWS region name`},
		{"region twice", "allowedRegions: [eu-west-1, eu-west-1]", `environments[0].monitoring.allowedRegions[1]: "eu-west-1" is listed twice`},
		{"own region missing", "allowedRegions: [us-east-1]", "environments[0].monitoring.allowedRegions: us-east-1 does not include the environment's region eu-west-1"},
		{"threshold negative", "audioDeletes: -3", "environments[0].monitoring.audioDeletes: -3 is out of range (1 to 1000000 events per 5 minutes)"},
		{"threshold too high", "foreignRegionCalls: 2000000", "environments[0].monitoring.foreignRegionCalls: 2000000 is out of range"},
		{"denials negative", "authorizerDenials: -1", "environments[0].monitoring.authorizerDenials: -1 is out of range"},
		{"registry negative", "modelRegistryChanges: -1", "environments[0].monitoring.modelRegistryChanges: -1 is out of range"},
		{"unknown reason", "denialReasons: [bad_signature, hacker]", `environments[0].monitoring.denialReasons[1]: "hacker" is not a denial reason of the authorizer (one of: malformed_header,`},
		{"reason twice", "denialReasons: [expired, expired]", `environments[0].monitoring.denialReasons[1]: "expired" is listed twice`},
		{"publisher not a role", "modelPublisherRoleArns: [arn:aws:iam::111111111111:user/x]", `environments[0].monitoring.modelPublisherRoleArns[0]: "arn:aws:iam::111111111111:user/x" is not an IAM role ARN`},
		{"too many publishers", "modelPublisherRoleArns: [arn:aws:iam::111111111111:role/a, arn:aws:iam::111111111111:role/b, arn:aws:iam::111111111111:role/c, arn:aws:iam::111111111111:role/d, arn:aws:iam::111111111111:role/e]", "environments[0].monitoring.modelPublisherRoleArns: 5 roles; at most 4"},
		{"publisher elsewhere", "modelPublisherRoleArns: [arn:aws:iam::999999999999:role/x]", "environments[0].monitoring.modelPublisherRoleArns[0]: role is in account 999999999999, not the environment's account 111111111111"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(base, at, at+"\n    monitoring: {"+tc.with+"}", 1)
			_, err := Parse("bad.yaml", []byte(src))
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrInvalid))
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestDenialReasonsAreTheAuthorizersOwn holds DenialReasons equal to the Reason constants of
// lambda/authorizer/authz (all but "ok" and "missing_credentials", which are not denials), read
// from its source so that config needs no import of the Lambda's code.
func TestDenialReasonsAreTheAuthorizersOwn(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "../lambda/authorizer/authz/reason.go", nil, 0)
	require.NoError(t, err)
	var reasons []string
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok || vs.Type == nil || vs.Type.(*ast.Ident).Name != "Reason" {
			return true
		}
		for _, v := range vs.Values {
			s, err := strconv.Unquote(v.(*ast.BasicLit).Value)
			require.NoError(t, err)
			if s != "ok" && s != "missing_credentials" {
				reasons = append(reasons, s)
			}
		}
		return true
	})
	require.NotEmpty(t, reasons)
	assert.ElementsMatch(t, reasons, DenialReasons)
	for _, r := range DefaultDenialReasons {
		assert.True(t, slices.Contains(DenialReasons, r), r)
	}
}
