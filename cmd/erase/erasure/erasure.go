// Package erasure removes a voice's or a whole tenant's audio from a tenant bucket before the
// lifecycle rules would. The bucket is versioned, so deleting an object only hides it behind a
// delete marker: erasure deletes every version and every delete marker under the prefix, by
// version ID, then lists again to prove nothing is left. A gentler alternative tags every
// version for the bucket's lifecycle erasure rule, which removes them within about two days.
//
// The S3 client is behind API (satisfied by *s3.Client) so the logic is tested with a fake.
package erasure

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/voicevault/voicevault/internal/audiolayout"
)

// API is the part of the S3 client erasure uses. *s3.Client satisfies it.
type API interface {
	ListObjectVersions(ctx context.Context, in *s3.ListObjectVersionsInput, opts ...func(*s3.Options)) (*s3.ListObjectVersionsOutput, error)
	DeleteObjects(ctx context.Context, in *s3.DeleteObjectsInput, opts ...func(*s3.Options)) (*s3.DeleteObjectsOutput, error)
	PutObjectTagging(ctx context.Context, in *s3.PutObjectTaggingInput, opts ...func(*s3.Options)) (*s3.PutObjectTaggingOutput, error)
}

// Scope is what to erase: every version under Prefix in Bucket ("" is the whole bucket).
type Scope struct {
	Bucket string
	Prefix string
}

func (s Scope) String() string { return "s3://" + s.Bucket + "/" + s.Prefix }

// VoiceScope is everything of one voice: voices/<voiceID>/ (see internal/audiolayout).
func VoiceScope(bucket, voiceID string) (Scope, error) {
	if bucket == "" {
		return Scope{}, errors.New("bucket is required")
	}
	p, err := audiolayout.VoicePrefix(voiceID)
	if err != nil {
		return Scope{}, err
	}
	return Scope{Bucket: bucket, Prefix: p}, nil
}

// TenantScope is the whole tenant bucket. confirm must repeat the bucket name: erasing a
// tenant is irreversible.
func TenantScope(bucket, confirm string) (Scope, error) {
	if bucket == "" {
		return Scope{}, errors.New("bucket is required")
	}
	if confirm != bucket {
		return Scope{}, fmt.Errorf("erasing every object of bucket %q needs the confirmation %q (got %q)", bucket, bucket, confirm)
	}
	return Scope{Bucket: bucket}, nil
}

// Mode says what Erase does.
type Mode int

const (
	// Delete deletes every version and delete marker, by version ID. Irreversible.
	Delete Mode = iota
	// DryRun only counts what Delete would delete.
	DryRun
	// Tag sets the lifecycle erasure tag on every version (delete markers carry no tags; the
	// bucket's expired-delete-marker rule removes them once their versions are gone).
	Tag
)

// Result counts what was found and done.
type Result struct {
	Versions      int // object versions found
	DeleteMarkers int // delete markers found
	Deleted       int // versions and delete markers deleted
	Tagged        int // versions tagged
	Remaining     int // versions and delete markers under the prefix afterwards (Delete mode)
}

// maxRounds bounds Delete's list-delete rounds: each round removes up to a page (1,000), and a
// version listed again after its deletion is an error, so this only stops a prefix that keeps
// refilling.
const maxRounds = 100000

// Erase applies mode to every version under scope.
func Erase(ctx context.Context, api API, scope Scope, mode Mode) (Result, error) {
	if scope.Bucket == "" {
		return Result{}, errors.New("bucket is required")
	}
	switch mode {
	case DryRun, Tag:
		return walk(ctx, api, scope, mode)
	case Delete:
		return deleteAll(ctx, api, scope)
	}
	return Result{}, fmt.Errorf("unknown mode %d", mode)
}

// walk pages through every version once, counting (DryRun) or tagging (Tag) them.
func walk(ctx context.Context, api API, scope Scope, mode Mode) (Result, error) {
	var r Result
	in := &s3.ListObjectVersionsInput{Bucket: aws.String(scope.Bucket), Prefix: aws.String(scope.Prefix)}
	for {
		out, err := api.ListObjectVersions(ctx, in)
		if err != nil {
			return r, fmt.Errorf("list versions of %s: %w", scope, err)
		}
		r.Versions += len(out.Versions)
		r.DeleteMarkers += len(out.DeleteMarkers)
		if mode == Tag {
			for _, v := range out.Versions {
				if !under(scope, v.Key) {
					return r, fmt.Errorf("listing %s returned %q, outside the prefix", scope, aws.ToString(v.Key))
				}
				_, err := api.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{
					Bucket:    aws.String(scope.Bucket),
					Key:       v.Key,
					VersionId: v.VersionId,
					Tagging:   &types.Tagging{TagSet: []types.Tag{{Key: aws.String(audiolayout.EraseTagKey), Value: aws.String(audiolayout.EraseTagValue)}}},
				})
				if err != nil {
					return r, fmt.Errorf("tag %s version %s: %w", aws.ToString(v.Key), aws.ToString(v.VersionId), err)
				}
				r.Tagged++
			}
		}
		if !aws.ToBool(out.IsTruncated) {
			return r, nil
		}
		in.KeyMarker, in.VersionIdMarker = out.NextKeyMarker, out.NextVersionIdMarker
	}
}

// deleteAll lists the first page under the prefix and deletes it, until a listing comes back
// empty: that final empty listing is the proof that nothing is left.
func deleteAll(ctx context.Context, api API, scope Scope) (Result, error) {
	var r Result
	var last types.ObjectIdentifier
	for round := 0; ; round++ {
		if round == maxRounds {
			return r, fmt.Errorf("%s still not empty after %d rounds; is something writing to it?", scope, maxRounds)
		}
		out, err := api.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(scope.Bucket), Prefix: aws.String(scope.Prefix)})
		if err != nil {
			return r, fmt.Errorf("list versions of %s: %w", scope, err)
		}
		var ids []types.ObjectIdentifier
		for _, v := range out.Versions {
			ids = append(ids, types.ObjectIdentifier{Key: v.Key, VersionId: v.VersionId})
		}
		for _, m := range out.DeleteMarkers {
			ids = append(ids, types.ObjectIdentifier{Key: m.Key, VersionId: m.VersionId})
		}
		if len(ids) == 0 {
			r.Remaining = 0
			return r, nil
		}
		for _, id := range ids {
			if !under(scope, id.Key) {
				return r, fmt.Errorf("listing %s returned %q, outside the prefix", scope, aws.ToString(id.Key))
			}
			if aws.ToString(id.VersionId) == "" {
				return r, fmt.Errorf("%s has no version ID: is the bucket versioned?", aws.ToString(id.Key))
			}
		}
		if round > 0 && aws.ToString(ids[0].Key) == aws.ToString(last.Key) && aws.ToString(ids[0].VersionId) == aws.ToString(last.VersionId) {
			return r, fmt.Errorf("%s version %s is still listed after S3 reported it deleted", aws.ToString(last.Key), aws.ToString(last.VersionId))
		}
		last = ids[0]
		r.Versions += len(out.Versions)
		r.DeleteMarkers += len(out.DeleteMarkers)
		del, err := api.DeleteObjects(ctx, &s3.DeleteObjectsInput{
			Bucket: aws.String(scope.Bucket),
			Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)},
		})
		if err != nil {
			r.Remaining = len(ids)
			return r, fmt.Errorf("delete %d versions under %s: %w", len(ids), scope, err)
		}
		if len(del.Errors) > 0 {
			e := del.Errors[0]
			r.Deleted += len(ids) - len(del.Errors)
			r.Remaining = len(del.Errors)
			return r, fmt.Errorf("delete under %s: %d of %d failed, first %s version %s: %s %s", scope, len(del.Errors), len(ids),
				aws.ToString(e.Key), aws.ToString(e.VersionId), aws.ToString(e.Code), aws.ToString(e.Message))
		}
		r.Deleted += len(ids)
	}
}

func under(scope Scope, key *string) bool { return strings.HasPrefix(aws.ToString(key), scope.Prefix) }
