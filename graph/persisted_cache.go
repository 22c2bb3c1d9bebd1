package graph

import (
	"container/list"
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
)

// persistedCache is a least-recently-used cache of strings bounded by the bytes
// of its keys and values rather than by a count: clients choose what goes
// into the persisted-query cache, and a count bound would let a few huge
// documents take as much memory as the bound times the largest body.
type persistedCache struct {
	mu      sync.Mutex
	max     int64
	used    int64
	order   *list.List // front: most recently used; values are *persistedEntry
	entries map[string]*list.Element
}

type persistedEntry struct{ key, value string }

var _ graphql.Cache[string] = (*persistedCache)(nil)

// newPersistedCache returns a cache that holds at most maxBytes of keys and values.
func newPersistedCache(maxBytes int64) *persistedCache {
	return &persistedCache{max: maxBytes, order: list.New(), entries: map[string]*list.Element{}}
}

func entrySize(key, value string) int64 { return int64(len(key) + len(value)) }

// Get returns key's value and marks it recently used.
func (c *persistedCache) Get(_ context.Context, key string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		return "", false
	}
	c.order.MoveToFront(el)
	return el.Value.(*persistedEntry).value, true
}

// Add stores value under key, evicting the least recently used entries
// until the bound holds. A value larger than the whole bound is not stored.
func (c *persistedCache) Add(_ context.Context, key, value string) {
	size := entrySize(key, value)
	if size > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		old := el.Value.(*persistedEntry)
		c.used += size - entrySize(old.key, old.value)
		old.value = value
		c.order.MoveToFront(el)
	} else {
		c.entries[key] = c.order.PushFront(&persistedEntry{key: key, value: value})
		c.used += size
	}
	for c.used > c.max {
		oldest := c.order.Back()
		e := oldest.Value.(*persistedEntry)
		c.order.Remove(oldest)
		delete(c.entries, e.key)
		c.used -= entrySize(e.key, e.value)
	}
}

// bytes reports the bytes held, for tests.
func (c *persistedCache) bytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.used
}
