package httpapi

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// newGraphiQLServer serves NewHandler with GraphiQL on and a GraphQL handler
// that answers every request with graphql's body.
func newGraphiQLServer(tb testing.TB, graphql http.Handler) *httptest.Server {
	tb.Helper()
	if graphql == nil {
		graphql = http.NotFoundHandler()
	}
	srv := httptest.NewServer(NewHandler(Config{
		GraphQL:        graphql,
		GraphiQL:       true,
		MaxBodyBytes:   1 << 20,
		RequestTimeout: 5e9,
		Logger:         slog.New(slog.DiscardHandler),
	}))
	tb.Cleanup(srv.Close)
	return srv
}

// mustGet fetches url and returns the response with its body read.
func mustGet(tb testing.TB, url string) (*http.Response, string) {
	tb.Helper()
	res, err := http.Get(url)
	if err != nil {
		tb.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatalf("GET %s: reading the body: %v", url, err)
	}
	return res, string(body)
}

// references lists the src and href attributes of the page's elements.
var references = regexp.MustCompile(`\s(?:src|href)\s*=\s*"([^"]*)"`)

// cdnHosts would mean the page, or a bundle's bootstrap, loads from the web.
var cdnHosts = regexp.MustCompile(`(?i)https?://[^"'\s)]*(unpkg|jsdelivr|cdn|fonts\.googleapis|fonts\.gstatic|esm\.sh)`)

func TestGraphiQLPageIsSelfContainedUnderItsCSP(t *testing.T) {
	srv := newGraphiQLServer(t, nil)
	res, page := mustGet(t, srv.URL+"/")

	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET / = %d %q, want 200 text/html", res.StatusCode, res.Header.Get("Content-Type"))
	}
	csp := res.Header.Get("Content-Security-Policy")
	for _, directive := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'"} {
		if !strings.Contains(csp, directive+";") {
			t.Errorf("CSP %q lacks %q", csp, directive)
		}
	}
	if strings.Contains(csp, "unsafe-") || strings.Contains(csp, "http") || strings.Contains(csp, "*") {
		t.Errorf("CSP %q allows inline code, eval or other origins", csp)
	}
	if strings.Contains(strings.ReplaceAll(page, "<script defer src=", ""), "<script") {
		t.Errorf("the page has an inline script, which its CSP refuses:\n%s", page)
	}
	if m := cdnHosts.FindString(page); m != "" {
		t.Errorf("the page points at %s", m)
	}

	refs := references.FindAllStringSubmatch(page, -1)
	kinds := map[string]int{}
	for _, m := range refs {
		ref := m[1]
		if ref == "data:," { // the empty favicon, so the browser asks for none
			continue
		}
		if !strings.HasPrefix(ref, "/graphiql/assets/") {
			t.Errorf("the page references %q, not a same-origin asset", ref)
			continue
		}
		res, body := mustGet(t, srv.URL+ref)
		ct := res.Header.Get("Content-Type")
		want, size := "text/javascript", 1000
		switch {
		case strings.HasSuffix(ref, ".css"):
			want = "text/css"
		case strings.Contains(ref, "/LICENSE."):
			want = "text/plain"
		}
		if strings.Contains(ref, "/page.") { // our own bootstrap is small
			size = 100
		}
		switch {
		case res.StatusCode != http.StatusOK:
			t.Errorf("GET %s = %d", ref, res.StatusCode)
		case !strings.HasPrefix(ct, want):
			t.Errorf("GET %s: Content-Type %q, want %q", ref, ct, want)
		case len(body) < size:
			t.Errorf("GET %s: only %d bytes", ref, len(body))
		case !strings.Contains(res.Header.Get("Cache-Control"), "immutable") || res.Header.Get("X-Content-Type-Options") != "nosniff":
			t.Errorf("GET %s: Cache-Control %q, X-Content-Type-Options %q", ref, res.Header.Get("Cache-Control"), res.Header.Get("X-Content-Type-Options"))
		}
		// The bundles' own code may name CDNs in comments and error texts; only
		// their first lines (the UMD bootstrap) and our own files must not.
		head := body
		if strings.Contains(ref, ".min.") {
			head = body[:min(len(body), 2000)]
		}
		if m := cdnHosts.FindString(head); m != "" {
			t.Errorf("%s points at %s", ref, m)
		}
		kinds[want]++
	}
	if kinds["text/javascript"] != 4 || kinds["text/css"] != 2 || kinds["text/plain"] != 3 {
		t.Errorf("the page references %v, want 4 scripts (React, ReactDOM, GraphiQL, page.js), 2 stylesheets and 3 licenses", kinds)
	}
}

func TestGraphiQLPageKeepsNoTokenAndOpensNoSubscription(t *testing.T) {
	srv := newGraphiQLServer(t, nil)
	_, page := mustGet(t, srv.URL+"/")
	m := regexp.MustCompile(`src="(/graphiql/assets/[^"]*/page\.js)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the page loads no page.js:\n%s", page)
	}
	_, js := mustGet(t, srv.URL+m[1])
	for _, want := range []string{"shouldPersistHeaders: false", `login(username: "alice@example.com", password: "demo-pass-123")`, "'Bearer ' + token"} {
		if !strings.Contains(js, want) {
			t.Errorf("page.js lacks %q", want)
		}
	}
	for _, refused := range []string{"subscriptionUrl", "ws:", "wss:", "createFetcher"} {
		if strings.Contains(js, refused) {
			t.Errorf("page.js mentions %q; the API has no subscriptions", refused)
		}
	}
}

func TestGraphiQLAssetsAnswer404ForOtherVersionsAndNames(t *testing.T) {
	srv := newGraphiQLServer(t, nil)
	_, page := mustGet(t, srv.URL+"/")
	m := regexp.MustCompile(`/graphiql/assets/([0-9a-f]+)/graphiql\.min\.js`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the page loads no graphiql.min.js:\n%s", page)
	}
	for _, path := range []string{
		"/graphiql/assets/0000000000000000/graphiql.min.js",
		"/graphiql/assets/" + m[1] + "/graphiql.min.js.map",
		"/graphiql/assets/" + m[1] + "/../page.html",
		"/graphiql/assets/graphiql.min.js",
		"/graphiql/assets/",
	} {
		if res, _ := mustGet(t, srv.URL+path); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, res.StatusCode)
		}
	}
}

func TestGraphiQLIsOffUnlessEnabled(t *testing.T) {
	srv := httptest.NewServer(NewHandler(Config{GraphQL: http.NotFoundHandler(), Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(srv.Close)
	for _, path := range []string{"/", "/graphiql/assets/0/page.js"} {
		if res, _ := mustGet(t, srv.URL+path); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s with GraphiQL off = %d, want 404", path, res.StatusCode)
		}
	}
}
