package scaler

import (
	"context"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tlsAPI is a TLS test server and a Kube that trusts only its certificate.
func tlsAPI(t *testing.T, h http.HandlerFunc) *Kube {
	t.Helper()
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	client, err := NewAPIClient(serverCAPEM(srv))
	require.NoError(t, err)
	return &Kube{Endpoint: srv.URL, Token: "k8s-aws-v1.test", HTTP: client}
}

func serverCAPEM(srv *httptest.Server) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
}

func TestReadyPods(t *testing.T) {
	kube := tlsAPI(t, func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "/apis/discovery.k8s.io/v1/namespaces/tenant-acme/endpointslices", r.URL.Path)
		assert.Equal(t, "labelSelector=kubernetes.io%2Fservice-name%3Dtts", r.URL.RawQuery)
		assert.Equal(t, "Bearer k8s-aws-v1.test", r.Header.Get("Authorization"))
		assert.Equal(t, "application/json", r.Header.Get("Accept"))
		io.WriteString(w, `{"kind":"EndpointSliceList","apiVersion":"discovery.k8s.io/v1","items":[
		 {"addressType":"IPv4","endpoints":[
		  {"addresses":["10.0.0.1"],"conditions":{"ready":true,"serving":true,"terminating":false},"targetRef":{"kind":"Pod","namespace":"tenant-acme","name":"tts-a"}},
		  {"addresses":["10.0.0.2","10.0.9.2"],"conditions":{},"targetRef":{"kind":"Pod","namespace":"tenant-acme","name":"tts-b"}},
		  {"addresses":["10.0.0.3"],"conditions":{"ready":false,"serving":true},"targetRef":{"kind":"Pod","namespace":"tenant-acme","name":"tts-c"}},
		  {"addresses":["10.0.0.4"],"conditions":{"ready":true,"serving":false},"targetRef":{"kind":"Pod","namespace":"tenant-acme","name":"tts-d"}},
		  {"addresses":["10.0.0.5"],"conditions":{"ready":true,"terminating":true},"targetRef":{"kind":"Pod","namespace":"tenant-acme","name":"tts-e"}},
		  {"addresses":[],"conditions":{"ready":true}},
		  {"addresses":["10.0.0.6"],"conditions":{"ready":true}}
		 ]},
		 {"addressType":"IPv6","endpoints":[
		  {"addresses":["fd00::1"],"conditions":{"ready":true},"targetRef":{"kind":"Pod","namespace":"tenant-acme","name":"tts-a"}},
		  {"addresses":["fd00::7"],"conditions":{"ready":true},"targetRef":{"kind":"Pod","namespace":"tenant-acme","name":"tts-f"}}
		 ]},
		 {"addressType":"IPv4","endpoints":[
		  {"addresses":["10.0.0.6"],"conditions":{"ready":true}},
		  {"addresses":["10.0.0.1"],"conditions":{"ready":true}}
		 ]}
		]}`)
	})
	addrs, err := kube.ReadyPods(context.Background(), "tenant-acme", "tts")
	require.NoError(t, err)
	assert.Equal(t, []string{"10.0.0.1", "10.0.0.2", "10.0.0.6", "fd00::7"}, addrs,
		"ready, serving, not terminating; first address; each pod once")
}

func TestKubeReportsAPIErrors(t *testing.T) {
	kube := tlsAPI(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"kind":"Status","message":"forbidden"}`+strings.Repeat("x", 2000))
	})
	_, err := kube.GetScale(context.Background(), "tenant-acme", "tts")
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusForbidden, apiErr.StatusCode)
	assert.Len(t, apiErr.Body, 512)
	assert.True(t, strings.HasPrefix(err.Error(), `GET /apis/apps/v1/namespaces/tenant-acme/deployments/tts/scale: 403 Forbidden: {"kind":"Status","message":"forbidden"}xxx`), err.Error())
}

func TestKubeRejectsHugeAndBadResponses(t *testing.T) {
	for name, body := range map[string]string{
		"huge":     `{"spec":{"replicas":1},"pad":"` + strings.Repeat("x", maxAPIResponseBytes) + `"}`,
		"not JSON": `<html>`,
	} {
		t.Run(name, func(t *testing.T) {
			kube := tlsAPI(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, body) })
			_, err := kube.GetScale(context.Background(), "tenant-acme", "tts")
			require.Error(t, err)
			if name == "huge" {
				assert.Contains(t, err.Error(), "response larger than 4194304 bytes")
			} else {
				assert.Contains(t, err.Error(), "decoding the response")
			}
		})
	}
}

func TestKubeTrustsOnlyTheClusterCA(t *testing.T) {
	other := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the request must not reach a server with another certificate")
	}))
	defer other.Close()
	client, err := NewAPIClient(testCA(t))
	require.NoError(t, err)
	kube := &Kube{Endpoint: other.URL, Token: "secret", HTTP: client}
	_, err = kube.GetScale(context.Background(), "tenant-acme", "tts")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "certificate")
}

func TestNewAPIClientRejectsABadCA(t *testing.T) {
	_, err := NewAPIClient([]byte("not PEM"))
	assert.EqualError(t, err, "cluster CA: no PEM certificate in the decoded value (want base64 of the PEM, as in EKS certificateAuthority.data)")
}

func TestKubeDoesNotFollowRedirects(t *testing.T) {
	kube := tlsAPI(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://elsewhere.example.test/", http.StatusFound)
	})
	err := kube.PatchScale(context.Background(), "tenant-acme", "tts", 3)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusFound, apiErr.StatusCode)
}
