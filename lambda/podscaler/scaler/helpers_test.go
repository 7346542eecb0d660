package scaler

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var (
	testCAOnce sync.Once
	testCAPEM  []byte
)

// testCA is a self-signed certificate in PEM, made once per test binary.
func testCA(t *testing.T) []byte {
	t.Helper()
	testCAOnce.Do(func() {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		require.NoError(t, err)
		tmpl := &x509.Certificate{
			SerialNumber:          big.NewInt(1),
			Subject:               pkix.Name{CommonName: "kubernetes"},
			NotBefore:             time.Now().Add(-time.Hour),
			NotAfter:              time.Now().Add(time.Hour),
			IsCA:                  true,
			BasicConstraintsValid: true,
			KeyUsage:              x509.KeyUsageCertSign,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		require.NoError(t, err)
		testCAPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	})
	return testCAPEM
}

// validEnv is a complete, valid environment (as the stack sets it).
func validEnv(t *testing.T) map[string]string {
	return map[string]string{
		EnvClusterName:     "voicevault-prod",
		EnvClusterEndpoint: "https://0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com",
		EnvClusterCA:       base64.StdEncoding.EncodeToString(testCA(t)),
		EnvNamespace:       "tenant-acme",
		EnvDeployment:      "tts",
		EnvService:         "tts",
		EnvMetricsPort:     "9090",
		EnvMinReplicas:     "1",
		EnvMaxReplicas:     "8",
		EnvTargetInFlight:  "2.5",
		EnvRegion:          "eu-west-1",
	}
}

func getenv(env map[string]string) func(string) string {
	return func(k string) string { return env[k] }
}
