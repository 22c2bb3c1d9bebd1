package graph

import (
	"container/list"
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// documentCache is the parsed-document cache, bounded by bytes rather than
// by entries: a thousand 35 KB documents hold over a gigabyte of syntax
// tree, so a count bound keeps whatever a client cares to send. Only
// documents of at most maxEntry bytes of text are kept, and the texts kept
// sum to at most budget bytes, least recently used evicted first. A parsed
// tree takes a few dozen times its text (validation annotates it), so the
// budget of text is a bound on memory within a constant factor.
type documentCache struct {
	maxEntry, budget int

	mu      sync.Mutex
	used    int
	order   *list.List // front: most recently used; values are *cacheEntry
	entries map[string]*list.Element
}

type cacheEntry struct {
	query string
	doc   *ast.QueryDocument
}

var _ graphql.Cache[*ast.QueryDocument] = (*documentCache)(nil)

// The cache's defaults: ordinary client documents are a few kilobytes;
// 4 MiB of text is about a thousand of them.
const (
	documentCacheMaxEntry = 16 << 10
	documentCacheBudget   = 4 << 20
)

func newDocumentCache(maxEntry, budget int) *documentCache {
	return &documentCache{maxEntry: maxEntry, budget: budget, order: list.New(), entries: map[string]*list.Element{}}
}

// Get returns the parsed document of query, if kept.
func (c *documentCache) Get(_ context.Context, query string) (*ast.QueryDocument, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[query]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*cacheEntry).doc, true
}

// Add keeps doc for query when query is small enough, evicting the least
// recently used documents until the budget holds.
func (c *documentCache) Add(_ context.Context, query string, doc *ast.QueryDocument) {
	if len(query) > c.maxEntry || len(query) > c.budget {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[query]; ok {
		el.Value.(*cacheEntry).doc = doc
		c.order.MoveToFront(el)
		return
	}
	c.entries[query] = c.order.PushFront(&cacheEntry{query: query, doc: doc})
	c.used += len(query)
	for c.used > c.budget {
		last := c.order.Back()
		e := last.Value.(*cacheEntry)
		c.order.Remove(last)
		delete(c.entries, e.query)
		c.used -= len(e.query)
	}
}

// contains reports whether query is kept, without making it recent.
func (c *documentCache) contains(query string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.entries[query]
	return ok
}

// size is the number of documents kept and the bytes of their text.
func (c *documentCache) size() (n, bytes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries), c.used
}
