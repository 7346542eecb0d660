package test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/config"
)

// TestTrailLogFilesAreImmutableForTheLogRetention: the trail bucket of every environment has S3
// Object Lock in COMPLIANCE mode with a default retention of the environment's logRetentionDays
// (docs/baseline.md; "Locking objects with Object Lock", Amazon S3 User Guide), and no audio
// bucket has Object Lock (erasure must stay possible).
func TestTrailLogFilesAreImmutableForTheLogRetention(t *testing.T) {
	r := example(t)
	cfg := r.Config
	for _, env := range cfg.Environments {
		stack := config.PlatformStackName(env.Name)
		trails := r.Resources(t, stack, "AWS::CloudTrail::Trail")
		require.Len(t, trails, 1, stack)
		var bucketID string
		for _, tr := range trails {
			bucketID = tr["Properties"].(map[string]any)["S3BucketName"].(map[string]any)["Ref"].(string)
		}
		b := r.Resources(t, stack, "AWS::S3::Bucket")[bucketID]
		require.NotNil(t, b, "%s: trail bucket %s", stack, bucketID)
		props := b["Properties"].(map[string]any)
		assert.Equal(t, true, props["ObjectLockEnabled"], stack)
		assert.Equal(t, map[string]any{
			"ObjectLockEnabled": "Enabled",
			"Rule":              map[string]any{"DefaultRetention": map[string]any{"Mode": "COMPLIANCE", "Days": float64(env.LogRetentionDays)}},
		}, props["ObjectLockConfiguration"], stack)
		assert.Equal(t, "Retain", b["DeletionPolicy"], stack)
	}
	for _, stack := range r.StackNames() {
		for id, b := range r.Resources(t, stack, "AWS::S3::Bucket") {
			props, _ := b["Properties"].(map[string]any)
			name, _ := props["BucketName"].(string)
			if tenantOfBucket(cfg, stack, name) {
				assert.Nil(t, props["ObjectLockEnabled"], "%s: audio bucket %s must stay erasable", stack, id)
			}
		}
	}
}

// tenantOfBucket reports whether name is the audio bucket of a tenant of the stack's environment.
func tenantOfBucket(cfg *config.Config, stack, name string) bool {
	env := envOf(cfg, stack)
	for _, tn := range cfg.Tenants {
		if env != nil && tn.Environment == env.Name && config.AudioBucketName(env, tn.Name) == name {
			return true
		}
	}
	return false
}
