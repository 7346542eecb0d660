// Command bootstrap is VoiceVault's API Gateway REQUEST authorizer for one
// tenant's REST API (provided.al2023, arm64). Everything it checks and every
// environment variable it reads is described in package authz.
//
// An invalid configuration does not stop the function: it logs the error and
// denies every request, so a bad deployment fails closed with 403s.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/voicevault/voicevault/lambda/authorizer/authz"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	cfg, err := authz.ConfigFromEnv(os.Getenv)
	var a *authz.Authorizer
	if err == nil {
		a, err = authz.New(context.Background(), cfg, authz.Options{Logger: logger})
	}
	if err != nil {
		a = authz.DenyAll(cfg.Tenant, logger, err)
	}
	lambda.Start(a.Authorize)
}
