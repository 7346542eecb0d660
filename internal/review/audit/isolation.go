package audit

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/voicevault/voicevault/internal/review/assembly"
	"github.com/voicevault/voicevault/internal/review/policycheck"
)

// Tenant is one tenant found in the assembly (from its <env>-tenant-<name> stack).
type Tenant struct {
	Name        string `json:"name"`
	Environment string `json:"environment"`
	Stack       string `json:"stack"`
	Account     string `json:"account"`
	Region      string `json:"region"`
}

// IsolationChecker decides whether anything of one tenant is reachable by another. It is the
// seam for another checker (e.g. package internal/isolation): Build calls Reaches for every
// ordered pair of distinct tenants.
type IsolationChecker interface {
	// Reaches returns the evidence that from can reach something of to — a policy of from naming
	// to's bucket, key, role or namespace, a wildcard of from that covers them, or a resource
	// policy of to that admits from — and nil when from cannot.
	Reaches(a *assembly.Assembly, from, to Tenant) []string
}

// Isolation is the tenant isolation matrix.
type Isolation struct {
	Checker  string          `json:"checker"`
	Tenants  []Tenant        `json:"tenants"`
	Cells    []IsolationCell `json:"cells"` // every ordered pair (from ≠ to), row-major
	Breaches int             `json:"breaches"`
}

// IsolationCell answers "can From reach anything of To?".
type IsolationCell struct {
	From      string   `json:"from"`
	To        string   `json:"to"`
	Reachable bool     `json:"reachable"`
	Evidence  []string `json:"evidence"`
}

// Cell returns the cell for an ordered pair.
func (iso Isolation) Cell(from, to string) (IsolationCell, bool) {
	for _, c := range iso.Cells {
		if c.From == from && c.To == to {
			return c, true
		}
	}
	return IsolationCell{}, false
}

// Tenants lists the tenants of the assembly, sorted by environment then name.
func Tenants(a *assembly.Assembly) []Tenant {
	var out []Tenant
	for _, s := range a.Stacks {
		if kind, env, t := stackKind(s); kind == "tenant" {
			out = append(out, Tenant{Name: t, Environment: env, Stack: s.Name, Account: s.Account, Region: s.Region})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Environment != out[j].Environment {
			return out[i].Environment < out[j].Environment
		}
		return out[i].Name < out[j].Name
	})
	return out
}

func (b *builder) isolation() {
	iso := Isolation{Checker: fmt.Sprintf("%T", b.opts.Isolation), Tenants: Tenants(b.a)}
	for _, from := range iso.Tenants {
		for _, to := range iso.Tenants {
			if from.Stack == to.Stack {
				continue
			}
			ev := b.opts.Isolation.Reaches(b.a, from, to)
			c := IsolationCell{From: from.Name, To: to.Name, Reachable: len(ev) > 0, Evidence: ev}
			if c.Reachable {
				iso.Breaches++
			}
			iso.Cells = append(iso.Cells, c)
		}
	}
	b.r.Isolation = iso
}

// NameIsolation is the default IsolationChecker. It keys on the names VoiceVault derives for
// a tenant — bucket vv-<tenant>-<env>-<account>-<region>, key alias
// alias/voicevault/<env>/tenant/<tenant>, namespace tenant-<tenant>, stack <env>-tenant-<tenant>,
// plus the literal names (buckets, roles, secrets...) in the tenant's own template — and finds:
//   - any string in from's template that names one of to's (Kubernetes manifests, pod identity
//     associations, policies...);
//   - any Allow statement of from whose resource pattern (wildcards, pseudo parameters resolved
//     to from's account and region) covers one of to's ARNs (e.g. arn:aws:s3:::vv-* or key/*);
//   - any resource policy of to whose principals name one of from's.
type NameIsolation struct{}

// markers are the names that identify a tenant's resources.
type markers struct {
	patterns []*regexp.Regexp // name patterns, with boundaries
	arns     []string         // ARNs of its resources (for wildcard matching)
	names    []string         // literal names, for evidence
}

var nameChar = `[a-z0-9-]`

func tenantMarkers(a *assembly.Assembly, t Tenant) markers {
	q := regexp.QuoteMeta
	m := markers{}
	add := func(desc, pattern string) {
		m.patterns = append(m.patterns, regexp.MustCompile(pattern))
		m.names = append(m.names, desc)
	}
	add("bucket vv-"+t.Name+"-"+t.Environment+"-*", `(^|[^a-z0-9-])vv-`+q(t.Name)+`-`+q(t.Environment)+`-`)
	add("key alias/voicevault/"+t.Environment+"/tenant/"+t.Name, `alias/voicevault/`+q(t.Environment)+`/tenant/`+q(t.Name)+`($|[^a-z0-9-])`)
	add("namespace tenant-"+t.Name, `(^|[^a-z0-9-])tenant-`+q(t.Name)+`($|[^a-z0-9-])`)
	add("stack "+t.Stack, `(^|[^a-z0-9-])`+q(t.Stack)+`($|[^a-z0-9-])`)
	partition, acct, region := "aws", t.Account, t.Region
	m.arns = append(m.arns,
		fmt.Sprintf("arn:%s:kms:%s:%s:alias/voicevault/%s/tenant/%s", partition, region, acct, t.Environment, t.Name),
		fmt.Sprintf("arn:%s:kms:%s:%s:key/<%s-key-id>", partition, region, acct, t.Name), // stands for its key's generated ID
	)
	if s, ok := a.Stack(t.Stack); ok {
		for _, r := range s.Resources() {
			for prop, arn := range map[string]string{
				"BucketName": "arn:%s:s3:::%s",
				"RoleName":   "arn:%s:iam::" + acct + ":role/%s",
			} {
				if n, ok := r.Properties[prop].(string); ok {
					m.arns = append(m.arns, fmt.Sprintf(arn, partition, n))
					if prop == "BucketName" {
						m.arns = append(m.arns, fmt.Sprintf(arn, partition, n)+"/tenant-object")
					}
					add(strings.ToLower(strings.TrimSuffix(prop, "Name"))+" "+n, `(^|[^a-zA-Z0-9-])`+q(n)+`($|[^a-zA-Z0-9-])`)
				}
			}
		}
	}
	return m
}

// Reaches implements IsolationChecker.
func (NameIsolation) Reaches(a *assembly.Assembly, from, to Tenant) []string {
	fs, ok := a.Stack(from.Stack)
	if !ok {
		return nil
	}
	toM := tenantMarkers(a, to)
	seen := map[string]bool{}
	// 1. from's template names to's resources.
	for _, r := range fs.Resources() {
		for _, str := range assembly.Strings(r.Properties) {
			for i, p := range toM.patterns {
				if p.MatchString(str) {
					seen[fmt.Sprintf("%s %s names %s's %s", from.Stack, r.Label(), to.Name, toM.names[i])] = true
					break // one marker per string is evidence enough
				}
			}
		}
	}
	// 2. from's Allow statements whose resource patterns cover to's ARNs.
	for _, p := range policycheck.Extract(fs) {
		if p.Kind == policycheck.Trust {
			continue
		}
		for _, st := range p.Statements {
			if st.Effect == "Deny" {
				continue
			}
			for _, res := range st.Resource {
				pattern := resolvePseudo(render(res), from)
				if pattern == "*" && p.Kind == policycheck.Key {
					continue // the key itself
				}
				for _, arn := range toM.arns {
					if actsOn(st.Action, arn) && globMatch(pattern, arn) {
						seen[fmt.Sprintf("%s %s allows %s on %s, which covers %s's %s", from.Stack, labelOf(fs, p.Resource), renderList(st.Action), pattern, to.Name, arn)] = true
					}
				}
			}
		}
	}
	// 3. to's resource policies that admit from's principals.
	if ts, ok := a.Stack(to.Stack); ok {
		fromM := tenantMarkers(a, from)
		for _, p := range policycheck.Extract(ts) {
			if p.Kind == policycheck.Identity {
				continue
			}
			for _, st := range p.Statements {
				if st.Effect == "Deny" {
					continue
				}
				for _, pr := range st.Principals() {
					for i, pat := range fromM.patterns {
						if pat.MatchString(pr) {
							seen[fmt.Sprintf("%s %s admits %s (%s's %s)", to.Stack, labelOf(ts, p.Resource), pr, from.Name, fromM.names[i])] = true
						}
					}
				}
			}
		}
	}
	return sortedStrings(seen)
}

func labelOf(s *assembly.Stack, id string) string {
	if r, ok := s.Resource(id); ok {
		return r.Label()
	}
	return id
}

// resolvePseudo replaces pseudo parameters with the tenant's own values; any other
// placeholder stays (it names one of the tenant's own resources, or a platform parameter).
func resolvePseudo(s string, t Tenant) string {
	r := strings.NewReplacer("${AWS::Partition}", "aws", "${AWS::Region}", t.Region, "${AWS::AccountId}", t.Account, "${AWS::URLSuffix}", "amazonaws.com")
	return r.Replace(s)
}

// globMatch matches an IAM resource pattern (* and ? wildcards, any character including /)
// against a value. Placeholders (${...}) match nothing of another tenant.
func globMatch(pattern, value string) bool {
	if strings.Contains(pattern, "${") {
		return false
	}
	var re strings.Builder
	re.WriteString("^")
	for _, c := range pattern {
		switch c {
		case '*':
			re.WriteString(".*")
		case '?':
			re.WriteString(".")
		default:
			re.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	re.WriteString("$")
	ok, _ := regexp.MatchString(re.String(), value)
	return ok
}

// actsOn reports whether any action could apply to the ARN's service (sts for roles).
func actsOn(actions []any, arn string) bool {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 3 {
		return false
	}
	services := []string{parts[2]}
	if parts[2] == "iam" {
		services = append(services, "sts")
	}
	for _, a := range actions {
		act := render(a)
		if act == "*" {
			return true
		}
		for _, svc := range services {
			if strings.HasPrefix(act, svc+":") {
				return true
			}
		}
	}
	return false
}
