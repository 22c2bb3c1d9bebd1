package graph

import (
	"container/list"
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// byteLRU is a least-recently-used map bounded by bytes rather than by
// entries: clients choose what goes into the server's caches (documents,
// persisted queries), and a count bound would keep whatever size they care
// to send. An entry larger than maxEntry is not kept; the entries kept sum
// to at most budget bytes, the least recently used evicted first. It is safe
// for concurrent use.
type byteLRU[V any] struct {
	maxEntry, budget int64

	mu      sync.Mutex
	used    int64
	order   *list.List // front: most recently used; values are *byteEntry[V]
	entries map[string]*list.Element
}

type byteEntry[V any] struct {
	key   string
	value V
	size  int64
}

func newByteLRU[V any](maxEntry, budget int64) *byteLRU[V] {
	return &byteLRU[V]{maxEntry: maxEntry, budget: budget, order: list.New(), entries: map[string]*list.Element{}}
}

// get returns key's value and marks it recently used.
func (c *byteLRU[V]) get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		var zero V
		return zero, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*byteEntry[V]).value, true
}

// add keeps value under key, counted as size bytes, when it fits.
func (c *byteLRU[V]) add(key string, value V, size int64) {
	if size > c.maxEntry || size > c.budget {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		e := el.Value.(*byteEntry[V])
		c.used += size - e.size
		e.value, e.size = value, size
		c.order.MoveToFront(el)
	} else {
		c.entries[key] = c.order.PushFront(&byteEntry[V]{key: key, value: value, size: size})
		c.used += size
	}
	for c.used > c.budget {
		oldest := c.order.Back()
		e := oldest.Value.(*byteEntry[V])
		c.order.Remove(oldest)
		delete(c.entries, e.key)
		c.used -= e.size
	}
}

// contains reports whether key is kept, without making it recent.
func (c *byteLRU[V]) contains(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.entries[key]
	return ok
}

// size is the number of entries kept and the bytes they count.
func (c *byteLRU[V]) size() (n int, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries), c.used
}

// documentCache is the parsed-document cache: a byteLRU counting each
// document's text. A parsed tree takes a few dozen times its text
// (validation annotates it), so the budget of text bounds memory within a
// constant factor; a thousand 35 KB documents would otherwise hold over a
// gigabyte of syntax tree.
type documentCache struct{ *byteLRU[*ast.QueryDocument] }

var _ graphql.Cache[*ast.QueryDocument] = documentCache{}

// The document cache's bounds: ordinary client documents are a few
// kilobytes; 4 MiB of text is about a thousand of them.
const (
	documentCacheMaxEntry = 16 << 10
	documentCacheBudget   = 4 << 20
)

func newDocumentCache(maxEntry, budget int64) documentCache {
	return documentCache{newByteLRU[*ast.QueryDocument](maxEntry, budget)}
}

// Get returns the parsed document of query, if kept.
func (c documentCache) Get(_ context.Context, query string) (*ast.QueryDocument, bool) {
	return c.get(query)
}

// Add keeps doc for query when query is small enough.
func (c documentCache) Add(_ context.Context, query string, doc *ast.QueryDocument) {
	c.add(query, doc, int64(len(query)))
}

// persistedCache is the automatic persisted-query cache: hash → document,
// a byteLRU counting keys and values.
type persistedCache struct{ *byteLRU[string] }

var _ graphql.Cache[string] = persistedCache{}

func newPersistedCache(maxBytes int64) persistedCache {
	return persistedCache{newByteLRU[string](maxBytes, maxBytes)}
}

// Get returns the document of hash key and marks it recently used.
func (c persistedCache) Get(_ context.Context, key string) (string, bool) { return c.get(key) }

// Add stores value under key; one larger than the whole bound is not stored.
func (c persistedCache) Add(_ context.Context, key, value string) {
	c.add(key, value, int64(len(key)+len(value)))
}

// bytes reports the bytes held, for tests.
func (c persistedCache) bytes() int64 {
	_, b := c.size()
	return b
}
