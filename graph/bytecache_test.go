package graph

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
)

func TestTheDocumentCacheHoldsItsByteBudget(t *testing.T) {
	ctx := context.Background()
	c := newDocumentCache(100, 1000)
	doc := &ast.QueryDocument{}
	for i := 0; i < 500; i++ {
		c.Add(ctx, fmt.Sprintf("{ a%d: __typename %s}", i, strings.Repeat(" ", i%80)), doc)
		if _, used := c.size(); used > 1000 {
			t.Fatalf("after %d documents the cache holds %d bytes of a budget of 1000", i+1, used)
		}
	}
	c.Add(ctx, strings.Repeat(" ", 101), doc)
	if c.contains(strings.Repeat(" ", 101)) {
		t.Error("a document over the entry limit is kept")
	}
}

func TestTheDocumentCacheEvictsTheLeastRecentlyUsed(t *testing.T) {
	ctx := context.Background()
	c := newDocumentCache(10, 30)
	doc := &ast.QueryDocument{}
	c.Add(ctx, "aaaaaaaaaa", doc)
	c.Add(ctx, "bbbbbbbbbb", doc)
	c.Add(ctx, "cccccccccc", doc)
	if _, ok := c.Get(ctx, "aaaaaaaaaa"); !ok {
		t.Fatal("a kept document is not found")
	}
	c.Add(ctx, "dddddddddd", doc)
	if c.contains("bbbbbbbbbb") || !c.contains("aaaaaaaaaa") || !c.contains("dddddddddd") {
		t.Error("the least recently used document was not the one evicted")
	}
	if n, used := c.size(); n != 3 || used != 30 {
		t.Errorf("%d documents, %d bytes", n, used)
	}
}

// Through the handler: 1,500 distinct valid documents of ~8 KB leave the
// cache within its budget, and documents over the entry limit are not kept.
func TestTheHandlersCacheStaysWithinItsBudget(t *testing.T) {
	m, err := LoadMapping()
	if err != nil {
		t.Fatal(err)
	}
	cache := newDocumentCache(documentCacheMaxEntry, documentCacheBudget)
	h := newHandler(&Resolver{Mapping: m}, HandlerConfig{
		Limits: Limits{TokenLimit: 5000, MaxDepth: 15, MaxComplexity: 5000, MaxWidth: 200, MaxResponseFields: 20000},
		Logger: discard(), RequestID: func(context.Context) string { return "" },
	}, cache)
	pad := strings.Repeat(" ", 8<<10)
	for i := 0; i < 1500; i++ {
		q := fmt.Sprintf("query Q%d { __typename }%s", i, pad)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/graphql?query="+url.QueryEscape(q), nil))
		if !strings.Contains(rec.Body.String(), `"__typename":"Query"`) {
			t.Fatalf("%.300s", rec.Body.String())
		}
	}
	if n, used := cache.size(); used > documentCacheBudget || n == 0 {
		t.Errorf("%d documents, %d bytes of a budget of %d", n, used, documentCacheBudget)
	}
	big := "{ __typename }" + strings.Repeat(" ", documentCacheMaxEntry)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(fmt.Sprintf(`{"query": %q}`, big))))
	if cache.contains(big) {
		t.Error("a document over the entry limit is kept")
	}
}
