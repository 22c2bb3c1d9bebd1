package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// Every refusal before execution follows one status rule: 200 to
// application/json and 400 to application/graphql-response+json for a
// well-formed request whose document is refused; the status apierr gives
// the code otherwise. Request errors carry no data entry, and every error
// body has an extensions.code.
func TestEveryRefusalBeforeExecutionFollowsOneStatusRule(t *testing.T) {
	s := startServer(t, map[string]string{"QUERY_MAX_DEPTH": "5", "QUERY_MAX_COMPLEXITY": "200"})
	deep := `{ me { following { edges { node { following { edges { node { id } } } } } } } }`
	wide := `{ searchUsers(query: "a", first: 100) { edges { node { followers(first: 100) { totalCount } } } } }`
	cases := []struct {
		name, body, code string
		jsonStatus       int
		graphqlStatus    int
	}{
		{"a parse error", `{"query":"{ me { "}`, "GRAPHQL_PARSE_FAILED", 200, 400},
		{"a validation error", `{"query":"{ nope }"}`, "GRAPHQL_VALIDATION_FAILED", 200, 400},
		{"a variable that does not coerce", `{"query":"query($n: Int) { searchUsers(query: \"a\", first: $n) { totalCount } }","variables":{"n":"x"}}`, "GRAPHQL_VALIDATION_FAILED", 200, 400},
		{"the depth limit", mustJSON(t, map[string]any{"query": deep}), "DEPTH_LIMIT_EXCEEDED", 200, 400},
		{"the cost limit", mustJSON(t, map[string]any{"query": wide}), "COMPLEXITY_LIMIT_EXCEEDED", 200, 400},
		{"two logins", mustJSON(t, map[string]any{"query": `mutation { a: login(username: "a@b.c", password: "x") { tokenType } b: login(username: "a@b.c", password: "y") { tokenType } }`}), "AUTH_FIELD_LIMIT", 200, 400},
		{"a body that is not JSON", `{"query":`, "BAD_REQUEST", 400, 400},
		{"a request without a query", `{"variables":{}}`, "BAD_REQUEST", 400, 400},
	}
	for _, tc := range cases {
		for _, accept := range []string{"application/json", "application/graphql-response+json"} {
			t.Run(tc.name+" to "+accept, func(t *testing.T) {
				r := s.post(t, tc.body, map[string]string{"Accept": accept})
				want := tc.jsonStatus
				if accept != "application/json" {
					want = tc.graphqlStatus
				}
				if r.Status != want || r.code() != tc.code {
					t.Errorf("%d %s, want %d %s", r.Status, r.Raw, want, tc.code)
				}
				var raw map[string]json.RawMessage
				if err := json.Unmarshal([]byte(r.Raw), &raw); err != nil {
					t.Fatal(err)
				}
				if _, ok := raw["data"]; ok {
					t.Errorf("a request error carries a data entry: %s", r.Raw)
				}
			})
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestErrorsOutsideGraphQLAreJSONWithACode(t *testing.T) {
	s := startServer(t, map[string]string{"AUTH0_HOOK_SECRET": "0123456789abcdef0123"})
	cases := []struct {
		name, method, path, auth, body string
		status                         int
		code                           string
	}{
		{"an unknown route", http.MethodGet, "/nope", "", "", 404, "NOT_FOUND"},
		{"the hook without its secret", http.MethodPost, "/hooks/auth0/user-registered", "", `{}`, 401, "UNAUTHENTICATED"},
		{"the hook with a bad body", http.MethodPost, "/hooks/auth0/user-registered", "Bearer 0123456789abcdef0123", `{"user":{}}`, 400, "BAD_REQUEST"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, s.URL+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			var body struct {
				Errors []gqlError `json:"errors"`
			}
			if err := json.Unmarshal(raw, &body); err != nil || resp.StatusCode != tc.status || len(body.Errors) != 1 ||
				body.Errors[0].Extensions["code"] != tc.code || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Errorf("%d %s %s, want %d with code %s", resp.StatusCode, resp.Header.Get("Content-Type"), raw, tc.status, tc.code)
			}
		})
	}
}
