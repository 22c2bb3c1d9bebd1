package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/gqlneo/gqlneo/dev/auth0/tenant"
)

// realmToken signs in at the issuer directly through a connection (realm),
// as a frontend's Universal Login would, and returns the access token.
func realmToken(t *testing.T, tn *tenant.Tenant, realm, email string) string {
	t.Helper()
	form := url.Values{
		"grant_type": {tenant.GrantPasswordRealm}, "realm": {realm}, "username": {email}, "password": {demoPassword},
		"client_id": {tenant.DevClientID}, "client_secret": {tenant.DevClientSecret},
		"audience": {tenant.DevAudience}, "scope": {"openid profile email"},
	}
	resp, err := http.PostForm(tn.URL()+"/oauth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
		Error       string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.AccessToken == "" {
		t.Fatalf("sign in %s via %s: %d %s %v", email, realm, resp.StatusCode, body.Error, err)
	}
	return body.AccessToken
}

const meIdentities = `{ me { id email identities { provider connection createdAt lastSeenAt } } }`

func (s *testServer) mustMe(t *testing.T, token string) map[string]any {
	t.Helper()
	r := s.query(t, token, meIdentities, nil)
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("me: %d %s", r.Status, r.Raw)
	}
	return r.Data["me"].(map[string]any)
}

func providers(me map[string]any) []string {
	var out []string
	for _, id := range me["identities"].([]any) {
		out = append(out, id.(map[string]any)["provider"].(string))
	}
	return out
}

func TestDanaThroughEitherConnectionIsOneUser(t *testing.T) {
	s := startServer(t, nil)
	viaDatabase := s.mustMe(t, realmToken(t, s.Tenant, tenant.DatabaseConnection, "dana@example.com"))
	viaGoogle := s.mustMe(t, realmToken(t, s.Tenant, tenant.GoogleConnection, "dana@example.com"))
	if viaDatabase["id"] != viaGoogle["id"] {
		t.Fatalf("dana is two Users: %v and %v", viaDatabase["id"], viaGoogle["id"])
	}
	got := strings.Join(providers(viaGoogle), ",")
	if !strings.Contains(got, "auth0") || !strings.Contains(got, "google-oauth2") {
		t.Errorf("me.identities providers = %s, want both", got)
	}
	for _, id := range viaGoogle["identities"].([]any) {
		if c, _ := id.(map[string]any)["connection"].(string); c == "" {
			t.Errorf("an identity has no connection: %v", id)
		}
	}
}

func TestErinsUnverifiedGoogleIdentityIsAnotherUser(t *testing.T) {
	s := startServer(t, nil)
	verified := s.mustMe(t, realmToken(t, s.Tenant, tenant.DatabaseConnection, "erin@example.com"))
	unverified := s.mustMe(t, realmToken(t, s.Tenant, tenant.GoogleConnection, "erin@example.com"))
	if verified["id"] == unverified["id"] {
		t.Fatal("an unverified identity joined the verified User")
	}
}

func TestMeListsTheCallersOwnIdentities(t *testing.T) {
	s := startServer(t, nil)
	me := s.mustMe(t, realmToken(t, s.Tenant, tenant.DatabaseConnection, "carol@example.com"))
	if len(me["identities"].([]any)) == 0 {
		t.Fatal("carol sees no identities of her own")
	}
}

// googleTwin adds a Google account with u's email, verified or not.
func googleTwin(t *testing.T, s *testServer, u tenant.User, verified bool) tenant.User {
	t.Helper()
	return newUser(t, s.Tenant, func(x *tenant.User) {
		x.Connection, x.Email, x.EmailVerified = tenant.GoogleConnection, u.Email, verified
	})
}

func TestAnIdentityWhoseEmailBecomesVerifiedMergesAtItsNextRequest(t *testing.T) {
	s := startServer(t, nil)
	u := newUser(t, s.Tenant)
	g := googleTwin(t, s, u, false)
	owner := s.mustMe(t, realmToken(t, s.Tenant, tenant.DatabaseConnection, u.Email))
	separate := s.mustMe(t, realmToken(t, s.Tenant, tenant.GoogleConnection, g.Email))
	if owner["id"] == separate["id"] {
		t.Fatal("linked while unverified")
	}
	if err := s.Tenant.SetEmailVerified(g.UserID, true); err != nil {
		t.Fatal(err)
	}
	merged := s.mustMe(t, realmToken(t, s.Tenant, tenant.GoogleConnection, g.Email))
	if merged["id"] != owner["id"] {
		t.Fatalf("after verification me.id = %v, want the owner %v", merged["id"], owner["id"])
	}
	if again := s.mustMe(t, realmToken(t, s.Tenant, tenant.DatabaseConnection, u.Email)); again["id"] != owner["id"] || len(again["identities"].([]any)) != 2 {
		t.Errorf("the owner after the merge: %v", again)
	}
}

func TestAMutationFromAnIdentityWhoseEmailBecameVerifiedMergesFirst(t *testing.T) {
	s := startServer(t, nil)
	u := newUser(t, s.Tenant)
	g := googleTwin(t, s, u, false)
	owner := s.mustMe(t, realmToken(t, s.Tenant, tenant.DatabaseConnection, u.Email))
	if separate := s.mustMe(t, realmToken(t, s.Tenant, tenant.GoogleConnection, g.Email)); separate["id"] == owner["id"] {
		t.Fatal("linked while unverified")
	}
	if err := s.Tenant.SetEmailVerified(g.UserID, true); err != nil {
		t.Fatal(err)
	}
	token := realmToken(t, s.Tenant, tenant.GoogleConnection, g.Email)
	data := s.gql(t, token, `mutation { createPost(input: {title: "After verification", body: "b"}) { author { id } } }`, nil)
	if got := dig(data, "createPost", "author", "id"); got != owner["id"] {
		t.Fatalf("the post's author is %v, want the owner %v", got, owner["id"])
	}
	before := s.statements(t)
	s.gql(t, token, `mutation { createPost(input: {title: "Again", body: "b"}) { id } }`, nil)
	if got := s.statements(t) - before; got != 1 {
		t.Errorf("the next createPost: %v statements, want 1", got)
	}
}

func TestFiftyConcurrentFirstRequestsMakeOneUserAndOneIdentity(t *testing.T) {
	s := startServer(t, nil)
	u := newUser(t, s.Tenant)
	token := realmToken(t, s.Tenant, tenant.DatabaseConnection, u.Email)
	const n = 50
	ids := make([]any, n)
	fails := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r := s.query(t, token, `{ me { id } }`, nil)
			if r.Status != http.StatusOK || len(r.Errors) > 0 {
				fails[i] = r.Raw
				return
			}
			ids[i] = r.Data["me"].(map[string]any)["id"]
		}(i)
	}
	wg.Wait()
	for i := range n {
		if fails[i] != "" {
			t.Fatalf("request %d failed: %s", i, fails[i])
		}
		if ids[i] != ids[0] {
			t.Fatalf("request %d saw user %v, request 0 saw %v", i, ids[i], ids[0])
		}
	}
	users, identities := countIdentity(t, u.UserID)
	if users != 1 || identities != 1 {
		t.Errorf("%d Users and %d Identities for the subject, want 1 and 1", users, identities)
	}
}

// runCypher runs a statement on the test database, for fixtures.
func runCypher(t *testing.T, cypher string, params map[string]any) {
	t.Helper()
	cypherRecords(t, cypher, params)
}

// cypherRecords runs a statement on the test database and returns its records.
func cypherRecords(t *testing.T, cypher string, params map[string]any) []*neo4j.Record {
	t.Helper()
	uri, password := mustNeo4jEnv(t)
	driver, err := neo4j.NewDriverWithContext(uri, neo4j.BasicAuth("neo4j", password, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer driver.Close(context.Background())
	res, err := neo4j.ExecuteQuery(context.Background(), driver, cypher, params, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase("neo4j"))
	if err != nil {
		t.Fatal(err)
	}
	return res.Records
}

// countIdentity counts, with Cypher, the Identity nodes of sub and the Users holding them.
func countIdentity(t *testing.T, sub string) (users, identities int64) {
	t.Helper()
	recs := cypherRecords(t, `MATCH (i:Identity {sub: $sub}) OPTIONAL MATCH (u:User)-[:HAS_IDENTITY]->(i) RETURN count(DISTINCT i) AS i, count(DISTINCT u) AS u`,
		map[string]any{"sub": sub})
	u, _, _ := neo4j.GetRecordValue[int64](recs[0], "u")
	i, _, _ := neo4j.GetRecordValue[int64](recs[0], "i")
	return u, i
}

func TestATokenWithoutProfileClaimsProvisionsFromOneUserinfoCall(t *testing.T) {
	s := startServer(t, nil)
	u := newUser(t, s.Tenant)
	ns := tenant.DevNamespace
	token := s.Tenant.AccessTokenFor(u.UserID, map[string]any{ns + "email": nil, ns + "email_verified": nil, ns + "name": nil, ns + "connection": nil})
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.query(t, token, `{ me { id } }`, nil)
		}()
	}
	wg.Wait()
	me := s.mustMe(t, token)
	if me["email"] != u.Email {
		t.Errorf("me.email = %v, want %s from /userinfo", me["email"], u.Email)
	}
	calls := 0
	for _, r := range s.Tenant.Requests() {
		if r.Path == "/userinfo" {
			calls++
		}
	}
	if calls != 1 {
		t.Errorf("/userinfo was called %d times, want 1", calls)
	}
}

const signupMutation = `mutation($e: String!, $p: String!, $n: String) { signup(email: $e, password: $p, name: $n) { id name email } }`

func TestSignup(t *testing.T) {
	s := startServer(t, nil)
	email := fmt.Sprintf("signup-%s@example.com", strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")))
	email = strings.Replace(email, "@", fmt.Sprintf("-%d@", userSeq.Add(1)), 1)
	var created map[string]any
	t.Run("a new account is created with its User at once", func(t *testing.T) {
		r := s.query(t, "", signupMutation, map[string]any{"e": email, "p": "Str0ng-pass!", "n": "New Person"})
		if len(r.Errors) > 0 {
			t.Fatalf("signup: %s", r.Raw)
		}
		created = r.Data["signup"].(map[string]any)
		if created["email"] != email || created["name"] != "New Person" {
			t.Errorf("signup returned %v", created)
		}
		token, _ := s.mustLogin(t, email, "Str0ng-pass!")
		if me := s.mustMe(t, token); me["id"] != created["id"] {
			t.Errorf("after login me.id = %v, want the signed-up User %v", me["id"], created["id"])
		}
	})
	cases := []struct {
		name, email, password, code, field string
	}{
		{"a bad email is BAD_USER_INPUT on email", "not-an-email", "Str0ng-pass!", "BAD_USER_INPUT", "email"},
		{"a weak password is BAD_USER_INPUT on password", "weak-" + email, "abc", "BAD_USER_INPUT", "password"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := s.query(t, "", signupMutation, map[string]any{"e": tc.email, "p": tc.password})
			if r.code() != tc.code {
				t.Fatalf("code %q, want %q: %s", r.code(), tc.code, r.Raw)
			}
			if field, _ := r.Errors[0].Extensions["field"].(string); field != tc.field {
				t.Errorf("field %q, want %q", field, tc.field)
			}
			if strings.Contains(r.Raw, tc.password) {
				t.Error("the answer echoes the password")
			}
		})
	}
}

const signupRich = `mutation($e: String!, $p: String!, $n: String) { signup(email: $e, password: $p, name: $n) {
  __typename id name email picture bio createdAt followerCount followingCount postCount viewerFollows followsViewer
  identities { provider connection }
  followers { totalCount edges { node { id } } } posts { totalCount pageInfo { hasNextPage } } } }`

// maskSignup blanks what differs between any two new accounts: the id and
// the creation time.
func maskSignup(t *testing.T, r *gqlResponse) string {
	t.Helper()
	u, _ := r.Data["signup"].(map[string]any)
	if u == nil || len(r.Errors) > 0 {
		t.Fatalf("signup: %d %s", r.Status, r.Raw)
	}
	u["id"], u["createdAt"] = "ID", "TIME"
	return fmt.Sprintf("%d %v", r.Status, u)
}

func TestSignupOfATakenEmailAnswersLikeANewAccount(t *testing.T) {
	s := startServer(t, nil)
	owner := newUser(t, s.Tenant)
	token, _ := s.mustLogin(t, owner.Email, demoPassword)
	ownerID := s.mustMe(t, token)["id"]
	fresh := fmt.Sprintf("fresh-%d-%d@example.com", os.Getpid(), userSeq.Add(1))
	taken := s.query(t, "", signupRich, map[string]any{"e": owner.Email, "p": "Str0ng-pass!", "n": "Same Name"})
	free := s.query(t, "", signupRich, map[string]any{"e": fresh, "p": "Str0ng-pass!", "n": "Same Name"})
	// Each answer names the email it was given; compare them with it masked.
	takenText := strings.ReplaceAll(maskSignup(t, taken), owner.Email, "EMAIL")
	freeText := strings.ReplaceAll(maskSignup(t, free), fresh, "EMAIL")
	if takenText != freeText {
		t.Errorf("a taken email answers\n  %s\na free one\n  %s", takenText, freeText)
	}
	lookalike := dig(taken.Data, "signup", "id")
	if lookalike == ownerID {
		t.Error("the answer reveals the owner's User id")
	}
	if r := s.query(t, "", `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": lookalike}); dig(r.Data, "node") != nil {
		t.Errorf("the lookalike User was stored: %s", r.Raw)
	}
	if n := cypherValue[int64](t, `MATCH (u:User {id: $id}) RETURN count(u) AS n`, map[string]any{"id": rawID(t, lookalike.(string))}, "n"); n != 0 {
		t.Errorf("%d lookalike Users in the graph", n)
	}
	if again := s.mustMe(t, token); again["id"] != ownerID || len(again["identities"].([]any)) != 1 {
		t.Errorf("the owner's account changed: %v", again)
	}
}

func TestSignupRevealsATakenEmailOnlyWhenConfigured(t *testing.T) {
	s := startServer(t, map[string]string{"SIGNUP_REVEALS_EXISTING_ACCOUNTS": "true"})
	owner := newUser(t, s.Tenant)
	r := s.query(t, "", signupMutation, map[string]any{"e": owner.Email, "p": "Str0ng-pass!"})
	if r.code() != "ACCOUNT_EXISTS" {
		t.Fatalf("code %q, want ACCOUNT_EXISTS: %s", r.code(), r.Raw)
	}
}

func TestUserRegisteredHook(t *testing.T) {
	const secret = "test-hook-secret-0123456789"
	s := startServer(t, map[string]string{"AUTH0_HOOK_SECRET": secret})
	sub := fmt.Sprintf("auth0|hook%d%d", userSeq.Add(1), len(t.Name()))
	body := fmt.Sprintf(`{"user":{"user_id":%q,"email":"hook-%s@example.com","email_verified":false,"name":"Hooked"},"connection":{"name":"Username-Password-Authentication"}}`, sub, sub[6:])
	post := func(auth, body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/hooks/auth0/user-registered", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		r := do(t, req)
		return r.Status, r.Raw
	}
	cases := []struct {
		name, auth, body string
		status           int
	}{
		{"no secret is 401", "", body, http.StatusUnauthorized},
		{"a wrong secret is 401", "Bearer not-the-secret", body, http.StatusUnauthorized},
		{"a bad body is 400 with a reason", "Bearer " + secret, `{"user":{"email":"x@example.com"}}`, http.StatusBadRequest},
		{"garbage is 400", "Bearer " + secret, `{not json`, http.StatusBadRequest},
		{"the good secret creates the User", "Bearer " + secret, body, http.StatusOK},
		{"the same event again is accepted", "Bearer " + secret, body, http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, raw := post(tc.auth, tc.body)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, raw)
			}
			if status == http.StatusBadRequest && !strings.Contains(raw, `"reason"`) {
				t.Errorf("400 without a reason: %s", raw)
			}
		})
	}
	if users, identities := countIdentity(t, sub); users != 1 || identities != 1 {
		t.Errorf("%d Users, %d Identities after the event twice; want 1 and 1", users, identities)
	}
	off := startServer(t, nil)
	req, _ := http.NewRequest(http.MethodPost, off.URL+"/hooks/auth0/user-registered", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+secret)
	if r := do(t, req); r.Status != http.StatusNotFound {
		t.Errorf("with no secret configured the hook answered %d, want 404", r.Status)
	}
}

func TestAVerifiedEmailWithSurroundingSpacesKeepsItsUser(t *testing.T) {
	s := startServer(t, nil)
	u := newUser(t, s.Tenant)
	owner := s.mustMe(t, realmToken(t, s.Tenant, tenant.DatabaseConnection, u.Email))
	// The same account's token spells its verified address with spaces and
	// capitals: the User must keep the address.
	padded := s.Tenant.AccessTokenFor(u.UserID, map[string]any{tenant.DevNamespace + "email": "  " + strings.ToUpper(u.Email) + " "})
	if me := s.mustMe(t, padded); me["id"] != owner["id"] {
		t.Fatalf("the padded token is User %v, want %v", me["id"], owner["id"])
	}
	g := newUser(t, s.Tenant, func(x *tenant.User) { x.Connection, x.Email = tenant.GoogleConnection, u.Email })
	if me := s.mustMe(t, realmToken(t, s.Tenant, tenant.GoogleConnection, g.Email)); me["id"] != owner["id"] {
		t.Errorf("the next verified identity of the address is User %v, want %v", me["id"], owner["id"])
	}
}

func TestAProfileEditSurvivesTheNextLogin(t *testing.T) {
	s := startServer(t, nil)
	u := newUser(t, s.Tenant)
	token, _ := s.mustLogin(t, u.Email, demoPassword)
	vars := map[string]any{"n": "My Own Name", "p": "https://example.com/mine.png"}
	s.gql(t, token, `mutation($n: String, $p: String) { updateProfile(input: {name: $n, picture: $p}) { id } }`, vars)
	token, _ = s.mustLogin(t, u.Email, demoPassword)
	me := s.gql(t, token, `{ me { name picture } }`, nil)
	if dig(me, "me", "name") != vars["n"] || dig(me, "me", "picture") != vars["p"] {
		t.Errorf("after the next login me = %v, want the user's own %v", me["me"], vars)
	}
}

func TestAMergeKeepsTheMergedAwayUsersOtherVerifiedAddress(t *testing.T) {
	s := startServer(t, nil)
	a := newUser(t, s.Tenant)
	b := newUser(t, s.Tenant)
	survivor := s.mustMe(t, realmToken(t, s.Tenant, tenant.DatabaseConnection, a.Email))
	loser := s.mustMe(t, realmToken(t, s.Tenant, tenant.DatabaseConnection, b.Email))
	// A Google account of a's address, unverified, whose first token still
	// says b's verified address: it joins b's User.
	g := newUser(t, s.Tenant, func(x *tenant.User) {
		x.Connection, x.Email, x.EmailVerified = tenant.GoogleConnection, a.Email, false
	})
	ns := tenant.DevNamespace
	if me := s.mustMe(t, s.Tenant.AccessTokenFor(g.UserID, map[string]any{ns + "email": b.Email, ns + "email_verified": true})); me["id"] != loser["id"] {
		t.Fatalf("the Google account did not join b's User: %v", me["id"])
	}
	s.mustMe(t, realmToken(t, s.Tenant, tenant.GoogleConnection, g.Email))
	if err := s.Tenant.SetEmailVerified(g.UserID, true); err != nil {
		t.Fatal(err)
	}
	if me := s.mustMe(t, realmToken(t, s.Tenant, tenant.GoogleConnection, g.Email)); me["id"] != survivor["id"] {
		t.Fatalf("after verification me.id = %v, want the survivor %v", me["id"], survivor["id"])
	}
	// b's address came along: its next verified identity joins the survivor.
	later := newUser(t, s.Tenant, func(x *tenant.User) { x.Connection, x.Email = tenant.GoogleConnection, b.Email })
	if me := s.mustMe(t, realmToken(t, s.Tenant, tenant.GoogleConnection, later.Email)); me["id"] != survivor["id"] {
		t.Errorf("an identity of the merged-away address is User %v, want the survivor %v", me["id"], survivor["id"])
	}
}
