package authz

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// secretsManager reads secrets with the Secrets Manager client alone, without
// the SDK's config loader (and its SSO, STS and IMDS clients): in Lambda the
// function's role credentials are in the environment.
type secretsManager struct {
	client *secretsmanager.Client
}

// newSecretsManager makes a client for region. endpoint overrides the
// regional endpoint when set (tests only).
func newSecretsManager(region, endpoint string, timeout time.Duration) *secretsManager {
	c := newClientBasics(endpoint, timeout)
	return &secretsManager{client: secretsmanager.New(secretsmanager.Options{
		Region: region, Credentials: c.credentials, HTTPClient: c.http, RetryMaxAttempts: c.attempts, BaseEndpoint: c.endpoint,
	})}
}

// clientBasics is what every AWS client of the authorizer shares: the function's role
// credentials from the environment, an HTTP client bounded by the fetch timeout, two attempts,
// and the endpoint override of tests (nil: the regional endpoint).
type clientBasics struct {
	credentials aws.CredentialsProvider
	http        *http.Client
	attempts    int
	endpoint    *string
}

func newClientBasics(endpoint string, timeout time.Duration) clientBasics {
	c := clientBasics{credentials: aws.CredentialsProviderFunc(envCredentials), http: &http.Client{Timeout: timeout}, attempts: 2}
	if endpoint != "" {
		c.endpoint = aws.String(endpoint)
	}
	return c
}

func envCredentials(context.Context) (aws.Credentials, error) {
	id, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if id == "" || secret == "" {
		return aws.Credentials{}, errors.New("no AWS credentials in the environment")
	}
	return aws.Credentials{
		AccessKeyID:     id,
		SecretAccessKey: secret,
		SessionToken:    os.Getenv("AWS_SESSION_TOKEN"),
		Source:          "EnvironmentVariables",
	}, nil
}

// SecretString implements SecretFetcher.
func (s *secretsManager) SecretString(ctx context.Context, arn string) (string, error) {
	out, err := s.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		return "", fmt.Errorf("get secret value: %w", err)
	}
	if out.SecretString == nil {
		return "", errors.New("get secret value: the secret has no SecretString")
	}
	return *out.SecretString, nil
}
