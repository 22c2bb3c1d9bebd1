package auth

import (
	"context"
	"crypto/sha256"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// verifiedCache remembers tokens that passed every check, so a token sent
// again (every request of a session sends the same one) is not verified
// again: the signature and the claims cannot change, only time and the key
// set can. An entry is used only while now is before the token's exp plus
// the clock skew and its kid is still in the key set (KeySet.HasKey), so a
// cached token is refused exactly when a full check would refuse it for
// expiry or a revoked key. Keys are SHA-256 digests of the whole token, so
// the cache holds no token text; it holds at most size entries (LRU). It is
// safe for concurrent use.
type verifiedCache struct {
	entries *lru.Cache[[sha256.Size]byte, verifiedEntry]
	keys    *KeySet
	now     func() time.Time
}

type verifiedEntry struct {
	claims Claims
	kid    string
	// until is exp plus the clock skew: the last instant the token passes.
	until time.Time
}

func newVerifiedCache(size int, keys *KeySet, now func() time.Time) *verifiedCache {
	entries, err := lru.New[[sha256.Size]byte, verifiedEntry](size)
	if err != nil {
		return nil
	}
	return &verifiedCache{entries: entries, keys: keys, now: now}
}

// get returns a copy of the claims of token when it was verified before and
// would still pass.
func (c *verifiedCache) get(ctx context.Context, token string) (*Claims, bool) {
	key := sha256.Sum256([]byte(token))
	e, ok := c.entries.Get(key)
	if !ok {
		return nil, false
	}
	if !c.now().Before(e.until) || !c.keys.HasKey(ctx, e.kid) {
		c.entries.Remove(key)
		return nil, false
	}
	claims := e.claims
	return &claims, true
}

// add remembers a verified token.
func (c *verifiedCache) add(token, kid string, claims *Claims, until time.Time) {
	c.entries.Add(sha256.Sum256([]byte(token)), verifiedEntry{claims: *claims, kid: kid, until: until})
}
