package deploycheck

import (
	"fmt"
	"sort"

	"github.com/voicevault/voicevault/internal/review/assembly"
)

// UniqueSids reports every policy document in which two statements share a Sid. IAM requires a
// Sid to be unique within a policy (IAM user guide, "IAM JSON policy elements: Sid"), and the
// services that take resource policies in the same grammar refuse such a document when the stack
// creates it (a KMS key policy fails with MalformedPolicyDocumentException): the stack would roll
// back on its first create. A construct that adds a statement with a fixed Sid must do it once
// per document.
func UniqueSids(a *assembly.Assembly) []Finding {
	var out []Finding
	for _, s := range a.Stacks {
		for _, r := range s.Resources() {
			for _, sid := range duplicateSids(r.Properties) {
				out = append(out, Finding{Rule: "unique-sid", Stack: s.Name, Resource: r.ID,
					Message: fmt.Sprintf("two statements of one %s policy have Sid %q", r.Type, sid)})
			}
		}
	}
	return out
}

// duplicateSids walks v for policy documents (objects with a Statement list) and returns the Sids
// that occur twice in one of them, sorted.
func duplicateSids(v any) []string {
	var out []string
	assembly.Objects(v, func(x map[string]any) bool {
		if sts, ok := x["Statement"].([]any); ok {
			seen := map[string]bool{}
			for _, st := range sts {
				if m, ok := st.(map[string]any); ok {
					if sid, ok := m["Sid"].(string); ok && sid != "" {
						if seen[sid] {
							out = append(out, sid)
						}
						seen[sid] = true
					}
				}
			}
		}
		return true
	})
	sort.Strings(out)
	return out
}
