package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gqlneo/gqlneo/app"
	"github.com/gqlneo/gqlneo/dev/auth0/tenant"
)

// demoPassword is the password of every demo user of the dev issuer.
const demoPassword = "demo-pass-123"

// mustNeo4jEnv returns the Bolt URI and password of the test Neo4j that
// `make test` starts. Tests of Cypher never run without a real Neo4j: they
// fail, not skip, when it is missing.
func mustNeo4jEnv(tb testing.TB) (uri, password string) {
	tb.Helper()
	uri, password = os.Getenv("NEO4J_TEST_URI"), os.Getenv("NEO4J_TEST_PASSWORD")
	if uri == "" || password == "" {
		tb.Fatal("NEO4J_TEST_URI and NEO4J_TEST_PASSWORD are not set: run the suite with `make test`, which starts a throwaway Neo4j")
	}
	return uri, password
}

// syncBuffer is a goroutine-safe log sink, so tests can assert what was logged.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testServer is the real server (real middleware, real Neo4j) on a loopback
// httptest server, with the dev issuer in-process on another.
type testServer struct {
	URL    string
	Tenant *tenant.Tenant
	App    *app.App
	Logs   *syncBuffer
}

// testEnv is the environment a test server starts with; tests override entries.
func testEnv(tb testing.TB, tn *tenant.Tenant) map[string]string {
	uri, password := mustNeo4jEnv(tb)
	return map[string]string{
		"NEO4J_URI":              uri,
		"NEO4J_PASSWORD":         password,
		"AUTH0_DOMAIN":           tn.URL(),
		"AUTH0_AUDIENCE":         tenant.DevAudience,
		"AUTH0_CLIENT_ID":        tenant.DevClientID,
		"AUTH0_CLIENT_SECRET":    tenant.DevClientSecret,
		"AUTH0_CLAIMS_NAMESPACE": tenant.DevNamespace,
		"HTTP_ADDR":              "127.0.0.1:0",
		"HTTP_WRITE_TIMEOUT":     "40s",
		"REQUEST_TIMEOUT":        "30s", // a cold Neo4j compiles big statements slowly on a busy machine
		"AUTH0_TIMEOUT":          "2s",
	}
}

// startServer starts the issuer and the server. overrides change the
// environment; an empty value removes a variable.
func startServer(tb testing.TB, overrides map[string]string, opts ...tenant.Option) *testServer {
	tb.Helper()
	tn := tenant.MustStart(tb, opts...)
	return startServerWith(tb, tn, overrides)
}

func startServerWith(tb testing.TB, tn *tenant.Tenant, overrides map[string]string, opts ...app.Option) *testServer {
	tb.Helper()
	env := testEnv(tb, tn)
	for k, v := range overrides {
		env[k] = v
	}
	cfg, err := app.LoadConfig(func(k string) string { return env[k] })
	if err != nil {
		tb.Fatalf("config: %v", err)
	}
	logs := &syncBuffer{}
	a, err := app.New(context.Background(), cfg, append([]app.Option{app.WithLogger(app.NewLogger(logs, "debug"))}, opts...)...)
	if err != nil {
		tb.Fatalf("app.New: %v", err)
	}
	srv := httptest.NewServer(a.Handler)
	tb.Cleanup(func() {
		srv.Close()
		a.Close()
		if tb.Failed() {
			tb.Logf("server logs:\n%s", logs.String())
		}
	})
	return &testServer{URL: srv.URL, Tenant: tn, App: a, Logs: logs}
}

// gqlError is one entry of a GraphQL response's errors.
type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// gqlResponse is a decoded GraphQL HTTP response.
type gqlResponse struct {
	Status int            `json:"-"`
	Header http.Header    `json:"-"`
	Raw    string         `json:"-"`
	Data   map[string]any `json:"data"`
	Errors []gqlError     `json:"errors"`
}

// code returns the extensions.code of the first error, or "".
func (r *gqlResponse) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// post sends a raw body to /graphql with the given headers.
func (s *testServer) post(tb testing.TB, body string, header map[string]string) *gqlResponse {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/graphql", strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return do(tb, req)
}

func do(tb testing.TB, req *http.Request) *gqlResponse {
	tb.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	out := &gqlResponse{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	if len(raw) > 0 && json.Valid(raw) {
		if err := json.Unmarshal(raw, out); err != nil {
			tb.Fatalf("decode response %q: %v", raw, err)
		}
	}
	return out
}

// query sends a GraphQL operation with an optional bearer token.
func (s *testServer) query(tb testing.TB, token, query string, vars map[string]any) *gqlResponse {
	tb.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		tb.Fatal(err)
	}
	header := map[string]string{}
	if token != "" {
		header["Authorization"] = "Bearer " + token
	}
	return s.post(tb, string(body), header)
}

const loginMutation = `mutation Login($u: String!, $p: String!) {
  login(username: $u, password: $p) { accessToken tokenType expiresIn idToken refreshToken scope user { id name email } }
}`

// mustLogin logs email in through the API and returns the access token.
func (s *testServer) mustLogin(tb testing.TB, email, password string) (token string, payload map[string]any) {
	tb.Helper()
	r := s.query(tb, "", loginMutation, map[string]any{"u": email, "p": password})
	if len(r.Errors) > 0 || r.Status != http.StatusOK {
		tb.Fatalf("login %s: status %d: %s", email, r.Status, r.Raw)
	}
	payload, _ = r.Data["login"].(map[string]any)
	token, _ = payload["accessToken"].(string)
	if token == "" {
		tb.Fatalf("login %s: no access token in %s", email, r.Raw)
	}
	return token, payload
}

var userSeq atomic.Int64

// newUser adds a fresh database-connection user to the tenant, so tests do
// not share graph data.
func newUser(tb testing.TB, tn *tenant.Tenant, mutate ...func(*tenant.User)) tenant.User {
	tb.Helper()
	n := userSeq.Add(1)
	u := tenant.User{
		Connection:    tenant.DatabaseConnection,
		Email:         fmt.Sprintf("%s-%d-%d@example.com", strings.ToLower(strings.ReplaceAll(tb.Name(), "/", "-")), os.Getpid(), n),
		EmailVerified: true,
		Name:          fmt.Sprintf("Test User %d", n),
		Password:      demoPassword,
	}
	for _, m := range mutate {
		m(&u)
	}
	added, err := tn.AddUser(u)
	if err != nil {
		tb.Fatalf("add user: %v", err)
	}
	return added
}

// discardLogger is for tests that do not look at logs.
var discardLogger = slog.New(slog.DiscardHandler)

// tokenRequests counts the issuer's /oauth/token calls (key fetches excluded).
func tokenRequests(tn *tenant.Tenant) int {
	n := 0
	for _, r := range tn.Requests() {
		if r.Path == "/oauth/token" {
			n++
		}
	}
	return n
}
