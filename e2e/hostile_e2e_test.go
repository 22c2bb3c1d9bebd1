package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gqlneo/gqlneo/dev/hostile"
)

// Documents that would expand to millions of fields, or hold a level the
// validator compares pairwise, are refused with a code before anything
// expands them, anonymously and over GET alike; the status follows the
// document-refusal rule (200 to application/json, 400 to
// application/graphql-response+json, no data entry).
func TestHostileDocumentsAreRefusedWithCodes(t *testing.T) {
	s := startServer(t, nil)
	cases := []struct {
		name, query string
		vars        string
		code        string
	}{
		{"five aliases of nested fragments, twelve deep", hostile.NestedAliasFragments(5, 12), "", "WIDTH_LIMIT_EXCEEDED"},
		{"eight aliases, thirty deep", hostile.NestedAliasFragments(8, 30), "", "DEPTH_LIMIT_EXCEEDED"},
		{"1,600 aliases of __typename", "{" + hostile.Aliases(1600, "__typename") + " }", "", "WIDTH_LIMIT_EXCEEDED"},
		{"1,600 copies of one response name", "{" + strings.Repeat(" a: __typename", 1600) + " }", "", "WIDTH_LIMIT_EXCEEDED"},
		{"a first past any integer is refused, not wrapped", `{ searchUsers(query: "a", first: 4611686018427387904) { totalCount } }`, "", ""},
		{"a first past any integer in a variable", `query($n: Int) { searchUsers(query: "a", first: $n) { edges { node { followers(first: $n) { totalCount } } } } }`, `{"n": 4611686018427387904}`, ""},
		{"variables nested too deep", `query($v: String) { __typename }`, `{"v": ` + strings.Repeat("[", 20) + strings.Repeat("]", 20) + `}`, "VARIABLES_TOO_LARGE"},
		{"too many variable values", `query($v: String) { __typename }`, `{"v": [` + strings.Repeat("0,", 5000) + `0]}`, "VARIABLES_TOO_LARGE"},
	}
	for _, tc := range cases {
		for _, accept := range []string{"application/json", "application/graphql-response+json"} {
			t.Run(tc.name+"/"+accept, func(t *testing.T) {
				vars := tc.vars
				if vars == "" {
					vars = "null"
				}
				body := fmt.Sprintf(`{"query": %q, "variables": %s}`, tc.query, vars)
				r := s.post(t, body, map[string]string{"Accept": accept})
				want := http.StatusOK
				if accept != "application/json" {
					want = http.StatusBadRequest
				}
				if r.Status != want || strings.Contains(r.Raw, `"data"`) || len(r.Errors) != 1 {
					t.Fatalf("status %d, want %d, one error and no data: %.400s", r.Status, want, r.Raw)
				}
				if tc.code != "" && r.code() != tc.code {
					t.Errorf("code %q, want %q: %.400s", r.code(), tc.code, r.Raw)
				}
				if tc.code == "" && r.code() != "COMPLEXITY_LIMIT_EXCEEDED" && r.code() != "GRAPHQL_VALIDATION_FAILED" {
					t.Errorf("code %q: %.400s", r.code(), r.Raw)
				}
			})
		}
	}
	t.Run("over GET without a token", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/graphql?query="+url.QueryEscape(hostile.NestedAliasFragments(5, 12)), nil)
		r := do(t, req)
		if r.Status != http.StatusOK || r.code() != "WIDTH_LIMIT_EXCEEDED" {
			t.Errorf("%d %.300s", r.Status, r.Raw)
		}
	})
}

// An answer that would hold more fields than QUERY_MAX_RESPONSE_FIELDS is
// replaced by one error: introspection's lists are not priced by the cost
// limit, and aliases multiply them.
func TestAnswersOverTheFieldLimitAreOneError(t *testing.T) {
	s := startServer(t, map[string]string{"QUERY_MAX_RESPONSE_FIELDS": "4000"})
	r := s.query(t, "", "{ __schema {"+hostile.Aliases(20, "types { fields { name args { name } } }")+" } }", nil)
	if r.Status != http.StatusOK || r.code() != "RESPONSE_TOO_LARGE" || len(r.Errors) != 1 || r.Data != nil {
		t.Fatalf("status %d: %.400s", r.Status, r.Raw)
	}
	if len(r.Raw) > 1000 {
		t.Errorf("the refusal is %d bytes", len(r.Raw))
	}
	if r := s.query(t, "", hostile.GraphiQLIntrospection, nil); len(r.Errors) > 0 {
		t.Errorf("introspection under the limit is refused: %.300s", r.Raw)
	}
}

// No error names a value the caller wrote (a password typed without quotes
// parses as an enum-like name) and none suggests names of the schema.
func TestErrorsEchoNoLiteralAndSuggestNothing(t *testing.T) {
	s := startServer(t, nil)
	const secret = "hunter2secret"
	cases := []struct {
		name, query string
		vars        map[string]any
	}{
		{"an unquoted password", `mutation { login(username: "a@b.c", password: hunter2secret) { tokenType } }`, nil},
		{"a string for an Int", `{ searchUsers(query: "a", first: "hunter2secret") { totalCount } }`, nil},
		{"a name for an enum", `mutation { createPost(input: {title: "t", body: "b", visibility: hunter2secret}) { id } }`, nil},
		{"a list for a String", `{ searchUsers(query: ["hunter2secret"]) { totalCount } }`, nil},
		{"an object for a String", `{ searchUsers(query: {x: "hunter2secret"}) { totalCount } }`, nil},
		{"a stray token", `mutation { login(username: "a@b.c" password: "x" hunter2secret) { tokenType } }`, nil},
		{"a stray string", `{ __typename "hunter2secret" }`, nil},
		{"an enum variable", `mutation($v: Visibility) { createPost(input: {title: "t", body: "b", visibility: $v}) { id } }`, map[string]any{"v": secret}},
		{"a float variable for an Int", `query($n: Int) { searchUsers(query: "a", first: $n) { totalCount } }`, map[string]any{"n": 1.5}},
		{"a misspelt field", `{ mee { id } }`, nil},
		{"a misspelt argument", `{ searchUsers(querry: "a") { totalCount } }`, nil},
		{"a misspelt type", `query($v: Visibilty) { __typename }`, nil},
		{"a misspelt enum value", `mutation { createPost(input: {title: "t", body: "b", visibility: PUBLC}) { id } }`, nil},
		{"a misspelt input field", `mutation { createPost(input: {titel: "t", body: "b"}) { id } }`, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := s.query(t, "", tc.query, tc.vars)
			if len(r.Errors) == 0 {
				t.Fatalf("accepted: %.300s", r.Raw)
			}
			if strings.Contains(r.Raw, secret) || strings.Contains(r.Raw, "1.5") {
				t.Errorf("the answer echoes the value: %s", r.Raw)
			}
			if strings.Contains(strings.ToLower(r.Raw), "did you mean") {
				t.Errorf("the answer suggests: %s", r.Raw)
			}
			for _, e := range r.Errors {
				if len(strings.TrimSpace(e.Message)) < 10 {
					t.Errorf("the message says nothing: %q", e.Message)
				}
			}
		})
	}
}

// Control characters other than newline, tab and carriage return are
// refused in every text a caller writes.
func TestControlCharactersInTextAreRefused(t *testing.T) {
	s := startServer(t, nil)
	u := newUser(t, s.Tenant)
	token, _ := s.mustLogin(t, u.Email, demoPassword)
	post := s.gql(t, token, `mutation { createPost(input: {title: "a post", body: "fine"}) { id } }`, nil)
	postID, _ := post["createPost"].(map[string]any)["id"].(string)
	for _, c := range []string{"\x00", "\x07", "\x1b", "\x7f", "\u0085"} {
		cases := []struct {
			name, query string
			vars        map[string]any
		}{
			{"name", `mutation($v: String) { updateProfile(input: {name: $v}) { id } }`, nil},
			{"bio", `mutation($v: String) { updateProfile(input: {bio: $v}) { id } }`, nil},
			{"title", `mutation($v: String!) { createPost(input: {title: $v, body: "b"}) { id } }`, nil},
			{"body", `mutation($v: String!) { createPost(input: {title: "t", body: $v}) { id } }`, nil},
			{"tag", `mutation($v: String!) { createPost(input: {title: "t", body: "b", tags: [$v]}) { id } }`, nil},
			{"comment", `mutation($v: String!, $p: ID!) { addComment(postId: $p, body: $v) { id } }`, map[string]any{"p": postID}},
			{"search", `query($v: String!) { searchUsers(query: $v) { totalCount } }`, nil},
			{"tag lookup", `query($v: String!) { tag(name: $v) { name } }`, nil},
			{"signup name", `mutation($v: String) { signup(email: "ctl@example.com", password: "Passw0rd!x", name: $v) { id } }`, nil},
			{"login username", `mutation($v: String!) { login(username: $v, password: "x") { tokenType } }`, nil},
		}
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%s/%q", tc.name, c), func(t *testing.T) {
				vars := map[string]any{"v": "bad" + c + "text"}
				for k, v := range tc.vars {
					vars[k] = v
				}
				r := s.query(t, token, tc.query, vars)
				if r.code() != "BAD_USER_INPUT" {
					t.Errorf("code %q: %.300s", r.code(), r.Raw)
				}
			})
		}
	}
}
