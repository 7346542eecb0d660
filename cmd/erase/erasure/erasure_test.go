package erasure

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/internal/audiolayout"
)

// fakeS3 is an in-memory versioned bucket. It pages ListObjectVersions pageSize entries at a
// time (versions and delete markers together, ordered by key then version, as S3 does), so
// tests exercise pagination with a handful of objects.
type fakeS3 struct {
	bucket   string
	pageSize int
	entries  []entry // sorted by key, then version
	next     int
	failKey  string // DeleteObjects reports this key as failed
	tags     map[string]string
	lists    int
}

type entry struct {
	key, version string
	marker       bool
}

func newFake(bucket string) *fakeS3 {
	return &fakeS3{bucket: bucket, pageSize: 3, tags: map[string]string{}}
}

// put adds a version (or a delete marker) of key.
func (f *fakeS3) put(key string, marker bool) {
	f.next++
	f.entries = append(f.entries, entry{key: key, version: fmt.Sprintf("v%04d", f.next), marker: marker})
	sort.Slice(f.entries, func(i, j int) bool {
		if f.entries[i].key != f.entries[j].key {
			return f.entries[i].key < f.entries[j].key
		}
		return f.entries[i].version < f.entries[j].version
	})
}

func (f *fakeS3) keys(prefix string) []string {
	var out []string
	for _, e := range f.entries {
		if strings.HasPrefix(e.key, prefix) {
			out = append(out, e.key+"@"+e.version)
		}
	}
	return out
}

func (f *fakeS3) ListObjectVersions(_ context.Context, in *s3.ListObjectVersionsInput, _ ...func(*s3.Options)) (*s3.ListObjectVersionsOutput, error) {
	f.lists++
	if aws.ToString(in.Bucket) != f.bucket {
		return nil, errors.New("NoSuchBucket")
	}
	prefix := aws.ToString(in.Prefix)
	start := 0
	if km := aws.ToString(in.KeyMarker); km != "" {
		vm := aws.ToString(in.VersionIdMarker)
		for start < len(f.entries) && (f.entries[start].key < km || (f.entries[start].key == km && f.entries[start].version <= vm)) {
			start++
		}
	}
	out := &s3.ListObjectVersionsOutput{IsTruncated: aws.Bool(false)}
	n := 0
	for i := start; i < len(f.entries); i++ {
		e := f.entries[i]
		if !strings.HasPrefix(e.key, prefix) {
			continue
		}
		if n == f.pageSize {
			out.IsTruncated = aws.Bool(true)
			break
		}
		if e.marker {
			out.DeleteMarkers = append(out.DeleteMarkers, types.DeleteMarkerEntry{Key: aws.String(e.key), VersionId: aws.String(e.version)})
		} else {
			out.Versions = append(out.Versions, types.ObjectVersion{Key: aws.String(e.key), VersionId: aws.String(e.version)})
		}
		out.NextKeyMarker, out.NextVersionIdMarker = aws.String(e.key), aws.String(e.version)
		n++
	}
	return out, nil
}

func (f *fakeS3) DeleteObjects(_ context.Context, in *s3.DeleteObjectsInput, _ ...func(*s3.Options)) (*s3.DeleteObjectsOutput, error) {
	if aws.ToString(in.Bucket) != f.bucket {
		return nil, errors.New("NoSuchBucket")
	}
	if len(in.Delete.Objects) > 1000 {
		return nil, errors.New("MalformedXML: more than 1000 objects")
	}
	out := &s3.DeleteObjectsOutput{}
	for _, id := range in.Delete.Objects {
		if aws.ToString(id.Key) == f.failKey {
			out.Errors = append(out.Errors, types.Error{Key: id.Key, VersionId: id.VersionId, Code: aws.String("AccessDenied"), Message: aws.String("Access Denied")})
			continue
		}
		if aws.ToString(id.VersionId) == "" {
			return nil, errors.New("test wants every delete by version ID")
		}
		for i, e := range f.entries {
			if e.key == aws.ToString(id.Key) && e.version == aws.ToString(id.VersionId) {
				f.entries = append(f.entries[:i], f.entries[i+1:]...)
				break
			}
		}
	}
	return out, nil
}

func (f *fakeS3) PutObjectTagging(_ context.Context, in *s3.PutObjectTaggingInput, _ ...func(*s3.Options)) (*s3.PutObjectTaggingOutput, error) {
	if aws.ToString(in.VersionId) == "" {
		return nil, errors.New("test wants every tag by version ID")
	}
	for _, t := range in.Tagging.TagSet {
		f.tags[aws.ToString(in.Key)+"@"+aws.ToString(in.VersionId)] = aws.ToString(t.Key) + "=" + aws.ToString(t.Value)
	}
	return &s3.PutObjectTaggingOutput{}, nil
}

// seed fills a bucket with two voices whose IDs share a prefix (alice, alice2), each with
// several versions and a delete marker, so a voice prefix that lacked its trailing slash would
// reach the other voice.
func seed() *fakeS3 {
	f := newFake("vv-acme-prod-111111111111-eu-west-1")
	for _, v := range []string{"alice", "alice2"} {
		for _, k := range []string{"reference/1.wav", "reference/2.wav", "consent/c1.json", "synth/job-1.wav"} {
			f.put("voices/"+v+"/"+k, false)
			f.put("voices/"+v+"/"+k, false) // a second, current version
		}
		f.put("voices/"+v+"/synth/job-1.wav", true) // deleted by the service: a delete marker
	}
	return f
}

func TestEraseVoiceDeletesEveryVersionAndDeleteMarkerOfThatVoiceOnly(t *testing.T) {
	f := seed()
	scope, err := VoiceScope(f.bucket, "alice")
	require.NoError(t, err)
	before := len(f.keys("voices/alice2/"))

	r, err := Erase(context.Background(), f, scope, Delete)
	require.NoError(t, err)
	assert.Empty(t, f.keys("voices/alice/"), "no version or delete marker of alice is left")
	assert.Len(t, f.keys("voices/alice2/"), before, "alice2 is untouched")
	assert.Equal(t, Result{Versions: 8, DeleteMarkers: 1, Deleted: 9, Remaining: 0}, r)
}

func TestEraseTenantEmptiesTheWholeBucket(t *testing.T) {
	f := seed()
	scope, err := TenantScope(f.bucket, f.bucket)
	require.NoError(t, err)
	r, err := Erase(context.Background(), f, scope, Delete)
	require.NoError(t, err)
	assert.Empty(t, f.entries)
	assert.Equal(t, 18, r.Deleted)
}

func TestDryRunCountsAcrossPagesAndDeletesNothing(t *testing.T) {
	f := seed()
	n := len(f.entries)
	scope, _ := VoiceScope(f.bucket, "alice")
	r, err := Erase(context.Background(), f, scope, DryRun)
	require.NoError(t, err)
	assert.Equal(t, Result{Versions: 8, DeleteMarkers: 1}, r)
	assert.Len(t, f.entries, n)
	assert.Greater(t, f.lists, 1, "the fake pages by 3: the count must span pages")
}

func TestTagOnlyTagsEveryVersionForTheLifecycleErasureRule(t *testing.T) {
	f := seed()
	scope, _ := VoiceScope(f.bucket, "alice")
	r, err := Erase(context.Background(), f, scope, Tag)
	require.NoError(t, err)
	assert.Equal(t, 8, r.Tagged)
	for _, e := range f.entries {
		tag, ok := f.tags[e.key+"@"+e.version]
		switch {
		case strings.HasPrefix(e.key, "voices/alice/") && !e.marker:
			assert.Equal(t, audiolayout.EraseTagKey+"="+audiolayout.EraseTagValue, tag, e.key)
		default:
			assert.False(t, ok, "%s@%s must not be tagged", e.key, e.version)
		}
	}
}

func TestEraseFailsAndReportsWhenS3RefusesADelete(t *testing.T) {
	f := seed()
	f.failKey = "voices/alice/consent/c1.json"
	scope, _ := VoiceScope(f.bucket, "alice")
	r, err := Erase(context.Background(), f, scope, Delete)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "voices/alice/consent/c1.json")
	assert.Contains(t, err.Error(), "AccessDenied")
	assert.Positive(t, r.Remaining)
}

func TestEraseFailsOnAMissingBucket(t *testing.T) {
	f := seed()
	_, err := Erase(context.Background(), f, Scope{Bucket: "someone-else"}, Delete)
	require.Error(t, err)
}

func TestVoiceScopeRejectsIDsThatCouldReachOtherData(t *testing.T) {
	for _, id := range []string{"", "a/b", "../x", ".", "*", "alice/", "-x", strings.Repeat("a", audiolayout.MaxVoiceIDLen+1), "a b"} {
		_, err := VoiceScope("b", id)
		assert.Error(t, err, "voice ID %q", id)
	}
	s, err := VoiceScope("b", "Alice_01-x")
	require.NoError(t, err)
	assert.Equal(t, "voices/Alice_01-x/", s.Prefix)
}

func TestTenantScopeNeedsTheBucketNameAsConfirmation(t *testing.T) {
	_, err := TenantScope("vv-acme", "")
	assert.Error(t, err)
	_, err = TenantScope("vv-acme", "vv-globex")
	assert.Error(t, err)
	s, err := TenantScope("vv-acme", "vv-acme")
	require.NoError(t, err)
	assert.Equal(t, "", s.Prefix)
}
