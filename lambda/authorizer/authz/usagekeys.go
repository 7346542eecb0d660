package authz

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"
)

// JWTCaller is the caller name that AUTHZ_USAGE_KEYS maps for every JWT caller.
const JWTCaller = "*"

// APIKeyFetcher reads the value of an API Gateway API key (GetApiKey with
// includeValue). Tests inject a fake; in Lambda it is API Gateway.
type APIKeyFetcher interface {
	APIKeyValue(ctx context.Context, id string) (string, error)
}

var (
	reUsageCaller = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`) // config: authorizer.partners[].id
	reAPIKeyID    = regexp.MustCompile(`^[A-Za-z0-9]{1,64}$`)
)

// ParseUsageKeys parses AUTHZ_USAGE_KEYS: comma-separated "<caller>=<apiKeyId>"
// entries, where caller is "*" (every JWT caller) or a partner ID of the API key
// secret. "*" must be mapped, and each caller at most once. "" is no mapping.
func ParseUsageKeys(raw string) (map[string]string, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	out := map[string]string{}
	for i, entry := range strings.Split(raw, ",") {
		caller, id, ok := strings.Cut(strings.TrimSpace(entry), "=")
		caller, id = strings.TrimSpace(caller), strings.TrimSpace(id)
		switch {
		case !ok:
			return nil, fmt.Errorf("entry %d %q: want <caller>=<API key ID>", i+1, entry)
		case caller != JWTCaller && !reUsageCaller.MatchString(caller):
			return nil, fmt.Errorf("entry %d: caller %q: want * or a partner ID (lowercase letters, digits and '-', at most 32)", i+1, caller)
		case !reAPIKeyID.MatchString(id):
			return nil, fmt.Errorf("entry %d: API key ID %q: want letters and digits only", i+1, id)
		}
		if _, dup := out[caller]; dup {
			return nil, fmt.Errorf("entry %d: caller %q is mapped twice", i+1, caller)
		}
		out[caller] = id
	}
	if _, ok := out[JWTCaller]; !ok {
		return nil, errors.New("no entry for * (JWT callers)")
	}
	return out, nil
}

// usageKeys resolves a caller to the value of its API Gateway API key, the
// usageIdentifierKey API Gateway meters the request with. Values never change
// for a key ID, so a value is cached for the life of the process; a failed
// lookup is remembered for the retry interval only, so an outage costs one call
// per key per interval, and the next lookup after it tries again.
type usageKeys struct {
	ids     map[string]string // caller → API key ID
	fetcher APIKeyFetcher
	retry   time.Duration
	now     func() time.Time
	log     *slog.Logger

	mu      sync.Mutex
	values  map[string]string // API key ID → value
	failed  map[string]error  // API key ID → last error, until retryAt
	retryAt map[string]time.Time
}

// errNoUsageKey is a caller AUTHZ_USAGE_KEYS does not map.
var errNoUsageKey = errors.New("no usage key for this caller")

func newUsageKeys(ids map[string]string, fetcher APIKeyFetcher, opts Options) *usageKeys {
	return &usageKeys{
		ids: ids, fetcher: fetcher, retry: opts.UsageKeyRetryInterval, now: opts.Now, log: opts.Logger,
		values: map[string]string{}, failed: map[string]error{}, retryAt: map[string]time.Time{},
	}
}

// value returns the usage identifier key for caller, or errNoUsageKey, or the
// lookup error. Errors never contain the value.
func (u *usageKeys) value(ctx context.Context, caller string) (string, error) {
	id, ok := u.ids[caller]
	if !ok {
		return "", errNoUsageKey
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if v, ok := u.values[id]; ok {
		return v, nil
	}
	now := u.now()
	if err := u.failed[id]; err != nil && now.Before(u.retryAt[id]) {
		return "", err
	}
	v, err := u.fetcher.APIKeyValue(ctx, id)
	if err == nil && v == "" {
		err = errors.New("the API key has no value")
	}
	if err != nil {
		u.failed[id], u.retryAt[id] = err, now.Add(u.retry)
		u.log.LogAttrs(ctx, slog.LevelError, "usage key unavailable",
			slog.String("event", "usage_key_lookup_failed"), slog.String("caller", caller),
			slog.String("apiKeyId", id), slog.String("error", err.Error()))
		return "", err
	}
	delete(u.failed, id)
	delete(u.retryAt, id)
	u.values[id] = v
	return v, nil
}
