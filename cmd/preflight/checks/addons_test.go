package checks_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/cmd/preflight/checks"
	"github.com/voicevault/voicevault/cmd/preflight/checks/fakeaws"
	"github.com/voicevault/voicevault/constructs/observability"
)

// observabilitySchema is shaped like the amazon-cloudwatch-observability add-on's configuration
// schema: containerLogs → fluentBit → config → service, customParsers and extraFiles (the three
// Fluent Bit files as strings), every level closed with additionalProperties: false.
var observabilitySchema = func() string {
	b, err := os.ReadFile("testdata/amazon-cloudwatch-observability.schema.json")
	if err != nil {
		panic(err)
	}
	return string(b)
}()

const (
	defaultVersion = "v4.4.0-eksbuild.1" // EKS's default for Kubernetes 1.33 and 1.34
	newerVersion   = "v4.5.0-eksbuild.1" // newer, not the default
)

// observabilityAddon has two versions for Kubernetes 1.33 and 1.34: the default, with schema
// defaultSchema, and a newer one, with newerSchema.
func observabilityAddon(defaultSchema, newerSchema string) fakeaws.AddonInfo {
	versions := []fakeaws.AddonVersion{{Version: newerVersion}, {Version: defaultVersion, Default: true}}
	return fakeaws.AddonInfo{
		Versions: map[string][]fakeaws.AddonVersion{"1.33": versions, "1.34": versions},
		Schemas:  map[string]string{defaultVersion: defaultSchema, newerVersion: newerSchema},
	}
}

// schemaWith is the fixture schema changed by edit.
func schemaWith(t *testing.T, edit func(root map[string]any)) string {
	t.Helper()
	var root map[string]any
	require.NoError(t, json.Unmarshal([]byte(observabilitySchema), &root))
	edit(root)
	b, err := json.Marshal(root)
	require.NoError(t, err)
	return string(b)
}

// props is the properties object of the schema at keys, from node.
func props(node map[string]any, keys ...string) map[string]any {
	p := node["properties"].(map[string]any)
	for _, k := range keys {
		p = p[k].(map[string]any)["properties"].(map[string]any)
	}
	return p
}

func TestObservabilityAddonConfigurationSchema(t *testing.T) {
	const (
		path   = `containerLogs.fluentBit.config.extraFiles["application-log.conf"]`
		config = "containerLogs.fluentBit.config"
	)
	cases := []struct {
		name    string
		account func(t *testing.T, a *fakeaws.Account)
		verdict checks.Verdict
		subject string
		found   string
		fix     string
	}{
		{
			name:    "the default version's schema has the path",
			verdict: checks.OK, subject: checks.ObservabilityAddon + " " + path,
			found: "declared by the configuration schema of " + defaultVersion + " (default for Kubernetes 1.34)",
		},
		{
			name: "the default version's schema lacks extraFiles",
			account: func(t *testing.T, a *fakeaws.Account) {
				// The newer version has the path: the check must read the default one, which EKS installs.
				a.Addons[checks.ObservabilityAddon] = observabilityAddon(schemaWith(t, func(root map[string]any) {
					delete(props(root, "containerLogs", "fluentBit", "config"), "extraFiles")
				}), observabilitySchema)
			},
			verdict: checks.Blocker, subject: checks.ObservabilityAddon + " " + path,
			found: "the configuration schema of " + defaultVersion + " (default for Kubernetes 1.34) has no extraFiles under " + config,
			fix:   "pin an add-on version whose configuration schema has " + path + ", or remove the per-tenant log routing",
		},
		{
			name: "a schema of $ref definitions",
			account: func(t *testing.T, a *fakeaws.Account) {
				a.Addons[checks.ObservabilityAddon] = observabilityAddon(schemaWith(t, func(root map[string]any) {
					fluentBit := props(root, "containerLogs")["fluentBit"].(map[string]any)
					cfg := props(fluentBit)["config"]
					props(fluentBit)["config"] = map[string]any{"$ref": "#/$defs/fluentBitConfig"}
					props(root, "containerLogs")["fluentBit"] = map[string]any{"$ref": "#/definitions/fluentBit"}
					root["definitions"] = map[string]any{"fluentBit": fluentBit}
					root["$defs"] = map[string]any{"fluentBitConfig": cfg}
				}), "{}")
			},
			verdict: checks.OK, subject: checks.ObservabilityAddon + " " + path,
			found: "declared by the configuration schema of " + defaultVersion,
		},
		{
			name: "extraFiles takes any key",
			account: func(t *testing.T, a *fakeaws.Account) {
				a.Addons[checks.ObservabilityAddon] = observabilityAddon(schemaWith(t, func(root map[string]any) {
					props(root, "containerLogs", "fluentBit", "config")["extraFiles"] = map[string]any{"type": "object", "additionalProperties": true}
				}), "{}")
			},
			verdict: checks.OK, subject: checks.ObservabilityAddon + " " + path,
			found: "accepted by the configuration schema of " + defaultVersion + " (default for Kubernetes 1.34): " + config + ".extraFiles takes any key (additionalProperties: true)",
		},
		{
			name: "config is an object without properties",
			account: func(t *testing.T, a *fakeaws.Account) {
				a.Addons[checks.ObservabilityAddon] = observabilityAddon(schemaWith(t, func(root map[string]any) {
					props(root, "containerLogs", "fluentBit")["config"] = map[string]any{"type": "object"}
				}), "{}")
			},
			verdict: checks.OK, subject: checks.ObservabilityAddon + " " + path,
			found: config + " takes any key (a schema without properties)",
		},
		{
			name: "extraFiles is a string",
			account: func(t *testing.T, a *fakeaws.Account) {
				a.Addons[checks.ObservabilityAddon] = observabilityAddon(schemaWith(t, func(root map[string]any) {
					props(root, "containerLogs", "fluentBit", "config")["extraFiles"] = map[string]any{"type": "string"}
				}), "{}")
			},
			verdict: checks.Blocker, subject: checks.ObservabilityAddon + " " + path,
			found: `has no application-log.conf under ` + config + `.extraFiles`,
		},
		{
			name: "no version is the default: the newest",
			account: func(t *testing.T, a *fakeaws.Account) {
				a.Addons[checks.ObservabilityAddon] = fakeaws.AddonInfo{
					Versions: map[string][]fakeaws.AddonVersion{"1.34": {{Version: "v4.9.0-eksbuild.1"}, {Version: "v4.10.0-eksbuild.1"}}},
					Schemas:  map[string]string{"v4.9.0-eksbuild.1": observabilitySchema, "v4.10.0-eksbuild.1": "{}"},
				}
			},
			verdict: checks.OK, subject: checks.ObservabilityAddon + " " + path,
			found: "v4.10.0-eksbuild.1 (newest for Kubernetes 1.34; none is marked default)",
		},
		{
			name:    "not available for the Kubernetes version",
			account: func(t *testing.T, a *fakeaws.Account) { delete(a.Addons[checks.ObservabilityAddon].Versions, "1.34") },
			verdict: checks.Blocker, subject: checks.ObservabilityAddon,
			found: "not available for Kubernetes 1.34 in eu-west-1", fix: "set environments[prod].kubernetesVersion to a version the add-on supports",
		},
		{
			name:    "unknown to EKS in the region",
			account: func(t *testing.T, a *fakeaws.Account) { a.Addons = nil },
			verdict: checks.Blocker, subject: checks.ObservabilityAddon,
			found: "not available for Kubernetes 1.34 in eu-west-1",
		},
		{
			name:    "DescribeAddonVersions denied",
			account: func(t *testing.T, a *fakeaws.Account) { a.Denied = map[string]bool{"eks:DescribeAddonVersions": true} },
			verdict: checks.Warning, subject: checks.ObservabilityAddon,
			found: "could not check: AccessDeniedException", fix: "allow eks:DescribeAddonVersions to the caller",
		},
		{
			name: "DescribeAddonConfiguration denied",
			account: func(t *testing.T, a *fakeaws.Account) {
				a.Denied = map[string]bool{"eks:DescribeAddonConfiguration": true}
			},
			verdict: checks.Warning, subject: checks.ObservabilityAddon + " " + defaultVersion,
			found: "could not check: AccessDeniedException", fix: "allow eks:DescribeAddonConfiguration to the caller",
		},
		{
			name: "not JSON",
			account: func(t *testing.T, a *fakeaws.Account) {
				a.Addons[checks.ObservabilityAddon] = observabilityAddon(`{"properties": {"containerLogs": `, observabilitySchema)
			},
			verdict: checks.Warning, subject: checks.ObservabilityAddon + " " + defaultVersion,
			found: "could not check: the configuration schema of " + defaultVersion + " is not usable: configuration schema: not JSON",
			fix:   "aws eks describe-addon-configuration --addon-name amazon-cloudwatch-observability --addon-version " + defaultVersion,
		},
		{
			name: "properties that are not an object",
			account: func(t *testing.T, a *fakeaws.Account) {
				a.Addons[checks.ObservabilityAddon] = observabilityAddon(`{"type": "object", "properties": ["containerLogs"]}`, observabilitySchema)
			},
			verdict: checks.Warning, subject: checks.ObservabilityAddon + " " + defaultVersion,
			found: "the properties of (root) are not an object",
		},
		{
			name: "a $ref that loops",
			account: func(t *testing.T, a *fakeaws.Account) {
				a.Addons[checks.ObservabilityAddon] = observabilityAddon(`{"properties": {"containerLogs": {"$ref": "#/definitions/a"}}, "definitions": {"a": {"$ref": "#/definitions/a"}}}`, observabilitySchema)
			},
			verdict: checks.Warning, subject: checks.ObservabilityAddon + " " + defaultVersion,
			found: "containerLogs: $ref loops",
		},
		{
			name: "a $ref to another document",
			account: func(t *testing.T, a *fakeaws.Account) {
				a.Addons[checks.ObservabilityAddon] = observabilityAddon(`{"properties": {"containerLogs": {"$ref": "https://example.com/logs.json"}}}`, observabilitySchema)
			},
			verdict: checks.Warning, subject: checks.ObservabilityAddon + " " + defaultVersion,
			found: "refers to https://example.com/logs.json, outside the document",
		},
		{
			name: "an empty schema string",
			account: func(t *testing.T, a *fakeaws.Account) {
				a.Addons[checks.ObservabilityAddon] = observabilityAddon("", observabilitySchema)
			},
			verdict: checks.Warning, subject: checks.ObservabilityAddon + " " + defaultVersion,
			found: "configuration schema: empty",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := emptyAccount()
			if tc.account != nil {
				tc.account(t, a)
			}
			rep, _ := run(t, loadDeployment(t, deployment), a)
			var g *checks.Group
			for i := range rep.Groups {
				if rep.Groups[i].Name == "EKS add-on configuration" {
					g = &rep.Groups[i]
				}
			}
			require.NotNil(t, g, printed(rep))
			require.Len(t, g.Rows, 1, printed(rep))
			row := g.Rows[0]
			assert.Equal(t, "add-on configuration", row.Check)
			assert.Equal(t, tc.verdict, row.Verdict, row.Found)
			assert.Equal(t, tc.subject, row.Subject)
			assert.Contains(t, row.Found, tc.found)
			assert.Contains(t, row.Fix, tc.fix)
			if tc.verdict == checks.OK {
				assert.Empty(t, row.Fix)
			} else {
				assert.NotEmpty(t, row.Fix)
			}
			// Only this group's verdict changes: the rest of the empty account is ready.
			assert.Equal(t, tc.verdict == checks.Blocker, rep.ExitCode() == 1, printed(rep))
		})
	}
}

// TestObservabilityConfigPathsAreInTheFixture keeps the fixture and the paths VoiceVault sets in
// step: every path names keys of the fixture's properties, down to a string.
func TestObservabilityConfigPathsAreInTheFixture(t *testing.T) {
	var root map[string]any
	require.NoError(t, json.Unmarshal([]byte(observabilitySchema), &root))
	require.NotEmpty(t, checks.ObservabilityConfigPaths)
	for _, path := range checks.ObservabilityConfigPaths {
		node := root
		for _, k := range path {
			p, ok := node["properties"].(map[string]any)
			require.True(t, ok, "%v: properties above %s", path, k)
			node, ok = p[k].(map[string]any)
			require.True(t, ok, "%v: the fixture has no %s", path, k)
		}
		assert.Equal(t, "string", node["type"], "%v: a Fluent Bit file is a string", path)
	}
}

// TestCheckedPathsAreWhatTheConstructSets: preflight checks exactly the configuration paths the
// observability construct sets (preflight keeps its own copy so the command builds without the CDK).
func TestCheckedPathsAreWhatTheConstructSets(t *testing.T) {
	assert.Equal(t, observability.ConfigPaths, checks.ObservabilityConfigPaths)
	assert.Equal(t, observability.AddonName, checks.ObservabilityAddon)
}
