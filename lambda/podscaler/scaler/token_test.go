package scaler

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// decodeToken returns the presigned URL inside an EKS token.
func decodeToken(t *testing.T, token string) *url.URL {
	t.Helper()
	require.True(t, strings.HasPrefix(token, "k8s-aws-v1."), token)
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(token, "k8s-aws-v1."))
	require.NoError(t, err)
	u, err := url.Parse(string(raw))
	require.NoError(t, err)
	return u
}

func TestTokenIsPresignedRegionalGetCallerIdentity(t *testing.T) {
	for _, region := range []string{"eu-west-1", "us-east-1"} {
		t.Run(region, func(t *testing.T) {
			creds := credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "session-token")
			token, err := Token(context.Background(), creds, region, "voicevault-prod")
			require.NoError(t, err)
			assert.NotContains(t, token, "=", "base64url without padding")

			u := decodeToken(t, token)
			q := u.Query()
			assert.Equal(t, "https", u.Scheme)
			assert.Equal(t, "sts."+region+".amazonaws.com", u.Host, "the regional endpoint, never the global one")
			assert.Contains(t, []string{"", "/"}, u.Path)
			assert.Equal(t, "GetCallerIdentity", q.Get("Action"))
			assert.Equal(t, "2011-06-15", q.Get("Version"))
			assert.Equal(t, "60", q.Get("X-Amz-Expires"))
			assert.Equal(t, "AWS4-HMAC-SHA256", q.Get("X-Amz-Algorithm"))
			assert.True(t, strings.HasPrefix(q.Get("X-Amz-Credential"), "AKIDEXAMPLE/"), q.Get("X-Amz-Credential"))
			assert.Contains(t, q.Get("X-Amz-Credential"), "/"+region+"/sts/aws4_request")
			assert.Equal(t, "session-token", q.Get("X-Amz-Security-Token"))
			assert.NotEmpty(t, q.Get("X-Amz-Signature"))
			assert.Contains(t, strings.Split(q.Get("X-Amz-SignedHeaders"), ";"), "x-k8s-aws-id")
			assert.Contains(t, strings.Split(q.Get("X-Amz-SignedHeaders"), ";"), "host")
			assert.NotContains(t, u.RawQuery, "voicevault-prod", "the cluster name is a signed header, not a query parameter")
		})
	}
}

// TestTokenSignsTheClusterName re-signs the presigned URL with the SigV4
// signer: the signature matches only when x-k8s-aws-id carries the cluster
// name, as the API server sends it to STS.
func TestTokenSignsTheClusterName(t *testing.T) {
	creds := credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")
	token, err := Token(context.Background(), creds, "eu-west-1", "voicevault-prod")
	require.NoError(t, err)
	u := decodeToken(t, token)
	q := u.Query()
	signedAt, err := time.Parse("20060102T150405Z", q.Get("X-Amz-Date"))
	require.NoError(t, err)

	resign := func(clusterName string) string {
		unsigned := *u
		uq := u.Query()
		uq.Del("X-Amz-Signature")
		uq.Del("X-Amz-SignedHeaders")
		unsigned.RawQuery = uq.Encode()
		req, err := http.NewRequest(http.MethodGet, unsigned.String(), nil)
		require.NoError(t, err)
		req.Header.Set("x-k8s-aws-id", clusterName)
		c, err := creds.Retrieve(context.Background())
		require.NoError(t, err)
		const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
		signed, _, err := v4.NewSigner().PresignHTTP(context.Background(), c, req, emptySHA256, "sts", "eu-west-1", signedAt)
		require.NoError(t, err)
		su, err := url.Parse(signed)
		require.NoError(t, err)
		return su.Query().Get("X-Amz-Signature")
	}
	assert.Equal(t, q.Get("X-Amz-Signature"), resign("voicevault-prod"))
	assert.NotEqual(t, q.Get("X-Amz-Signature"), resign("another-cluster"))
}

func TestTokenFailsWithoutCredentials(t *testing.T) {
	creds := credentials.NewStaticCredentialsProvider("", "", "")
	_, err := Token(context.Background(), creds, "eu-west-1", "cluster-a")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "presign sts:GetCallerIdentity")
}
