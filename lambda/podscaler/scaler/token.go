package scaler

import (
	"context"
	"encoding/base64"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Token format of aws-iam-authenticator and "aws eks get-token".
const (
	tokenPrefix     = "k8s-aws-v1."
	clusterIDHeader = "x-k8s-aws-id"
	// tokenExpiresSeconds is the presigned URL's X-Amz-Expires. The EKS API
	// server accepts a token for 15 minutes whatever this says; a run uses
	// its token for seconds.
	tokenExpiresSeconds = "60"
)

// Token returns a bearer token for the EKS cluster clusterName: an STS
// GetCallerIdentity request presigned with creds for the regional endpoint
// of region, with the cluster name signed in as the x-k8s-aws-id header.
// Presigning is local: no AWS API is called.
func Token(ctx context.Context, creds aws.CredentialsProvider, region, clusterName string) (string, error) {
	client := sts.New(sts.Options{
		Region:      region,
		Credentials: creds,
		// x-k8s-aws-id does not start with X-Amz-, so it stays a header and
		// the presigner signs it (X-Amz-SignedHeaders lists it): the API
		// server sends it with the request to STS. X-Amz-Expires is an X-Amz-
		// header, which the presigner hoists into the query string.
		APIOptions: []func(*middleware.Stack) error{
			smithyhttp.AddHeaderValue(clusterIDHeader, clusterName),
			smithyhttp.SetHeaderValue("X-Amz-Expires", tokenExpiresSeconds),
		},
	})
	req, err := sts.NewPresignClient(client).PresignGetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", fmt.Errorf("presign sts:GetCallerIdentity: %w", err)
	}
	return tokenPrefix + base64.RawURLEncoding.EncodeToString([]byte(req.URL)), nil
}
