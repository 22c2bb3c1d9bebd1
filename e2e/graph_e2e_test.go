package e2e

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/gqlneo/gqlneo/dev/auth0/tenant"
)

// graphFixture is an author with one post of each visibility (each with its
// own tag, liked and commented by the author), a follower and a stranger.
type graphFixture struct {
	s        *testServer
	tokens   map[string]string // author, follower, stranger; anonymous is ""
	authorID string
	posts    map[string]string // visibility → post global id
	comments map[string]string // visibility → comment global id
	tags     map[string]string // visibility → tag name
}

// gql runs an operation and fails the test on any error.
func (s *testServer) gql(t *testing.T, token, query string, vars map[string]any) map[string]any {
	t.Helper()
	r := s.query(t, token, query, vars)
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("%s\n→ %d %s", query, r.Status, r.Raw)
	}
	return r.Data
}

func dig(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func newGraphFixture(t *testing.T) *graphFixture {
	t.Helper()
	s := startServer(t, nil)
	f := &graphFixture{s: s, tokens: map[string]string{}, posts: map[string]string{}, comments: map[string]string{}, tags: map[string]string{}}
	for _, role := range []string{"author", "follower", "stranger"} {
		u := newUser(t, s.Tenant, func(u *tenant.User) { u.Name = role + " " + u.Name })
		f.tokens[role] = s.Tenant.AccessTokenFor(u.UserID, nil)
	}
	f.authorID = dig(s.gql(t, f.tokens["author"], `{ me { id } }`, nil), "me", "id").(string)
	s.gql(t, f.tokens["follower"], `mutation($u: ID!) { follow(userId: $u) { id } }`, map[string]any{"u": f.authorID})
	s.gql(t, f.tokens["stranger"], `{ me { id } }`, nil)
	for i, vis := range []string{"PUBLIC", "FOLLOWERS", "PRIVATE"} {
		tag := fmt.Sprintf("t%d-%d-%d-%s", os.Getpid(), userSeq.Add(1), i, strings.ToLower(vis)[:3])
		data := s.gql(t, f.tokens["author"], `mutation($in: CreatePostInput!) { createPost(input: $in) { id visibility } }`,
			map[string]any{"in": map[string]any{"title": vis + " post", "body": "about " + vis, "visibility": vis, "tags": []string{tag}}})
		id := dig(data, "createPost", "id").(string)
		f.posts[vis], f.tags[vis] = id, tag
		s.gql(t, f.tokens["author"], `mutation($p: ID!) { likePost(id: $p) { likeCount } }`, map[string]any{"p": id})
		c := s.gql(t, f.tokens["author"], `mutation($p: ID!) { addComment(postId: $p, body: "note") { id } }`, map[string]any{"p": id})
		f.comments[vis] = dig(c, "addComment", "id").(string)
	}
	return f
}

// visibleTo is the rule under test.
func visibleTo(role, vis string) bool {
	switch vis {
	case "PUBLIC":
		return true
	case "FOLLOWERS":
		return role == "author" || role == "follower"
	}
	return role == "author"
}

// ids collects edges' node ids of a connection.
func ids(conn any) map[string]bool {
	out := map[string]bool{}
	edges, _ := dig(conn, "edges").([]any)
	for _, e := range edges {
		if id, ok := dig(e, "node", "id").(string); ok {
			out[id] = true
		}
	}
	return out
}

func TestVisibilityMatrixOnEveryPathToAPost(t *testing.T) {
	f := newGraphFixture(t)
	s := f.s
	for _, role := range []string{"author", "follower", "stranger", "anonymous"} {
		token := f.tokens[role]
		for _, vis := range []string{"PUBLIC", "FOLLOWERS", "PRIVATE"} {
			want := visibleTo(role, vis)
			postID := f.posts[vis]
			t.Run(role+" × "+vis, func(t *testing.T) {
				data := s.gql(t, token, `query($p: ID!, $c: ID!, $u: ID!, $tag: String!) {
				  node(id: $p) { id ... on Post { title } }
				  post(id: $p) { id likedBy { totalCount } comments { totalCount } }
				  comment: node(id: $c) { ... on Comment { id post { id } } }
				  user(id: $u) { postCount posts(first: 50) { edges { node { id } } } likedPosts(first: 50) { edges { node { id } } } }
				  tag(name: $tag) { postCount posts { totalCount edges { node { id } } } }
				}`, map[string]any{"p": postID, "c": f.comments[vis], "u": f.authorID, "tag": f.tags[vis]})
				check := func(path string, got bool) {
					if got != want {
						t.Errorf("%s: visible = %v, want %v", path, got, want)
					}
				}
				check("node", data["node"] != nil)
				check("post", data["post"] != nil)
				check("node(comment)", dig(data, "comment", "id") != nil)
				check("user.posts", ids(dig(data, "user", "posts"))[postID])
				check("user.likedPosts", ids(dig(data, "user", "likedPosts"))[postID])
				check("tag.posts", ids(dig(data, "tag", "posts"))[postID])
				check("tag.postCount", dig(data, "tag", "postCount") == float64(1))
				check("tag.posts.totalCount", dig(data, "tag", "posts", "totalCount") == float64(1))
				if token != "" {
					feed := s.gql(t, token, `{ feed(first: 50) { edges { node { id } } } }`, nil)
					wantFeed := want && role != "stranger"
					if got := ids(feed["feed"])[postID]; got != wantFeed {
						t.Errorf("feed: contains = %v, want %v", got, wantFeed)
					}
				}
			})
		}
		t.Run(role+" postCount", func(t *testing.T) {
			data := s.gql(t, token, `query($u: ID!) { user(id: $u) { postCount } }`, map[string]any{"u": f.authorID})
			want := 0
			for _, vis := range []string{"PUBLIC", "FOLLOWERS", "PRIVATE"} {
				if visibleTo(role, vis) {
					want++
				}
			}
			if got := dig(data, "user", "postCount"); got != float64(want) {
				t.Errorf("postCount = %v, want %d", got, want)
			}
		})
	}
	if r := s.query(t, "", `{ feed { totalCount } }`, nil); r.code() != "UNAUTHENTICATED" {
		t.Errorf("anonymous feed: %s", r.Raw)
	}
}

func TestAnInvisiblePostAnswersLikeAMissingOne(t *testing.T) {
	f := newGraphFixture(t)
	missing := base64.RawURLEncoding.EncodeToString([]byte("Post:00000000-0000-4000-8000-000000000000"))
	for _, id := range []string{f.posts["PRIVATE"], missing} {
		r := f.s.query(t, f.tokens["stranger"], `query($p: ID!) { post(id: $p) { id } node(id: $p) { id } }`, map[string]any{"p": id})
		if r.Status != http.StatusOK || len(r.Errors) > 0 || r.Data["post"] != nil || r.Data["node"] != nil {
			t.Errorf("post %s: %s", id, r.Raw)
		}
		del := f.s.query(t, f.tokens["stranger"], `mutation($p: ID!) { deletePost(id: $p) }`, map[string]any{"p": id})
		like := f.s.query(t, f.tokens["stranger"], `mutation($p: ID!) { likePost(id: $p) { id } }`, map[string]any{"p": id})
		if del.code() != "NOT_FOUND" || like.code() != "NOT_FOUND" {
			t.Errorf("writes on an invisible post: %s / %s", del.Raw, like.Raw)
		}
	}
}

func TestDeletePermissions(t *testing.T) {
	f := newGraphFixture(t)
	s := f.s
	bob, _ := s.Tenant.UserByEmail(tenant.DatabaseConnection, "bob@example.com")
	bobToken := s.Tenant.AccessTokenFor(bob.UserID, nil)
	del := func(token, id string) *gqlResponse {
		return s.query(t, token, `mutation($p: ID!) { deletePost(id: $p) }`, map[string]any{"p": id})
	}
	if r := del(f.tokens["stranger"], f.posts["PUBLIC"]); r.code() != "FORBIDDEN" {
		t.Errorf("a stranger deleting a visible post: %s", r.Raw)
	}
	if r := del(f.tokens["follower"], f.posts["FOLLOWERS"]); r.code() != "FORBIDDEN" {
		t.Errorf("a follower deleting a visible post: %s", r.Raw)
	}
	if r := del(f.tokens["stranger"], f.posts["PRIVATE"]); r.code() != "NOT_FOUND" {
		t.Errorf("a stranger deleting an invisible post: %s", r.Raw)
	}
	if r := del(bobToken, f.posts["PUBLIC"]); len(r.Errors) > 0 || r.Data["deletePost"] != f.posts["PUBLIC"] {
		t.Errorf("the moderator's delete: %s", r.Raw)
	}
	if r := del(f.tokens["author"], f.posts["FOLLOWERS"]); len(r.Errors) > 0 {
		t.Errorf("the author's delete: %s", r.Raw)
	}
	if r := s.query(t, f.tokens["author"], `query($p: ID!) { post(id: $p) { id } }`, map[string]any{"p": f.posts["FOLLOWERS"]}); r.Data["post"] != nil {
		t.Errorf("the deleted post is still there: %s", r.Raw)
	}
	if r := s.query(t, f.tokens["stranger"], `mutation($c: ID!) { deleteComment(id: $c) }`, map[string]any{"c": f.comments["PRIVATE"]}); r.code() != "NOT_FOUND" {
		t.Errorf("a stranger deleting a comment on an invisible post: %s", r.Raw)
	}
	if r := s.query(t, f.tokens["author"], `mutation($c: ID!) { deleteComment(id: $c) }`, map[string]any{"c": f.comments["PRIVATE"]}); len(r.Errors) > 0 {
		t.Errorf("the author deleting their comment: %s", r.Raw)
	}
}

func TestMutationsAreIdempotentAndValidated(t *testing.T) {
	f := newGraphFixture(t)
	s := f.s
	for i := 0; i < 2; i++ {
		s.gql(t, f.tokens["follower"], `mutation($u: ID!) { follow(userId: $u) { id } }`, map[string]any{"u": f.authorID})
		s.gql(t, f.tokens["follower"], `mutation($p: ID!) { likePost(id: $p) { id } }`, map[string]any{"p": f.posts["PUBLIC"]})
	}
	data := s.gql(t, f.tokens["follower"], `query($u: ID!, $p: ID!) { user(id: $u) { followerCount viewerFollows } post(id: $p) { likeCount viewerHasLiked } }`,
		map[string]any{"u": f.authorID, "p": f.posts["PUBLIC"]})
	if dig(data, "user", "followerCount") != float64(1) || dig(data, "user", "viewerFollows") != true ||
		dig(data, "post", "likeCount") != float64(2) || dig(data, "post", "viewerHasLiked") != true {
		t.Errorf("after following and liking twice: %v", data)
	}
	bad := []struct{ name, query, field string }{
		{"self-follow", `mutation($u: ID!) { follow(userId: $u) { id } }`, "userId"},
		{"an empty title", `mutation { createPost(input: {title: " ", body: "b"}) { id } }`, "title"},
		{"a bad tag", `mutation { createPost(input: {title: "t", body: "b", tags: ["Not A Tag!"]}) { id } }`, "tags"},
		{"too many tags", `mutation { createPost(input: {title: "t", body: "b", tags: ["a","b","c","d","e","f"]}) { id } }`, "tags"},
		{"a malformed id", `mutation { likePost(id: "%%%") { id } }`, "id"},
		{"first over 100", `{ me { followers(first: 101) { totalCount } } }`, "first"},
		{"a tampered cursor", `{ me { followers(after: "eyJ4IjoxfQ.AAAA") { totalCount } } }`, "after"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			r := s.query(t, f.tokens["author"], tc.query, map[string]any{"u": f.authorID})
			if r.code() != "BAD_USER_INPUT" {
				t.Fatalf("code %q: %s", r.code(), r.Raw)
			}
			if got, _ := r.Errors[0].Extensions["field"].(string); got != tc.field {
				t.Errorf("field %q, want %q", got, tc.field)
			}
		})
	}
	if r := s.query(t, "", `{ node(id: "%%%") { id } }`, nil); r.code() != "BAD_USER_INPUT" {
		t.Errorf("node of a malformed id: %s", r.Raw)
	}
}

func TestPaginationWalksAWholeConnection(t *testing.T) {
	f := newGraphFixture(t)
	s := f.s
	for i := 0; i < 7; i++ {
		s.gql(t, f.tokens["author"], `mutation($t: String!) { createPost(input: {title: $t, body: "b"}) { id } }`, map[string]any{"t": fmt.Sprint("page ", i)})
	}
	// Three posts share one instant, written the way Cypher's datetime()
	// writes it (a zone offset, not a zone name): ties and both forms must
	// still page exactly once each.
	runCypher(t, `MATCH (p:Post) WHERE p.title IN ['page 1', 'page 2', 'page 3'] AND EXISTS { MATCH (u:User)-[:AUTHORED]->(p) WHERE u.id = $author }
	  SET p.createdAt = datetime('2024-01-01T00:00:00Z')`, map[string]any{"author": rawID(t, f.authorID)})
	var seen []string
	var after any
	for page := 0; page < 10; page++ {
		data := s.gql(t, f.tokens["author"], `query($u: ID!, $a: String) { user(id: $u) { posts(first: 3, after: $a) {
		  totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { id createdAt } } } } }`,
			map[string]any{"u": f.authorID, "a": after})
		conn := dig(data, "user", "posts")
		if dig(conn, "totalCount") != float64(10) {
			t.Fatalf("totalCount = %v, want 10", dig(conn, "totalCount"))
		}
		for _, e := range dig(conn, "edges").([]any) {
			seen = append(seen, dig(e, "node", "id").(string))
		}
		if dig(conn, "pageInfo", "hasPreviousPage") != (after != nil) {
			t.Errorf("page %d hasPreviousPage = %v", page, dig(conn, "pageInfo", "hasPreviousPage"))
		}
		if dig(conn, "pageInfo", "hasNextPage") != true {
			break
		}
		after = dig(conn, "pageInfo", "endCursor")
	}
	uniq := map[string]bool{}
	for _, id := range seen {
		uniq[id] = true
	}
	if len(seen) != 10 || len(uniq) != 10 {
		t.Errorf("walked %d posts (%d distinct), want 10", len(seen), len(uniq))
	}
	if r := s.query(t, "", `query($u: ID!) { user(id: $u) { posts(first: 0) { totalCount } } }`, map[string]any{"u": f.authorID}); r.code() != "BAD_USER_INPUT" {
		t.Errorf("first: 0 answered %s", r.Raw)
	}
}

// rawID decodes a global ID for fixtures written in Cypher.
func rawID(t *testing.T, gid string) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(gid)
	if err != nil {
		t.Fatal(err)
	}
	_, id, _ := strings.Cut(string(b), ":")
	return id
}

func TestLoginReturnsACompiledUser(t *testing.T) {
	s := startServer(t, nil)
	r := s.query(t, "", `mutation { login(username: "carol@example.com", password: "demo-pass-123") {
	  accessToken user { id email bio followerCount followers(first: 2) { totalCount } identities { provider } } } }`, nil)
	if len(r.Errors) > 0 || dig(r.Data, "login", "accessToken") == nil {
		t.Fatalf("login: %s", r.Raw)
	}
	if dig(r.Data, "login", "user", "email") != "carol@example.com" || dig(r.Data, "login", "user", "followers", "totalCount") == nil ||
		len(dig(r.Data, "login", "user", "identities").([]any)) == 0 {
		t.Errorf("login's user = %v", dig(r.Data, "login", "user"))
	}
}

func TestATagOfOnlyHiddenPostsLooksMissing(t *testing.T) {
	f := newGraphFixture(t)
	q := `query($t: String!) { tag(name: $t) { name postCount } }`
	if r := f.s.query(t, f.tokens["stranger"], q, map[string]any{"t": f.tags["PRIVATE"]}); r.Data["tag"] != nil || len(r.Errors) > 0 {
		t.Errorf("a stranger sees the private post's tag: %s", r.Raw)
	}
	if r := f.s.query(t, f.tokens["author"], q, map[string]any{"t": f.tags["PRIVATE"]}); dig(r.Data, "tag", "postCount") != float64(1) {
		t.Errorf("the author does not see their tag: %s", r.Raw)
	}
	f.s.gql(t, f.tokens["author"], `mutation($p: ID!) { deletePost(id: $p) }`, map[string]any{"p": f.posts["PRIVATE"]})
	if r := f.s.query(t, f.tokens["author"], q, map[string]any{"t": f.tags["PRIVATE"]}); r.Data["tag"] != nil {
		t.Errorf("the tag outlived its only post: %s", r.Raw)
	}
}

func TestAliasedEdgesMergeTheirSelections(t *testing.T) {
	f := newGraphFixture(t)
	data := f.s.gql(t, f.tokens["author"], `query($u: ID!) { user(id: $u) { posts(first: 1) {
	  a: edges { node { author { name } } } b: edges { node { author { id } } } edges { node { title } } } } }`, map[string]any{"u": f.authorID})
	b := dig(data, "user", "posts", "b").([]any)
	if len(b) != 1 || dig(b[0], "node", "author", "id") != f.authorID {
		t.Errorf("aliased edges lost their selection: %v", data)
	}
}

func TestRecommendedAndSearchUsers(t *testing.T) {
	f := newGraphFixture(t)
	s := f.s
	// stranger follows follower; author follows stranger → author is recommended follower.
	followerID := dig(s.gql(t, f.tokens["follower"], `{ me { id } }`, nil), "me", "id").(string)
	strangerID := dig(s.gql(t, f.tokens["stranger"], `{ me { id } }`, nil), "me", "id").(string)
	s.gql(t, f.tokens["stranger"], `mutation($u: ID!) { follow(userId: $u) { id } }`, map[string]any{"u": followerID})
	s.gql(t, f.tokens["author"], `mutation($u: ID!) { follow(userId: $u) { id } }`, map[string]any{"u": strangerID})
	data := s.gql(t, f.tokens["author"], `{ recommendedUsers(first: 5) { id } }`, nil)
	var got []string
	for _, u := range data["recommendedUsers"].([]any) {
		got = append(got, dig(u, "id").(string))
	}
	sort.Strings(got)
	if len(got) != 1 || got[0] != followerID {
		t.Errorf("recommendedUsers = %v, want [%s]", got, followerID)
	}
	search := s.gql(t, "", `{ searchUsers(query: "AUTHOR ", first: 100) { edges { node { id name } } } }`, nil)
	if !ids(search["searchUsers"])[f.authorID] {
		t.Errorf("searchUsers did not find the author: %v", search)
	}
}

func TestEmailAndIdentitiesStaySelfOnly(t *testing.T) {
	f := newGraphFixture(t)
	q := `query($u: ID!) { user(id: $u) { email identities { provider } } }`
	other := f.s.gql(t, f.tokens["stranger"], q, map[string]any{"u": f.authorID})
	if dig(other, "user", "email") != nil || len(dig(other, "user", "identities").([]any)) != 0 {
		t.Errorf("a stranger sees %v", other)
	}
	self := f.s.gql(t, f.tokens["author"], q, map[string]any{"u": f.authorID})
	if dig(self, "user", "email") == nil || len(dig(self, "user", "identities").([]any)) != 1 {
		t.Errorf("the owner sees %v", self)
	}
}

// statements reads cypher_statements_total from /metrics.
func (s *testServer) statements(t *testing.T) float64 {
	t.Helper()
	resp, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return metricValue(t, b.String(), "cypher_statements_total")
}

func TestEachRootFieldIsExactlyOneCypherStatement(t *testing.T) {
	f := newGraphFixture(t)
	s := f.s
	const postFields = `fragment P on Post { id title author { id name } tags { name postCount }
	  likeCount viewerHasLiked commentCount comments(first: 2) { totalCount edges { node { body author { name } } } } }`
	cases := []struct {
		name, query string
		roots       int
	}{
		{"depth 1", `{ me { id } }`, 1},
		{"depth 2 with an alias", `{ me { id } other: me { name } }`, 2},
		{"depth 3 through a fragment", `query($u: ID!) { user(id: $u) { ...U } } fragment U on User { followers { totalCount edges { node { id } } } }`, 1},
		{"depth 4 with inline fragments", `query($p: ID!) { node(id: $p) { ... on Post { author { ... on User { posts(first: 2) { edges { node { id } } } } } } } }`, 1},
		{"depth 5", `query($u: ID!) { user(id: $u) { a: posts(first: 3) { edges { node { ...P } } } b: likedPosts { edges { node { ...P } } } } } ` + postFields, 1},
		{"depth 6, the Q3 shape", `{ me { following(first: 10) { edges { node { following(first: 5) { edges { node { posts(first: 3) { edges { node { id title author { name } } } } } } } } } } } }`, 1},
		{"every root field at once", `query($u: ID!, $p: ID!, $t: String!) { me { id } user(id: $u) { id } post(id: $p) { ...P } node(id: $p) { id }
		  feed { edges { node { ...P } } } searchUsers(query: "a") { totalCount } recommendedUsers { id } tag(name: $t) { posts { totalCount } } } ` + postFields, 8},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			vars := map[string]any{"u": f.authorID, "p": f.posts["PUBLIC"], "t": f.tags["PUBLIC"]}
			before := s.statements(t)
			s.gql(t, f.tokens["follower"], tc.query, vars)
			if got := s.statements(t) - before; got != float64(tc.roots) {
				t.Errorf("%v statements for %d root fields", got, tc.roots)
			}
		})
	}

	// A mutation by a caller whose User exists is one statement too: the
	// write and the read-back of what it returns. They run in order.
	followerID := dig(s.gql(t, f.tokens["follower"], `{ me { id } }`, nil), "me", "id").(string)
	var postID, commentID string
	mutations := []struct {
		name, token, query string
		vars               func() map[string]any
		check              func(t *testing.T, r *gqlResponse)
	}{
		{"createPost", "follower", `mutation { createPost(input: {title: "Counted", body: "b", visibility: FOLLOWERS, tags: ["Counted", "two"]}) {
		  id title visibility tags { name } author { id name } likeCount viewerHasLiked commentCount } }`, nil,
			func(t *testing.T, r *gqlResponse) {
				p := r.Data["createPost"]
				postID, _ = dig(p, "id").(string)
				tags, _ := dig(p, "tags").([]any)
				if postID == "" || dig(p, "title") != "Counted" || dig(p, "visibility") != "FOLLOWERS" || len(tags) != 2 || dig(tags[0], "name") != "counted" ||
					dig(p, "author", "id") != followerID || dig(p, "likeCount") != float64(0) || dig(p, "viewerHasLiked") != false || dig(p, "commentCount") != float64(0) {
					t.Errorf("createPost = %s", r.Raw)
				}
			}},
		{"likePost", "follower", `mutation($p: ID!) { likePost(id: $p) { id likeCount viewerHasLiked likedBy { totalCount } } }`,
			func() map[string]any { return map[string]any{"p": f.posts["PUBLIC"]} },
			func(t *testing.T, r *gqlResponse) {
				if dig(r.Data, "likePost", "likeCount") != float64(2) || dig(r.Data, "likePost", "viewerHasLiked") != true ||
					dig(r.Data, "likePost", "likedBy", "totalCount") != float64(2) {
					t.Errorf("likePost = %s", r.Raw)
				}
			}},
		{"unlikePost", "follower", `mutation($p: ID!) { unlikePost(id: $p) { id likeCount viewerHasLiked } }`,
			func() map[string]any { return map[string]any{"p": f.posts["PUBLIC"]} },
			func(t *testing.T, r *gqlResponse) {
				if dig(r.Data, "unlikePost", "likeCount") != float64(1) || dig(r.Data, "unlikePost", "viewerHasLiked") != false {
					t.Errorf("unlikePost = %s", r.Raw)
				}
			}},
		{"unfollow", "follower", `mutation($u: ID!) { unfollow(userId: $u) { id followerCount viewerFollows } }`,
			func() map[string]any { return map[string]any{"u": f.authorID} },
			func(t *testing.T, r *gqlResponse) {
				if dig(r.Data, "unfollow", "id") != f.authorID || dig(r.Data, "unfollow", "followerCount") != float64(0) || dig(r.Data, "unfollow", "viewerFollows") != false {
					t.Errorf("unfollow = %s", r.Raw)
				}
			}},
		{"follow", "follower", `mutation($u: ID!) { follow(userId: $u) { id name followerCount viewerFollows followsViewer } }`,
			func() map[string]any { return map[string]any{"u": f.authorID} },
			func(t *testing.T, r *gqlResponse) {
				if dig(r.Data, "follow", "id") != f.authorID || dig(r.Data, "follow", "followerCount") != float64(1) ||
					dig(r.Data, "follow", "viewerFollows") != true || dig(r.Data, "follow", "followsViewer") != false {
					t.Errorf("follow = %s", r.Raw)
				}
			}},
		{"addComment", "follower", `mutation($p: ID!) { addComment(postId: $p, body: " counted ") { id body author { id } post { id commentCount } } }`,
			func() map[string]any { return map[string]any{"p": f.posts["FOLLOWERS"]} },
			func(t *testing.T, r *gqlResponse) {
				commentID, _ = dig(r.Data, "addComment", "id").(string)
				if commentID == "" || dig(r.Data, "addComment", "body") != "counted" || dig(r.Data, "addComment", "author", "id") != followerID ||
					dig(r.Data, "addComment", "post", "id") != f.posts["FOLLOWERS"] || dig(r.Data, "addComment", "post", "commentCount") != float64(2) {
					t.Errorf("addComment = %s", r.Raw)
				}
			}},
		{"updateProfile", "follower", `mutation { updateProfile(input: {name: "Counted Follower", bio: "counted"}) { id name bio email identities { provider } } }`, nil,
			func(t *testing.T, r *gqlResponse) {
				u := r.Data["updateProfile"]
				if dig(u, "id") != followerID || dig(u, "name") != "Counted Follower" || dig(u, "bio") != "counted" || dig(u, "email") == nil ||
					len(dig(u, "identities").([]any)) != 1 {
					t.Errorf("updateProfile = %s", r.Raw)
				}
			}},
		{"deleteComment", "follower", `mutation($c: ID!) { deleteComment(id: $c) }`,
			func() map[string]any { return map[string]any{"c": commentID} },
			func(t *testing.T, r *gqlResponse) {
				if len(r.Errors) > 0 || r.Data["deleteComment"] != commentID {
					t.Errorf("deleteComment = %s", r.Raw)
				}
			}},
		{"deletePost", "follower", `mutation($p: ID!) { deletePost(id: $p) }`,
			func() map[string]any { return map[string]any{"p": postID} },
			func(t *testing.T, r *gqlResponse) {
				if len(r.Errors) > 0 || r.Data["deletePost"] != postID {
					t.Errorf("deletePost = %s", r.Raw)
				}
			}},
		{"liking an invisible post is NOT_FOUND", "stranger", `mutation($p: ID!) { likePost(id: $p) { id } }`,
			func() map[string]any { return map[string]any{"p": f.posts["PRIVATE"]} },
			func(t *testing.T, r *gqlResponse) {
				if r.code() != "NOT_FOUND" {
					t.Errorf("likePost of an invisible post = %s", r.Raw)
				}
			}},
		{"following yourself is BAD_USER_INPUT", "author", `mutation($u: ID!) { follow(userId: $u) { id } }`,
			func() map[string]any { return map[string]any{"u": f.authorID} },
			func(t *testing.T, r *gqlResponse) {
				if r.code() != "BAD_USER_INPUT" {
					t.Errorf("self-follow = %s", r.Raw)
				}
			}},
		{"deleting someone else's post is FORBIDDEN", "stranger", `mutation($p: ID!) { deletePost(id: $p) }`,
			func() map[string]any { return map[string]any{"p": f.posts["PUBLIC"]} },
			func(t *testing.T, r *gqlResponse) {
				if r.code() != "FORBIDDEN" {
					t.Errorf("deletePost of someone else's post = %s", r.Raw)
				}
			}},
	}
	for _, tc := range mutations {
		t.Run("mutation "+tc.name, func(t *testing.T) {
			var vars map[string]any
			if tc.vars != nil {
				vars = tc.vars()
			}
			before := s.statements(t)
			r := s.query(t, f.tokens[tc.token], tc.query, vars)
			if got := s.statements(t) - before; got != 1 {
				t.Errorf("%v statements, want 1", got)
			}
			if r.Status != http.StatusOK {
				t.Fatalf("%d %s", r.Status, r.Raw)
			}
			tc.check(t, r)
		})
	}
}

func TestAFirstRequestThatIsAMutationProvisionsTheUser(t *testing.T) {
	s := startServer(t, nil)
	u := newUser(t, s.Tenant)
	token := s.Tenant.AccessTokenFor(u.UserID, nil)
	before := s.statements(t)
	data := s.gql(t, token, `mutation { createPost(input: {title: "First", body: "my first request"}) { id title author { id name } likeCount } }`, nil)
	n := s.statements(t) - before
	t.Logf("a new account's first createPost: %v statements", n)
	if n > 8 {
		t.Errorf("%v statements for a new account's first createPost", n)
	}
	me := s.gql(t, token, `{ me { id postCount } }`, nil)
	if id := dig(data, "createPost", "author", "id"); id == nil || id != dig(me, "me", "id") || dig(data, "createPost", "title") != "First" ||
		dig(data, "createPost", "author", "name") != u.Name || dig(me, "me", "postCount") != float64(1) {
		t.Errorf("createPost = %v, me = %v", data, me)
	}
	before = s.statements(t)
	s.gql(t, token, `mutation { createPost(input: {title: "Second", body: "b"}) { id } }`, nil)
	if got := s.statements(t) - before; got != 1 {
		t.Errorf("the second createPost: %v statements, want 1", got)
	}
}

func TestATokenEmailDifferingOnlyInCaseNeedsNoSync(t *testing.T) {
	s := startServer(t, nil)
	u := newUser(t, s.Tenant)
	token := s.Tenant.AccessTokenFor(u.UserID, nil)
	s.gql(t, token, `{ me { id } }`, nil) // provisions the User
	shouted := s.Tenant.AccessTokenFor(u.UserID, map[string]any{tenant.DevNamespace + "email": strings.ToUpper(u.Email)})
	before := s.statements(t)
	data := s.gql(t, shouted, `mutation { createPost(input: {title: "Loud", body: "same address"}) { title } }`, nil)
	if got := s.statements(t) - before; got != 1 || dig(data, "createPost", "title") != "Loud" {
		t.Errorf("createPost with the email in capitals: %v statements, %v; want 1 statement, as the resolver's own check ignores case", got, data)
	}
}

func TestFanOutExplosionsAreRefusedByComplexity(t *testing.T) {
	s := startServer(t, nil)
	r := s.query(t, "", `query($u: ID!) { user(id: $u) { followers(first: 100) { edges { node { followers(first: 100) { edges { node { followers(first: 100) { totalCount } } } } } } } } }`,
		map[string]any{"u": "VXNlcjp4"})
	if r.code() != "COMPLEXITY_LIMIT_EXCEEDED" {
		t.Fatalf("code %q: %s", r.code(), r.Raw)
	}
}

func TestProfileUpdatesAndUndoingFollowsAndLikes(t *testing.T) {
	f := newGraphFixture(t)
	s := f.s
	data := s.gql(t, f.tokens["author"], `mutation { updateProfile(input: {name: "Renamed Author", bio: "Writes posts", picture: "https://example.com/a.png"}) { name bio picture } }`, nil)
	if dig(data, "updateProfile", "name") != "Renamed Author" || dig(data, "updateProfile", "bio") != "Writes posts" {
		t.Errorf("updateProfile = %v", data)
	}
	if r := s.query(t, f.tokens["author"], `mutation { updateProfile(input: {picture: "javascript:alert(1)"}) { id } }`, nil); r.code() != "BAD_USER_INPUT" {
		t.Errorf("a non-https picture: %s", r.Raw)
	}
	search := s.gql(t, "", `{ searchUsers(query: "renamed auth") { edges { node { id } } } }`, nil)
	if !ids(search["searchUsers"])[f.authorID] {
		t.Errorf("search does not find the new name: %v", search)
	}
	for i := 0; i < 2; i++ {
		s.gql(t, f.tokens["follower"], `mutation($u: ID!) { unfollow(userId: $u) { id } }`, map[string]any{"u": f.authorID})
		s.gql(t, f.tokens["author"], `mutation($p: ID!) { unlikePost(id: $p) { id } }`, map[string]any{"p": f.posts["PUBLIC"]})
	}
	after := s.gql(t, f.tokens["follower"], `query($u: ID!, $p: ID!) { user(id: $u) { followerCount viewerFollows } post(id: $p) { likeCount } }`,
		map[string]any{"u": f.authorID, "p": f.posts["PUBLIC"]})
	if dig(after, "user", "followerCount") != float64(0) || dig(after, "user", "viewerFollows") != false || dig(after, "post", "likeCount") != float64(0) {
		t.Errorf("after unfollowing and unliking twice: %v", after)
	}
}
