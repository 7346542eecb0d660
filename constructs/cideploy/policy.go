package cideploy

import (
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/voicevault/voicevault/naming"
)

// MaxManagedPolicySize is IAM's limit on a managed policy document, in characters without
// whitespace. The execution and boundary policies are checked against it at synth time.
const MaxManagedPolicySize = 6144

// Target is the environment the delivery policies are scoped to (stacks maps the configuration
// onto it); names come from package naming.
type Target struct {
	Name      string // Required. The VoiceVault environment.
	Account   string // Required.
	Region    string // Required.
	Partition string // Default: aws.
	Qualifier string // Required. The `cdk bootstrap --qualifier` of the environment.
	// BootstrapRegions are the regions deployed through the qualifier's bootstrap. Default: Region.
	BootstrapRegions []string
	// GitHub is the repository whose workflow deploys the environment. Default: none: no OIDC
	// provider and no deploy or diff role, only the execution policies and the boundary.
	GitHub *GitHub
}

// GitHub is the repository and GitHub environment whose jobs may deploy.
type GitHub struct {
	Repository           string // Required. owner/name.
	Environment          string // Required. The GitHub environment whose protection rules gate deploys.
	ExistingOIDCProvider bool   // Default: false: create the account's GitHub OIDC provider.
}

func (t Target) partition() string {
	if t.Partition == "" {
		return "aws"
	}
	return t.Partition
}

func (t Target) regions() []string {
	if len(t.BootstrapRegions) == 0 {
		return []string{t.Region}
	}
	return t.BootstrapRegions
}

// IAMARN is the ARN of an IAM resource (e.g. "role/x", "policy/y") in the target's account.
func (t Target) IAMARN(resource string) string {
	return "arn:" + t.partition() + ":iam::" + t.Account + ":" + resource
}

// expand replaces the placeholders of Service.Resources and Mechanic.Resources, one result per
// bootstrap region when s names {region}.
func (t Target) expand(s string) []string {
	var out []string
	for _, region := range t.regions() {
		v := strings.NewReplacer("{partition}", t.partition(), "{region}", region, "{account}", t.Account, "{env}", t.Name, "{env_}", strings.ReplaceAll(t.Name, "-", "_"), "{qualifier}", t.Qualifier).Replace(s)
		out = appendNew(out, v)
	}
	return out
}

// BootstrapRoleARN is the ARN of a role `cdk bootstrap --qualifier` creates (naming.Bootstrap*Role)
// in the environment's region.
func (t Target) BootstrapRoleARN(kind string) string {
	return t.IAMARN("role/" + naming.BootstrapRole(t.Qualifier, kind, t.Account, t.Region))
}

// BootstrapRoleARNs are the ARNs of a bootstrap role in every bootstrap region.
func (t Target) BootstrapRoleARNs(kind string) []string {
	var out []string
	for _, r := range t.regions() {
		out = append(out, t.IAMARN("role/"+naming.BootstrapRole(t.Qualifier, kind, t.Account, r)))
	}
	return out
}

// ExecutionRoleARN is the CloudFormation execution role of the target's bootstrap.
func (t Target) ExecutionRoleARN() string { return t.BootstrapRoleARN(naming.BootstrapExecutionRole) }

// ExecutionRoleARNs are the CloudFormation execution roles of every bootstrap region.
func (t Target) ExecutionRoleARNs() []string {
	return t.BootstrapRoleARNs(naming.BootstrapExecutionRole)
}

// BoundaryARN is the ARN of the permissions boundary policy.
func (t Target) BoundaryARN() string { return t.IAMARN("policy/" + naming.BoundaryPolicy(t.Name)) }

// ExecutionPolicyARNs are the ARNs of the execution policies, in order.
func (t Target) ExecutionPolicyARNs() []string {
	var out []string
	for n := 1; n <= naming.ExecutionPolicyCount; n++ {
		out = append(out, t.IAMARN("policy/"+naming.ExecutionPolicy(t.Name, n)))
	}
	return out
}

// RoleNamePatterns are the names of roles the execution role may create and pass: CloudFormation
// generates names starting with the stack name (<env>-platform-..., <env>-tenant-...), and
// explicitly named roles start with voicevault-<env>-.
func (t Target) RoleNamePatterns() []string {
	return []string{t.Name + "-*", naming.Prefix(t.Name) + "-*"}
}

func (t Target) iamPatterns(kind string) []string {
	var out []string
	for _, p := range t.RoleNamePatterns() {
		out = append(out, t.IAMARN(kind+"/"+p))
	}
	return out
}

// Statement is one IAM policy statement, as plain Go.
type Statement struct {
	Sid        string
	Effect     string // Allow or Deny
	Actions    []string
	Resources  []string
	Conditions map[string]map[string][]string // operator → key → values
}

// MarshalJSON writes the statement as IAM reads it (single values unwrapped, like the CDK does).
func (s Statement) MarshalJSON() ([]byte, error) {
	type kv struct {
		Sid       string `json:"Sid,omitempty"`
		Effect    string `json:"Effect"`
		Action    any    `json:"Action"`
		Resource  any    `json:"Resource"`
		Condition any    `json:"Condition,omitempty"`
	}
	one := func(v []string) any {
		if len(v) == 1 {
			return v[0]
		}
		return v
	}
	var cond any
	if len(s.Conditions) > 0 {
		m := map[string]map[string]any{}
		for op, kvs := range s.Conditions {
			m[op] = map[string]any{}
			for k, v := range kvs {
				m[op][k] = one(v)
			}
		}
		cond = m
	}
	return json.Marshal(kv{Sid: s.Sid, Effect: s.Effect, Action: one(s.Actions), Resource: one(s.Resources), Condition: cond})
}

// Size is the number of characters a document of these statements takes in IAM's count.
func Size(stmts []Statement) int {
	b, _ := json.Marshal(struct {
		Version   string
		Statement []Statement
	}{"2012-10-17", stmts})
	return len(b)
}

// Services returns the IAM service prefixes the Allow statements name, sorted.
func Services(stmts []Statement) []string {
	var out []string
	for _, s := range stmts {
		if s.Effect != "Allow" {
			continue
		}
		for _, a := range s.Actions {
			svc, _, _ := strings.Cut(a, ":")
			if !slices.Contains(out, svc) {
				out = append(out, svc)
			}
		}
	}
	sort.Strings(out)
	return out
}

func (t Target) inRegion() map[string]map[string][]string {
	return map[string]map[string][]string{"StringEquals": {"aws:RequestedRegion": t.regions()}}
}

// ExecutionStatements computes the CloudFormation execution policy for templates containing the
// given resource types: one statement per service they use, the IAM statements their IAM types
// need, the services' dependencies, service-linked roles and KMS use through services, the
// Mechanics, and denies that protect the delivery resources themselves.
func ExecutionStatements(t Target, resourceTypes []string) ([]Statement, error) {
	services := map[string]bool{}
	iamTypes := map[string]bool{}
	custom := false
	var errs []string
	for _, typ := range resourceTypes {
		svc, err := ServiceOf(typ)
		switch {
		case err != nil:
			errs = append(errs, err.Error())
		case svc == "iam":
			iamTypes[typ] = true
		case svc != "":
			services[svc] = true
		}
		custom = custom || IsCustomResource(typ)
	}
	names := slices.Sorted(maps.Keys(services))
	var out []Statement
	var deps, linked, via []string
	for _, svc := range names {
		spec, ok := Catalog[svc]
		if !ok {
			errs = append(errs, fmt.Sprintf("service %s has no entry in the execution policy catalog (constructs/cideploy/catalog.go)", svc))
			continue
		}
		st := Statement{Sid: "Deploy" + sidPart(svc), Effect: "Allow"}
		for _, a := range spec.Actions {
			st.Actions = append(st.Actions, svc+":"+a)
		}
		if svc == "lambda" && custom {
			st.Actions = append(st.Actions, "lambda:InvokeFunction") // custom resources: CloudFormation invokes the provider
		}
		st.Resources = []string{"*"}
		if len(spec.Resources) > 0 {
			st.Resources = nil
			for _, r := range spec.Resources {
				st.Resources = append(st.Resources, t.expand(r)...)
			}
		} else if !spec.Global {
			st.Conditions = t.inRegion()
		}
		out = append(out, st)
		for _, d := range spec.Dependencies {
			dsvc, _, _ := strings.Cut(d, ":")
			if services[dsvc] && covers(Catalog[dsvc].Actions, strings.TrimPrefix(d, dsvc+":")) && len(Catalog[dsvc].Resources) == 0 {
				continue // already granted by that service's own statement
			}
			deps = appendNew(deps, d)
		}
		for _, l := range spec.ServiceLinkedRoles {
			linked = appendNew(linked, l)
		}
		if spec.KMSViaService {
			for _, r := range t.regions() {
				via = appendNew(via, svc+"."+r+".amazonaws.com")
			}
		}
	}
	if len(deps) > 0 {
		sort.Strings(deps)
		out = append(out, Statement{Sid: "DeployDependencies", Effect: "Allow", Actions: deps, Resources: []string{"*"}, Conditions: t.inRegion()})
	}
	if len(via) > 0 && services["kms"] {
		sort.Strings(via)
		out = append(out, Statement{
			Sid: "DeployKeysOnlyThroughServices", Effect: "Allow",
			Actions:    []string{"kms:CreateGrant", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext"},
			Resources:  t.expand("arn:{partition}:kms:{region}:{account}:key/*"),
			Conditions: map[string]map[string][]string{"StringEquals": {"kms:ViaService": via}},
		})
	}
	iam, err := t.iamStatements(iamTypes, linked)
	if err != nil {
		errs = append(errs, err.Error())
	}
	out = append(out, iam...)
	for _, m := range Mechanics {
		st := Statement{Sid: "CloudFormationMechanics" + sidPart(m.Service), Effect: "Allow", Actions: m.Actions}
		for _, r := range m.Resources {
			st.Resources = append(st.Resources, t.expand(r)...)
		}
		out = append(out, st)
	}
	out = append(out, t.protectDelivery()...)
	out, err = t.addHandlerActions(out, resourceTypes)
	if err != nil {
		errs = append(errs, err.Error())
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return nil, fmt.Errorf("%s", strings.Join(slices.Compact(errs), "; "))
	}
	return out, nil
}

// addHandlerActions grants every deploy action of the types' CloudFormation handlers (handlers.go:
// create, read, update, delete, plus IndirectPermissions) that stmts don't allow yet and that
// HandlerExceptions don't refuse on purpose. Where the grant goes follows from the action:
//   - an action of the type's own service joins that service's statement, with its scoping;
//   - a KMS action of another type's handler joins DeployKeysOnlyThroughServices (the service
//     calls KMS with the caller's credentials, kms:ViaService);
//   - a service-linked role action joins IAMServiceLinkedRoles (conditioned on the services);
//   - any other service's action joins DeployDependencies (regional) or DeployGlobalDependencies
//     (services whose API is global, e.g. Route 53 for private-DNS endpoints).
//
// Any other IAM action is an error: IAM grants are written by hand, scoped to the environment's
// names (iamStatements).
func (t Target) addHandlerActions(stmts []Statement, types []string) ([]Statement, error) {
	var errs []string
	find := func(sid string) int {
		return slices.IndexFunc(stmts, func(s Statement) bool { return s.Sid == sid })
	}
	add := func(sid, action string, global bool) {
		i := find(sid)
		if i < 0 {
			st := Statement{Sid: sid, Effect: "Allow", Resources: []string{"*"}}
			if !global {
				st.Conditions = t.inRegion()
			}
			// Before the IAM statements, next to the service statements.
			at := slices.IndexFunc(stmts, func(s Statement) bool {
				return strings.HasPrefix(s.Sid, "IAM") || strings.HasPrefix(s.Sid, "CloudFormationMechanics")
			})
			if at < 0 {
				at = len(stmts)
			}
			stmts = slices.Insert(stmts, at, st)
			i = at
		}
		stmts[i].Actions = appendNew(stmts[i].Actions, action)
		if sid == "DeployDependencies" || sid == "DeployGlobalDependencies" || sid == "DeployKeysOnlyThroughServices" {
			sort.Strings(stmts[i].Actions)
		}
	}
	for _, typ := range slices.Compact(slices.Sorted(slices.Values(types))) {
		h, err := HandlersOf(typ)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		own, _ := ServiceOf(typ)
		for _, a := range slices.Concat(h.DeployActions(), IndirectPermissions[typ].Actions) {
			svc, name, _ := strings.Cut(a, ":")
			svc = strings.ToLower(svc)
			a = svc + ":" + name
			if _, refused := exceptionFor(typ, a); refused {
				continue
			}
			if e, _ := t.AllowsHandlerAction(stmts, nil, typ, a); e.Allowed {
				continue
			}
			switch {
			case svc == own && svc != "iam" && find("Deploy"+sidPart(svc)) >= 0:
				add("Deploy"+sidPart(svc), a, false)
			case svc == "kms" && own != "kms" && find("DeployKeysOnlyThroughServices") >= 0:
				add("DeployKeysOnlyThroughServices", a, false)
				i := find("DeployKeysOnlyThroughServices")
				via := appendNew(stmts[i].Conditions["StringEquals"]["kms:ViaService"], own+"."+t.Region+".amazonaws.com")
				sort.Strings(via)
				stmts[i].Conditions["StringEquals"]["kms:ViaService"] = via
			case a == "iam:CreateServiceLinkedRole" && find("IAMServiceLinkedRoles") >= 0:
				add("IAMServiceLinkedRoles", a, true)
			case (a == "iam:DeleteServiceLinkedRole" || a == "iam:GetServiceLinkedRoleDeletionStatus") && len(Catalog[own].ServiceLinkedRoles) > 0:
				del := t.serviceLinkedRoleDeletion(Catalog[own].ServiceLinkedRoles)
				if i := find(del.Sid); i >= 0 {
					for _, r := range del.Resources {
						stmts[i].Resources = appendNew(stmts[i].Resources, r)
					}
				} else {
					stmts = slices.Insert(stmts, find("IAMServiceLinkedRoles")+1, del)
				}
			case svc == "iam" || svc == "kms":
				errs = append(errs, fmt.Sprintf("%s: handler action %s is not granted; IAM and KMS grants are scoped by hand (constructs/cideploy/policy.go) or refused with a reason (HandlerExceptions)", typ, a))
			case isGlobal(svc):
				add("DeployGlobalDependencies", a, true)
			default:
				add("DeployDependencies", a, false)
			}
		}
	}
	if len(errs) > 0 {
		return stmts, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return stmts, nil
}

// iamStatements grants what the IAM resource types need, on names of this environment only.
func (t Target) iamStatements(types map[string]bool, linkedServices []string) ([]Statement, error) {
	var out []Statement
	var unknown []string
	for typ := range types {
		switch typ {
		case "AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::RolePolicy", "AWS::IAM::ManagedPolicy", "AWS::IAM::InstanceProfile", "AWS::IAM::OIDCProvider", "AWS::IAM::ServiceLinkedRole":
		default:
			unknown = append(unknown, typ)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("IAM resource types %s are not covered by the execution policy (constructs/cideploy/policy.go)", strings.Join(unknown, ", "))
	}
	roles := t.iamPatterns("role")
	withBoundary := map[string][]string{"iam:PermissionsBoundary": {t.BoundaryARN()}}
	if types["AWS::IAM::Role"] || types["AWS::IAM::Policy"] || types["AWS::IAM::RolePolicy"] {
		out = append(out,
			Statement{Sid: "IAMRolesOnlyWithTheBoundary", Effect: "Allow",
				Actions:    []string{"iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:DeleteRolePolicy"},
				Resources:  roles,
				Conditions: map[string]map[string][]string{"StringEquals": withBoundary}},
			Statement{Sid: "IAMRolePolicyAttachmentsOnlyWithTheBoundary", Effect: "Allow",
				Actions:   []string{"iam:AttachRolePolicy", "iam:DetachRolePolicy"},
				Resources: roles,
				Conditions: map[string]map[string][]string{
					"StringEquals": withBoundary,
					"ArnLike":      {"iam:PolicyARN": append([]string{"arn:" + t.partition() + ":iam::aws:policy/*"}, t.iamPatterns("policy")...)},
				}},
			Statement{Sid: "IAMRoles", Effect: "Allow",
				Actions:   []string{"iam:GetRole", "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:ListRoleTags", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole"},
				Resources: roles},
			Statement{Sid: "IAMPassOnlyTheseRoles", Effect: "Allow", Actions: []string{"iam:PassRole"}, Resources: roles},
		)
	}
	if types["AWS::IAM::ManagedPolicy"] {
		out = append(out, Statement{Sid: "IAMManagedPolicies", Effect: "Allow",
			Actions:   []string{"iam:CreatePolicy", "iam:DeletePolicy", "iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions", "iam:CreatePolicyVersion", "iam:DeletePolicyVersion", "iam:TagPolicy", "iam:UntagPolicy", "iam:ListPolicyTags", "iam:ListEntitiesForPolicy"},
			Resources: t.iamPatterns("policy")})
	}
	if types["AWS::IAM::InstanceProfile"] {
		out = append(out, Statement{Sid: "IAMInstanceProfiles", Effect: "Allow",
			Actions:   []string{"iam:CreateInstanceProfile", "iam:DeleteInstanceProfile", "iam:GetInstanceProfile", "iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:TagInstanceProfile", "iam:UntagInstanceProfile"},
			Resources: t.iamPatterns("instance-profile")})
	}
	if types["AWS::IAM::OIDCProvider"] {
		// EKS cluster identity providers only; never the account's GitHub provider.
		out = append(out, Statement{Sid: "IAMEKSOIDCProviders", Effect: "Allow",
			Actions:   []string{"iam:CreateOpenIDConnectProvider", "iam:DeleteOpenIDConnectProvider", "iam:GetOpenIDConnectProvider", "iam:UpdateOpenIDConnectProviderThumbprint", "iam:AddClientIDToOpenIDConnectProvider", "iam:RemoveClientIDFromOpenIDConnectProvider", "iam:TagOpenIDConnectProvider", "iam:UntagOpenIDConnectProvider", "iam:ListOpenIDConnectProviderTags"},
			Resources: []string{t.IAMARN("oidc-provider/oidc.eks." + t.Region + ".amazonaws.com/id/*")}})
	}
	if len(linkedServices) > 0 || types["AWS::IAM::ServiceLinkedRole"] {
		sort.Strings(linkedServices)
		actions := []string{"iam:CreateServiceLinkedRole"}
		if len(linkedServices) == 0 {
			return nil, fmt.Errorf("AWS::IAM::ServiceLinkedRole needs the service's principal in its catalog entry (ServiceLinkedRoles)")
		}
		// Service-linked roles live under aws-service-role/<service principal>/; the condition names
		// the principals (the resource can't: one ARN per principal would not fit the policy).
		out = append(out, Statement{Sid: "IAMServiceLinkedRoles", Effect: "Allow", Actions: actions,
			Resources:  []string{t.IAMARN("role/aws-service-role/*")},
			Conditions: map[string]map[string][]string{"StringEquals": {"iam:AWSServiceName": linkedServices}}})
		if types["AWS::IAM::ServiceLinkedRole"] {
			out = append(out, t.serviceLinkedRoleDeletion(linkedServices))
		}
	}
	return out, nil
}

// serviceLinkedRoleDeletion lets CloudFormation delete the service-linked roles of the given
// service principals (IAM refuses while a resource still uses one). iam:AWSServiceName only
// applies to CreateServiceLinkedRole, so deletion is scoped by the roles' path instead.
func (t Target) serviceLinkedRoleDeletion(principals []string) Statement {
	st := Statement{Sid: "IAMServiceLinkedRoleDeletion", Effect: "Allow", Actions: []string{"iam:DeleteServiceLinkedRole", "iam:GetServiceLinkedRoleDeletionStatus"}}
	for _, p := range principals {
		st.Resources = append(st.Resources, t.IAMARN("role/aws-service-role/"+p+"/*"))
	}
	return st
}

// DeliveryARNs are the IAM resources the delivery stack and cdk bootstrap own: no role that
// CloudFormation deploys with may change them.
func (t Target) DeliveryARNs() []string {
	out := append([]string{t.BoundaryARN()}, t.ExecutionPolicyARNs()...)
	return append(out,
		t.IAMARN("role/"+naming.DeployRole(t.Name)),
		t.IAMARN("role/"+naming.DiffRole(t.Name)),
		t.IAMARN("role/cdk-"+t.Qualifier+"-*"),
		t.IAMARN("oidc-provider/token.actions.githubusercontent.com"),
	)
}

// iamWriteVerbs are the IAM write actions, by verb: the denies below cover any new action too.
var iamWriteVerbs = []string{"iam:Add*", "iam:Attach*", "iam:Create*", "iam:Delete*", "iam:Detach*", "iam:PassRole", "iam:Put*", "iam:Remove*", "iam:Set*", "iam:Tag*", "iam:Untag*", "iam:Update*"}

// protectDelivery are the execution policy's own denies. The boundary repeats them, so they hold
// even if the account was bootstrapped without --custom-permissions-boundary.
func (t Target) protectDelivery() []Statement {
	return []Statement{
		{Sid: "DenyChangesToDeliveryAndBootstrap", Effect: "Deny", Actions: iamWriteVerbs, Resources: t.DeliveryARNs()},
		{Sid: "DenyRolesWithoutTheBoundary", Effect: "Deny",
			Actions:    []string{"iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:AttachRolePolicy", "iam:PutRolePolicy"},
			Resources:  []string{"*"},
			Conditions: map[string]map[string][]string{"StringNotEquals": {"iam:PermissionsBoundary": {t.BoundaryARN()}}}},
		{Sid: "DenyBoundaryRemoval", Effect: "Deny", Actions: []string{"iam:DeleteRolePermissionsBoundary"}, Resources: []string{"*"}},
	}
}

// Pack spreads statements over n policy documents of at most limit characters each, largest
// first into the emptiest document, keeping the original order inside each document.
func Pack(stmts []Statement, n, limit int) ([][]Statement, error) {
	type item struct {
		i, size int
	}
	items := make([]item, len(stmts))
	for i, s := range stmts {
		items[i] = item{i, Size([]Statement{s})}
	}
	sort.SliceStable(items, func(a, b int) bool { return items[a].size > items[b].size })
	bins := make([][]int, n)
	sizes := make([]int, n)
	for _, it := range items {
		best := 0
		for b := 1; b < n; b++ {
			if sizes[b] < sizes[best] {
				best = b
			}
		}
		bins[best] = append(bins[best], it.i)
		sizes[best] += it.size
	}
	out := make([][]Statement, n)
	for b := range bins {
		sort.Ints(bins[b])
		for _, i := range bins[b] {
			out[b] = append(out[b], stmts[i])
		}
		if len(out[b]) == 0 {
			return nil, fmt.Errorf("%d statements can't fill %d policies", len(stmts), n)
		}
		if s := Size(out[b]); s > limit {
			return nil, fmt.Errorf("execution policy %d is %d characters; IAM allows %d (raise ExecutionPolicyCount)", b+1, s, limit)
		}
	}
	return out, nil
}

// covers reports whether an action (without prefix) is matched by one of the patterns.
func covers(patterns []string, action string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, action); ok {
			return true
		}
	}
	return false
}

func sidPart(svc string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(svc, func(r rune) bool { return r == '-' || r == '.' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

func appendNew(list []string, v string) []string {
	if slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}
