package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/cmd/preflight/checks"
	"github.com/voicevault/voicevault/cmd/preflight/checks/fakeaws"
)

// observabilitySchema is the add-on configuration schema fixture of the checks' tests.
var observabilitySchema = func() string {
	b, err := os.ReadFile("checks/testdata/amazon-cloudwatch-observability.schema.json")
	if err != nil {
		panic(err)
	}
	return string(b)
}()

// readyAccount answers for the example configuration's prod environment with nothing in the way.
func readyAccount() *fakeaws.Account {
	all := []string{"g5.xlarge", "g6.xlarge"}
	return &fakeaws.Account{
		Addons: map[string]fakeaws.AddonInfo{checks.ObservabilityAddon: {
			Versions: map[string][]fakeaws.AddonVersion{"1.34": {{Version: "v4.4.0-eksbuild.1", Default: true}}},
			Schemas:  map[string]string{"v4.4.0-eksbuild.1": observabilitySchema},
		}},
		ID:          "111111111111",
		Quotas:      map[string]float64{checks.QuotaGAndVT: 64, checks.QuotaLambdaConcurrent: 1000},
		Offerings:   map[string][]string{"eu-west-1a": all, "eu-west-1b": all, "eu-west-1c": all},
		K8sVersions: map[string]string{"1.34": "STANDARD_SUPPORT"},
		Roles:       map[string]bool{"VoiceVaultPlatformAdmin": true},
		Certs: map[string]fakeaws.Certificate{
			"arn:aws:acm:eu-west-1:111111111111:certificate/5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9": {Status: "ISSUED", Domain: "ingress.prod.voicevault.example"},
			"arn:aws:acm:eu-west-1:111111111111:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d": {Status: "ISSUED", Domain: "voice.globex.example"},
		},
	}
}

func runWith(t *testing.T, a *fakeaws.Account, args ...string) (int, string, string, *fakeaws.Server) {
	t.Helper()
	srv := fakeaws.New(a)
	t.Cleanup(srv.Close)
	o := &checks.Options{
		AWS:      aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIAFAKE", "secret", ""), RetryMaxAttempts: 1},
		Endpoint: srv.URL,
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr, o)
	return code, stdout.String(), stderr.String(), srv
}

const example = "../../config/example.yaml"

func TestExitCodes(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("environments: [{name: x}]\n"), 0o600))
	blocked := readyAccount()
	blocked.Quotas[checks.QuotaGAndVT] = 0
	denied := readyAccount()
	denied.Denied = map[string]bool{"sts:GetCallerIdentity": true}
	cases := []struct {
		name    string
		account *fakeaws.Account
		args    []string
		code    int
		stderr  string
	}{
		{"ready", readyAccount(), []string{"-config", example, "prod"}, 0, ""},
		{"a blocker", blocked, []string{"-config", example, "prod"}, 1, ""},
		{"no environment", readyAccount(), []string{"-config", example}, 2, "usage: preflight"},
		{"unknown environment", readyAccount(), []string{"-config", example, "staging"}, 2, `environment "staging" is not in ../../config/example.yaml (one of: prod, initech)`},
		{"invalid file", readyAccount(), []string{"-config", bad, "x"}, 2, "problem(s):"},
		{"missing file", readyAccount(), []string{"-config", "nope.yaml", "prod"}, 2, "not found"},
		{"no credentials", denied, []string{"-config", example, "prod"}, 2, "no usable AWS credentials: sts GetCallerIdentity: AccessDenied"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr, _ := runWith(t, tc.account, tc.args...)
			assert.Equal(t, tc.code, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
			assert.Contains(t, stderr, tc.stderr)
			if code == 2 {
				assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)
				assert.NotContains(t, stderr, "goroutine")
			}
		})
	}
}

func TestLookupRoleIsAssumedFirst(t *testing.T) {
	code, stdout, _, srv := runWith(t, readyAccount(), "-config", example, "-lookup-role", "prod")
	assert.Equal(t, 0, code, stdout)
	assert.Equal(t, []string{"arn:aws:iam::111111111111:role/cdk-vvault-lookup-role-111111111111-eu-west-1"}, srv.Assumed)
}
