package audit

import (
	"fmt"
	"sort"

	"github.com/voicevault/voicevault/internal/review/assembly"
)

// Tenant is one tenant found in the assembly (from its <env>-tenant-<name> stack).
type Tenant struct {
	Name        string `json:"name"`
	Environment string `json:"environment"`
	Stack       string `json:"stack"`
	Account     string `json:"account"`
	Region      string `json:"region"`
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

// isolation fills the matrix from the runtime access model: from reaches to when a must-deny
// flow of one of from's roles on one of to's resources is allowed by IAM's evaluation
// (FlowIsolation). There is no second, name-based model.
func (b *builder) isolation() {
	checker := FlowIsolation{Report: b.opts.Access}
	iso := Isolation{Checker: fmt.Sprintf("%T", checker), Tenants: Tenants(b.a)}
	for _, from := range iso.Tenants {
		for _, to := range iso.Tenants {
			if from.Stack == to.Stack {
				continue
			}
			ev := checker.Reaches(from, to)
			c := IsolationCell{From: from.Name, To: to.Name, Reachable: len(ev) > 0, Evidence: ev}
			if c.Reachable {
				iso.Breaches++
			}
			iso.Cells = append(iso.Cells, c)
		}
	}
	b.r.Isolation = iso
}

func labelOf(s *assembly.Stack, id string) string {
	if r, ok := s.Resource(id); ok {
		return r.Label()
	}
	return id
}
