package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// withHeader sends an operation with a bearer token and extra headers.
func (s *testServer) withHeader(t *testing.T, token, query string, vars map[string]any, header map[string]string) *gqlResponse {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	h := map[string]string{"Authorization": "Bearer " + token}
	for k, v := range header {
		h[k] = v
	}
	return s.post(t, string(body), h)
}

func TestAMutationReturnsABookmarkThatReadsHonour(t *testing.T) {
	replicas, _ := startReplicas(t, 2, nil)
	a, b := replicas[0], replicas[1]
	u := newUser(t, a.Tenant)
	token, _ := a.mustLogin(t, u.Email, demoPassword)
	a.gql(t, token, `{ me { id } }`, nil) // provisioned: later reads write nothing

	read := a.withHeader(t, token, `{ me { id } }`, nil, nil)
	if v := read.Header.Get("X-Neo4j-Bookmark"); v != "" || strings.Contains(read.Raw, `"bookmark"`) {
		t.Errorf("a read answered a bookmark: header %q body %s", v, read.Raw)
	}

	w := a.withHeader(t, token, `mutation { createPost(input: {title: "fresh", body: "b"}) { id } }`, nil, nil)
	if w.Status != http.StatusOK || len(w.Errors) > 0 {
		t.Fatalf("createPost: %d %s", w.Status, w.Raw)
	}
	bookmark := w.Header.Get("X-Neo4j-Bookmark")
	if bookmark == "" {
		t.Fatalf("no X-Neo4j-Bookmark header on a mutation: %v", w.Header)
	}
	var body struct {
		Extensions map[string]any `json:"extensions"`
	}
	if err := json.Unmarshal([]byte(w.Raw), &body); err != nil || body.Extensions["bookmark"] != bookmark {
		t.Fatalf("extensions.bookmark = %v, want the header's %q", body.Extensions["bookmark"], bookmark)
	}

	// Replica B, given A's bookmark, reads at least that fresh.
	r := b.withHeader(t, token, `{ me { posts(first: 5) { edges { node { title } } } } }`, nil, map[string]string{"X-Neo4j-Bookmark": bookmark})
	if r.Status != http.StatusOK || len(r.Errors) > 0 || !strings.Contains(r.Raw, `"fresh"`) {
		t.Fatalf("read with the bookmark on B: %d %s", r.Status, r.Raw)
	}
	// A chain: a mutation sent with a bookmark answers a newer one.
	w2 := b.withHeader(t, token, `mutation { updateProfile(input: {bio: "after"}) { bio } }`, nil, map[string]string{"X-Neo4j-Bookmark": bookmark})
	if next := w2.Header.Get("X-Neo4j-Bookmark"); len(w2.Errors) > 0 || next == "" || next == bookmark {
		t.Fatalf("a chained write: bookmark %q (was %q): %s", next, bookmark, w2.Raw)
	}

	for name, bad := range map[string]string{
		"a malformed bookmark": `FB:"x"`,
		"a header over 1 KiB":  strings.Repeat("A", 1025),
		"too many bookmarks":   "a,b,c,d,e",
		"an empty list entry":  bookmark + ",",
		"a non-ASCII bookmark": "FB:ü",
	} {
		t.Run(name, func(t *testing.T) {
			r := a.withHeader(t, token, `{ me { id } }`, nil, map[string]string{"X-Neo4j-Bookmark": bad})
			if r.Status != http.StatusBadRequest || r.code() != "BAD_REQUEST" || r.Data != nil {
				t.Fatalf("got %d %s, want 400 BAD_REQUEST", r.Status, r.Raw)
			}
			if strings.Contains(r.Raw, bad) {
				t.Errorf("the answer echoes the header: %s", r.Raw)
			}
		})
	}
	t.Run("a well-formed bookmark Neo4j never issued", func(t *testing.T) {
		r := a.withHeader(t, token, `{ me { id } }`, nil, map[string]string{"X-Neo4j-Bookmark": "FB:kcwQy2PobUtIQ4qr7mfEhVrYfZA="})
		if r.code() != "BAD_REQUEST" {
			t.Fatalf("code %q, want BAD_REQUEST: %s", r.code(), r.Raw)
		}
	})
}

func TestAReadAnswersNoBookmarkEvenWhenItsIdentityIsRecordedAsSeen(t *testing.T) {
	s := startServer(t, nil)
	u := newUser(t, s.Tenant)
	token := s.Tenant.AccessTokenFor(u.UserID, nil)
	s.gql(t, token, `{ me { id } }`, nil) // provisions the User
	// Another replica's first request touches the identity (a write).
	other := startServerWith(t, s.Tenant, nil)
	r := other.query(t, token, `{ me { id } }`, nil)
	if r.Header.Get("X-Neo4j-Bookmark") != "" || strings.Contains(r.Raw, `"bookmark"`) {
		t.Errorf("a read answered a bookmark: %s %s", r.Header.Get("X-Neo4j-Bookmark"), r.Raw)
	}
}
