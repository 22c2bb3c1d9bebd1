package e2e

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkMeThroughTheHandler measures the server's own work for `{ me }`
// with a known caller: the whole handler (middleware, token check, GraphQL,
// one statement on the real Neo4j, JSON), without a network client.
//
//	go test ./e2e -run '^$' -bench MeThroughTheHandler -benchmem -cpuprofile /tmp/me.prof
//
// (needs NEO4J_TEST_URI and NEO4J_TEST_PASSWORD, as make test sets them).
func BenchmarkMeThroughTheHandler(b *testing.B) {
	s := startServer(b, map[string]string{"LOG_LEVEL": "warn"})
	u := newUser(b, s.Tenant)
	token := s.Tenant.AccessTokenFor(u.UserID, nil)
	body := `{"query":"{ me { id name email } }"}`
	serve := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		s.App.Handler.ServeHTTP(rec, req)
		return rec
	}
	if rec := serve(); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"me":{"id"`) {
		b.Fatalf("%d %s", rec.Code, rec.Body)
	}
	b.ReportAllocs()
	for b.Loop() {
		if rec := serve(); rec.Code != http.StatusOK {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
}
