package tenant_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gqlneo/gqlneo/dev/auth0/tenant"
)

// form builds a password-grant form for the dev client; pairs override or, with an empty value,
// remove entries.
func form(pairs ...string) url.Values {
	v := url.Values{
		"grant_type": {tenant.GrantPassword}, "client_id": {tenant.DevClientID}, "client_secret": {tenant.DevClientSecret},
		"username": {"alice@example.com"}, "password": {tenant.DemoPassword}, "audience": {tenant.DevAudience},
		"scope": {"openid profile email"},
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			v.Del(pairs[i])
			continue
		}
		v.Set(pairs[i], pairs[i+1])
	}
	return v
}

func TestTokenEndpointAnswersErrorsInAuth0Order(t *testing.T) {
	limited := tenant.Client{ID: "refresh-only", Secret: "s3cret", GrantTypes: []string{tenant.GrantRefreshToken}}
	tn := startTenant(t, tenant.WithClients(tenant.DevClient(), limited))
	noDefault := startTenant(t, tenant.WithDefaultConnection(""))

	tests := []struct {
		name        string
		tenant      *tenant.Tenant
		form        url.Values
		status      int
		code        string
		description string
	}{
		{
			name: "A request without grant_type is rejected before the client is authenticated.",
			form: form("grant_type", "", "client_secret", "wrong"), status: 400,
			code: "invalid_request", description: "Missing required parameter: grant_type",
		},
		{
			name: "An unknown client is unauthorized.",
			form: form("client_id", "nobody"), status: 401, code: "access_denied", description: "Unauthorized",
		},
		{
			name: "A wrong client secret is unauthorized before the grant type is looked at.",
			form: form("client_secret", "wrong", "grant_type", "made-up"), status: 401, code: "access_denied", description: "Unauthorized",
		},
		{
			name: "A missing client secret of a confidential client is unauthorized.",
			form: form("client_secret", ""), status: 401, code: "access_denied", description: "Unauthorized",
		},
		{
			name: "A password grant the client has not enabled is forbidden.",
			form: form("client_id", "refresh-only", "client_secret", "s3cret"), status: 403,
			code: "unauthorized_client", description: "Grant type 'password' not allowed for the client.",
		},
		{
			name: "A password-realm grant the client has not enabled is forbidden.",
			form: form("client_id", "refresh-only", "client_secret", "s3cret", "grant_type", tenant.GrantPasswordRealm), status: 403,
			code: "unauthorized_client", description: "Grant type 'http://auth0.com/oauth/grant-type/password-realm' not allowed for the client.",
		},
		{
			name: "A grant Auth0 knows but the client has not enabled is forbidden.",
			form: form("grant_type", "client_credentials"), status: 403,
			code: "unauthorized_client", description: "Grant type 'client_credentials' not allowed for the client.",
		},
		{
			name: "A grant type Auth0 does not know is unsupported.",
			form: form("grant_type", "made-up"), status: 400,
			code: "unsupported_grant_type", description: "Unsupported grant type: made-up",
		},
		{
			name: "A password grant without username names the missing parameter.",
			form: form("username", ""), status: 400, code: "invalid_request", description: "Missing required parameter: username",
		},
		{
			name: "A password grant without password names the missing parameter.",
			form: form("password", ""), status: 400, code: "invalid_request", description: "Missing required parameter: password",
		},
		{
			name: "A password-realm grant without realm names the missing parameter.",
			form: form("grant_type", tenant.GrantPasswordRealm), status: 400, code: "invalid_request", description: "Missing required parameter: realm",
		},
		{
			name: "A password grant on a tenant without a default directory is a server error.", tenant: noDefault,
			form: form(), status: 500, code: "server_error", description: "Authorization server not configured with default connection.",
		},
		{
			name: "An unknown audience is reported before the credentials are checked.",
			form: form("audience", "https://nope.example/", "password", "wrong"), status: 403,
			code: "access_denied", description: "Service not found: https://nope.example/",
		},
		{
			name: "A wrong password is an invalid grant.",
			form: form("password", "wrong"), status: 403, code: "invalid_grant", description: "Wrong email or password.",
		},
		{
			name: "An unknown user is the same invalid grant.",
			form: form("username", "nobody@example.com"), status: 403, code: "invalid_grant", description: "Wrong email or password.",
		},
		{
			name: "A blocked user with a wrong password still gets the invalid grant.",
			form: form("username", "blocked@example.com", "password", "wrong"), status: 403, code: "invalid_grant", description: "Wrong email or password.",
		},
		{
			name: "A blocked user with the right password is told the user is blocked.",
			form: form("username", "blocked@example.com"), status: 401, code: "unauthorized", description: "user is blocked",
		},
		{
			name: "A user who needs MFA is asked for it.",
			form: form("username", "mfa@example.com"), status: 403, code: "mfa_required", description: "Multifactor authentication required",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := tn
			if tt.tenant != nil {
				target = tt.tenant
			}
			r := postForm(t, target, "/oauth/token", tt.form)
			wantError(t, r, tt.status, tt.code, tt.description)
			if got := r.header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", got)
			}
			if tt.code == "mfa_required" {
				if !strings.HasPrefix(str(r.body, "mfa_token"), "Fe26.") {
					t.Errorf("mfa_token = %q, want an Fe26. token", str(r.body, "mfa_token"))
				}
				if _, ok := r.body["mfa_requirements"].(map[string]any); !ok {
					t.Errorf("mfa_requirements missing: %s", r.raw)
				}
			}
		})
	}
}

func TestTokenEndpointAcceptsEveryClientAuthenticationAndEncoding(t *testing.T) {
	tn := startTenant(t)
	basic := "Basic " + basicCredentials(tenant.DevClientID, tenant.DevClientSecret)
	jsonBody := map[string]any{
		"grant_type": tenant.GrantPassword, "client_id": tenant.DevClientID, "client_secret": tenant.DevClientSecret,
		"username": "alice@example.com", "password": tenant.DemoPassword, "audience": tenant.DevAudience,
	}
	jsonNoSecret := map[string]any{
		"grant_type": tenant.GrantPassword, "username": "alice@example.com", "password": tenant.DemoPassword,
		"audience": tenant.DevAudience,
	}

	tests := []struct {
		name       string
		send       func(t *testing.T) response
		wantStatus int
	}{
		{
			name:       "A form body with the secret in the body is accepted.",
			send:       func(t *testing.T) response { return postForm(t, tn, "/oauth/token", form()) },
			wantStatus: 200,
		},
		{
			name:       "A JSON body with the secret in the body is accepted.",
			send:       func(t *testing.T) response { return postJSON(t, tn, "/oauth/token", jsonBody) },
			wantStatus: 200,
		},
		{
			name: "A form body with HTTP Basic client authentication is accepted.",
			send: func(t *testing.T) response {
				return postForm(t, tn, "/oauth/token", form("client_id", "", "client_secret", ""), "Authorization", basic)
			},
			wantStatus: 200,
		},
		{
			name: "A JSON body with HTTP Basic client authentication is accepted.",
			send: func(t *testing.T) response {
				return postJSON(t, tn, "/oauth/token", jsonNoSecret, "Authorization", basic)
			},
			wantStatus: 200,
		},
		{
			name: "HTTP Basic credentials that disagree with the body's client_id are unauthorized.",
			send: func(t *testing.T) response {
				return postForm(t, tn, "/oauth/token", form("client_id", "other", "client_secret", ""), "Authorization", basic)
			},
			wantStatus: 401,
		},
		{
			name: "The login identifier matches the email regardless of case.",
			send: func(t *testing.T) response {
				return postForm(t, tn, "/oauth/token", form("username", "Alice@Example.COM"))
			},
			wantStatus: 200,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.send(t)
			if r.status != tt.wantStatus {
				t.Fatalf("status %d %s, want %d", r.status, r.raw, tt.wantStatus)
			}
			if tt.wantStatus != 200 {
				return
			}
			if r.header.Get("Cache-Control") != "no-store" || r.header.Get("Pragma") != "no-cache" {
				t.Errorf("caching headers = %q / %q", r.header.Get("Cache-Control"), r.header.Get("Pragma"))
			}
			if str(r.body, "token_type") != "Bearer" || r.body["expires_in"] != float64(86400) || str(r.body, "access_token") == "" {
				t.Errorf("body = %s", r.raw)
			}
		})
	}
}

func basicCredentials(id, secret string) string {
	req, _ := http.NewRequest(http.MethodGet, "http://x", nil)
	req.SetBasicAuth(id, secret)
	return strings.TrimPrefix(req.Header.Get("Authorization"), "Basic ")
}

func TestPasswordRealmSelectsTheConnection(t *testing.T) {
	tn := startTenant(t)
	tests := []struct {
		name, realm, username, wantSub string
		wantVerified                   bool
	}{
		{name: "The database realm logs into the database identity.", realm: tenant.DatabaseConnection, username: "dana@example.com", wantSub: "auth0|64f1a2b3c4d5e6f708192a40", wantVerified: true},
		{name: "The google-oauth2 realm logs into the Google identity of the same email.", realm: tenant.GoogleConnection, username: "dana@example.com", wantSub: "google-oauth2|104581920374650912345", wantVerified: true},
		{name: "An identity with an unverified email says so.", realm: tenant.GoogleConnection, username: "erin@example.com", wantSub: "google-oauth2|104581920374650912346", wantVerified: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := postForm(t, tn, "/oauth/token", form("grant_type", tenant.GrantPasswordRealm, "realm", tt.realm, "username", tt.username))
			if r.status != 200 {
				t.Fatalf("status %d %s", r.status, r.raw)
			}
			_, id := decodeJWT(t, str(r.body, "id_token"))
			if id["sub"] != tt.wantSub || id["email_verified"] != tt.wantVerified {
				t.Errorf("sub %v email_verified %v, want %s %v", id["sub"], id["email_verified"], tt.wantSub, tt.wantVerified)
			}
		})
	}
}

func TestTogglesChangeTokenEndpointAnswers(t *testing.T) {
	tn := startTenant(t)
	const alice = "auth0|64f1a2b3c4d5e6f708192a3b"
	tests := []struct {
		name        string
		on, off     func(t *testing.T)
		status      int
		code        string
		description string
	}{
		{
			name:   "A breached password blocks the login.",
			on:     func(t *testing.T) { mustNil(t, tn.SetPasswordLeaked(alice, true)) },
			off:    func(t *testing.T) { mustNil(t, tn.SetPasswordLeaked(alice, false)) },
			status: 401, code: "password_leaked",
			description: "This login attempt has been blocked because the password you're using was previously disclosed through a data breach (not in this application). Please check your email for more information.",
		},
		{
			name:   "A post-login Action denial answers access_denied with its reason.",
			on:     func(t *testing.T) { mustNil(t, tn.SetAccessDenied(alice, "Your account is suspended.")) },
			off:    func(t *testing.T) { mustNil(t, tn.SetAccessDenied(alice, "")) },
			status: 403, code: "access_denied", description: "Your account is suspended.",
		},
		{
			name:   "The global rate limit answers too_many_requests.",
			on:     func(t *testing.T) { tn.SetTokenRateLimited(true) },
			off:    func(t *testing.T) { tn.SetTokenRateLimited(false) },
			status: 429, code: "too_many_requests", description: "Global limit has been reached",
		},
		{
			name:   "Blocking a user answers user is blocked.",
			on:     func(t *testing.T) { mustNil(t, tn.SetBlocked(alice, true)) },
			off:    func(t *testing.T) { mustNil(t, tn.SetBlocked(alice, false)) },
			status: 401, code: "unauthorized", description: "user is blocked",
		},
		{
			name:   "Requiring MFA answers mfa_required.",
			on:     func(t *testing.T) { mustNil(t, tn.SetMFARequired(alice, true)) },
			off:    func(t *testing.T) { mustNil(t, tn.SetMFARequired(alice, false)) },
			status: 403, code: "mfa_required", description: "Multifactor authentication required",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.on(t)
			r := login(t, tn, "alice@example.com", "openid")
			wantError(t, r, tt.status, tt.code, tt.description)
			if tt.status == 429 && r.header.Get("X-RateLimit-Reset") == "" {
				t.Errorf("rate limit headers missing: %v", r.header)
			}
			tt.off(t)
			if r := login(t, tn, "alice@example.com", "openid"); r.status != 200 {
				t.Errorf("after switching off: %d %s", r.status, r.raw)
			}
		})
	}
}

func mustNil(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

func TestDelayLetsCallersTimeOut(t *testing.T) {
	tn := startTenant(t)
	tn.SetDelay(2*time.Second, "/oauth/token")

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tn.URL()+"/oauth/token", strings.NewReader(form().Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	start := time.Now()
	_, err = http.DefaultClient.Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want a deadline", err)
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("took %v", elapsed)
	}
	if r := get(t, tn, "/.well-known/jwks.json", ""); r.status != 200 {
		t.Errorf("a path without a delay answered %d", r.status)
	}
	tn.SetDelay(0)
	if r := postForm(t, tn, "/oauth/token", form()); r.status != 200 {
		t.Errorf("after removing the delay: %d", r.status)
	}
}
