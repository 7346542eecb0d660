package access

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/voicevault/voicevault/internal/review/assembly"
)

// exactServices are services whose actions a ceiling names one by one, never as service:*:
// IAM and STS hold the keys to everything else.
var exactServices = map[string]bool{"iam": true, "sts": true}

// Ceiling derives the runtime part of the permissions boundary: what the roles the boundary caps
// must be able to do. It is the services (as "service:*", the 6,144 characters of a managed policy
// can't hold every action) of
//   - the actions of the must-allow flows made by roles of the templates (not by service
//     principals or service-linked roles, which carry no boundary), and
//   - the actions of the AWS managed policies those roles carry (managedARNs, read from their
//     pinned copies) — but for the read-everything policies (ReadEverywhere: AWS_ConfigRole reads
//     hundreds of services), only the services the environment deploys (deployed: the services
//     of the CloudFormation execution policy) or calls (the flows' services): only those have
//     anything of ours to read;
//
// and, for IAM and STS, the actions themselves. The result is sorted.
func Ceiling(flows []Flow, managedARNs []string, deployed []string) ([]string, error) {
	services := map[string]bool{}
	exact := map[string]bool{}
	add := func(action string) {
		svc, verb, _ := strings.Cut(action, ":")
		svc = strings.ToLower(svc)
		if exactServices[svc] {
			// Reads of IAM collapse to their verb (iam:Get*, iam:List*): read-only, and the
			// boundary stays within the 6,144 characters of a managed policy.
			for _, read := range []string{"Get", "List"} {
				if svc == "iam" && strings.HasPrefix(verb, read) {
					action = svc + ":" + read + "*"
				}
			}
			exact[action] = true
		} else {
			services[svc] = true
		}
	}
	for _, f := range flows {
		if f.Expect != Allow || !cappedPrincipal(f.Principal) {
			continue
		}
		add(f.Action)
	}
	wanted := map[string]bool{}
	for _, s := range deployed {
		wanted[strings.ToLower(s)] = true
	}
	for s := range services {
		wanted[s] = true
	}
	copies, err := ManagedCopies()
	if err != nil {
		return nil, err
	}
	for _, arn := range managedARNs {
		c, ok := copies[arn]
		if !ok {
			return nil, fmt.Errorf("AWS managed policy %s has no pinned copy in internal/review/access/managed", arn)
		}
		for _, st := range assembly.List(c.Document["Statement"]) {
			m, _ := st.(map[string]any)
			if m["Effect"] != "Allow" {
				continue
			}
			for _, a := range assembly.List(m["Action"]) {
				action, _ := a.(string)
				svc, _, _ := strings.Cut(action, ":")
				if svc = strings.ToLower(svc); !ReadEverywhere[arn] || wanted[svc] || exactServices[svc] {
					add(action)
				}
			}
		}
	}
	var out []string
	for s := range services {
		out = append(out, s+":*")
	}
	for a := range exact {
		out = append(out, a)
	}
	sort.Strings(out)
	return slices.Compact(out), nil
}

// ReadEverywhere are the AWS managed policies that read every service: the ceiling keeps their
// services to the environment's own.
var ReadEverywhere = map[string]bool{"arn:aws:iam::aws:policy/service-role/AWS_ConfigRole": true}

// cappedPrincipal reports whether a flow's principal is a role the boundary caps: a role of the
// templates (${STACK/ID} or a role ARN), not a service principal or a service-linked role.
func cappedPrincipal(p string) bool {
	if strings.Contains(p, ":role/aws-service-role/") {
		return false
	}
	return strings.HasPrefix(p, "${") || strings.HasPrefix(p, "arn:")
}

// BoundaryManagedPolicies are the pinned AWS managed policies that roles under the boundary
// carry: every pinned copy but the service-linked roles' policies.
func BoundaryManagedPolicies() ([]string, error) {
	copies, err := ManagedCopies()
	if err != nil {
		return nil, err
	}
	var out []string
	for arn := range copies {
		if !strings.Contains(arn, ":policy/aws-service-role/") {
			out = append(out, arn)
		}
	}
	sort.Strings(out)
	return out, nil
}
