package tenant_test

import (
	"net/url"
	"testing"

	"github.com/gqlneo/gqlneo/dev/auth0/tenant"
)

func refreshForm(token string, pairs ...string) url.Values {
	v := url.Values{
		"grant_type": {tenant.GrantRefreshToken}, "client_id": {tenant.DevClientID},
		"client_secret": {tenant.DevClientSecret}, "refresh_token": {token},
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		v.Set(pairs[i], pairs[i+1])
	}
	return v
}

func TestRefreshTokenGrant(t *testing.T) {
	other := tenant.Client{ID: "other-client", Secret: "other-secret", GrantTypes: []string{tenant.GrantPassword, tenant.GrantRefreshToken}}
	tn := startTenant(t, tenant.WithClients(tenant.DevClient(), other))
	const bob = "auth0|64f1a2b3c4d5e6f708192a3c"
	bobRefresh := str(mustLogin(t, tn, "bob@example.com", "openid email offline_access").body, "refresh_token")
	carolRefresh := str(mustLogin(t, tn, "carol@example.com", "openid offline_access").body, "refresh_token")

	tests := []struct {
		name        string
		before      func(t *testing.T)
		form        url.Values
		status      int
		code        string
		description string
		wantScope   string
		wantPerms   []any
	}{
		{
			name: "A request without a refresh token names the missing parameter.",
			form: refreshForm(""), status: 400, code: "invalid_request", description: "Missing required parameter: refresh_token",
		},
		{
			name: "An unknown refresh token is an invalid grant.",
			form: refreshForm("v1.unknown"), status: 403, code: "invalid_grant", description: "Unknown or invalid refresh token.",
		},
		{
			name:   "Another client's refresh token is an invalid grant.",
			form:   refreshForm(bobRefresh, "client_id", "other-client", "client_secret", "other-secret"),
			status: 403, code: "invalid_grant", description: "Unknown or invalid refresh token.",
		},
		{
			name: "A valid refresh token yields a new access token with the original scopes.",
			form: refreshForm(bobRefresh), status: 200,
			wantScope: "openid email offline_access read:posts write:posts delete:any-post",
			wantPerms: []any{"read:posts", "write:posts", "delete:any-post"},
		},
		{
			name: "A scope parameter narrows the grant.",
			form: refreshForm(bobRefresh, "scope", "openid read:posts delete:any-post admin:everything"), status: 200,
			wantScope: "openid read:posts delete:any-post",
			wantPerms: []any{"read:posts", "write:posts", "delete:any-post"},
		},
		{
			name:   "Removed permissions disappear from refreshed tokens.",
			before: func(t *testing.T) { mustNil(t, tn.SetPermissions(bob, "read:posts")) },
			form:   refreshForm(bobRefresh), status: 200,
			wantScope: "openid email offline_access read:posts",
			wantPerms: []any{"read:posts"},
		},
		{
			name:   "A post-login Action denial also applies on refresh.",
			before: func(t *testing.T) { mustNil(t, tn.SetAccessDenied(bob, "No more.")) },
			form:   refreshForm(bobRefresh), status: 403, code: "access_denied", description: "No more.",
		},
		{
			name:   "A refresh token of a deleted user says the user no longer exists.",
			before: func(t *testing.T) { mustNil(t, tn.DeleteUser("auth0|64f1a2b3c4d5e6f708192a3d")) },
			form:   refreshForm(carolRefresh), status: 403, code: "invalid_grant",
			description: "The refresh_token was generated for a user who doesn't exist anymore.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.before != nil {
				tt.before(t)
			}
			r := postForm(t, tn, "/oauth/token", tt.form)
			if tt.status != 200 {
				wantError(t, r, tt.status, tt.code, tt.description)
				return
			}
			if r.status != 200 {
				t.Fatalf("status %d %s", r.status, r.raw)
			}
			if _, ok := r.body["refresh_token"]; ok {
				t.Errorf("a new refresh token was issued although rotation is off")
			}
			if str(r.body, "scope") != tt.wantScope || str(r.body, "id_token") == "" {
				t.Errorf("scope %q id_token %v, want %q and an ID token", str(r.body, "scope"), r.body["id_token"] != nil, tt.wantScope)
			}
			_, claims := decodeJWT(t, str(r.body, "access_token"))
			if claims["gty"] != "refresh_token" || claims["scope"] != tt.wantScope {
				t.Errorf("gty %v scope %v", claims["gty"], claims["scope"])
			}
			if perms, _ := claims["permissions"].([]any); len(perms) != len(tt.wantPerms) {
				t.Errorf("permissions %v, want %v", claims["permissions"], tt.wantPerms)
			}
		})
	}
}
