package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/gqlneo/gqlneo/dev/auth0/tenant"
)

// wsClient speaks graphql-transport-ws to the test server, as Apollo's
// GraphQLWsLink and urql's graphql-ws client do.
type wsClient struct {
	t *testing.T
	c *websocket.Conn
}

// dialWS opens a socket and sends connection_init with payload.
func (s *testServer) dialWS(t *testing.T, payload map[string]any) *wsClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.URL, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial: %v (status %d)", err, status)
	}
	t.Cleanup(func() { _ = c.CloseNow() })
	w := &wsClient{t: t, c: c}
	w.send(map[string]any{"type": "connection_init", "payload": payload})
	return w
}

func (w *wsClient) send(msg map[string]any) {
	w.t.Helper()
	b, _ := json.Marshal(msg)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w.c.Write(ctx, websocket.MessageText, b); err != nil {
		w.t.Fatalf("write: %v", err)
	}
}

// read returns the next message other than ping/pong (answering pings), or
// the read error.
func (w *wsClient) read(timeout time.Duration) (map[string]any, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		_, b, err := w.c.Read(ctx)
		if err != nil {
			return nil, err
		}
		var msg map[string]any
		if err := json.Unmarshal(b, &msg); err != nil {
			return nil, err
		}
		switch msg["type"] {
		case "ping":
			w.send(map[string]any{"type": "pong"})
			continue
		case "pong":
			continue
		}
		return msg, nil
	}
}

// expect reads the next message and fails unless its type is typ.
func (w *wsClient) expect(typ string, timeout time.Duration) map[string]any {
	w.t.Helper()
	msg, err := w.read(timeout)
	if err != nil {
		w.t.Fatalf("waiting for %s: %v", typ, err)
	}
	if msg["type"] != typ {
		w.t.Fatalf("want %s, got %v", typ, msg)
	}
	return msg
}

// subscribe starts operation id.
func (w *wsClient) subscribe(id, query string, vars map[string]any) {
	w.send(map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{"query": query, "variables": vars}})
}

// expectClose reads until the socket closes and returns its status and reason.
func (w *wsClient) expectClose(timeout time.Duration) (websocket.StatusCode, string) {
	w.t.Helper()
	for {
		msg, err := w.read(timeout)
		if err != nil {
			var ce websocket.CloseError
			if ok := asCloseError(err, &ce); ok {
				return ce.Code, ce.Reason
			}
			w.t.Fatalf("socket ended without a close frame: %v", err)
		}
		if msg["type"] == "next" {
			w.t.Fatalf("unexpected event before close: %v", msg)
		}
	}
}

func asCloseError(err error, ce *websocket.CloseError) bool {
	code := websocket.CloseStatus(err)
	if code == -1 {
		return false
	}
	*ce = websocket.CloseError{Code: code}
	if s := err.Error(); strings.Contains(s, "reason = ") {
		ce.Reason = s[strings.Index(s, "reason = ")+len("reason = "):]
	}
	return true
}

// metric reads one unlabelled metric from /metrics.
func (s *testServer) metric(t *testing.T, name string) float64 {
	t.Helper()
	resp, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return metricValue(t, string(b), name)
}

// waitMetric waits until the metric reaches want.
func (s *testServer) waitMetric(t *testing.T, name string, want float64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := s.metric(t, name)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s is %v, want %v", name, got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// liveUsers are an author, a follower of the author and a stranger, each
// with a User and a token.
type liveUsers struct {
	tokens   map[string]string
	authorID string
}

func newLiveUsers(t *testing.T, s *testServer) liveUsers {
	t.Helper()
	u := liveUsers{tokens: map[string]string{}}
	for _, role := range []string{"author", "follower", "stranger"} {
		tu := newUser(t, s.Tenant, func(x *tenant.User) { x.Name = role + " " + x.Name })
		u.tokens[role] = s.Tenant.AccessTokenFor(tu.UserID, nil)
		s.gql(t, u.tokens[role], `{ me { id } }`, nil)
	}
	u.authorID = dig(s.gql(t, u.tokens["author"], `{ me { id } }`, nil), "me", "id").(string)
	s.gql(t, u.tokens["follower"], `mutation($u: ID!) { follow(userId: $u) { id } }`, map[string]any{"u": u.authorID})
	return u
}

func createPost(t *testing.T, s *testServer, token, title, vis string) string {
	t.Helper()
	d := s.gql(t, token, `mutation($in: CreatePostInput!) { createPost(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"title": title, "body": "body of " + title, "visibility": vis}})
	return dig(d, "createPost", "id").(string)
}

func bearer(token string) map[string]any { return map[string]any{"authorization": "Bearer " + token} }

const feedLiveQuery = `subscription { feedLive { id title visibility author { name } viewerHasLiked } }`

func TestFeedLiveDeliversFollowedPostsAndNeverAPostTheSubscriberMayNotSee(t *testing.T) {
	s := startServer(t, nil)
	u := newLiveUsers(t, s)
	follower := s.dialWS(t, bearer(u.tokens["follower"]))
	follower.expect("connection_ack", 5*time.Second)
	follower.subscribe("1", feedLiveQuery, nil)
	stranger := s.dialWS(t, map[string]any{"Authorization": "Bearer " + u.tokens["stranger"]}) // Apollo's capitalised key
	stranger.expect("connection_ack", 5*time.Second)
	stranger.subscribe("1", feedLiveQuery, nil)
	s.waitMetric(t, "graphql_subscriptions_active", 2)

	// Events are handled in order: what arrives after these proves they
	// were never delivered.
	createPost(t, s, u.tokens["author"], "author private", "PRIVATE")
	createPost(t, s, u.tokens["stranger"], "stranger public", "PUBLIC")
	createPost(t, s, u.tokens["stranger"], "stranger private", "PRIVATE")
	followersOnly := createPost(t, s, u.tokens["author"], "author followers", "FOLLOWERS")

	msg := follower.expect("next", 10*time.Second)
	post := dig(msg, "payload", "data", "feedLive")
	if dig(post, "id") != followersOnly || dig(post, "title") != "author followers" || dig(post, "author", "name") == nil || dig(post, "viewerHasLiked") != false {
		t.Fatalf("the follower got %v; want the author's FOLLOWERS post first", msg)
	}
	// The stranger's own private post is in the stranger's feed; the
	// author's posts are not (the stranger follows nobody).
	got := []any{}
	for range 2 {
		got = append(got, dig(stranger.expect("next", 10*time.Second), "payload", "data", "feedLive", "title"))
	}
	if fmt.Sprint(got) != "[stranger public stranger private]" {
		t.Fatalf("the stranger got %v", got)
	}
	createPost(t, s, u.tokens["author"], "author public", "PUBLIC")
	if title := dig(follower.expect("next", 10*time.Second), "payload", "data", "feedLive", "title"); title != "author public" {
		t.Fatalf("then %v", title)
	}
	if s.metric(t, "graphql_subscription_events_delivered_total") != 4 {
		t.Errorf("events delivered: %v", s.metric(t, "graphql_subscription_events_delivered_total"))
	}
	if s.metric(t, "graphql_ws_connections") != 2 {
		t.Errorf("open sockets: %v", s.metric(t, "graphql_ws_connections"))
	}
}

func TestOneStatementPerEventForAllSubscribersOfASelection(t *testing.T) {
	s := startServer(t, nil)
	u := newLiveUsers(t, s)
	const n = 6
	tokens := []string{}
	for i := range n {
		f := newUser(t, s.Tenant)
		tok := s.Tenant.AccessTokenFor(f.UserID, nil)
		s.gql(t, tok, `mutation($u: ID!) { follow(userId: $u) { id } }`, map[string]any{"u": u.authorID})
		tokens = append(tokens, tok)
		_ = i
	}
	// The mutation's own cost, with no subscriber.
	createPost(t, s, u.tokens["author"], "warm-up", "PUBLIC")
	before := s.statements(t)
	createPost(t, s, u.tokens["author"], "alone", "PUBLIC")
	mutation := s.statements(t) - before

	// Two selections among n subscribers: two statements per event.
	clients := []*wsClient{}
	for i, tok := range tokens {
		c := s.dialWS(t, map[string]any{"token": tok}) // the bare token key
		c.expect("connection_ack", 5*time.Second)
		q := feedLiveQuery
		if i%2 == 1 {
			q = `subscription { feedLive { id title likeCount } }`
		}
		c.subscribe("s", q, nil)
		clients = append(clients, c)
	}
	s.waitMetric(t, "graphql_subscriptions_active", n)
	before = s.statements(t)
	id := createPost(t, s, u.tokens["author"], "to everyone", "FOLLOWERS")
	for i, c := range clients {
		if got := dig(c.expect("next", 10*time.Second), "payload", "data", "feedLive", "id"); got != id {
			t.Fatalf("subscriber %d got %v", i, got)
		}
	}
	if got := s.statements(t) - before - mutation; got != 2 {
		t.Fatalf("%v statements for one event to %d subscribers in 2 selections; want 2", got, n)
	}
}

func TestConnectionInitWithABadTokenCloses4401(t *testing.T) {
	s := startServer(t, nil)
	u := newUser(t, s.Tenant)
	cases := []struct {
		name    string
		payload map[string]any
		reason  string
	}{
		{"garbage", bearer("not-a-token"), "malformed_token"},
		{"expired", bearer(s.Tenant.AccessTokenFor(u.UserID, map[string]any{"exp": time.Now().Add(-time.Hour).Unix()})), "token_expired"},
		{"wrong audience", bearer(s.Tenant.AccessTokenFor(u.UserID, map[string]any{"aud": "https://other.example.com/"})), "invalid_audience"},
		{"none", map[string]any{}, "token required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := s.dialWS(t, tc.payload)
			code, reason := c.expectClose(5 * time.Second)
			if code != 4401 || !strings.Contains(reason, tc.reason) {
				t.Fatalf("closed %d %q; want 4401 naming %s", code, reason, tc.reason)
			}
		})
	}
}

func TestSocketClosesAtTokenExpiry(t *testing.T) {
	s := startServer(t, map[string]string{"JWT_CLOCK_SKEW": "0s"})
	u := newUser(t, s.Tenant)
	s.gql(t, s.Tenant.AccessTokenFor(u.UserID, nil), `{ me { id } }`, nil) // the User exists before the clock starts
	token := s.Tenant.AccessTokenFor(u.UserID, map[string]any{"exp": time.Now().Add(3 * time.Second).Unix()})
	c := s.dialWS(t, bearer(token))
	c.expect("connection_ack", 5*time.Second)
	c.subscribe("1", `subscription { notifications { kind } }`, nil)
	s.waitMetric(t, "graphql_subscriptions_active", 1)
	start := time.Now()
	code, reason := c.expectClose(10 * time.Second)
	if code != 4401 || !strings.Contains(reason, "token_expired") {
		t.Fatalf("closed %d %q; want 4401 token_expired", code, reason)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("closed %v after subscribing; the token lived 3s", waited)
	}
	s.waitMetric(t, "graphql_subscriptions_active", 0)
	s.waitMetric(t, "graphql_ws_connections", 0)
}

func TestSocketClosesWhenItsSigningKeyLeavesTheJWKS(t *testing.T) {
	s := startServer(t, map[string]string{"JWKS_CACHE_TTL": "1s", "SUBSCRIPTION_REVALIDATE_INTERVAL": "300ms"})
	u := newUser(t, s.Tenant)
	c := s.dialWS(t, bearer(s.Tenant.AccessTokenFor(u.UserID, nil)))
	c.expect("connection_ack", 5*time.Second)
	s.Tenant.RotateKey()
	s.Tenant.RevokePreviousKeys()
	code, reason := c.expectClose(15 * time.Second)
	if code != 4401 || !strings.Contains(reason, "Unauthorized: ") {
		t.Fatalf("closed %d %q; want 4401", code, reason)
	}
}

func TestFailedMutationsPublishNothing(t *testing.T) {
	s := startServer(t, nil)
	u := newLiveUsers(t, s)
	private := createPost(t, s, u.tokens["author"], "private", "PRIVATE")
	public := createPost(t, s, u.tokens["author"], "public", "PUBLIC")
	c := s.dialWS(t, bearer(u.tokens["author"]))
	c.expect("connection_ack", 5*time.Second)
	c.subscribe("n", `subscription { notifications { kind actor { name } post { id title } comment { body } } }`, nil)
	s.waitMetric(t, "graphql_subscriptions_active", 1)

	// Refused writes: a like and a comment on a post the stranger may not
	// see (NOT_FOUND), a comment over the length limit, following oneself.
	for _, op := range []struct{ token, query string }{
		{u.tokens["stranger"], `mutation($p: ID!) { likePost(id: $p) { id } }`},
		{u.tokens["stranger"], `mutation($p: ID!) { addComment(postId: $p, body: "hi") { id } }`},
		{u.tokens["follower"], `mutation($p: ID!) { addComment(postId: $p, body: "` + strings.Repeat("x", 20001) + `") { id } }`},
	} {
		r := s.query(t, op.token, op.query, map[string]any{"p": private})
		if len(r.Errors) == 0 {
			t.Fatalf("%s succeeded: %s", op.query[:40], r.Raw)
		}
	}
	if r := s.query(t, u.tokens["author"], `mutation($u: ID!) { follow(userId: $u) { id } }`, map[string]any{"u": u.authorID}); len(r.Errors) == 0 {
		t.Fatalf("self-follow succeeded: %s", r.Raw)
	}
	// The author's own like is no notification either.
	s.gql(t, u.tokens["author"], `mutation($p: ID!) { likePost(id: $p) { id } }`, map[string]any{"p": public})

	s.gql(t, u.tokens["follower"], `mutation($p: ID!) { addComment(postId: $p, body: "nice") { id } }`, map[string]any{"p": public})
	n := dig(c.expect("next", 10*time.Second), "payload", "data", "notifications")
	if dig(n, "kind") != "COMMENTED" || dig(n, "post", "id") != public || dig(n, "comment", "body") != "nice" || !strings.HasPrefix(dig(n, "actor", "name").(string), "follower") {
		t.Fatalf("first notification %v; want the follower's comment", n)
	}
	s.gql(t, u.tokens["stranger"], `mutation($u: ID!) { follow(userId: $u) { id } }`, map[string]any{"u": u.authorID})
	n = dig(c.expect("next", 10*time.Second), "payload", "data", "notifications")
	if dig(n, "kind") != "FOLLOWED" || dig(n, "post") != nil || !strings.HasPrefix(dig(n, "actor", "name").(string), "stranger") {
		t.Fatalf("then %v; want the stranger's follow", n)
	}
	// A follow or like that exists already changes nothing and tells no
	// one: after a second follow and two likes, the events are one like,
	// then the comment that follows them.
	s.gql(t, u.tokens["stranger"], `mutation($u: ID!) { follow(userId: $u) { id } }`, map[string]any{"u": u.authorID})
	for range 2 {
		s.gql(t, u.tokens["follower"], `mutation($p: ID!) { likePost(id: $p) { id } }`, map[string]any{"p": public})
	}
	s.gql(t, u.tokens["follower"], `mutation($p: ID!) { addComment(postId: $p, body: "again") { id } }`, map[string]any{"p": public})
	for _, want := range []string{"LIKED", "COMMENTED"} {
		n = dig(c.expect("next", 10*time.Second), "payload", "data", "notifications")
		if dig(n, "kind") != want {
			t.Fatalf("after a repeated follow and like: %v; want %s", n, want)
		}
	}
}

func TestPostActivityOnlyForAPostTheSubscriberCanSee(t *testing.T) {
	s := startServer(t, nil)
	u := newLiveUsers(t, s)
	post := createPost(t, s, u.tokens["author"], "for followers", "FOLLOWERS")
	const q = `subscription($p: ID!) { postActivity(postId: $p) { kind post { id likeCount commentCount } actor { name } comment { body } } }`

	stranger := s.dialWS(t, bearer(u.tokens["stranger"]))
	stranger.expect("connection_ack", 5*time.Second)
	stranger.subscribe("a", q, map[string]any{"p": post})
	msg, err := stranger.read(10 * time.Second)
	if err != nil || msg["type"] != "next" || !strings.Contains(fmt.Sprint(msg), "NOT_FOUND") {
		t.Fatalf("the stranger's subscription: %v %v; want NOT_FOUND", msg, err)
	}

	follower := s.dialWS(t, bearer(u.tokens["follower"]))
	follower.expect("connection_ack", 5*time.Second)
	follower.subscribe("a", q, map[string]any{"p": post})
	s.waitMetric(t, "graphql_subscriptions_active", 1)
	s.gql(t, u.tokens["author"], `mutation($p: ID!) { likePost(id: $p) { id } }`, map[string]any{"p": post})
	a := dig(follower.expect("next", 10*time.Second), "payload", "data", "postActivity")
	if dig(a, "kind") != "LIKED" || dig(a, "post", "likeCount") != 1.0 || dig(a, "comment") != nil {
		t.Fatalf("got %v", a)
	}
	s.gql(t, u.tokens["author"], `mutation($p: ID!) { addComment(postId: $p, body: "thanks") { id } }`, map[string]any{"p": post})
	a = dig(follower.expect("next", 10*time.Second), "payload", "data", "postActivity")
	if dig(a, "kind") != "COMMENTED" || dig(a, "comment", "body") != "thanks" || dig(a, "post", "commentCount") != 1.0 {
		t.Fatalf("got %v", a)
	}
}

func TestSubscriptionLimits(t *testing.T) {
	s := startServer(t, map[string]string{"SUBSCRIPTIONS_PER_CONNECTION": "1", "WS_CONNECTIONS_PER_IP": "2"})
	u := newUser(t, s.Tenant)
	token := s.Tenant.AccessTokenFor(u.UserID, nil)
	c := s.dialWS(t, bearer(token))
	c.expect("connection_ack", 5*time.Second)
	c.subscribe("1", `subscription { notifications { kind } }`, nil)
	s.waitMetric(t, "graphql_subscriptions_active", 1)
	c.subscribe("2", `subscription { feedLive { id } }`, nil)
	msg, err := c.read(5 * time.Second)
	if err != nil || !strings.Contains(fmt.Sprint(msg), "SUBSCRIPTION_LIMIT_EXCEEDED") {
		t.Fatalf("second subscription: %v %v", msg, err)
	}
	s.dialWS(t, bearer(token)).expect("connection_ack", 5*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.URL, "http")+"/graphql", &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third socket from one IP: %v %v", resp, err)
	}
}

func TestInitTimeoutCloses4408(t *testing.T) {
	s := startServer(t, map[string]string{"WS_INIT_TIMEOUT": "300ms"})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.URL, "http")+"/graphql", &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	_, _, err = c.Read(ctx)
	if code := websocket.CloseStatus(err); code != 4408 {
		t.Fatalf("closed %v (%v); want 4408", code, err)
	}
}

func TestSSEDeliversNotifications(t *testing.T) {
	s := startServer(t, nil)
	u := newLiveUsers(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	body := `{"query":"subscription { notifications { kind actor { name } } }"}`
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+u.tokens["author"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("content type %q", resp.Header.Get("Content-Type"))
	}
	s.waitMetric(t, "graphql_subscriptions_active", 1)
	s.gql(t, u.tokens["stranger"], `mutation($u: ID!) { follow(userId: $u) { id } }`, map[string]any{"u": u.authorID})
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("stream ended")
			}
			if strings.HasPrefix(l, "data: ") {
				if !strings.Contains(l, `"kind":"FOLLOWED"`) || !strings.Contains(l, "stranger") {
					t.Fatalf("event %s", l)
				}
				return
			}
		case <-timeout:
			t.Fatal("no event")
		}
	}
}

func TestSSEWithABadTokenIs401(t *testing.T) {
	s := startServer(t, nil)
	r := s.post(t, `{"query":"subscription { notifications { kind } }"}`, map[string]string{"Accept": "text/event-stream", "Authorization": "Bearer nope"})
	if r.Status != http.StatusUnauthorized || r.code() != "UNAUTHENTICATED" || r.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
}
