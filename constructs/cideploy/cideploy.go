// Package cideploy creates what lets a GitHub Actions workflow deploy one VoiceVault environment
// with no long-lived credentials, and what limits that deployment:
//
//   - the account's GitHub OIDC provider (or the existing one),
//   - a deploy role that only jobs of the configured repository and GitHub environment can assume
//     (the environment's protection rules — required reviewers, deployment branch — gate it),
//     and that may only assume the CDK bootstrap roles of the environment's qualifier,
//   - a diff role for pull-request jobs that may only assume the bootstrap lookup role (read-only),
//   - the CloudFormation execution policies `cdk bootstrap --cloudformation-execution-policies`
//     gives the execution role, computed from the resource types of the environment's templates
//     (catalog.go, policy.go), instead of AdministratorAccess,
//   - the permissions boundary (boundary.go) carried by the execution role and every role the
//     environment's stacks create.
//
// The stack holding it is deployed once by an administrator, before `cdk bootstrap` (which
// refers to its policies), and again whenever the execution policy changes: the pipeline can't
// widen its own permissions.
package cideploy

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/voicevault/voicevault/internal/review/access"
	"github.com/voicevault/voicevault/naming"
)

// GitHubIssuer is the OIDC issuer of GitHub Actions tokens.
const GitHubIssuer = "token.actions.githubusercontent.com"

// GitHubAudience is the audience aws-actions/configure-aws-credentials asks GitHub for.
const GitHubAudience = "sts.amazonaws.com"

// Props configures an environment's delivery roles and policies.
type Props struct {
	// Target is the VoiceVault environment. Required. Without GitHub there is no OIDC provider
	// and no deploy or diff role: only the execution policies and the boundary.
	Target Target
	// ResourceTypes are the CloudFormation resource types of every stack deployed into the
	// environment through the bootstrap roles. Required.
	ResourceTypes []string
	// Flows are the environment's runtime flows (stacks.Flows): the permissions boundary's runtime
	// ceiling is derived from the must-allow ones (access.Ceiling). Required.
	Flows []access.Flow
}

// CIDeploy is an environment's delivery identity and policies.
type CIDeploy interface {
	constructs.Construct
	// Provider is the GitHub OIDC provider (created here or imported); nil without deployment.github.
	Provider() awsiam.IOidcProvider
	// DeployRole is assumed by deploy jobs of the configured GitHub environment; nil without deployment.github.
	DeployRole() awsiam.Role
	// DiffRole is assumed by pull-request jobs; nil without deployment.github.
	DiffRole() awsiam.Role
	// ExecutionPolicies are the CloudFormation execution policies, naming.ExecutionPolicyCount of them.
	ExecutionPolicies() []awsiam.ManagedPolicy
	// Boundary is the permissions boundary policy.
	Boundary() awsiam.ManagedPolicy
	// ExecutionStatements is the execution policy as plain Go, before it was spread over the policies.
	ExecutionStatements() []Statement
}

type ciDeploy struct {
	constructs.Construct
	provider  awsiam.IOidcProvider
	deploy    awsiam.Role
	diff      awsiam.Role
	exec      []awsiam.ManagedPolicy
	boundary  awsiam.ManagedPolicy
	execStmts []Statement
	runtime   []string
}

func (c *ciDeploy) Provider() awsiam.IOidcProvider            { return c.provider }
func (c *ciDeploy) DeployRole() awsiam.Role                   { return c.deploy }
func (c *ciDeploy) DiffRole() awsiam.Role                     { return c.diff }
func (c *ciDeploy) ExecutionPolicies() []awsiam.ManagedPolicy { return c.exec }
func (c *ciDeploy) Boundary() awsiam.ManagedPolicy            { return c.boundary }
func (c *ciDeploy) ExecutionStatements() []Statement          { return c.execStmts }

// New creates the delivery roles and policies. A resource type the execution policy can't cover
// becomes a synth error on the construct (the app then fails and names the type); the
// policies are left out.
func New(scope constructs.Construct, id string, props Props) CIDeploy {
	t := props.Target
	if t.Name == "" || t.Account == "" || t.Region == "" || t.Qualifier == "" {
		panic(fmt.Errorf("ci deploy %q: an environment (name, account, region, qualifier) is required", id))
	}
	c := &ciDeploy{}
	constructs.NewConstruct_Override(c, scope, jsii.String(id))
	if t.GitHub != nil {
		c.addGitHubRoles(t)
	}
	c.addPolicies(t, props.ResourceTypes, props.Flows)
	return c
}

// addGitHubRoles adds the GitHub OIDC provider and the deploy and diff roles.
func (c *ciDeploy) addGitHubRoles(t Target) {
	e, gh := t, t.GitHub

	if gh.ExistingOIDCProvider {
		c.provider = awsiam.OidcProviderNative_FromOidcProviderArn(c, jsii.String("GitHubOIDCProvider"), jsii.String(e.IAMARN("oidc-provider/"+GitHubIssuer)))
	} else {
		c.provider = awsiam.NewOidcProviderNative(c, jsii.String("GitHubOIDCProvider"), &awsiam.OidcProviderNativeProps{
			Url:       jsii.String("https://" + GitHubIssuer),
			ClientIds: jsii.Strings(GitHubAudience),
			// Kept when the stack goes: other environments of the account may trust it.
			RemovalPolicy: awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE,
		})
	}

	stackARN := fmt.Sprintf("arn:%s:cloudformation:%s:%s:stack/%s/*", e.partition(), e.Region, e.Account, naming.DeliveryStack(e.Name))
	readDeliveryStack := awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ReadTheDeliveryStackForDiff"),
		Actions:   jsii.Strings("cloudformation:DescribeStacks", "cloudformation:GetTemplate"),
		Resources: jsii.Strings(stackARN),
	})
	var bootstrapRoles []string
	for _, kind := range []string{naming.BootstrapDeployRole, naming.BootstrapFilePublishingRole, naming.BootstrapImagePublishingRole, naming.BootstrapLookupRole} {
		bootstrapRoles = append(bootstrapRoles, t.BootstrapRoleARNs(kind)...) // the costs stack's us-east-1 bootstrap too
	}
	c.deploy = awsiam.NewRole(c, jsii.String("DeployRole"), &awsiam.RoleProps{
		RoleName:    jsii.String(naming.DeployRole(e.Name)),
		Description: jsii.String(fmt.Sprintf("VoiceVault %s: GitHub Actions deploy jobs of %s in environment %s; may only assume the cdk-%s bootstrap roles", e.Name, gh.Repository, gh.Environment, e.Qualifier)),
		AssumedBy:   githubPrincipal(c.provider, DeploySubject(gh)),
		// A platform deploy (EKS cluster, node groups) can outlast the default hour.
		MaxSessionDuration: awscdk.Duration_Hours(jsii.Number(2)),
		InlinePolicies: &map[string]awsiam.PolicyDocument{
			"AssumeBootstrapRolesOnly": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &[]awsiam.PolicyStatement{
				awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Sid:       jsii.String("AssumeTheBootstrapRoles"),
					Actions:   jsii.Strings("sts:AssumeRole"),
					Resources: jsii.Strings(bootstrapRoles...),
				}),
				readDeliveryStack,
			}}),
		},
	})
	c.diff = awsiam.NewRole(c, jsii.String("DiffRole"), &awsiam.RoleProps{
		RoleName:    jsii.String(naming.DiffRole(e.Name)),
		Description: jsii.String(fmt.Sprintf("VoiceVault %s: GitHub Actions pull-request jobs of %s; may only assume the read-only cdk-%s lookup role (cdk diff)", e.Name, gh.Repository, e.Qualifier)),
		AssumedBy:   githubPrincipal(c.provider, DiffSubject(gh)),
		InlinePolicies: &map[string]awsiam.PolicyDocument{
			"AssumeLookupRoleOnly": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &[]awsiam.PolicyStatement{
				awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Sid:       jsii.String("AssumeTheLookupRole"),
					Actions:   jsii.Strings("sts:AssumeRole"),
					Resources: jsii.Strings(t.BootstrapRoleARNs(naming.BootstrapLookupRole)...),
				}),
				readDeliveryStack,
			}}),
		},
	})
}

// addPolicies adds the CloudFormation execution policies and the permissions boundary.
func (c *ciDeploy) addPolicies(t Target, resourceTypes []string, flows []access.Flow) {
	e := t
	stmts, err := ExecutionStatements(t, resourceTypes)
	if err != nil {
		awscdk.Annotations_Of(c).AddError(jsii.String("CloudFormation execution policy: " + err.Error()))
		return
	}
	c.execStmts = stmts
	parts, err := Pack(stmts, naming.ExecutionPolicyCount, MaxManagedPolicySize)
	if err != nil {
		awscdk.Annotations_Of(c).AddError(jsii.String("CloudFormation execution policy: " + err.Error()))
		return
	}
	for i, part := range parts {
		n := i + 1
		c.exec = append(c.exec, managedPolicy(c, fmt.Sprintf("ExecutionPolicy%d", n), naming.ExecutionPolicy(e.Name, n),
			fmt.Sprintf("VoiceVault %s: CloudFormation execution policy %d of %d (cdk bootstrap --cloudformation-execution-policies)", e.Name, n, len(parts)), part))
	}
	managed, err := access.BoundaryManagedPolicies()
	if err == nil {
		c.runtime, err = access.Ceiling(flows, managed, Services(stmts))
	}
	if err != nil {
		awscdk.Annotations_Of(c).AddError(jsii.String("permissions boundary: " + err.Error()))
		return
	}
	boundary := BoundaryStatements(t, Services(stmts), c.runtime)
	if s := Size(boundary); s > MaxManagedPolicySize {
		awscdk.Annotations_Of(c).AddError(jsii.String(fmt.Sprintf("permissions boundary is %d characters; IAM allows %d", s, MaxManagedPolicySize)))
		return
	}
	c.boundary = managedPolicy(c, "PermissionsBoundary", naming.BoundaryPolicy(e.Name),
		fmt.Sprintf("VoiceVault %s: permissions boundary of the CloudFormation execution role and of every role the %s stacks create", e.Name, e.Name), boundary)
}

// DeploySubject is the OIDC subject of a deploy job: the repository and the GitHub environment.
func DeploySubject(gh *GitHub) string {
	return "repo:" + gh.Repository + ":environment:" + gh.Environment
}

// DiffSubject is the OIDC subject of a pull-request job of the repository.
func DiffSubject(gh *GitHub) string { return "repo:" + gh.Repository + ":pull_request" }

func githubPrincipal(provider awsiam.IOidcProvider, subject string) awsiam.IPrincipal {
	return awsiam.NewOpenIdConnectPrincipal(provider, &map[string]interface{}{
		"StringEquals": map[string]interface{}{
			GitHubIssuer + ":aud": GitHubAudience,
			GitHubIssuer + ":sub": subject,
		},
	})
}

func managedPolicy(scope constructs.Construct, id, name, description string, stmts []Statement) awsiam.ManagedPolicy {
	var cdk []awsiam.PolicyStatement
	for _, s := range stmts {
		cdk = append(cdk, s.cdk())
	}
	return awsiam.NewManagedPolicy(scope, jsii.String(id), &awsiam.ManagedPolicyProps{
		ManagedPolicyName: jsii.String(name),
		Description:       jsii.String(description),
		// Not minimized: the document is exactly the reviewed statements, in order.
		Document: awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &cdk, Minimize: jsii.Bool(false)}),
	})
}

func (s Statement) cdk() awsiam.PolicyStatement {
	effect := awsiam.Effect_ALLOW
	if s.Effect == "Deny" {
		effect = awsiam.Effect_DENY
	}
	props := &awsiam.PolicyStatementProps{
		Sid:       jsii.String(s.Sid),
		Effect:    effect,
		Actions:   jsii.Strings(s.Actions...),
		Resources: jsii.Strings(s.Resources...),
	}
	if len(s.Conditions) > 0 {
		cond := map[string]interface{}{}
		for op, kv := range s.Conditions {
			m := map[string]interface{}{}
			for k, v := range kv {
				if len(v) == 1 {
					m[k] = v[0]
				} else {
					m[k] = v
				}
			}
			cond[op] = m
		}
		props.Conditions = &cond
	}
	return awsiam.NewPolicyStatement(props)
}
