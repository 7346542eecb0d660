package authz

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// MaxAPIKeyBytes is the longest API key accepted.
const MaxAPIKeyBytes = 512

const minPepperBytes = 16

// SecretFetcher reads a secret's SecretString. Tests inject a fake; in Lambda
// it is Secrets Manager.
type SecretFetcher interface {
	SecretString(ctx context.Context, arn string) (string, error)
}

// apiKeySecret is the JSON stored in the secret (see the package doc).
type apiKeySecret struct {
	Pepper string `json:"pepper"`
	Keys   []struct {
		ID   string `json:"id"`
		Hash string `json:"hash"`
	} `json:"keys"`
}

// apiKeySet is a parsed secret.
type apiKeySet struct {
	pepper []byte
	ids    []string
	hashes [][sha256.Size]byte
}

// parseAPIKeySet parses and checks the secret. Its errors name fields, never values.
func parseAPIKeySet(raw string) (*apiKeySet, error) {
	var s apiKeySecret
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, errors.New("api key secret: not the expected JSON object")
	}
	pepper, err := base64.StdEncoding.DecodeString(s.Pepper)
	if err != nil || len(pepper) < minPepperBytes {
		return nil, fmt.Errorf("api key secret: pepper: want base64 of at least %d bytes", minPepperBytes)
	}
	set := &apiKeySet{pepper: pepper}
	seen := map[string]bool{}
	for i, k := range s.Keys {
		if k.ID == "" || seen[k.ID] {
			return nil, fmt.Errorf("api key secret: keys[%d].id: want a unique, non-empty ID", i)
		}
		seen[k.ID] = true
		var h [sha256.Size]byte
		if len(k.Hash) != hex.EncodedLen(sha256.Size) {
			return nil, fmt.Errorf("api key secret: keys[%d].hash: want %d hex characters", i, 2*sha256.Size)
		}
		if _, err := hex.Decode(h[:], []byte(k.Hash)); err != nil {
			return nil, fmt.Errorf("api key secret: keys[%d].hash: want %d hex characters", i, 2*sha256.Size)
		}
		set.ids = append(set.ids, k.ID)
		set.hashes = append(set.hashes, h)
	}
	return set, nil
}

// match returns the ID of the key whose hash is HMAC-SHA256(pepper, key). Every
// stored hash is compared, each in constant time.
func (s *apiKeySet) match(key string) (string, bool) {
	mac := hmac.New(sha256.New, s.pepper)
	mac.Write([]byte(key))
	var sum [sha256.Size]byte
	mac.Sum(sum[:0])
	found := -1
	for i := range s.hashes {
		if hmac.Equal(sum[:], s.hashes[i][:]) && found < 0 {
			found = i
		}
	}
	if found < 0 {
		return "", false
	}
	return s.ids[found], true
}

// apiKeyStore caches the parsed secret for ttl. A failed fetch is remembered
// for retry, so an outage costs one fetch per retry interval, not one per
// request; nothing stale is served.
type apiKeyStore struct {
	arn     string
	fetcher SecretFetcher
	ttl     time.Duration
	retry   time.Duration
	now     func() time.Time
	log     *slog.Logger

	mu      sync.Mutex
	set     *apiKeySet
	expires time.Time
	err     error
	retryAt time.Time
}

func (s *apiKeyStore) get(ctx context.Context) (*apiKeySet, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.set != nil && now.Before(s.expires) {
		return s.set, nil
	}
	if s.err != nil && now.Before(s.retryAt) {
		return nil, s.err
	}
	s.set = nil
	raw, err := s.fetcher.SecretString(ctx, s.arn)
	var set *apiKeySet
	if err == nil {
		set, err = parseAPIKeySet(raw)
	}
	if err != nil {
		s.err, s.retryAt = err, now.Add(s.retry)
		s.log.LogAttrs(ctx, slog.LevelError, "api key secret unavailable",
			slog.String("event", "secret_fetch_failed"), slog.String("error", err.Error()))
		return nil, err
	}
	s.set, s.expires, s.err = set, now.Add(s.ttl), nil
	return set, nil
}

// validAPIKey accepts printable ASCII without spaces, up to MaxAPIKeyBytes.
func validAPIKey(k string) bool {
	if len(k) > MaxAPIKeyBytes {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}
