package tenant_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gqlneo/gqlneo/dev/auth0/tenant"
)

func TestScopesAudienceAndTokenKinds(t *testing.T) {
	noOffline := tenant.API{Identifier: "https://reports.dev.local/", Scopes: []string{"read:reports"}, TokenLifetime: time.Hour}
	tn := startTenant(t, tenant.WithAPIs(tenant.DevAPI(), noOffline))
	userinfoAud := tn.UserinfoAudience()

	tests := []struct {
		name, username, audience, scope string
		// wantScope is the access token's scope claim; wantResponseScope the response's scope member
		// (nil: absent).
		wantScope         string
		wantResponseScope *string
		wantAud           any
		wantIDToken       bool
		wantRefresh       bool
		wantPermissions   any
		wantExpiresIn     float64
	}{
		{
			name:     "Without API scopes ROPG grants every API scope the user holds, so the response names the scope.",
			username: "alice@example.com", audience: tenant.DevAudience, scope: "openid profile email",
			wantScope: "openid profile email read:posts write:posts", wantResponseScope: ptr("openid profile email read:posts write:posts"),
			wantAud: []any{tenant.DevAudience, userinfoAud}, wantIDToken: true,
			wantPermissions: []any{"read:posts", "write:posts"}, wantExpiresIn: 86400,
		},
		{
			name:     "Without openid the audience is a string, there is no ID token, and an unchanged scope is not echoed.",
			username: "alice@example.com", audience: tenant.DevAudience, scope: "read:posts",
			wantScope: "read:posts", wantAud: tenant.DevAudience,
			wantPermissions: []any{"read:posts", "write:posts"}, wantExpiresIn: 86400,
		},
		{
			name:     "RBAC drops requested scopes the user does not hold.",
			username: "alice@example.com", audience: tenant.DevAudience, scope: "openid delete:any-post",
			wantScope: "openid", wantResponseScope: ptr("openid"),
			wantAud: []any{tenant.DevAudience, userinfoAud}, wantIDToken: true,
			wantPermissions: []any{"read:posts", "write:posts"}, wantExpiresIn: 86400,
		},
		{
			name:     "A moderator gets delete:any-post as scope and permission.",
			username: "bob@example.com", audience: tenant.DevAudience, scope: "delete:any-post",
			wantScope: "delete:any-post", wantAud: tenant.DevAudience,
			wantPermissions: []any{"read:posts", "write:posts", "delete:any-post"}, wantExpiresIn: 86400,
		},
		{
			name:     "offline_access yields a refresh token when the API allows offline access.",
			username: "alice@example.com", audience: tenant.DevAudience, scope: "openid offline_access read:posts",
			wantScope: "openid offline_access read:posts",
			wantAud:   []any{tenant.DevAudience, userinfoAud}, wantIDToken: true, wantRefresh: true,
			wantPermissions: []any{"read:posts", "write:posts"}, wantExpiresIn: 86400,
		},
		{
			name:     "offline_access is dropped for an API without offline access, and its lifetime applies.",
			username: "alice@example.com", audience: noOffline.Identifier, scope: "offline_access read:reports",
			wantScope: "read:reports", wantResponseScope: ptr("read:reports"), wantAud: noOffline.Identifier,
			wantExpiresIn: 3600,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := postForm(t, tn, "/oauth/token", form("username", tt.username, "audience", tt.audience, "scope", tt.scope))
			if r.status != 200 {
				t.Fatalf("status %d %s", r.status, r.raw)
			}
			_, claims := decodeJWT(t, str(r.body, "access_token"))
			if claims["scope"] != tt.wantScope {
				t.Errorf("scope claim %v, want %q", claims["scope"], tt.wantScope)
			}
			gotScope, present := r.body["scope"]
			if (tt.wantResponseScope == nil) == present || (present && gotScope != *tt.wantResponseScope) {
				t.Errorf("response scope %v (present %v), want %v", gotScope, present, deref(tt.wantResponseScope))
			}
			if !reflect.DeepEqual(claims["aud"], tt.wantAud) {
				t.Errorf("aud %v, want %v", claims["aud"], tt.wantAud)
			}
			if got := str(r.body, "id_token") != ""; got != tt.wantIDToken {
				t.Errorf("id_token present %v, want %v", got, tt.wantIDToken)
			}
			if got := str(r.body, "refresh_token"); (got != "") != tt.wantRefresh || (got != "" && !strings.HasPrefix(got, "v1.")) {
				t.Errorf("refresh_token %q, want present %v", got, tt.wantRefresh)
			}
			if !reflect.DeepEqual(claims["permissions"], tt.wantPermissions) {
				t.Errorf("permissions %v, want %v", claims["permissions"], tt.wantPermissions)
			}
			if r.body["expires_in"] != tt.wantExpiresIn {
				t.Errorf("expires_in %v, want %v", r.body["expires_in"], tt.wantExpiresIn)
			}
		})
	}
}

func ptr(s string) *string { return &s }

func deref(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

func TestRequestsWithoutAudience(t *testing.T) {
	tests := []struct {
		name       string
		opts       []tenant.Option
		wantOpaque bool
	}{
		{name: "Without an audience or a default audience the access token is opaque.", wantOpaque: true},
		{name: "Without an audience the default audience is used.", opts: []tenant.Option{tenant.WithDefaultAudience(tenant.DevAudience)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tn := startTenant(t, tt.opts...)
			r := postForm(t, tn, "/oauth/token", form("audience", "", "scope", "openid profile"))
			if r.status != 200 {
				t.Fatalf("status %d %s", r.status, r.raw)
			}
			token := str(r.body, "access_token")
			if opaque := strings.Count(token, ".") != 2; opaque != tt.wantOpaque {
				t.Fatalf("opaque %v, want %v: %q", opaque, tt.wantOpaque, token)
			}
			if !tt.wantOpaque {
				if _, claims := decodeJWT(t, token); claims["aud"].([]any)[0] != tenant.DevAudience {
					t.Errorf("aud %v", claims["aud"])
				}
			}
			if u := get(t, tn, "/userinfo", token); u.status != 200 || str(u.body, "name") != "Alice Liddell" {
				t.Errorf("userinfo %d %s", u.status, u.raw)
			}
		})
	}
}

func TestTokenClaims(t *testing.T) {
	now := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	tn := startTenant(t, tenant.WithClock(func() time.Time { return now }))
	r := mustLogin(t, tn, "alice@example.com", "openid profile email")
	iat := float64(now.Unix())

	header, access := decodeJWT(t, str(r.body, "access_token"))
	idHeader, id := decodeJWT(t, str(r.body, "id_token"))
	tests := []struct {
		name string
		got  map[string]any
		want map[string]any
	}{
		{
			name: "The access token header names RS256, JWT and the signing key.",
			got:  header,
			want: map[string]any{"alg": "RS256", "typ": "JWT", "kid": tn.SigningKeyID()},
		},
		{
			name: "The ID token header is the same.",
			got:  idHeader,
			want: map[string]any{"alg": "RS256", "typ": "JWT", "kid": tn.SigningKeyID()},
		},
		{
			name: "The access token carries the Auth0 claims, permissions and the Action's namespaced claims.",
			got:  access,
			want: map[string]any{
				"iss": tn.Issuer(), "sub": "auth0|64f1a2b3c4d5e6f708192a3b",
				"aud": []any{tenant.DevAudience, tn.URL() + "/userinfo"}, "azp": tenant.DevClientID,
				"iat": iat, "exp": iat + 86400, "scope": "openid profile email read:posts write:posts", "gty": "password",
				"permissions":                          []any{"read:posts", "write:posts"},
				"https://api.dev.local/email":          "alice@example.com",
				"https://api.dev.local/email_verified": true,
				"https://api.dev.local/name":           "Alice Liddell",
				"https://api.dev.local/connection":     "Username-Password-Authentication",
			},
		},
		{
			name: "The ID token carries the profile and email claims for the client.",
			got:  id,
			want: map[string]any{
				"iss": tn.Issuer(), "sub": "auth0|64f1a2b3c4d5e6f708192a3b", "aud": tenant.DevClientID,
				"iat": iat, "exp": iat + 36000, "name": "Alice Liddell", "nickname": "alice",
				"picture":    id["picture"],
				"updated_at": "2024-01-01T00:00:00.000Z", "email": "alice@example.com", "email_verified": true,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got  %v\nwant %v", tt.got, tt.want)
			}
		})
	}
	if !strings.HasPrefix(str(id, "picture"), "https://s.gravatar.com/avatar/") {
		t.Errorf("picture %q", id["picture"])
	}
}

func TestPostLoginActionAndNamespaceAreConfigurable(t *testing.T) {
	tests := []struct {
		name string
		opt  tenant.Option
		want map[string]any
	}{
		{
			name: "A namespace replaces the default one.",
			opt:  tenant.WithNamespace("https://example.org/"),
			want: map[string]any{"https://example.org/email": "carol@example.com", "https://api.dev.local/email": nil},
		},
		{
			name: "An Action replaces the default claims, and restricted claims are dropped.",
			opt: tenant.WithPostLoginAction(func(u tenant.User, aud string) map[string]any {
				return map[string]any{"https://example.org/roles": []string{"member"}, "sub": "evil"}
			}),
			want: map[string]any{"https://example.org/roles": []any{"member"}, "sub": "auth0|64f1a2b3c4d5e6f708192a3d", "https://api.dev.local/email": nil},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tn := startTenant(t, tt.opt)
			r := mustLogin(t, tn, "carol@example.com", "")
			_, claims := decodeJWT(t, str(r.body, "access_token"))
			for k, want := range tt.want {
				if !reflect.DeepEqual(claims[k], want) {
					t.Errorf("%s = %v, want %v", k, claims[k], want)
				}
			}
		})
	}
}

func TestRequestsAreRecordedWithoutSecrets(t *testing.T) {
	tn := startTenant(t)
	postForm(t, tn, "/oauth/token", form(), "auth0-forwarded-for", "203.0.113.7")
	get(t, tn, "/userinfo", "some-token")

	reqs := tn.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests recorded, want 2", len(reqs))
	}
	tests := []struct {
		name string
		got  any
		want any
	}{
		{name: "The forwarded end-user IP is recorded.", got: reqs[0].Header.Get("auth0-forwarded-for"), want: "203.0.113.7"},
		{name: "The password is redacted.", got: reqs[0].Params["password"], want: tenant.Redacted},
		{name: "The client secret is redacted.", got: reqs[0].Params["client_secret"], want: tenant.Redacted},
		{name: "Other parameters are kept.", got: reqs[0].Params["audience"], want: tenant.DevAudience},
		{name: "The client is identified.", got: reqs[0].ClientID, want: tenant.DevClientID},
		{name: "The status is recorded.", got: reqs[0].Status, want: 200},
		{name: "Bearer tokens are redacted.", got: reqs[1].Header.Get("Authorization"), want: "Bearer " + tenant.Redacted},
		{name: "The path is recorded.", got: reqs[1].Path, want: "/userinfo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
	tn.ResetRequests()
	if n := len(tn.Requests()); n != 0 {
		t.Errorf("%d requests after reset", n)
	}
}
