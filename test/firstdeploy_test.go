package test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/config"
	"github.com/voicevault/voicevault/constructs/apiedge"
	"github.com/voicevault/voicevault/internal/review/assembly"
	"github.com/voicevault/voicevault/internal/review/deploycheck"
	"github.com/voicevault/voicevault/naming"
)

// The example as CloudFormation and AWS meet it in a fresh account (package deploycheck). Each
// test below fails on the templates of d10f187, whose review found these classes.

func firstDeployInputs(c *config.Config) deploycheck.Inputs {
	in := deploycheck.Inputs{}
	for _, e := range c.Environments {
		in.Principals = append(in.Principals, e.ClusterAdminRoleARNs...)
	}
	for _, s := range config.Singletons {
		in.Singletons = append(in.Singletons, s.ResourceType)
	}
	return in
}

func assertNoFindings(t *testing.T, fs []deploycheck.Finding) {
	t.Helper()
	for _, f := range fs {
		t.Error(f.String())
	}
}

func TestNoPolicyNamesAPrincipalThatMayNotExistYet(t *testing.T) {
	assertNoFindings(t, deploycheck.Principals(exampleAssembly(t), firstDeployInputs(example(t).Config)))
}

func TestNoPolicyRepeatsAStatementID(t *testing.T) {
	assertNoFindings(t, deploycheck.UniqueSids(exampleAssembly(t)))
}

// TestNoSecurityGroupRuleIsCreatedTwice: the example's pooled tenants share port 8080 on one
// cluster security group; the deployment creates each rule once.
func TestNoSecurityGroupRuleIsCreatedTwice(t *testing.T) {
	assertNoFindings(t, deploycheck.UniqueSecurityGroupRules(exampleAssembly(t)))
}

func TestAFailedFirstCreateRollsBackWithoutDebris(t *testing.T) {
	assertNoFindings(t, deploycheck.Rollback(exampleAssembly(t), firstDeployInputs(example(t).Config)))
}

func TestEachAccountRegionSingletonIsCreatedOnce(t *testing.T) {
	assertNoFindings(t, deploycheck.Singletons(exampleAssembly(t), firstDeployInputs(example(t).Config).Singletons))
}

func TestPrivateIntegrationsTargetTheSharedLoadBalancer(t *testing.T) {
	a := exampleAssembly(t)
	assertNoFindings(t, deploycheck.IntegrationTargets(a))
	methods := 0
	for _, s := range a.Stacks {
		methods += len(s.OfType("AWS::ApiGateway::Method"))
	}
	assert.Equal(t, 3*len(apiedge.Routes()), methods, "every route of the three example APIs was checked")
}

func TestPodsStartAfterTheirPodIdentityAssociation(t *testing.T) {
	a := exampleAssembly(t)
	assertNoFindings(t, deploycheck.PodsAfterIdentity(a))
	for _, s := range a.Stacks {
		if strings.Contains(s.Name, "-tenant-") {
			assert.Len(t, s.OfType("AWS::EKS::PodIdentityAssociation"), 1, s.Name)
		}
	}
}

// TestEveryRequestPathReachesAPodRoute follows each route of each tenant API the way the request
// travels: API Gateway sends the integration URI's path with the stage in front (API Gateway
// developer guide, "Private integrations for REST APIs"), the shared listener's rule for the
// tenant must match that path (ALB path patterns: * and ?, case-sensitive), and its url-rewrite
// transform must hand the pod exactly the route's path (Elastic Load Balancing user guide,
// "Transforms for listener rules").
func TestEveryRequestPathReachesAPodRoute(t *testing.T) {
	a := exampleAssembly(t)
	sample := regexp.MustCompile(`\{[A-Za-z0-9]+\}`)
	checked := 0
	for _, s := range a.Stacks {
		rules := s.OfType("AWS::ElasticLoadBalancingV2::ListenerRule")
		if !strings.Contains(s.Name, "-tenant-") {
			continue
		}
		require.Len(t, rules, 1, s.Name)
		rule := rules[0].Properties
		var patterns []string
		for _, c := range assembly.List(rule["Conditions"]) {
			if assembly.Get(c, "Field") == "path-pattern" {
				patterns = append(patterns, assembly.Strings(assembly.Get(c, "PathPatternConfig", "Values"))...)
			}
		}
		require.NotEmpty(t, patterns, s.Name)
		var rewrite *regexp.Regexp
		var replace string
		for _, tr := range assembly.List(rule["Transforms"]) {
			if assembly.Get(tr, "Type") == "url-rewrite" {
				rw := assembly.List(assembly.Get(tr, "UrlRewriteConfig", "Rewrites"))
				require.Len(t, rw, 1, s.Name)
				rewrite = regexp.MustCompile(assembly.Get(rw[0], "Regex").(string))
				replace = strings.ReplaceAll(assembly.Get(rw[0], "Replace").(string), "$1", "${1}")
			}
		}
		require.NotNil(t, rewrite, "%s: the stage must be removed before the pods", s.Name)

		uris := map[string]bool{}
		for _, m := range s.OfType("AWS::ApiGateway::Method") {
			uri := assembly.Render(assembly.Get(m.Properties, "Integration", "Uri"))
			_, p, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(uri, "https://"), "http://"), "/")
			uris["/"+p] = true
		}
		for _, rt := range apiedge.Routes() {
			require.True(t, uris[rt.Path], "%s: a method integrates %s", s.Name, rt.Path)
			arriving := sample.ReplaceAllString(apiedge.BackendPath(rt), "abc-123") + "?limit=5"
			matched := false
			for _, pt := range patterns {
				if globMatch(pt, strings.Split(arriving, "?")[0]) {
					matched = true
				}
			}
			assert.True(t, matched, "%s: %s %s arrives as %s, which no path pattern %v of the tenant's rule matches", s.Name, rt.Method, rt.Path, arriving, patterns)
			want := sample.ReplaceAllString(rt.Path, "abc-123") + "?limit=5"
			assert.Equal(t, want, rewrite.ReplaceAllString(arriving, replace), "%s: the pod receives the route's own path", s.Name)
			checked++
		}
	}
	assert.Equal(t, 3*len(apiedge.Routes()), checked)
}

// globMatch is an ALB path pattern match: * any sequence (slashes included), ? one character.
func globMatch(pattern, s string) bool {
	re := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(pattern)) + "$"
	return regexp.MustCompile(re).MatchString(s)
}

// TestAnEnvironmentWithoutGitHubStillHasItsBoundary: every role carries the environment's
// permissions boundary, which the delivery stack creates; an environment deployed by hand
// (no deployment.github) gets the delivery stack too, with the policies and no GitHub roles.
func TestAnEnvironmentWithoutGitHubStillHasItsBoundary(t *testing.T) {
	v := variant(t) // initech has no deployment.github there
	e, ok := v.Config.Environment("initech")
	require.True(t, ok)
	require.Nil(t, e.Deployment.GitHub)
	delivery := v.JSON(t, naming.DeliveryStack("initech"))
	boundaries, roles := 0, 0
	for _, r := range delivery["Resources"].(map[string]any) {
		r := r.(map[string]any)
		switch r["Type"] {
		case "AWS::IAM::ManagedPolicy":
			if assembly.Get(r, "Properties", "ManagedPolicyName") == naming.BoundaryPolicy("initech") {
				boundaries++
			}
		case "AWS::IAM::Role", "AWS::IAM::OIDCProvider":
			roles++
		}
	}
	assert.Equal(t, 1, boundaries, "the boundary every initech role names")
	assert.Zero(t, roles, "no GitHub OIDC provider or roles without deployment.github")
	for _, stack := range []string{naming.PlatformStack("initech"), naming.TenantStack("initech", "initech")} {
		for id, r := range v.Resources(t, stack, "AWS::IAM::Role") {
			assert.Contains(t, assembly.Render(r["Properties"].(map[string]any)["PermissionsBoundary"]), naming.BoundaryPolicy("initech"), "%s/%s", stack, id)
		}
	}
}
