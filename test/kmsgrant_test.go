package test

import (
	"encoding/json"
	"maps"
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
		// Inline (AWS::IAM::Policy) and customer-managed policies attached to roles alike.
		policies := r.Resources(t, stack, "AWS::IAM::Policy")
		maps.Copy(policies, r.Resources(t, stack, "AWS::IAM::ManagedPolicy"))
		for pid, pol := range policies {
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

// TestKeyPoliciesLetNoOneLendAKey: every key policy statement that allows kms:CreateGrant
// allows it only for grants to AWS resources (kms:GrantIsForAWSResource), so no role of ours can
// hand a key to a principal of its choosing ("kms:GrantIsForAWSResource", AWS KMS Developer
// Guide, "AWS KMS condition keys").
func TestKeyPoliciesLetNoOneLendAKey(t *testing.T) {
	r := example(t)
	checked := 0
	for _, stack := range r.StackNames() {
		for id, key := range r.Resources(t, stack, "AWS::KMS::Key") {
			doc := key["Properties"].(map[string]any)["KeyPolicy"].(map[string]any)
			for _, s := range doc["Statement"].([]any) {
				st := s.(map[string]any)
				if st["Effect"] != "Allow" || !allowsAction(st["Action"], "kms:CreateGrant") {
					continue
				}
				checked++
				cond, _ := st["Condition"].(map[string]any)
				b, _ := cond["Bool"].(map[string]any)
				assert.Equal(t, "true", b["kms:GrantIsForAWSResource"], "%s: key %s statement %v allows kms:CreateGrant without kms:GrantIsForAWSResource", stack, id, st["Sid"])
			}
		}
	}
	assert.NotZero(t, checked)
}

// allowsAction reports whether a statement's Action names a (or a wildcard covering it).
func allowsAction(action any, a string) bool {
	var actions []string
	switch v := action.(type) {
	case string:
		actions = []string{v}
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok {
				actions = append(actions, s)
			}
		}
	}
	for _, x := range actions {
		if x == a || x == "*" || x == "kms:*" || (strings.HasSuffix(x, "*") && strings.HasPrefix(a, strings.TrimSuffix(x, "*"))) {
			return true
		}
	}
	return false
}
