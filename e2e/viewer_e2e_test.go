package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/gqlneo/gqlneo/dev/auth0/tenant"
)

// cypherValue runs a read on the test database and returns the first
// record's value named key.
func cypherValue[T neo4j.RecordValue](t *testing.T, cypher string, params map[string]any, key string) T {
	t.Helper()
	recs := cypherRecords(t, cypher, params)
	if len(recs) == 0 {
		t.Fatalf("no record for %s", cypher)
	}
	v, _, err := neo4j.GetRecordValue[T](recs[0], key)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestAFirstFeedProvisionsTheCallersUser(t *testing.T) {
	s := startServer(t, nil)
	u := newUser(t, s.Tenant)
	token := s.Tenant.AccessTokenFor(u.UserID, nil)
	data := s.gql(t, token, `{ feed(first: 3) { totalCount edges { node { id } } } }`, nil)
	if dig(data, "feed", "totalCount") != float64(0) {
		t.Errorf("a new account's feed = %v", data)
	}
	if users, identities := countIdentity(t, u.UserID); users != 1 || identities != 1 {
		t.Errorf("after a first { feed }: %d Users, %d Identities; want 1 and 1", users, identities)
	}
}

func TestANewlyVerifiedTokensFeedIsTheMergedUsersFeed(t *testing.T) {
	s := startServer(t, nil)
	u := newUser(t, s.Tenant)
	g := googleTwin(t, s, u, false)
	ownerToken := realmToken(t, s.Tenant, tenant.DatabaseConnection, u.Email)
	post := dig(s.gql(t, ownerToken, `mutation { createPost(input: {title: "Owner's own", body: "b", visibility: PRIVATE}) { id } }`, nil), "createPost", "id")
	if separate := s.mustMe(t, realmToken(t, s.Tenant, tenant.GoogleConnection, g.Email)); separate["id"] == nil {
		t.Fatal("no separate User")
	}
	if err := s.Tenant.SetEmailVerified(g.UserID, true); err != nil {
		t.Fatal(err)
	}
	feed := s.gql(t, realmToken(t, s.Tenant, tenant.GoogleConnection, g.Email), `{ feed { edges { node { id } } } }`, nil)
	if !ids(dig(feed, "feed"))[post.(string)] {
		t.Errorf("the newly verified identity's first feed does not show its merged User's private post: %v", feed)
	}
}

func TestMeListsIdentitiesOldestFirst(t *testing.T) {
	s := startServer(t, nil)
	u := newUser(t, s.Tenant)
	g := googleTwin(t, s, u, true)
	s.mustMe(t, realmToken(t, s.Tenant, tenant.DatabaseConnection, u.Email))
	token := realmToken(t, s.Tenant, tenant.GoogleConnection, g.Email)
	s.mustMe(t, token)
	// Make the second identity the older one: a projection without ORDER BY
	// answers in storage order, which is creation order.
	runCypher(t, `MATCH (i:Identity {sub: $sub}) SET i.createdAt = datetime('2001-01-01T00:00:00Z')`, map[string]any{"sub": g.UserID})
	me := s.mustMe(t, token)
	got := providers(me)
	if len(got) != 2 || got[0] != "google-oauth2" || got[1] != "auth0" {
		t.Errorf("identities = %v, want the older google-oauth2 first", got)
	}
}

func TestRequestsRecordLastSeenAtWithoutAnExtraStatementEachTime(t *testing.T) {
	first := startServer(t, nil)
	u := newUser(t, first.Tenant)
	token := first.Tenant.AccessTokenFor(u.UserID, nil)
	first.gql(t, token, `{ me { id } }`, nil)
	runCypher(t, `MATCH (i:Identity {sub: $sub}) SET i.lastSeenAt = datetime('2020-01-01T00:00:00Z')`, map[string]any{"sub": u.UserID})

	// Another replica (or this one after the throttle period) sees the identity.
	s := startServerWith(t, first.Tenant, nil)
	before := s.statements(t)
	s.gql(t, token, `{ feed { totalCount } }`, nil)
	if got := s.statements(t) - before; got != 2 {
		t.Errorf("the first request on a replica: %v statements, want 2 (the identity's touch, then the feed)", got)
	}
	seen := cypherValue[time.Time](t, `MATCH (i:Identity {sub: $sub}) RETURN i.lastSeenAt AS t`, map[string]any{"sub": u.UserID}, "t")
	if time.Since(seen) > time.Minute {
		t.Errorf("lastSeenAt = %v after a request", seen)
	}
	before = s.statements(t)
	for range 3 {
		s.gql(t, token, `{ feed { totalCount } }`, nil)
	}
	if got := s.statements(t) - before; got != 3 {
		t.Errorf("three more requests: %v statements, want 3", got)
	}
}

func TestACursorIsRefusedByAnotherConnection(t *testing.T) {
	f := newGraphFixture(t)
	s := f.s
	followers := s.gql(t, f.tokens["author"], `query($u: ID!) { user(id: $u) { followers(first: 1) { pageInfo { endCursor } } } }`, map[string]any{"u": f.authorID})
	cursor, _ := dig(followers, "user", "followers", "pageInfo", "endCursor").(string)
	if cursor == "" {
		t.Fatalf("no cursor: %v", followers)
	}
	cases := []struct{ name, query string }{
		{"feed", `query($c: String) { feed(after: $c) { totalCount } }`},
		{"following", `query($c: String) { me { following(after: $c) { totalCount } } }`},
		{"searchUsers", `query($c: String) { searchUsers(query: "a", after: $c) { totalCount } }`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := s.query(t, f.tokens["author"], tc.query, map[string]any{"c": cursor})
			if r.Status != http.StatusOK || len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "BAD_USER_INPUT" {
				t.Errorf("a followers cursor given to %s: %d %s", tc.name, r.Status, r.Raw)
			}
		})
	}
	r := s.query(t, f.tokens["author"], `query($u: ID!, $c: String) { user(id: $u) { followers(after: $c) { totalCount } } }`, map[string]any{"u": f.authorID, "c": cursor})
	if len(r.Errors) != 0 {
		t.Errorf("the cursor is refused by its own connection: %s", r.Raw)
	}
}
