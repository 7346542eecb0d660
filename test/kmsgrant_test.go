package test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// kmsDataActions are the actions a VoiceVault key policy must grant by name: the keys give the
// account only administration (constructs/kmskey), so an IAM policy alone cannot use them.
var kmsDataActions = []string{"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncrypt"}

// TestEveryRoleGrantedAKeyIsNamedInThatKeysPolicy catches grants that would fail at deploy time:
// a CDK GrantX on a same-account key writes only the role's IAM policy, which KMS ignores unless
// the key policy delegates to IAM — and VoiceVault's key policies do not. So every role whose
// policy uses a key of the same template must appear in that key's policy.
func TestEveryRoleGrantedAKeyIsNamedInThatKeysPolicy(t *testing.T) {
	r := example(t)
	checked := 0
	for _, stack := range r.StackNames() {
		keys := r.Resources(t, stack, "AWS::KMS::Key")
		for pid, pol := range r.Resources(t, stack, "AWS::IAM::Policy") {
			props := pol["Properties"].(map[string]any)
			roles, _ := props["Roles"].([]any)
			doc, _ := props["PolicyDocument"].(map[string]any)
			stmts, _ := doc["Statement"].([]any)
			for _, s := range stmts {
				st := s.(map[string]any)
				if st["Effect"] != "Allow" || !usesKMSData(st["Action"]) {
					continue
				}
				for keyID := range keys {
					if !mentions(st["Resource"], keyID) {
						continue
					}
					keyPolicy, _ := json.Marshal(keys[keyID]["Properties"].(map[string]any)["KeyPolicy"])
					for _, role := range roles {
						ref, _ := role.(map[string]any)["Ref"].(string)
						if ref == "" {
							continue
						}
						checked++
						assert.Contains(t, string(keyPolicy), ref,
							"%s: policy %s lets role %s use key %s, but the key policy does not name the role (the grant would fail at deploy time)", stack, pid, ref, keyID)
					}
				}
			}
		}
	}
	t.Logf("%d role→key grants checked against their key policies", checked)
}

func usesKMSData(action any) bool {
	var actions []string
	switch a := action.(type) {
	case string:
		actions = []string{a}
	case []any:
		for _, x := range a {
			if s, ok := x.(string); ok {
				actions = append(actions, s)
			}
		}
	}
	for _, a := range actions {
		for _, d := range kmsDataActions {
			if strings.HasPrefix(a, d) {
				return true
			}
		}
	}
	return false
}

// mentions reports whether a template value refers to the logical ID id (Ref or Fn::GetAtt).
func mentions(v any, id string) bool {
	b, _ := json.Marshal(v)
	return strings.Contains(string(b), `"`+id+`"`)
}
