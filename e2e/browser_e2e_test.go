package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// These tests are the browser clients' view of the server: CORS for Apollo
// Client and urql on another origin, the CSRF guarantees that stay without
// cookies, persisted queries as PersistedQueryLink and persistedExchange use
// them, and the schema download for code generators.

const appOrigin = "https://app.example.com"

// send sends method to path (with its query string) and decodes the answer.
func (s *testServer) send(tb testing.TB, method, path, body string, header map[string]string) *gqlResponse {
	tb.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return do(tb, req)
}

// preflight is the OPTIONS request a browser sends before a cross-origin
// POST with an Authorization header and a JSON body.
func (s *testServer) preflight(tb testing.TB, path, origin, headers string) *gqlResponse {
	tb.Helper()
	return s.send(tb, http.MethodOptions, path, "", map[string]string{
		"Origin":                         origin,
		"Access-Control-Request-Method":  http.MethodPost,
		"Access-Control-Request-Headers": headers,
	})
}

// apolloHeaders is what Apollo Client (with client awareness and the
// CSRF-prevention headers) and urql ask a preflight for, as browsers list
// them: lower case, sorted.
const apolloHeaders = "apollo-require-preflight,apollographql-client-name,apollographql-client-version,apollographql-library-name,apollographql-library-version,authorization,content-type,x-apollo-operation-name"

func corsHeaders(h http.Header) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		if strings.HasPrefix(k, "Access-Control-") {
			out[k] = strings.Join(v, ",")
		}
	}
	return out
}

func variesByOrigin(h http.Header) bool {
	for _, v := range h.Values("Vary") {
		for part := range strings.SplitSeq(v, ",") {
			if strings.TrimSpace(part) == "Origin" {
				return true
			}
		}
	}
	return false
}

func TestCORSAnswersPreflightsAndMarksAnswersForAllowedOriginsOnly(t *testing.T) {
	s := startServer(t, map[string]string{"CORS_ALLOWED_ORIGINS": appOrigin + ",http://localhost:5173", "CORS_MAX_AGE": "10m"})

	t.Run("a preflight from an allowed origin", func(t *testing.T) {
		r := s.preflight(t, "/graphql", appOrigin, apolloHeaders)
		h := r.Header
		if r.Status != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != appOrigin ||
			h.Get("Access-Control-Allow-Methods") != http.MethodPost || h.Get("Access-Control-Allow-Headers") != apolloHeaders ||
			h.Get("Access-Control-Max-Age") != "600" || !variesByOrigin(h) {
			t.Errorf("%d %v (Vary %q)", r.Status, corsHeaders(h), h.Values("Vary"))
		}
		if h.Get("Access-Control-Allow-Credentials") != "" {
			t.Error("credentials are allowed; the API authenticates with bearer tokens only")
		}
	})
	t.Run("a preflight for GET, the method of hashed queries", func(t *testing.T) {
		r := s.send(t, http.MethodOptions, "/graphql", "", map[string]string{
			"Origin": "http://localhost:5173", "Access-Control-Request-Method": http.MethodGet, "Access-Control-Request-Headers": "authorization",
		})
		if r.Header.Get("Access-Control-Allow-Origin") != "http://localhost:5173" || r.Header.Get("Access-Control-Allow-Methods") != http.MethodGet {
			t.Errorf("%d %v", r.Status, corsHeaders(r.Header))
		}
	})
	for name, pf := range map[string][2]string{
		"a preflight from another origin":                 {"https://evil.example.com", apolloHeaders},
		"a preflight from a look-alike origin":            {appOrigin + ".evil.example.com", apolloHeaders},
		"a preflight asking for a header not on the list": {appOrigin, "authorization,x-unknown"},
	} {
		t.Run(name, func(t *testing.T) {
			r := s.preflight(t, "/graphql", pf[0], pf[1])
			if got := corsHeaders(r.Header); len(got) != 0 {
				t.Errorf("CORS headers %v", got)
			}
			if !variesByOrigin(r.Header) {
				t.Errorf("no Vary: Origin: %v", r.Header)
			}
		})
	}
	t.Run("a request from an allowed origin", func(t *testing.T) {
		r := s.post(t, `{"query":"{ __typename }"}`, map[string]string{"Origin": appOrigin})
		h := r.Header
		if r.Status != http.StatusOK || r.Data["__typename"] != "Query" || h.Get("Access-Control-Allow-Origin") != appOrigin || !variesByOrigin(h) {
			t.Errorf("%d %s %v", r.Status, r.Raw, corsHeaders(h))
		}
		exposed := strings.ToLower(h.Get("Access-Control-Expose-Headers"))
		for _, want := range []string{"x-request-id", "www-authenticate", "retry-after"} {
			if !strings.Contains(exposed, want) {
				t.Errorf("%s is not exposed: %q", want, exposed)
			}
		}
	})
	t.Run("an error answer to an allowed origin is readable too", func(t *testing.T) {
		r := s.post(t, `{"query":`, map[string]string{"Origin": appOrigin})
		if r.Status != http.StatusBadRequest || r.Header.Get("Access-Control-Allow-Origin") != appOrigin {
			t.Errorf("%d %s %v", r.Status, r.Raw, corsHeaders(r.Header))
		}
	})
	t.Run("a request from another origin", func(t *testing.T) {
		r := s.post(t, `{"query":"{ __typename }"}`, map[string]string{"Origin": "https://evil.example.com"})
		if got := corsHeaders(r.Header); len(got) != 0 || !variesByOrigin(r.Header) {
			t.Errorf("CORS headers %v, Vary %q", got, r.Header.Values("Vary"))
		}
	})
	t.Run("the schema download from an allowed origin", func(t *testing.T) {
		r := s.send(t, http.MethodGet, "/graphql/schema.graphqls", "", map[string]string{"Origin": appOrigin})
		if r.Status != http.StatusOK || r.Header.Get("Access-Control-Allow-Origin") != appOrigin {
			t.Errorf("%d %v", r.Status, corsHeaders(r.Header))
		}
	})
}

func TestCORSAllowsNoOriginUnlessConfigured(t *testing.T) {
	s := startServer(t, nil)
	r := s.preflight(t, "/graphql", "http://localhost:5173", "content-type")
	if got := corsHeaders(r.Header); len(got) != 0 {
		t.Errorf("preflight: CORS headers %v", got)
	}
	r = s.post(t, `{"query":"{ __typename }"}`, map[string]string{"Origin": "http://localhost:5173"})
	if got := corsHeaders(r.Header); len(got) != 0 || r.Data["__typename"] != "Query" {
		t.Errorf("request: CORS headers %v, %s", got, r.Raw)
	}
}

func TestCORSWithEveryOriginAnswersStar(t *testing.T) {
	s := startServer(t, map[string]string{"CORS_ALLOWED_ORIGINS": "*"})
	r := s.preflight(t, "/graphql", "https://anyone.example.net", "authorization,content-type")
	if r.Header.Get("Access-Control-Allow-Origin") != "*" || r.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("%v", corsHeaders(r.Header))
	}
}

// A page on another origin can send without a preflight only a "simple"
// request: GET, or POST of text/plain, a form or multipart. None of them
// can run a mutation: POST must be application/json, and GET runs queries
// only, whatever names the document (a hash included).
func TestNoSimpleCrossSiteRequestRunsAMutation(t *testing.T) {
	s := startServer(t, map[string]string{"CORS_ALLOWED_ORIGINS": appOrigin})
	login := `mutation { login(username: "alice@example.com", password: "demo-pass-123") { accessToken } }`
	before := tokenRequests(s.Tenant)
	for _, ct := range []string{"text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"} {
		r := s.send(t, http.MethodPost, "/graphql", mustJSON(t, map[string]any{"query": login}), map[string]string{"Content-Type": ct, "Origin": "https://evil.example.com"})
		if r.Status != http.StatusUnsupportedMediaType || r.code() != "UNSUPPORTED_MEDIA_TYPE" || r.Data != nil {
			t.Errorf("%s: %d %s", ct, r.Status, r.Raw)
		}
	}
	r := s.send(t, http.MethodGet, "/graphql?query="+url.QueryEscape(login), "", map[string]string{"Origin": "https://evil.example.com"})
	if r.Status != http.StatusMethodNotAllowed || r.code() != "METHOD_NOT_ALLOWED" {
		t.Errorf("GET mutation: %d %s", r.Status, r.Raw)
	}
	// The same mutation registered by hash, then named by hash in a GET.
	pq := persistedExt(login)
	s.post(t, mustJSON(t, map[string]any{"query": login, "extensions": pq}), nil)
	afterRegister := tokenRequests(s.Tenant)
	r = s.send(t, http.MethodGet, "/graphql?extensions="+url.QueryEscape(mustJSON(t, pq)), "", nil)
	if r.Status != http.StatusMethodNotAllowed || r.code() != "METHOD_NOT_ALLOWED" {
		t.Errorf("GET mutation by hash: %d %s", r.Status, r.Raw)
	}
	if tokenRequests(s.Tenant) != afterRegister || afterRegister != before+1 {
		t.Errorf("token requests %d → %d → %d: a refused request reached Auth0", before, afterRegister, tokenRequests(s.Tenant))
	}
}

func TestRequestsGraphQLDoesNotServeAreJSONWithACode(t *testing.T) {
	s := startServer(t, nil)
	cases := []struct {
		name, method string
		header       map[string]string
		status       int
		code         string
	}{
		{"a WebSocket upgrade", http.MethodGet, map[string]string{"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Protocol": "graphql-transport-ws"}, 400, "BAD_REQUEST"},
		{"PUT", http.MethodPut, map[string]string{"Content-Type": "application/json"}, 405, "METHOD_NOT_ALLOWED"},
		{"DELETE", http.MethodDelete, nil, 405, "METHOD_NOT_ALLOWED"},
		{"a POST without a content type", http.MethodPost, nil, 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"a POST of application/graphql", http.MethodPost, map[string]string{"Content-Type": "application/graphql"}, 415, "UNSUPPORTED_MEDIA_TYPE"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := s.send(t, tc.method, "/graphql", `{"query":"{ __typename }"}`, tc.header)
			if r.Status != tc.status || r.code() != tc.code || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
				t.Errorf("%d %s %s, want %d %s", r.Status, r.Header.Get("Content-Type"), r.Raw, tc.status, tc.code)
			}
			if tc.status == 405 && r.Header.Get("Allow") != "GET, POST, OPTIONS" {
				t.Errorf("Allow %q", r.Header.Get("Allow"))
			}
		})
	}
	t.Run("OPTIONS that is not a preflight", func(t *testing.T) {
		r := s.send(t, http.MethodOptions, "/graphql", "", nil)
		if r.Status != http.StatusNoContent || r.Header.Get("Allow") != "GET, POST, OPTIONS" || r.Raw != "" {
			t.Errorf("%d %v %q", r.Status, r.Header, r.Raw)
		}
	})
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// persistedExt is the extensions entry PersistedQueryLink and
// persistedExchange send.
func persistedExt(doc string) map[string]any {
	return map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": sha256Hex(doc)}}
}

// getPersisted sends a query by hash alone over GET, as
// useGETForHashedQueries / preferGetForPersistedQueries do.
func (s *testServer) getPersisted(tb testing.TB, token, doc, accept string) *gqlResponse {
	tb.Helper()
	q := url.Values{"extensions": {mustJSON(tb.(*testing.T), persistedExt(doc))}}
	h := map[string]string{"Accept": accept}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	return s.send(tb, http.MethodGet, "/graphql?"+q.Encode(), "", h)
}

func (s *testServer) postPersisted(tb testing.TB, token, doc string, withQuery bool, accept string) *gqlResponse {
	tb.Helper()
	body := map[string]any{"extensions": persistedExt(doc)}
	if withQuery {
		body["query"] = doc
	}
	h := map[string]string{"Accept": accept}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	return s.post(tb, mustJSON(tb.(*testing.T), body), h)
}

func hasNoData(t *testing.T, r *gqlResponse) {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.Raw), &raw); err != nil {
		t.Fatalf("%s: %v", r.Raw, err)
	}
	if _, ok := raw["data"]; ok {
		t.Errorf("a refusal carries a data entry: %s", r.Raw)
	}
}

func wantMe(t *testing.T, r *gqlResponse, email string) {
	t.Helper()
	me, _ := r.Data["me"].(map[string]any)
	if r.Status != http.StatusOK || len(r.Errors) > 0 || me["email"] != email {
		t.Fatalf("%d %s, want me %s", r.Status, r.Raw, email)
	}
}

func wantRefusal(t *testing.T, r *gqlResponse, status int, code, message string) {
	t.Helper()
	if r.Status != status || r.code() != code || (message != "" && r.Errors[0].Message != message) {
		t.Fatalf("%d %s, want %d %s %q", r.Status, r.Raw, status, code, message)
	}
	hasNoData(t, r)
}

func TestAutomaticPersistedQueriesOverPOSTAndGET(t *testing.T) {
	s := startServer(t, map[string]string{"CORS_ALLOWED_ORIGINS": appOrigin})
	u := newUser(t, s.Tenant)
	token, _ := s.mustLogin(t, u.Email, demoPassword)
	const graphqlJSON = "application/graphql-response+json"

	for _, method := range []string{"POST", "GET"} {
		t.Run(method, func(t *testing.T) {
			doc := "query Me" + method + " { me { id email } }"
			send := func(withQuery bool, accept string) *gqlResponse {
				if method == "GET" && !withQuery {
					return s.getPersisted(t, token, doc, accept)
				}
				return s.postPersisted(t, token, doc, withQuery, accept) // the fallback sends the document by POST
			}
			// The first try: the server does not know the hash. Both
			// clients match the message, Apollo also the code.
			wantRefusal(t, send(false, "application/json"), 200, "PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound")
			wantRefusal(t, send(false, graphqlJSON), 400, "PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound")
			// The fallback: the document with its hash runs and is stored.
			wantMe(t, send(true, "application/json"), u.Email)
			// Later requests: the hash alone.
			wantMe(t, send(false, "application/json"), u.Email)
			wantMe(t, send(false, graphqlJSON), u.Email)
		})
	}

	t.Run("a hash that is not the document's", func(t *testing.T) {
		body := mustJSON(t, map[string]any{"query": "{ __typename }", "extensions": persistedExt("{ me { id } }")})
		wantRefusal(t, s.post(t, body, nil), 200, "BAD_REQUEST", "")
		// ...and it was not stored under that hash.
		wantRefusal(t, s.postPersisted(t, "", "{ me { id } }", false, ""), 200, "PERSISTED_QUERY_NOT_FOUND", "")
	})
	t.Run("a malformed persistedQuery", func(t *testing.T) {
		for _, ext := range []string{
			`{"persistedQuery":"abc"}`,
			`{"persistedQuery":{"version":2,"sha256Hash":"` + sha256Hex("{ __typename }") + `"}}`,
			`{"persistedQuery":{"version":1,"sha256Hash":"ABC"}}`,
			`{"persistedQuery":{"version":1}}`,
		} {
			wantRefusal(t, s.post(t, `{"extensions":`+ext+`}`, nil), 200, "BAD_REQUEST", "")
		}
	})
	t.Run("urql's retry marks the miss; it is ignored", func(t *testing.T) {
		doc := "query Urql { __typename }"
		ext := persistedExt(doc)
		ext["persistedQuery"].(map[string]any)["miss"] = true
		r := s.post(t, mustJSON(t, map[string]any{"query": doc, "extensions": ext}), nil)
		if r.Data["__typename"] != "Query" {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
	})
	t.Run("a document the server refuses is not stored", func(t *testing.T) {
		doc := "{ nope }"
		wantRefusal(t, s.postPersisted(t, "", doc, true, ""), 200, "GRAPHQL_VALIDATION_FAILED", "")
		wantRefusal(t, s.postPersisted(t, "", doc, false, ""), 200, "PERSISTED_QUERY_NOT_FOUND", "")
	})
	t.Run("a hashed GET from an allowed origin", func(t *testing.T) {
		doc := "query Typename { __typename }"
		s.postPersisted(t, "", doc, true, "")
		q := url.Values{"extensions": {mustJSON(t, persistedExt(doc))}, "operationName": {"Typename"}}
		r := s.send(t, http.MethodGet, "/graphql?"+q.Encode(), "", map[string]string{"Origin": appOrigin})
		if r.Data["__typename"] != "Query" || r.Header.Get("Access-Control-Allow-Origin") != appOrigin {
			t.Fatalf("%d %s %v", r.Status, r.Raw, corsHeaders(r.Header))
		}
	})
}

func TestPersistedQueriesOffTellsClientsToStop(t *testing.T) {
	s := startServer(t, map[string]string{"PERSISTED_QUERIES": "off"})
	doc := "{ __typename }"
	wantRefusal(t, s.postPersisted(t, "", doc, false, ""), 200, "PERSISTED_QUERY_NOT_SUPPORTED", "PersistedQueryNotSupported")
	wantRefusal(t, s.postPersisted(t, "", doc, true, ""), 200, "PERSISTED_QUERY_NOT_SUPPORTED", "PersistedQueryNotSupported")
	if r := s.query(t, "", doc, nil); r.Data["__typename"] != "Query" {
		t.Errorf("a plain query: %s", r.Raw)
	}
}

func TestTrustedDocumentsRunOnlyTheManifest(t *testing.T) {
	trusted := "query Me { me { id email } }"
	manifest := filepath.Join(t.TempDir(), "persisted-documents.json")
	if err := os.WriteFile(manifest, []byte(mustJSON(t, map[string]string{sha256Hex(trusted): trusted})), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, map[string]string{"PERSISTED_QUERIES": "only", "PERSISTED_QUERIES_MANIFEST": manifest})
	u := newUser(t, s.Tenant)
	// Log in by a token from the issuer: login itself is not in the manifest.
	token := s.Tenant.AccessTokenFor(u.UserID, nil)

	t.Run("by hash over POST", func(t *testing.T) { wantMe(t, s.postPersisted(t, token, trusted, false, ""), u.Email) })
	t.Run("by hash over GET", func(t *testing.T) { wantMe(t, s.getPersisted(t, token, trusted, ""), u.Email) })
	t.Run("by full text", func(t *testing.T) { wantMe(t, s.query(t, token, trusted, nil), u.Email) })
	t.Run("by full text with its hash", func(t *testing.T) { wantMe(t, s.postPersisted(t, token, trusted, true, ""), u.Email) })

	other := "query Mine { me { id } }"
	t.Run("another document", func(t *testing.T) {
		wantRefusal(t, s.query(t, token, other, nil), 200, "PERSISTED_QUERY_NOT_ALLOWED", "")
		r := s.post(t, mustJSON(t, map[string]any{"query": other}), map[string]string{"Accept": "application/graphql-response+json"})
		wantRefusal(t, r, 400, "PERSISTED_QUERY_NOT_ALLOWED", "")
	})
	t.Run("the trusted document re-spaced", func(t *testing.T) {
		wantRefusal(t, s.query(t, token, trusted+" ", nil), 200, "PERSISTED_QUERY_NOT_ALLOWED", "")
	})
	t.Run("another document with its hash is not stored", func(t *testing.T) {
		wantRefusal(t, s.postPersisted(t, token, other, true, ""), 200, "PERSISTED_QUERY_NOT_ALLOWED", "")
		wantRefusal(t, s.postPersisted(t, token, other, false, ""), 200, "PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound")
	})
	t.Run("introspection, which is not in the manifest", func(t *testing.T) {
		wantRefusal(t, s.query(t, "", `{ __schema { queryType { name } } }`, nil), 200, "PERSISTED_QUERY_NOT_ALLOWED", "")
	})
}

func TestSchemaDownloadIsTheCompiledSchema(t *testing.T) {
	s := startServer(t, nil)
	want, err := os.ReadFile("../schema.graphqls")
	if err != nil {
		t.Fatal(err)
	}
	r := s.send(t, http.MethodGet, "/graphql/schema.graphqls", "", nil)
	if r.Status != http.StatusOK || r.Raw != string(want) || r.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("%d %s, %d bytes (want %d, the bytes of schema.graphqls)", r.Status, r.Header.Get("Content-Type"), len(r.Raw), len(want))
	}
	etag := r.Header.Get("ETag")
	if r := s.send(t, http.MethodGet, "/graphql/schema.graphqls", "", map[string]string{"If-None-Match": etag}); etag == "" || r.Status != http.StatusNotModified {
		t.Errorf("revalidation with ETag %q: %d", etag, r.Status)
	}
	if r := s.send(t, http.MethodPost, "/graphql/schema.graphqls", "", nil); r.Status != 405 || r.code() != "METHOD_NOT_ALLOWED" {
		t.Errorf("POST: %d %s", r.Status, r.Raw)
	}
	// Introspection tells code generators what DateTime is.
	data := s.gql(t, "", `{ __type(name: "DateTime") { kind specifiedByURL } }`, nil)
	typ, _ := data["__type"].(map[string]any)
	if typ["kind"] != "SCALAR" || typ["specifiedByURL"] != "https://www.rfc-editor.org/rfc/rfc3339" {
		t.Errorf("DateTime: %v", typ)
	}
}
