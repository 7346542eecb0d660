package cideploy

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// allKnownTypes are fullPlatform and every type handlers.json holds.
func allKnownTypes() []string {
	types := slices.Clone(fullPlatform)
	for typ := range Handlers {
		types = append(types, typ)
	}
	slices.Sort(types)
	return slices.Compact(types)
}

// TestEveryHandlerPermissionIsAllowed: for every type the catalog knows, every action its
// CloudFormation handlers call on deploy (create, read, update, delete) and every indirect
// permission is allowed by the execution policy and the boundary together, unless
// HandlerExceptions refuses it with a reason; and every exception still refuses something.
func TestEveryHandlerPermissionIsAllowed(t *testing.T) {
	types := allKnownTypes()
	stmts, err := ExecutionStatements(target(), types)
	require.NoError(t, err)
	boundary := BoundaryStatements(target(), Services(stmts), nil) // the execution role: capped by its own services
	denied, err := target().DeniedHandlerActions(stmts, boundary, types)
	require.NoError(t, err)
	used := map[int]bool{}
	for _, d := range denied {
		i := slices.IndexFunc(HandlerExceptions, func(e HandlerException) bool {
			return (e.Type == d.Type || e.Type == "*") && Glob(e.Action, d.Action, true)
		})
		if i < 0 {
			t.Errorf("%s", d)
			continue
		}
		used[i] = true
	}
	for i, e := range HandlerExceptions {
		assert.True(t, used[i], "exception %s %s refuses nothing any more: remove it", e.Type, e.Action)
	}
	t.Logf("%d types, %d handler actions refused on purpose", len(types), len(denied))
}

func TestHandlerDataNamesItsSource(t *testing.T) {
	require.NotEmpty(t, Handlers)
	commit := regexp.MustCompile(`^[0-9a-f]{40}$`)
	for typ, h := range Handlers {
		assert.Regexp(t, `^[\w.-]+/[\w.-]+$`, h.Source.Repository, "%s: source repository", typ)
		assert.NotEmpty(t, h.Source.Path, "%s: source path", typ)
		assert.Regexp(t, commit, h.Source.Commit, "%s: source commit", typ)
		assert.NotEmpty(t, h.Create, "%s: create permissions", typ)
		for _, a := range h.DeployActions() {
			assert.Regexp(t, `^[\w-]+:[\w.*]+$`, a, "%s: action", typ)
		}
	}
	for typ, h := range ManualHandlers {
		_, generated := Handlers[typ]
		assert.False(t, generated, "%s: both generated and manual", typ)
		assert.True(t, strings.HasPrefix(h.Source.Doc, "https://docs.aws.amazon.com/"), "%s: the AWS documentation the actions come from", typ)
		assert.NotEmpty(t, h.Reason, typ)
	}
	for typ, p := range IndirectPermissions {
		assert.Contains(t, p.Reason, "https://docs.aws.amazon.com/", "%s: indirect permissions cite AWS documentation", typ)
	}
	for _, e := range HandlerExceptions {
		assert.NotEmpty(t, e.Reason, "%s %s", e.Type, e.Action)
		assert.NotEqual(t, "*", e.Action, "an exception names a service's actions at most")
	}
}

// TestTypeWithoutHandlerDataFailsTheExecutionPolicy: a template type whose service the catalog
// knows but whose handlers it doesn't is an error naming the type.
func TestTypeWithoutHandlerDataFailsTheExecutionPolicy(t *testing.T) {
	_, err := ExecutionStatements(target(), []string{"AWS::KMS::Key", "AWS::EC2::TransitGateway"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "resource type AWS::EC2::TransitGateway has no handler permissions in constructs/cideploy/handlers.json")
}

// TestPrivateDNSEndpointsGetRoute53: interface endpoints with private DNS associate the VPC with
// the service's private hosted zone (IndirectPermissions); Route 53 is global, so the grant has
// no region condition (its requests carry us-east-1).
func TestPrivateDNSEndpointsGetRoute53(t *testing.T) {
	stmts, err := ExecutionStatements(target(), []string{"AWS::EC2::VPC", "AWS::EC2::VPCEndpoint"})
	require.NoError(t, err)
	i := slices.IndexFunc(stmts, func(s Statement) bool { return s.Sid == "DeployGlobalDependencies" })
	require.GreaterOrEqual(t, i, 0)
	assert.Subset(t, stmts[i].Actions, []string{"route53:AssociateVPCWithHostedZone", "route53:DisassociateVPCFromHostedZone", "route53:GetHostedZone", "route53:ListHostedZonesByVPC"})
	assert.Empty(t, stmts[i].Conditions)
	e, b := target().AllowsHandlerAction(stmts, BoundaryStatements(target(), Services(stmts), nil), "AWS::EC2::VPCEndpoint", "route53:AssociateVPCWithHostedZone")
	assert.True(t, e.Allowed && b.Allowed, "%s / %s", e, b)
}

func TestHandlerGrantsAreScopedLikeTheirService(t *testing.T) {
	stmts, err := ExecutionStatements(target(), []string{"AWS::Lambda::Function", "AWS::KMS::Key", "AWS::ECR::Repository", "AWS::IAM::Role"})
	require.NoError(t, err)
	for _, s := range stmts {
		switch s.Sid {
		case "DeployLambda":
			// lambda:GetFunctionScalingConfig comes from the function's handlers, on the function names.
			assert.Contains(t, s.Actions, "lambda:GetFunctionScalingConfig")
			assert.NotContains(t, s.Resources, "*")
		case "DeployKeysOnlyThroughServices":
			// ECR's handlers retire the grants they made, through ECR.
			assert.Contains(t, s.Actions, "kms:RetireGrant")
			// In every bootstrap region of the target (its us-east-1 costs stack too).
			assert.Equal(t, []string{"ecr.eu-west-1.amazonaws.com", "ecr.us-east-1.amazonaws.com", "lambda.eu-west-1.amazonaws.com", "lambda.us-east-1.amazonaws.com"}, s.Conditions["StringEquals"]["kms:ViaService"])
		}
	}
}

func TestEvaluateFollowsIAMRules(t *testing.T) {
	allow := Statement{Sid: "A", Effect: "Allow", Actions: []string{"ec2:Describe*"}, Resources: []string{"*"},
		Conditions: map[string]map[string][]string{"StringEquals": {"aws:RequestedRegion": {"eu-west-1"}}}}
	deny := Statement{Sid: "D", Effect: "Deny", Actions: []string{"ec2:DescribeVpcs"}, Resources: []string{"*"},
		Conditions: map[string]map[string][]string{"StringNotEquals": {"aws:PrincipalArn": {"arn:aws:iam::1:role/x"}}}}
	region := map[string][]string{"aws:RequestedRegion": {"eu-west-1"}}
	assert.True(t, Evaluate([]Statement{allow}, Request{Action: "EC2:describesubnets", Context: region}, nil).Allowed, "actions ignore case")
	assert.False(t, Evaluate([]Statement{allow}, Request{Action: "ec2:DescribeSubnets", Context: map[string][]string{"aws:RequestedRegion": {"us-east-1"}}}, nil).Allowed)
	assert.False(t, Evaluate([]Statement{allow}, Request{Action: "ec2:DescribeSubnets"}, nil).Allowed, "a missing key fails a positive condition")
	d := Evaluate([]Statement{allow, deny}, Request{Action: "ec2:DescribeVpcs", Context: region}, nil)
	assert.Equal(t, Decision{Allowed: false, By: "D"}, d, "a missing key satisfies a negated condition: the deny applies")
	scoped := Statement{Sid: "S", Effect: "Allow", Actions: []string{"lambda:GetFunction"}, Resources: []string{"arn:aws:lambda:eu-west-1:1:function:prod-*"}}
	assert.False(t, Evaluate([]Statement{scoped}, Request{Action: "lambda:GetFunction"}, nil).Allowed, "scoped statements need the scope")
	assert.True(t, Evaluate([]Statement{scoped}, Request{Action: "lambda:GetFunction"}, func(r string) bool { return r == scoped.Resources[0] }).Allowed)
	for pattern, s := range map[string]string{"a*c": "abbbc", "*": "", "a?c": "abc", "*Bucket*": "PutBucketPolicy"} {
		assert.True(t, Glob(pattern, s, false), "%s %s", pattern, s)
	}
	for pattern, s := range map[string]string{"a*c": "abd", "a?c": "ac", "Get*": "PutBucket"} {
		assert.False(t, Glob(pattern, s, false), "%s %s", pattern, s)
	}
}
