package authz

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
)

// apiGateway reads API key values with the API Gateway client alone, like
// secretsManager: the function's role credentials come from the environment.
type apiGateway struct {
	client *apigateway.Client
}

// newAPIGateway makes a client for region. endpoint overrides the regional
// endpoint when set (tests only).
func newAPIGateway(region, endpoint string, timeout time.Duration) *apiGateway {
	c := newClientBasics(endpoint, timeout)
	return &apiGateway{client: apigateway.New(apigateway.Options{
		Region: region, Credentials: c.credentials, HTTPClient: c.http, RetryMaxAttempts: c.attempts, BaseEndpoint: c.endpoint,
	})}
}

// APIKeyValue implements APIKeyFetcher. A disabled key is an error: API
// Gateway would refuse every request metered with it.
func (g *apiGateway) APIKeyValue(ctx context.Context, id string) (string, error) {
	out, err := g.client.GetApiKey(ctx, &apigateway.GetApiKeyInput{ApiKey: aws.String(id), IncludeValue: aws.Bool(true)})
	if err != nil {
		return "", fmt.Errorf("get api key: %w", err)
	}
	switch {
	case !out.Enabled:
		return "", errors.New("get api key: the key is disabled")
	case out.Value == nil || *out.Value == "":
		return "", errors.New("get api key: no value returned")
	}
	return *out.Value, nil
}
