package tenant_test

import (
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gqlneo/gqlneo/dev/auth0/tenant"
)

func TestUserinfo(t *testing.T) {
	tn := startTenant(t)
	const alice = "auth0|64f1a2b3c4d5e6f708192a3b"
	withUserinfo := str(mustLogin(t, tn, "alice@example.com", "openid profile email").body, "access_token")
	profileOnly := str(mustLogin(t, tn, "alice@example.com", "openid profile").body, "access_token")
	apiOnly := str(mustLogin(t, tn, "alice@example.com", "read:posts").body, "access_token")
	expired := tn.AccessTokenFor(alice, map[string]any{"exp": time.Now().Add(-time.Minute).Unix()})
	foreignIssuer := tn.AccessTokenFor(alice, map[string]any{"iss": "https://other.example/"})

	tests := []struct {
		name       string
		method     string
		token      string
		wantStatus int
		want       map[string]any
	}{
		{name: "A request without a token is unauthorized.", method: "GET", wantStatus: 401},
		{name: "A token without the userinfo audience is unauthorized.", method: "GET", token: apiOnly, wantStatus: 401},
		{name: "An expired token is unauthorized.", method: "GET", token: expired, wantStatus: 401},
		{name: "A token from another issuer is unauthorized.", method: "GET", token: foreignIssuer, wantStatus: 401},
		{name: "A garbage token is unauthorized.", method: "GET", token: "not.a.jwt", wantStatus: 401},
		{
			name: "A token with profile and email scopes gets both sets of claims.", method: "GET", token: withUserinfo, wantStatus: 200,
			want: map[string]any{"sub": alice, "name": "Alice Liddell", "nickname": "alice", "email": "alice@example.com", "email_verified": true},
		},
		{
			name: "A token with only the profile scope gets no email.", method: "POST", token: profileOnly, wantStatus: 200,
			want: map[string]any{"sub": alice, "name": "Alice Liddell", "email": nil},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, tn.URL()+"/userinfo", nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			r := do(t, req)
			if tt.wantStatus == 401 {
				wantError(t, r, 401, "unauthorized", "invalid credentials")
				return
			}
			if r.status != tt.wantStatus {
				t.Fatalf("status %d %s", r.status, r.raw)
			}
			for k, want := range tt.want {
				if r.body[k] != want {
					t.Errorf("%s = %v, want %v", k, r.body[k], want)
				}
			}
			if r.header.Get("X-RateLimit-Limit") == "" || r.header.Get("X-RateLimit-Remaining") == "" || r.header.Get("X-RateLimit-Reset") == "" {
				t.Errorf("rate limit headers missing: %v", r.header)
			}
		})
	}

	t.Run("A token signed by a revoked key is unauthorized.", func(t *testing.T) {
		tn.RotateKey()
		if r := get(t, tn, "/userinfo", withUserinfo); r.status != 200 {
			t.Fatalf("before revocation: %d", r.status)
		}
		tn.RevokePreviousKeys()
		if r := get(t, tn, "/userinfo", withUserinfo); r.status != 401 {
			t.Errorf("after revocation: %d", r.status)
		}
	})
}

func TestUserinfoReportsTheProfileAsOfTheLastLogin(t *testing.T) {
	tn := startTenant(t)
	const erin = "google-oauth2|104581920374650912346"
	realmLogin := func(t *testing.T) string {
		t.Helper()
		r := postForm(t, tn, "/oauth/token", form("grant_type", tenant.GrantPasswordRealm, "realm", tenant.GoogleConnection, "username", "erin@example.com"))
		if r.status != 200 {
			t.Fatalf("login: %d %s", r.status, r.raw)
		}
		return str(r.body, "access_token")
	}
	first := realmLogin(t)
	mustNil(t, tn.SetEmailVerified(erin, true))

	tests := []struct {
		name  string
		token func(t *testing.T) string
		want  bool
	}{
		{name: "A token from before the change still sees the old value.", token: func(*testing.T) string { return first }, want: false},
		{name: "A token from a new login sees the verified email.", token: realmLogin, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(t, tn, "/userinfo", tt.token(t))
			if r.status != 200 || r.body["email_verified"] != tt.want {
				t.Errorf("%d email_verified %v, want %v", r.status, r.body["email_verified"], tt.want)
			}
		})
	}
}

func TestUserinfoRateLimit(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	tn := startTenant(t, tenant.WithClock(clock))
	token := str(mustLogin(t, tn, "alice@example.com", "openid").body, "access_token")

	for i := range 10 {
		r := get(t, tn, "/userinfo", token)
		if r.status != 200 {
			t.Fatalf("call %d within the burst: %d", i+1, r.status)
		}
		if got, want := r.header.Get("X-RateLimit-Remaining"), strconv.Itoa(9-i); got != want {
			t.Errorf("call %d remaining %s, want %s", i+1, got, want)
		}
	}
	tests := []struct {
		name   string
		before func()
		want   int
	}{
		{name: "The eleventh call in a minute is rate limited.", before: func() {}, want: 429},
		{name: "Twelve seconds later one more call is allowed.", before: func() { advance(12 * time.Second) }, want: 200},
		{name: "Then the limit applies again.", before: func() {}, want: 429},
		{name: "Switching the limit off allows every call.", before: func() { tn.SetUserinfoRateLimit(false) }, want: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.before()
			if r := get(t, tn, "/userinfo", token); r.status != tt.want {
				t.Errorf("status %d %s, want %d", r.status, r.raw, tt.want)
			}
		})
	}
}
