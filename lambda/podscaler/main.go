// Command bootstrap is VoiceVault's tenant TTS pod autoscaler (provided.al2023,
// arm64, built with -tags lambda.norpc): invoked every minute by an
// EventBridge schedule, it scales one tenant's TTS Deployment on the pods'
// inference load through the cluster's private API endpoint. What it reads,
// decides and calls is described in package scaler.
//
// An invalid configuration does not stop the function: every invocation logs
// the configuration error and returns it, so the Lambda Errors metric fires.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/voicevault/voicevault/lambda/podscaler/scaler"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	lambda.Start(newHandler(context.Background(), os.Getenv, logger, loadCredentials))
}

// loadCredentials returns the function's own credentials (from the Lambda
// environment); they only presign the EKS token.
func loadCredentials(ctx context.Context, region string) (aws.CredentialsProvider, error) {
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region))
	if err != nil {
		return nil, err
	}
	return cfg.Credentials, nil
}

// newHandler builds the Scaler once per cold start; when that fails, the
// handler logs and returns the error on every invocation.
func newHandler(
	ctx context.Context,
	getenv func(string) string,
	logger *slog.Logger,
	credentials func(ctx context.Context, region string) (aws.CredentialsProvider, error),
) func(context.Context) error {
	cfg, err := scaler.ConfigFromEnv(getenv)
	var s *scaler.Scaler
	if err == nil {
		var creds aws.CredentialsProvider
		if creds, err = credentials(ctx, cfg.Region); err == nil {
			s, err = scaler.New(cfg, creds, logger)
		}
	}
	if err != nil {
		return func(ctx context.Context) error {
			logger.ErrorContext(ctx, "podscaler configuration", "error", err.Error())
			return err
		}
	}
	return func(ctx context.Context) error {
		_, err := s.Run(ctx)
		return err
	}
}
