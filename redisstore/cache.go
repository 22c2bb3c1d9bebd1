package redisstore

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// Cache is a shared cache of byte values under personal keys (the key is
// stored as an HMAC digest, see Store). It is what identity's /userinfo
// cache shares between replicas; the caller keeps its own in-process layer
// and treats every error as a miss.
type Cache struct {
	store *Store
	kind  string
}

// NewCache returns the cache named kind (a short word, part of every key).
func NewCache(s *Store, kind string) *Cache { return &Cache{store: s, kind: kind} }

// Get returns the value of key. ok is false on a miss; err is set when Redis
// could not be asked (callers fall back to the source).
func (c *Cache) Get(ctx context.Context, key string) (value []byte, ok bool, err error) {
	v, err := c.store.client.Get(ctx, c.store.key(c.kind, key)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return v, true, nil
}

// Set stores value under key for ttl.
func (c *Cache) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	return c.store.client.Set(ctx, c.store.key(c.kind, key), value, ttl).Err()
}
