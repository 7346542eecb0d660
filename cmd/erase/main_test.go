package main

import (
	"bytes"
	"context"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/cmd/erase/erasure"
)

func example() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "config", "example.yaml")
}

// recorder is an empty bucket that remembers the bucket, prefix and region it was asked about.
type recorder struct {
	bucket, prefix, region string
}

func (r *recorder) ListObjectVersions(_ context.Context, in *s3.ListObjectVersionsInput, _ ...func(*s3.Options)) (*s3.ListObjectVersionsOutput, error) {
	r.bucket, r.prefix = aws.ToString(in.Bucket), aws.ToString(in.Prefix)
	return &s3.ListObjectVersionsOutput{IsTruncated: aws.Bool(false)}, nil
}
func (r *recorder) DeleteObjects(context.Context, *s3.DeleteObjectsInput, ...func(*s3.Options)) (*s3.DeleteObjectsOutput, error) {
	return &s3.DeleteObjectsOutput{}, nil
}
func (r *recorder) PutObjectTagging(context.Context, *s3.PutObjectTaggingInput, ...func(*s3.Options)) (*s3.PutObjectTaggingOutput, error) {
	return &s3.PutObjectTaggingOutput{}, nil
}

func TestEraseTargetsTheTenantBucketAndRegionFromTheConfig(t *testing.T) {
	cases := []struct {
		args                   []string
		bucket, prefix, region string
	}{
		{[]string{"-tenant", "acme", "-voice", "v-1"}, "vv-acme-prod-111111111111-eu-west-1", "voices/v-1/", "eu-west-1"},
		{[]string{"-tenant", "initech", "-voice", "v-1", "-dry-run"}, "vv-initech-initech-222222222222-us-east-1", "voices/v-1/", "us-east-1"},
		{[]string{"-tenant", "globex", "-all", "-confirm", "vv-globex-prod-111111111111-eu-west-1"}, "vv-globex-prod-111111111111-eu-west-1", "", "eu-west-1"},
	}
	for _, tc := range cases {
		rec := &recorder{}
		var out, errb bytes.Buffer
		code := run(append([]string{"-config", example()}, tc.args...), &out, &errb, func(_ context.Context, region string) (erasure.API, error) {
			rec.region = region
			return rec, nil
		})
		require.Equal(t, 0, code, errb.String())
		assert.Equal(t, tc.bucket, rec.bucket, tc.args)
		assert.Equal(t, tc.prefix, rec.prefix, tc.args)
		assert.Equal(t, tc.region, rec.region, tc.args)
		assert.Contains(t, out.String(), "0 remaining")
	}
}

func TestEraseRefusesAmbiguousOrUnconfirmedRequests(t *testing.T) {
	cases := map[string][]string{
		"no tenant":             {"-voice", "v"},
		"unknown tenant":        {"-tenant", "nobody", "-voice", "v"},
		"neither voice nor all": {"-tenant", "acme"},
		"both voice and all":    {"-tenant", "acme", "-voice", "v", "-all", "-confirm", "vv-acme-prod-111111111111-eu-west-1"},
		"all unconfirmed":       {"-tenant", "acme", "-all"},
		"all confirmed wrong":   {"-tenant", "acme", "-all", "-confirm", "vv-globex-prod-111111111111-eu-west-1"},
		"bad voice id":          {"-tenant", "acme", "-voice", "../globex"},
		"dry run and tag":       {"-tenant", "acme", "-voice", "v", "-dry-run", "-tag-only"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			var out, errb bytes.Buffer
			called := false
			code := run(append([]string{"-config", example()}, args...), &out, &errb, func(context.Context, string) (erasure.API, error) {
				called = true
				return &recorder{}, nil
			})
			assert.Equal(t, 2, code)
			assert.False(t, called, "no AWS call on a refused request")
			assert.Contains(t, errb.String(), "erase: ")
		})
	}
}
