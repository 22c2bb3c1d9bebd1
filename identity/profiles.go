package identity

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/gqlneo/gqlneo/auth"
)

const (
	profileCacheTTL  = 10 * time.Minute
	profileCacheSize = 10_000
)

// SharedProfiles is a cache every replica reads and writes (package
// redisstore provides one), so that /userinfo is called once per user for
// all of them: Auth0 allows 5 calls a minute per user, not per replica. Get
// answers ok false on a miss and an error when the cache cannot be asked.
type SharedProfiles interface {
	Get(ctx context.Context, key string) (value []byte, ok bool, err error)
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
}

// WithSharedProfiles shares the /userinfo answers through c. Each replica
// keeps its own in-process layer and its own singleflight in front of it;
// when c fails, /userinfo is called as if nothing were cached, so a shared
// cache that is down costs Auth0 calls, never a request. Default: none (each
// replica caches for itself).
func WithSharedProfiles(c SharedProfiles) Option {
	return func(s *Service) { s.profiles.shared = c }
}

// profileCache holds /userinfo answers by subject. Auth0 allows 5 calls per
// minute per user, so a burst of first requests from one new user shares one
// call (singleflight) and later ones reuse its answer — across replicas too
// when a shared cache is set.
type profileCache struct {
	group   singleflight.Group
	mu      sync.Mutex
	entries map[string]profileEntry
	shared  SharedProfiles
	logger  *slog.Logger
}

type profileEntry struct {
	info    *auth.UserInfo
	expires time.Time
}

// get returns the cached profile of sub, or calls fetch once for all
// concurrent callers.
func (c *profileCache) get(ctx context.Context, sub string, fetch func(context.Context) (*auth.UserInfo, error)) (*auth.UserInfo, error) {
	now := time.Now()
	c.mu.Lock()
	if e, ok := c.entries[sub]; ok && now.Before(e.expires) {
		c.mu.Unlock()
		return e.info, nil
	}
	c.mu.Unlock()
	v, err, _ := c.group.Do(sub, func() (any, error) {
		// Detached from one caller's cancellation: others share the result.
		fetchCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if info, ok := c.sharedGet(fetchCtx, sub); ok {
			c.remember(sub, info)
			return info, nil
		}
		info, err := fetch(fetchCtx)
		if err != nil {
			return nil, err
		}
		c.remember(sub, info)
		c.sharedSet(fetchCtx, sub, info)
		return info, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*auth.UserInfo), nil
}

// remember keeps info in the process for profileCacheTTL.
func (c *profileCache) remember(sub string, info *auth.UserInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= profileCacheSize {
		c.entries = map[string]profileEntry{}
	}
	c.entries[sub] = profileEntry{info: info, expires: time.Now().Add(profileCacheTTL)}
}

// sharedGet reads the shared cache; a failure or an unreadable value is a
// miss (logged), so /userinfo is asked instead.
func (c *profileCache) sharedGet(ctx context.Context, sub string) (*auth.UserInfo, bool) {
	if c.shared == nil {
		return nil, false
	}
	raw, ok, err := c.shared.Get(ctx, sub)
	if err != nil {
		c.log().WarnContext(ctx, "shared userinfo cache unavailable; asking the identity provider", "error", err.Error())
		return nil, false
	}
	if !ok {
		return nil, false
	}
	var info auth.UserInfo
	if err := json.Unmarshal(raw, &info); err != nil || info.Subject != sub {
		c.log().WarnContext(ctx, "shared userinfo cache holds an unreadable entry; asking the identity provider")
		return nil, false
	}
	return &info, true
}

// sharedSet writes info to the shared cache for the same TTL as the
// process's; a failure is logged and otherwise ignored.
func (c *profileCache) sharedSet(ctx context.Context, sub string, info *auth.UserInfo) {
	if c.shared == nil {
		return
	}
	stored := *info
	stored.Subject = sub // the key's subject, so a read checks it belongs
	raw, err := json.Marshal(stored)
	if err == nil {
		err = c.shared.Set(ctx, sub, raw, profileCacheTTL)
	}
	if err != nil {
		c.log().WarnContext(ctx, "shared userinfo cache unavailable; answer kept in this process only", "error", err.Error())
	}
}

func (c *profileCache) log() *slog.Logger {
	if c.logger == nil {
		return slog.Default()
	}
	return c.logger
}
