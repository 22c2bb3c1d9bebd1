package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestRequestLimitsAnswerWithCodesNever5xx(t *testing.T) {
	s := startServer(t, nil)
	many := strings.Builder{}
	many.WriteString(`{"query":"{ `)
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&many, "a%d: __typename ", i)
	}
	many.WriteString(`}"}`)
	deep := `{"query":"{ __type(name: \"Query\") { ` + strings.Repeat("ofType { ", 28) + "name" + strings.Repeat(" }", 28) + ` } }"}`

	cases := []struct {
		name, body, contentType string
		status                  int
		code                    string
		mustNotContain          string
	}{
		{"a 2 MiB body is 413", `{"query":"` + strings.Repeat("x", 2<<20) + `"}`, "application/json", http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE", ""},
		{"a 20,000-alias document is refused", many.String(), "application/json", 0, "GRAPHQL_PARSE_FAILED", ""},
		{"a depth-30 document is refused", deep, "application/json", 0, "DEPTH_LIMIT_EXCEEDED", ""},
		{"a malformed body with a password is 400 and not echoed", `{"query":"mutation { login(username: \"a@b.c\", password: \"hunter2-secret\") { accessToken } }", `, "application/json", http.StatusBadRequest, "BAD_REQUEST", "hunter2-secret"},
		{"a form body is not a transport", "query=%7B__typename%7D", "application/x-www-form-urlencoded", http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", ""},
		{"an empty query is 400", `{"query":""}`, "application/json", http.StatusBadRequest, "BAD_REQUEST", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", tc.contentType)
			r := do(t, req)
			if r.Status >= 500 {
				t.Fatalf("status %d: %s", r.Status, r.Raw)
			}
			if tc.status != 0 && r.Status != tc.status {
				t.Errorf("status %d, want %d: %.300s", r.Status, tc.status, r.Raw)
			}
			if tc.code != "" && r.code() != tc.code {
				t.Errorf("code %q, want %q: %.300s", r.code(), tc.code, r.Raw)
			}
			if tc.code == "" && tc.status == 0 && r.code() == "" {
				t.Errorf("refused without a code: %.300s", r.Raw)
			}
			if tc.mustNotContain != "" && strings.Contains(r.Raw, tc.mustNotContain) {
				t.Errorf("the response echoes %q", tc.mustNotContain)
			}
		})
	}
	if strings.Contains(s.Logs.String(), "hunter2-secret") {
		t.Error("the password from the malformed body was logged")
	}
}

func TestDepthLimitCountsThroughFragments(t *testing.T) {
	s := startServer(t, map[string]string{"QUERY_MAX_DEPTH": "3"})
	cases := []struct {
		name, query string
		refused     bool
	}{
		{"depth 2 passes", `{ me { id } }`, false},
		{"depth 3 passes", `{ __type(name: "User") { fields { name } } }`, false},
		{"depth 4 is refused", `{ __type(name: "User") { fields { type { name } } } }`, true},
		{"depth 4 through fragments is refused", `query { ...Q } fragment Q on Query { __type(name: "User") { ... on __Type { fields { ...F } } } } fragment F on __Field { type { name } }`, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := s.query(t, "", tc.query, nil)
			if got := r.code() == "DEPTH_LIMIT_EXCEEDED"; got != tc.refused {
				t.Errorf("refused = %v, want %v: %s", got, tc.refused, r.Raw)
			}
		})
	}
}

// graphiqlIntrospection is the introspection query GraphiQL sends (graphql-js
// getIntrospectionQuery), the deepest document the default limits must allow.
const graphiqlIntrospection = `query IntrospectionQuery { __schema { queryType { name } mutationType { name } subscriptionType { name }
  types { ...FullType } directives { name description locations args { ...InputValue } } } }
fragment FullType on __Type { kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue } interfaces { ...TypeRef } enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef } }
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
  ofType { kind name ofType { kind name ofType { kind name } } } } } } } }`

func TestGraphiQLIntrospectionPassesTheDefaultLimits(t *testing.T) {
	s := startServer(t, nil)
	r := s.query(t, "", graphiqlIntrospection, nil)
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("introspection: %d %.500s", r.Status, r.Raw)
	}
}

func TestGETServesQueriesOnly(t *testing.T) {
	s := startServer(t, nil)
	get := func(q string) *gqlResponse {
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/graphql?query="+url.QueryEscape(q), nil)
		return do(t, req)
	}
	if r := get(`{ __typename }`); r.Status != http.StatusOK || r.Data["__typename"] != "Query" {
		t.Errorf("GET query: %d %s", r.Status, r.Raw)
	}
	r := get(`mutation { login(username: "carol@example.com", password: "x") { accessToken } }`)
	if r.Status != http.StatusMethodNotAllowed || r.code() != "METHOD_NOT_ALLOWED" {
		t.Errorf("GET mutation: %d %s", r.Status, r.Raw)
	}
	if n := tokenRequests(s.Tenant); n != 0 {
		t.Errorf("a GET mutation reached the issuer")
	}
}

func TestGraphQLResponseMediaTypeIsHonoured(t *testing.T) {
	s := startServer(t, nil)
	r := s.post(t, `{"query":"{ __typename }"}`, map[string]string{"Accept": "application/graphql-response+json"})
	if ct := r.Header.Get("Content-Type"); ct != "application/graphql-response+json" {
		t.Errorf("Content-Type %q", ct)
	}
	bad := s.post(t, `{"query":"{ nope }"}`, map[string]string{"Accept": "application/graphql-response+json"})
	if bad.Status != http.StatusBadRequest || bad.code() != "GRAPHQL_VALIDATION_FAILED" {
		t.Errorf("validation error under graphql-response+json: %d %s", bad.Status, bad.Raw)
	}
}

func TestOperationalEndpoints(t *testing.T) {
	s := startServer(t, map[string]string{"GRAPHIQL_ENABLED": "false"})
	get := func(path string) (int, string) {
		resp, err := http.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz %d", code)
	}
	if code, body := get("/readyz"); code != http.StatusOK {
		t.Errorf("/readyz %d %s", code, body)
	}
	if code, _ := get("/"); code != http.StatusNotFound {
		t.Errorf("GraphiQL switched off still serves /: %d", code)
	}
	_, before := get("/metrics")
	s.query(t, s.Tenant.AccessTokenFor("auth0|metrics-probe-user", nil), `query Probe { me { id } }`, nil)
	_, after := get("/metrics")
	if metricValue(t, after, "cypher_statements_total") <= metricValue(t, before, "cypher_statements_total") {
		t.Error("cypher_statements_total did not rise")
	}
	for _, want := range []string{`graphql_operation_duration_seconds_count{operation="Probe"}`, `http_requests_total{route="/graphql"`} {
		if !strings.Contains(after, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	on := startServer(t, map[string]string{"GRAPHIQL_ENABLED": "true"})
	resp, err := http.Get(on.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GraphiQL on: / answered %d", resp.StatusCode)
	}
}

func metricValue(t *testing.T, body, name string) float64 {
	t.Helper()
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, name+" ") {
			var v float64
			fmt.Sscanf(strings.TrimPrefix(line, name+" "), "%g", &v)
			return v
		}
	}
	t.Fatalf("metric %s not found", name)
	return 0
}
