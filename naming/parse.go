package naming

import (
	"regexp"
	"strings"
)

// Readers of the synthesized templates (the audit, the policy check) parse names back with these
// functions: a name changed above and not here fails naming's round-trip tests.

// StackKind is what a VoiceVault stack holds.
type StackKind string

// The stack kinds, as the stack names say them.
const (
	PlatformKind StackKind = "platform"
	TenantKind   StackKind = "tenant"
	DeliveryKind StackKind = "delivery"
	CostsKind    StackKind = "costs"
)

// Stack is a parsed stack name.
type Stack struct {
	Kind   StackKind
	Env    string
	Tenant string // tenant stacks only
}

// ParseStack reads a stack name made by PlatformStack, TenantStack, DeliveryStack or CostsStack.
// A tenant stack is recognised by its "-tenant-" infix (the last one: environment names may
// contain dashes, tenant names are DNS-1123 labels and so may too, but an environment named
// "x-tenant-y" is refused by the configuration's validation).
func ParseStack(name string) (Stack, bool) {
	if i := strings.LastIndex(name, tenantStackInfix); i > 0 {
		tenant := name[i+len(tenantStackInfix):]
		if dnsLabel.MatchString(tenant) {
			return Stack{Kind: TenantKind, Env: name[:i], Tenant: tenant}, true
		}
	}
	for _, k := range []StackKind{PlatformKind, DeliveryKind, CostsKind} {
		if env, ok := strings.CutSuffix(name, "-"+string(k)); ok && env != "" {
			return Stack{Kind: k, Env: env}, true
		}
	}
	return Stack{}, false
}

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

// audioBucket matches AudioBucket's names: vv-<tenant>-<env>-<account>-<region>. Tenant and
// environment may both contain dashes, so the split between them is ambiguous; the tenant is
// taken shortest, and callers confirm it against the tenants they know (ParseAudioBucket's
// known argument).
var audioBucket = regexp.MustCompile(`^vv-([a-z0-9-]+?)-([a-z0-9-]+)-(\d{12})-([a-z]{2}(-[a-z]+)+-\d)$`)

// ParseAudioBucket reads a name made by Env.AudioBucket: the tenant and the environment. The
// tenant must be one known answers true for.
func ParseAudioBucket(name string, known func(tenant string) bool) (tenant string, env Env, ok bool) {
	m := audioBucket.FindStringSubmatch(name)
	if m == nil || strings.HasPrefix(name, audioBucketPrefix+"access-logs-") {
		return "", Env{}, false
	}
	// Try each split of "<tenant>-<env>" at a dash, shortest tenant first.
	parts := strings.Split(m[1]+"-"+m[2], "-")
	for i := 1; i < len(parts); i++ {
		if t := strings.Join(parts[:i], "-"); known(t) {
			return t, Env{Name: strings.Join(parts[i:], "-"), Account: m[3], Region: m[4]}, true
		}
	}
	return "", Env{}, false
}

// deliveryPolicy matches the names BoundaryPolicy and ExecutionPolicy give the delivery stack's
// managed policies.
var deliveryPolicy = regexp.MustCompile(`^` + Product + `-[a-z][a-z0-9-]*-(boundary|cfn-execution(-[0-9]+)?)$`)

// PolicyKind is what a managed policy name says a policy is.
type PolicyKind int

// The managed policy kinds.
const (
	OtherPolicy   PolicyKind = iota // any other managed policy
	BoundaryKind                    // a BoundaryPolicy
	ExecutionKind                   // an ExecutionPolicy
)

// ParsePolicy tells a delivery stack's boundary and execution policies from other managed policies.
func ParsePolicy(name string) PolicyKind {
	m := deliveryPolicy.FindStringSubmatch(name)
	switch {
	case m == nil:
		return OtherPolicy
	case m[1] == "boundary":
		return BoundaryKind
	default:
		return ExecutionKind
	}
}

// TenantOwns reports whether name (an ARN or a physical name) is one of tenant's, of environment
// env: its audio bucket (and objects), its key alias, secret or log groups (under the
// "voicevault/<env>/tenant/<tenant>" path), or its namespace.
func TenantOwns(env, tenant, name string) bool {
	path := tenantPath(env, tenant)
	return strings.Contains(name, audioBucketPrefix+tenant+"-"+env+"-") ||
		strings.Contains(name, path+"/") || strings.HasSuffix(name, path) ||
		name == Namespace(tenant)
}
