package authz

import (
	"crypto/sha256"
	"sync"
	"time"
)

// DefaultTokenCacheSize is the number of verified tokens an authorizer
// remembers when AUTHZ_TOKEN_CACHE_SIZE is unset.
const DefaultTokenCacheSize = 4096

// MaxTokenCacheSize bounds AUTHZ_TOKEN_CACHE_SIZE.
const MaxTokenCacheSize = 1_000_000

// tokenCache remembers tokens that verified, keyed by the SHA-256 of the
// compact token (never the token itself), so that a repeated token skips
// parsing and the signature check. An entry is answered only while the clock
// is within the token's validity (nbf/iat minus skew up to exp plus skew, and
// at most maxCacheLife after it was verified); it is dropped when its kid's
// key leaves or changes in the JWKS. At most size entries are kept; the
// least recently used goes first. Only successful verifications are cached:
// a token denied once is checked again each time.
type tokenCache struct {
	mu      sync.Mutex
	size    int
	entries map[[sha256.Size]byte]*cacheNode
	head    cacheNode // sentinel of the recency list: head.next is the most recent
	gen     uint64    // bumped when keys leave the JWKS
}

// cacheEntry is what a verified token decided.
type cacheEntry struct {
	sub, kid           string
	notBefore, expires time.Time
}

type cacheNode struct {
	cacheEntry
	digest     [sha256.Size]byte
	prev, next *cacheNode
}

// newTokenCache returns a cache of size entries, or nil (no cache) when size
// is 0.
func newTokenCache(size int) *tokenCache {
	if size <= 0 {
		return nil
	}
	c := &tokenCache{size: size, entries: make(map[[sha256.Size]byte]*cacheNode, min(size, 1024))}
	c.head.next, c.head.prev = &c.head, &c.head
	return c
}

// get returns the entry for digest if it is valid at now.
func (c *tokenCache) get(digest [sha256.Size]byte, now time.Time) (cacheEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.entries[digest]
	if !ok {
		return cacheEntry{}, false
	}
	if !now.Before(n.expires) || now.Before(n.notBefore) {
		c.remove(n)
		return cacheEntry{}, false
	}
	c.unlink(n)
	c.pushFront(n)
	return n.cacheEntry, true
}

// generation is read before a verification starts, and given back to put.
func (c *tokenCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put stores a verified token, unless keys left the JWKS since gen was read
// (the verification may have used one of them).
func (c *tokenCache) put(digest [sha256.Size]byte, e cacheEntry, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if n, ok := c.entries[digest]; ok {
		n.cacheEntry = e
		c.unlink(n)
		c.pushFront(n)
		return
	}
	if len(c.entries) >= c.size {
		c.remove(c.head.prev)
	}
	n := &cacheNode{cacheEntry: e, digest: digest}
	c.entries[digest] = n
	c.pushFront(n)
}

// dropKIDs removes every entry verified with one of kids.
func (c *tokenCache) dropKIDs(kids []string) {
	drop := make(map[string]bool, len(kids))
	for _, k := range kids {
		drop[k] = true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for _, n := range c.entries {
		if drop[n.kid] {
			c.remove(n)
		}
	}
}

// clear removes every entry (benchmarks of the cold path).
func (c *tokenCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
	c.head.next, c.head.prev = &c.head, &c.head
}

// len is the number of entries.
func (c *tokenCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

func (c *tokenCache) remove(n *cacheNode) {
	c.unlink(n)
	delete(c.entries, n.digest)
}

func (c *tokenCache) unlink(n *cacheNode) {
	n.prev.next, n.next.prev = n.next, n.prev
	n.prev, n.next = nil, nil
}

func (c *tokenCache) pushFront(n *cacheNode) {
	n.prev, n.next = &c.head, c.head.next
	c.head.next.prev = n
	c.head.next = n
}
