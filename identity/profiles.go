package identity

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/gqlneo/gqlneo/auth"
)

const (
	profileCacheTTL  = 10 * time.Minute
	profileCacheSize = 10_000
)

// profileCache holds /userinfo answers by subject. Auth0 allows 5 calls per
// minute per user, so a burst of first requests from one new user shares one
// call (singleflight) and later ones reuse its answer.
type profileCache struct {
	group   singleflight.Group
	mu      sync.Mutex
	entries map[string]profileEntry
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
		info, err := fetch(fetchCtx)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.entries == nil || len(c.entries) >= profileCacheSize {
			c.entries = map[string]profileEntry{}
		}
		c.entries[sub] = profileEntry{info: info, expires: time.Now().Add(profileCacheTTL)}
		return info, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*auth.UserInfo), nil
}
