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
	"math"
	"strings"
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

// APIKeySecret is the JSON stored in the API key secret (see the package doc).
// cmd/apikeys writes it; the authorizer reads it with ParseAPIKeySecret.
type APIKeySecret struct {
	Pepper string        `json:"pepper"`
	Keys   []APIKeyEntry `json:"keys"`
}

// APIKeyEntry is one partner key: only its hash is stored. A partner has one
// entry per key it holds, two while a rotation's overlap runs.
type APIKeyEntry struct {
	ID   string `json:"id"`   // the partner ID: principalId, logged, mapped to a usage key
	Hash string `json:"hash"` // hex of HMAC-SHA256(pepper, key)
	// Created is when the key was issued (RFC 3339). Optional (entries written
	// before rotation existed have none); the key age alarm counts dated keys.
	Created string `json:"created,omitempty"`
	// NotAfter is when the key stops being accepted (RFC 3339): set on the old
	// key by a rotation (the overlap's end). Optional: no expiry.
	NotAfter string `json:"notAfter,omitempty"`
}

// HashAPIKey is the hex HMAC-SHA256 of key under pepper: what the secret
// stores for a key.
func HashAPIKey(pepper []byte, key string) string {
	mac := hmac.New(sha256.New, pepper)
	mac.Write([]byte(key))
	return hex.EncodeToString(mac.Sum(nil))
}

// ParseAPIKeySecret parses and checks a secret: known fields only, a pepper of
// at least 16 bytes, non-empty IDs, 64-hex-digit hashes each used once, and
// RFC 3339 times. It returns the pepper decoded. Errors name fields, never values.
func ParseAPIKeySecret(raw string) (APIKeySecret, []byte, error) {
	var s APIKeySecret
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return s, nil, errors.New("api key secret: not the expected JSON object")
	}
	pepper, err := base64.StdEncoding.DecodeString(s.Pepper)
	if err != nil || len(pepper) < minPepperBytes {
		return s, nil, fmt.Errorf("api key secret: pepper: want base64 of at least %d bytes", minPepperBytes)
	}
	seen := map[string]bool{}
	for i, k := range s.Keys {
		if k.ID == "" {
			return s, nil, fmt.Errorf("api key secret: keys[%d].id: want a non-empty partner ID", i)
		}
		if h, err := hex.DecodeString(k.Hash); err != nil || len(h) != sha256.Size {
			return s, nil, fmt.Errorf("api key secret: keys[%d].hash: want %d hex characters", i, 2*sha256.Size)
		}
		if seen[strings.ToLower(k.Hash)] {
			return s, nil, fmt.Errorf("api key secret: keys[%d].hash: the same hash is already listed; a key belongs to one entry", i)
		}
		seen[strings.ToLower(k.Hash)] = true
		for _, f := range []struct{ name, v string }{{"created", k.Created}, {"notAfter", k.NotAfter}} {
			if _, err := parseTime(f.v); err != nil {
				return s, nil, fmt.Errorf("api key secret: keys[%d].%s: want an RFC 3339 time, e.g. 2026-12-01T00:00:00Z", i, f.name)
			}
		}
	}
	return s, pepper, nil
}

// parseTime parses an optional RFC 3339 time ("" is the zero time).
func parseTime(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339, v)
}

// apiKeySet is a parsed secret.
type apiKeySet struct {
	pepper   []byte
	ids      []string
	hashes   [][sha256.Size]byte
	created  []time.Time // zero: undated
	notAfter []time.Time // zero: no expiry
}

// parseAPIKeySet parses and checks the secret. Its errors name fields, never values.
func parseAPIKeySet(raw string) (*apiKeySet, error) {
	s, pepper, err := ParseAPIKeySecret(raw)
	if err != nil {
		return nil, err
	}
	set := &apiKeySet{pepper: pepper}
	for _, k := range s.Keys {
		var h [sha256.Size]byte
		_, _ = hex.Decode(h[:], []byte(k.Hash)) // checked above
		created, _ := parseTime(k.Created)
		notAfter, _ := parseTime(k.NotAfter)
		set.ids = append(set.ids, k.ID)
		set.hashes = append(set.hashes, h)
		set.created = append(set.created, created)
		set.notAfter = append(set.notAfter, notAfter)
	}
	return set, nil
}

// match returns the ID of the key whose hash is HMAC-SHA256(pepper, key) and
// that is not past its notAfter at now. Every stored hash is compared, each in
// constant time.
func (s *apiKeySet) match(key string, now time.Time) (string, bool) {
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
	if found < 0 || (!s.notAfter[found].IsZero() && !now.Before(s.notAfter[found])) {
		return "", false
	}
	return s.ids[found], true
}

// age reports, at now, the age of the oldest dated key still accepted, how many
// keys are accepted, and how many of those are undated.
func (s *apiKeySet) age(now time.Time) (oldest time.Duration, active, undated int) {
	for i := range s.hashes {
		if !s.notAfter[i].IsZero() && !now.Before(s.notAfter[i]) {
			continue
		}
		active++
		if s.created[i].IsZero() {
			undated++
			continue
		}
		oldest = max(oldest, now.Sub(s.created[i]))
	}
	return oldest, active, undated
}

// apiKeyStore caches the parsed secret for ttl. A failed fetch is remembered
// for retry, so an outage costs one fetch per retry interval, not one per
// request; nothing stale is served.
type apiKeyStore struct {
	arn     string
	tenant  string
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
	oldest, active, undated := set.age(now)
	// A metric filter of constructs/authorizerfn turns this line into the key age alarm.
	s.log.LogAttrs(ctx, slog.LevelInfo, "api key secret loaded",
		slog.String("event", "api_key_secret_loaded"), slog.String("tenant", s.tenant),
		slog.Float64("oldestKeyAgeDays", math.Floor(oldest.Hours()/24*10)/10),
		slog.Int("activeKeys", active), slog.Int("undatedKeys", undated))
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
