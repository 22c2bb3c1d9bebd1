package redisstore

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/redis/go-redis/v9"
)

// QueryCache is gqlgen's graphql.Cache[string] on Redis, for automatic
// persisted queries: a query registered through one replica is found by
// every other. Keys are the SHA-256 hex digests APQ uses (anything else is
// neither stored nor looked up, so clients cannot choose key names); values
// larger than the byte bound are not stored, and every entry expires after
// its TTL, so Redis' memory is bounded by rate × TTL × bound.
//
// Redis unreachable: Get answers "not found" (the client then sends the
// whole query again, as APQ prescribes, and the request still works) and
// Add drops the entry; both log at warn level.
type QueryCache struct {
	store    *Store
	ttl      time.Duration
	maxBytes int
	logger   *slog.Logger
}

var _ graphql.Cache[string] = (*QueryCache)(nil)

// NewQueryCache returns a persisted-query cache over s whose entries live
// ttl and hold at most maxBytes bytes of query text each. logger receives
// Redis failures; nil discards them.
func NewQueryCache(s *Store, ttl time.Duration, maxBytes int, logger *slog.Logger) *QueryCache {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &QueryCache{store: s, ttl: ttl, maxBytes: maxBytes, logger: logger}
}

// Get returns the query registered under the digest key.
func (q *QueryCache) Get(ctx context.Context, key string) (string, bool) {
	if !isSHA256Hex(key) {
		return "", false
	}
	v, err := q.store.client.Get(ctx, keyPrefix+"apq:"+key).Result()
	if errors.Is(err, redis.Nil) {
		return "", false
	}
	if err != nil {
		q.logger.WarnContext(ctx, "persisted queries: Redis unavailable; answering not found", "error", err.Error())
		return "", false
	}
	return v, true
}

// Add registers query under the digest key, unless it is over the bound.
func (q *QueryCache) Add(ctx context.Context, key string, query string) {
	if !isSHA256Hex(key) || len(query) > q.maxBytes {
		return
	}
	if err := q.store.client.Set(ctx, keyPrefix+"apq:"+key, query, q.ttl).Err(); err != nil {
		q.logger.WarnContext(ctx, "persisted queries: Redis unavailable; query not stored", "error", err.Error())
	}
}

// isSHA256Hex reports whether key is 64 lower-case hex digits, the form APQ
// digests take.
func isSHA256Hex(key string) bool {
	if len(key) != 64 {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
