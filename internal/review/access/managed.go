package access

import (
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"
)

// AWS managed policies count with their real content: managed/ holds a dated copy of the default
// version of each one the environment's roles carry, with where it was copied from.
//
//go:embed managed/*.json
var managedFS embed.FS

// ManagedCopy is the pinned copy of one AWS managed policy.
type ManagedCopy struct {
	ARN        string         `json:"arn"`
	VersionID  string         `json:"versionId"`  // the policy version copied, e.g. v3
	CreateDate string         `json:"createDate"` // when AWS published that version
	Source     string         `json:"source"`     // where the copy comes from (a commit of a public mirror)
	Reference  string         `json:"reference"`  // AWS's reference page of the policy
	Retrieved  string         `json:"retrieved"`  // when it was copied here
	Document   map[string]any `json:"document"`
}

var (
	managedOnce sync.Once
	managed     map[string]ManagedCopy
	managedErr  error
)

// ManagedCopies returns every pinned copy, by ARN.
func ManagedCopies() (map[string]ManagedCopy, error) {
	managedOnce.Do(func() {
		managed = map[string]ManagedCopy{}
		entries, err := managedFS.ReadDir("managed")
		if err != nil {
			managedErr = err
			return
		}
		for _, e := range entries {
			b, err := managedFS.ReadFile(path.Join("managed", e.Name()))
			if err != nil {
				managedErr = err
				return
			}
			var c ManagedCopy
			if err := json.Unmarshal(b, &c); err != nil {
				managedErr = fmt.Errorf("managed/%s: %w", e.Name(), err)
				return
			}
			managed[c.ARN] = c
		}
	})
	return managed, managedErr
}

// Managed returns the pinned copy of the AWS managed policy arn as a Policy.
func Managed(arn string) (Policy, error) {
	all, err := ManagedCopies()
	if err != nil {
		return Policy{}, err
	}
	c, ok := all[arn]
	if !ok {
		var have []string
		for a := range all {
			have = append(have, strings.TrimPrefix(a, "arn:aws:iam::aws:policy/"))
		}
		sort.Strings(have)
		return Policy{}, fmt.Errorf("AWS managed policy %s has no copy in internal/review/access/managed (have %s)", arn, strings.Join(have, ", "))
	}
	return Policy{Name: strings.TrimPrefix(arn, "arn:aws:iam::aws:policy/") + " " + c.VersionID, Document: c.Document}, nil
}
