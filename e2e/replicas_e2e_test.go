package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gqlneo/gqlneo/dev/auth0/tenant"
	"github.com/gqlneo/gqlneo/redisstore/redistest"
)

// sharedCursorSecret is the CURSOR_SECRET every replica of a test shares.
const sharedCursorSecret = "replicas-share-this-cursor-secret-0123456789"

// startReplicas starts n servers (two app.New) on the same Neo4j, the same
// issuer and one throwaway Redis, as replicas behind a load balancer are.
func startReplicas(t *testing.T, n int, overrides map[string]string) ([]*testServer, *redistest.Server) {
	t.Helper()
	redis := redistest.Start(t)
	tn := tenant.MustStart(t)
	env := map[string]string{"REDIS_URL": redis.URL, "CURSOR_SECRET": sharedCursorSecret}
	for k, v := range overrides {
		env[k] = v
	}
	out := make([]*testServer, n)
	for i := range out {
		out[i] = startServerWith(t, tn, env)
	}
	return out, redis
}

func TestTheLoginLimitHoldsAcrossReplicas(t *testing.T) {
	t.Run("the 11th attempt from one IP is refused, replicas alternating", func(t *testing.T) {
		replicas, _ := startReplicas(t, 2, nil)
		for i := range 10 {
			s := replicas[i%2]
			// Distinct usernames: only the IP's budget (burst 10) is spent.
			r := s.query(t, "", loginMutation, map[string]any{"u": fmt.Sprintf("nobody-%d@example.com", i), "p": "wrong-pass-123"})
			if r.code() != "INVALID_CREDENTIALS" {
				t.Fatalf("attempt %d on replica %d: code %q, want INVALID_CREDENTIALS: %s", i+1, i%2, r.code(), r.Raw)
			}
		}
		replicas[0].Tenant.ResetRequests()
		r := replicas[0].query(t, "", loginMutation, map[string]any{"u": "nobody-10@example.com", "p": "wrong-pass-123"})
		if r.code() != "RATE_LIMITED" {
			t.Fatalf("11th attempt: code %q, want RATE_LIMITED: %s", r.code(), r.Raw)
		}
		if secs, _ := r.Errors[0].Extensions["retryAfterSeconds"].(float64); secs < 1 {
			t.Errorf("RATE_LIMITED without a retry hint: %s", r.Raw)
		}
		if n := tokenRequests(replicas[0].Tenant); n != 0 {
			t.Errorf("Auth0 was called %d times after the limit; want 0", n)
		}
	})
	t.Run("a username's 5 failures are counted across replicas", func(t *testing.T) {
		replicas, _ := startReplicas(t, 2, nil)
		u := newUser(t, replicas[0].Tenant)
		for i := range 5 {
			r := replicas[i%2].query(t, "", loginMutation, map[string]any{"u": u.Email, "p": "wrong-pass-123"})
			if r.code() != "INVALID_CREDENTIALS" {
				t.Fatalf("failure %d: code %q: %s", i+1, r.code(), r.Raw)
			}
		}
		r := replicas[1].query(t, "", loginMutation, map[string]any{"u": u.Email, "p": demoPassword})
		if r.code() != "RATE_LIMITED" {
			t.Fatalf("6th attempt, right password, other replica: code %q, want RATE_LIMITED: %s", r.code(), r.Raw)
		}
	})
}

func TestACursorFromOneReplicaWorksOnAnother(t *testing.T) {
	replicas, _ := startReplicas(t, 2, nil)
	a, b := replicas[0], replicas[1]
	u := newUser(t, a.Tenant)
	token, _ := a.mustLogin(t, u.Email, demoPassword)
	for i := range 3 {
		a.gql(t, token, `mutation($t: String!) { createPost(input: {title: $t, body: "b"}) { id } }`, map[string]any{"t": fmt.Sprint("replica post ", i)})
	}
	const page = `query($a: String) { me { posts(first: 2, after: $a) { pageInfo { endCursor hasNextPage } edges { node { title } } } } }`
	first := a.gql(t, token, page, nil)
	cursor, _ := dig(first, "me", "posts", "pageInfo", "endCursor").(string)
	if cursor == "" {
		t.Fatalf("no cursor: %v", first)
	}
	second := b.gql(t, token, page, map[string]any{"a": cursor})
	edges, _ := dig(second, "me", "posts", "edges").([]any)
	if len(edges) != 1 || dig(edges[0], "node", "title") != "replica post 0" {
		t.Fatalf("page 2 on replica B = %v, want the oldest post", second)
	}
}

func TestUserinfoIsCalledOnceForAllReplicasAndWithoutRedisStill(t *testing.T) {
	replicas, redis := startReplicas(t, 2, nil)
	a, b := replicas[0], replicas[1]
	ns := tenant.DevNamespace
	noProfile := map[string]any{ns + "email": nil, ns + "email_verified": nil, ns + "name": nil, ns + "connection": nil}
	userinfoCalls := func() int {
		n := 0
		for _, r := range a.Tenant.Requests() {
			if r.Path == "/userinfo" {
				n++
			}
		}
		return n
	}

	u := newUser(t, a.Tenant)
	token := a.Tenant.AccessTokenFor(u.UserID, noProfile)
	a.Tenant.ResetRequests()
	a.mustMe(t, token)
	// Forget the identity in the graph, so replica B must provision it too
	// and needs the profile again: it must come from the shared cache.
	runCypher(t, `MATCH (i:Identity {sub: $sub}) DETACH DELETE i`, map[string]any{"sub": u.UserID})
	if me := b.mustMe(t, token); me["email"] != u.Email {
		t.Errorf("replica B: me.email = %v, want %s from the shared cache", me["email"], u.Email)
	}
	if n := userinfoCalls(); n != 1 {
		t.Errorf("/userinfo was called %d times by two replicas, want 1", n)
	}

	t.Run("Redis down: /userinfo is asked, reads work, logins are refused", func(t *testing.T) {
		redis.Stop()
		v := newUser(t, a.Tenant)
		a.Tenant.ResetRequests()
		if me := b.mustMe(t, a.Tenant.AccessTokenFor(v.UserID, noProfile)); me["email"] != v.Email {
			t.Errorf("me.email = %v, want %s from /userinfo", me["email"], v.Email)
		}
		if n := userinfoCalls(); n != 1 {
			t.Errorf("/userinfo was called %d times, want 1", n)
		}
		a.gql(t, token, `{ me { id posts(first: 1) { totalCount } } }`, nil)
		a.Tenant.ResetRequests()
		r := a.query(t, "", loginMutation, map[string]any{"u": v.Email, "p": demoPassword})
		if r.code() != "RATE_LIMITED" {
			t.Fatalf("login with Redis down: code %q, want RATE_LIMITED: %s", r.code(), r.Raw)
		}
		if n := tokenRequests(a.Tenant); n != 0 {
			t.Errorf("Auth0 was called %d times with the limiter's counters out of reach", n)
		}
		if !strings.Contains(a.Logs.String(), "login limiter: Redis unavailable") {
			t.Error("the refusal was not logged")
		}
		req, err := http.NewRequest(http.MethodGet, a.URL+"/readyz", nil)
		if err != nil {
			t.Fatal(err)
		}
		if ready := do(t, req); ready.Status != http.StatusOK {
			t.Errorf("/readyz = %d with Redis down; replicas that can serve reads must stay in the pool", ready.Status)
		}
	})
}

func TestAReplicaStartsWhileRedisIsDown(t *testing.T) {
	redis := redistest.Start(t)
	redis.Stop()
	s := startServer(t, map[string]string{"REDIS_URL": redis.URL, "CURSOR_SECRET": sharedCursorSecret})
	if !strings.Contains(s.Logs.String(), "Redis does not answer at REDIS_URL") {
		t.Errorf("no warning at start: %s", s.Logs.String())
	}
	s.query(t, "", `{ __typename }`, nil)
}

func TestAPersistedQueryRegisteredOnOneReplicaIsFoundOnAnother(t *testing.T) {
	replicas, _ := startReplicas(t, 2, nil)
	doc := `query SharedAPQ { __typename searchUsers(query: "shared-apq") { totalCount } }`
	if r := replicas[1].postPersisted(t, "", doc, false, "application/json"); r.code() != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("before registration, B answered %s", r.Raw)
	}
	if r := replicas[0].postPersisted(t, "", doc, true, "application/json"); len(r.Errors) > 0 {
		t.Fatalf("registering on A: %s", r.Raw)
	}
	for _, get := range []bool{false, true} {
		var r *gqlResponse
		if get {
			r = replicas[1].getPersisted(t, "", doc, "application/json")
		} else {
			r = replicas[1].postPersisted(t, "", doc, false, "application/json")
		}
		if len(r.Errors) > 0 || dig(r.Data, "searchUsers", "totalCount") == nil {
			t.Errorf("B by hash alone (GET %v): %s", get, r.Raw)
		}
	}
}

func TestASubscriptionOnOneReplicaReceivesAPostCreatedOnAnother(t *testing.T) {
	replicas, _ := startReplicas(t, 2, nil)
	a, b := replicas[0], replicas[1]
	u := newLiveUsers(t, b)
	follower := a.dialWS(t, bearer(u.tokens["follower"]))
	follower.expect("connection_ack", 5*time.Second)
	follower.subscribe("1", feedLiveQuery, nil)
	a.waitMetric(t, "graphql_subscriptions_active", 1)
	id := createPost(t, b, u.tokens["author"], "written on B", "FOLLOWERS")
	msg := follower.expect("next", 10*time.Second)
	if got := dig(msg, "payload", "data", "feedLive", "id"); got != id {
		t.Fatalf("the subscriber on A got %v, want the post created on B", msg)
	}
}
