package authz

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSecretsManagerClient checks the SDK wiring against a fake endpoint: a
// signed GetSecretValue call for the ARN, and errors passed on.
func TestSecretsManagerClient(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
	t.Setenv("AWS_SESSION_TOKEN", "session")

	var gotTarget, gotAuth, gotToken string
	var gotBody map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotTarget, gotAuth = r.Header.Get("X-Amz-Target"), r.Header.Get("Authorization")
		gotToken = r.Header.Get("X-Amz-Security-Token")
		body, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(body, &gotBody)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if gotBody["SecretId"] != testSecretARN {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}`)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"ARN": testSecretARN, "Name": "voicevault/acme/api-keys", "SecretString": `{"pepper":"x","keys":[]}`})
	}))
	defer srv.Close()

	sm := newSecretsManager("eu-west-1", srv.URL, 2*time.Second)
	got, err := sm.SecretString(context.Background(), testSecretARN)
	require.NoError(t, err)
	assert.Equal(t, `{"pepper":"x","keys":[]}`, got)
	assert.Equal(t, "secretsmanager.GetSecretValue", gotTarget)
	assert.True(t, strings.HasPrefix(gotAuth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"), gotAuth)
	assert.Contains(t, gotAuth, "/eu-west-1/secretsmanager/aws4_request")
	assert.Equal(t, "session", gotToken)

	_, err = sm.SecretString(context.Background(), testSecretARN+"-other")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ResourceNotFoundException")
}

func TestSecretsManagerWithoutCredentials(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	sm := newSecretsManager("eu-west-1", "http://127.0.0.1:1", time.Second)
	_, err := sm.SecretString(context.Background(), testSecretARN)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no AWS credentials")
}
