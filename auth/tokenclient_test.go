package auth

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	tcTestClientID     = "test-client-id"
	tcTestClientSecret = "test-client-secret-DO-NOT-LEAK"
	tcTestAudience     = "https://api.example.com/"
	tcTestPassword     = "correct horse battery staple"
	tcTestAccessToken  = "eyJhbGciOiJSUzI1NiJ9.access.sig"
	tcTestIDToken      = "eyJhbGciOiJSUzI1NiJ9.id.sig"
	tcTestRefreshToken = "v1.MrefreshTOKEN"
)

// tcRecorded is one request seen by the fake Auth0.
type tcRecorded struct {
	Method string
	Path   string
	Header http.Header
	Form   url.Values
	JSON   map[string]any
}

// tcFake is an httptest server that answers like Auth0: every request is
// recorded, and the answer is whatever the test's handler writes.
type tcFake struct {
	*httptest.Server
	mu       sync.Mutex
	requests []tcRecorded
}

func tcNewFake(t *testing.T, answer http.HandlerFunc) *tcFake {
	t.Helper()
	f := &tcFake{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := tcRecorded{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone()}
		body, _ := io.ReadAll(r.Body)
		switch {
		case strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded"):
			rec.Form, _ = url.ParseQuery(string(body))
		case strings.HasPrefix(r.Header.Get("Content-Type"), "application/json"):
			_ = json.Unmarshal(body, &rec.JSON)
		}
		f.mu.Lock()
		f.requests = append(f.requests, rec)
		f.mu.Unlock()
		answer(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *tcFake) recorded() []tcRecorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]tcRecorded(nil), f.requests...)
}

func (f *tcFake) client(t *testing.T, opts ...TokenClientOption) *TokenClient {
	t.Helper()
	issuer, err := url.Parse(f.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	return NewTokenClient(issuer, tcTestClientID, tcTestClientSecret, tcTestAudience, opts...)
}

// tcJSON answers with status, extra headers and a JSON (or raw) body, as
// Auth0 does.
func tcJSON(status int, body string, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

const tcTokenOK = `{"access_token":"` + tcTestAccessToken + `","id_token":"` + tcTestIDToken +
	`","refresh_token":"` + tcTestRefreshToken + `","token_type":"Bearer","expires_in":86400,"scope":"openid profile email offline_access read:posts"}`

// tcAssertNoSecrets fails if err's text carries a credential.
func tcAssertNoSecrets(t *testing.T, err error, extra ...string) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	for _, s := range append([]string{tcTestPassword, tcTestClientSecret, tcTestAccessToken, tcTestIDToken, tcTestRefreshToken, "Fe26.secretmfa"}, extra...) {
		if strings.Contains(msg, s) {
			t.Errorf("error %q contains secret %q", msg, s)
		}
	}
}

func TestTokenClientPasswordLoginSendsTheRightRequest(t *testing.T) {
	tests := []struct {
		name          string
		opts          []TokenClientOption
		endUserIP     string
		wantGrant     string
		wantRealm     string
		wantForwarded string
	}{
		{
			name:          "without a realm it uses the password grant and forwards the user's IPv4 address",
			endUserIP:     "203.0.113.7",
			wantGrant:     "password",
			wantForwarded: "203.0.113.7",
		},
		{
			name:          "with a realm it uses the password-realm grant and names the connection",
			opts:          []TokenClientOption{WithRealm("Username-Password-Authentication")},
			endUserIP:     "2001:db8::1",
			wantGrant:     "http://auth0.com/oauth/grant-type/password-realm",
			wantRealm:     "Username-Password-Authentication",
			wantForwarded: "2001:db8::1",
		},
		{
			name:          "an IPv4-mapped IPv6 address is forwarded in its IPv4 form",
			endUserIP:     "::ffff:198.51.100.4",
			wantGrant:     "password",
			wantForwarded: "198.51.100.4",
		},
		{
			name:      "an end-user IP that is not an address is not forwarded",
			endUserIP: "198.51.100.4, 10.0.0.1",
			wantGrant: "password",
		},
		{
			name:      "an empty end-user IP is not forwarded",
			wantGrant: "password",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := tcNewFake(t, tcJSON(http.StatusOK, tcTokenOK))
			got, err := fake.client(t, tt.opts...).PasswordLogin(context.Background(), "alice@example.com", tcTestPassword, tt.endUserIP)
			if err != nil {
				t.Fatalf("PasswordLogin: %v", err)
			}
			want := TokenSet{
				AccessToken:  tcTestAccessToken,
				IDToken:      tcTestIDToken,
				RefreshToken: tcTestRefreshToken,
				TokenType:    "Bearer",
				Scope:        "openid profile email offline_access read:posts",
				ExpiresIn:    86400,
			}
			if *got != want {
				t.Errorf("TokenSet = %+v, want %+v", *got, want)
			}

			reqs := fake.recorded()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			req := reqs[0]
			if req.Method != http.MethodPost || req.Path != "/oauth/token" {
				t.Errorf("request = %s %s, want POST /oauth/token", req.Method, req.Path)
			}
			if ct := req.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
				t.Errorf("Content-Type = %q", ct)
			}
			if h := req.Header.Get("Authorization"); h != "" {
				t.Errorf("Authorization = %q, want none (client_secret_post, no Basic)", h)
			}
			wantForm := map[string]string{
				"grant_type":    tt.wantGrant,
				"username":      "alice@example.com",
				"password":      tcTestPassword,
				"audience":      tcTestAudience,
				"scope":         "openid profile email offline_access",
				"client_id":     tcTestClientID,
				"client_secret": tcTestClientSecret,
				"realm":         tt.wantRealm,
			}
			for k, v := range wantForm {
				if got := req.Form.Get(k); got != v {
					t.Errorf("form %s = %q, want %q", k, got, v)
				}
			}
			if _, has := req.Header["Auth0-Forwarded-For"]; has != (tt.wantForwarded != "") {
				t.Errorf("auth0-forwarded-for present = %v, want %v", has, tt.wantForwarded != "")
			}
			if got := req.Header.Get("auth0-forwarded-for"); got != tt.wantForwarded {
				t.Errorf("auth0-forwarded-for = %q, want %q", got, tt.wantForwarded)
			}
		})
	}
}

func TestTokenClientPasswordLoginMapsAuth0Answers(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	big := `{"access_token":"` + strings.Repeat("a", 2<<20) + `","token_type":"Bearer","expires_in":86400}`
	tests := []struct {
		name        string
		answer      http.HandlerFunc
		wantIs      error
		wantRetry   time.Duration
		wantMFA     string
		wantProv    *ProviderError
		wantContain string
	}{
		{
			name:   "a wrong password is invalid credentials",
			answer: tcJSON(403, `{"error":"invalid_grant","error_description":"Wrong email or password."}`),
			wantIs: ErrInvalidCredentials,
		},
		{
			name:    "mfa_required carries the mfa token",
			answer:  tcJSON(403, `{"error":"mfa_required","error_description":"Multifactor authentication required","mfa_token":"Fe26.secretmfa","mfa_requirements":{"challenge":[{"type":"otp"}]}}`),
			wantIs:  ErrMFARequired,
			wantMFA: "Fe26.secretmfa",
		},
		{
			name:   "a brute-force block is an account block",
			answer: tcJSON(429, `{"error":"too_many_attempts","error_description":"Your account has been blocked after multiple consecutive login attempts. We've sent you an email with instructions on how to unblock it."}`),
			wantIs: ErrAccountBlocked,
		},
		{
			name:   "a user blocked by an administrator is an account block",
			answer: tcJSON(401, `{"error":"unauthorized","error_description":"user is blocked"}`),
			wantIs: ErrAccountBlocked,
		},
		{
			name:   "a breached password requires a reset",
			answer: tcJSON(401, `{"error":"password_leaked","error_description":"This login attempt has been blocked because the password you're using was previously disclosed through a data breach (not in this application). Please check your email for more information."}`),
			wantIs: ErrPasswordResetRequired,
		},
		{
			name:      "another 429 is rate limited with Retry-After in seconds",
			answer:    tcJSON(429, `{"error":"too_many_requests","error_description":"Global limit has been reached"}`, "Retry-After", "30"),
			wantIs:    ErrRateLimited,
			wantRetry: 30 * time.Second,
		},
		{
			name: "another 429 is rate limited until X-RateLimit-Reset",
			answer: tcJSON(429, `{"error":"too_many_requests","error_description":"Global limit has been reached"}`,
				"X-RateLimit-Limit", "300", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", strconv.FormatInt(now.Add(42*time.Second).Unix(), 10)),
			wantIs:    ErrRateLimited,
			wantRetry: 42 * time.Second,
		},
		{
			name:      "a 429 with an absurd Retry-After is capped at an hour",
			answer:    tcJSON(429, `{"error":"too_many_requests"}`, "Retry-After", "99999999999999"),
			wantIs:    ErrRateLimited,
			wantRetry: time.Hour,
		},
		{
			name:   "a 429 without a body or hint is rate limited with no wait",
			answer: tcJSON(429, ``, "Content-Type", "text/plain"),
			wantIs: ErrRateLimited,
		},
		{
			name:        "a denial by a post-login Action is access denied with its reason",
			answer:      tcJSON(403, `{"error":"access_denied","error_description":"Only employees may log in."}`),
			wantIs:      ErrAccessDenied,
			wantContain: "Only employees may log in.",
		},
		{
			name:     "an unknown audience is a provider error",
			answer:   tcJSON(403, `{"error":"access_denied","error_description":"Service not found: https://api.example.com/"}`),
			wantProv: &ProviderError{Status: 403, Code: "access_denied", Description: "Service not found: https://api.example.com/"},
		},
		{
			name:     "a wrong client secret is a provider error",
			answer:   tcJSON(401, `{"error":"access_denied","error_description":"Unauthorized"}`),
			wantProv: &ProviderError{Status: 401, Code: "access_denied", Description: "Unauthorized"},
		},
		{
			name:     "a grant not enabled for the application is a provider error",
			answer:   tcJSON(403, `{"error":"unauthorized_client","error_description":"Grant type 'password' not allowed for the client."}`),
			wantProv: &ProviderError{Status: 403, Code: "unauthorized_client", Description: "Grant type 'password' not allowed for the client."},
		},
		{
			name:     "a malformed request is a provider error",
			answer:   tcJSON(400, `{"error":"invalid_request","error_description":"Missing required parameter: username"}`),
			wantProv: &ProviderError{Status: 400, Code: "invalid_request", Description: "Missing required parameter: username"},
		},
		{
			name:   "a tenant without a default connection answers 500, so the provider is unavailable",
			answer: tcJSON(500, `{"error":"server_error","error_description":"Authorization server not configured with default connection."}`),
			wantIs: ErrProviderUnavailable,
		},
		{
			name:   "a 503 HTML page means the provider is unavailable",
			answer: tcJSON(503, `<html>down</html>`, "Content-Type", "text/html"),
			wantIs: ErrProviderUnavailable,
		},
		{
			name: "a redirect is not followed and is a provider error",
			answer: func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
			},
			wantProv: &ProviderError{Status: 307},
		},
		{
			name:     "a garbage 200 body is a provider error",
			answer:   tcJSON(200, `<html>hello</html>`, "Content-Type", "text/html"),
			wantProv: &ProviderError{Status: 200, Description: "unexpected response: token answer is not a JSON object"},
		},
		{
			name:     "a 200 body with trailing garbage is a provider error",
			answer:   tcJSON(200, tcTokenOK+`garbage`),
			wantProv: &ProviderError{Status: 200, Description: "unexpected response: token answer is not a JSON object"},
		},
		{
			name:     "a 200 body without an access token is a provider error",
			answer:   tcJSON(200, `{"token_type":"Bearer","expires_in":86400}`),
			wantProv: &ProviderError{Status: 200, Description: "unexpected response: token answer has no access_token"},
		},
		{
			name:     "a 200 body with another token type is a provider error",
			answer:   tcJSON(200, `{"access_token":"`+tcTestAccessToken+`","token_type":"mac","expires_in":86400}`),
			wantProv: &ProviderError{Status: 200, Description: "unexpected response: token answer has a token_type other than Bearer"},
		},
		{
			name:     "a 200 body without a positive lifetime is a provider error",
			answer:   tcJSON(200, `{"access_token":"`+tcTestAccessToken+`","token_type":"Bearer","expires_in":0}`),
			wantProv: &ProviderError{Status: 200, Description: "unexpected response: token answer has no positive expires_in"},
		},
		{
			name:     "an oversized 200 body is a provider error",
			answer:   tcJSON(200, big),
			wantProv: &ProviderError{Status: 200, Description: "unexpected response: answer exceeds 1 MiB"},
		},
		{
			name:     "a description that echoes the password and secret is scrubbed",
			answer:   tcJSON(400, `{"error":"invalid_request","error_description":"bad password `+tcTestPassword+` for `+tcTestClientSecret+`"}`),
			wantProv: &ProviderError{Status: 400, Code: "invalid_request", Description: "bad password [redacted] for [redacted]"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := tcNewFake(t, tt.answer)
			c := fake.client(t)
			c.now = func() time.Time { return now }
			got, err := c.PasswordLogin(context.Background(), "alice@example.com", tcTestPassword, "203.0.113.7")
			if err == nil {
				t.Fatalf("PasswordLogin = %+v, want an error", got)
			}
			tcAssertNoSecrets(t, err)
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error %v is not %v", err, tt.wantIs)
			}
			if tt.wantContain != "" && !strings.Contains(err.Error(), tt.wantContain) {
				t.Errorf("error %q does not contain %q", err, tt.wantContain)
			}
			if tt.wantIs == ErrRateLimited {
				var rl *RateLimitedError
				if !errors.As(err, &rl) {
					t.Fatalf("error %v is not a *RateLimitedError", err)
				}
				if rl.RetryAfter != tt.wantRetry {
					t.Errorf("RetryAfter = %v, want %v", rl.RetryAfter, tt.wantRetry)
				}
			}
			if tt.wantMFA != "" {
				var mfa *MFARequiredError
				if !errors.As(err, &mfa) || mfa.MFAToken != tt.wantMFA {
					t.Errorf("error %v: want *MFARequiredError with token %q", err, tt.wantMFA)
				}
			}
			var pe *ProviderError
			if isPE := errors.As(err, &pe); isPE != (tt.wantProv != nil) {
				t.Fatalf("error %v: *ProviderError = %v, want %v", err, isPE, tt.wantProv != nil)
			}
			if tt.wantProv != nil && *pe != *tt.wantProv {
				t.Errorf("ProviderError = %+v, want %+v", *pe, *tt.wantProv)
			}
			if n := len(fake.recorded()); n != 1 {
				t.Errorf("%d requests reached the fake, want 1 (redirects must not be followed)", n)
			}
		})
	}
}

func TestTokenClientPasswordLoginRefusesBadInputWithoutCallingAuth0(t *testing.T) {
	tests := []struct {
		name, username, password string
	}{
		{name: "an empty username", username: "", password: tcTestPassword},
		{name: "an empty password", username: "alice@example.com", password: ""},
		{name: "an overlong username", username: strings.Repeat("a", 2000), password: tcTestPassword},
		{name: "an overlong password", username: "alice@example.com", password: strings.Repeat("p", 2000)},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is invalid credentials", func(t *testing.T) {
			fake := tcNewFake(t, tcJSON(http.StatusOK, tcTokenOK))
			_, err := fake.client(t).PasswordLogin(context.Background(), tt.username, tt.password, "")
			if !errors.Is(err, ErrInvalidCredentials) {
				t.Errorf("error = %v, want ErrInvalidCredentials", err)
			}
			if n := len(fake.recorded()); n != 0 {
				t.Errorf("%d requests reached Auth0, want 0", n)
			}
		})
	}
}

func TestTokenClientReportsAnUnavailableProvider(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration
		ctx     func() (context.Context, context.CancelFunc)
		wantCtx error
	}{
		{
			name:    "a slow issuer fails within the client timeout",
			timeout: 100 * time.Millisecond,
			ctx:     func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) },
		},
		{
			name:    "a slow issuer fails within the caller's deadline",
			timeout: time.Minute,
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 100*time.Millisecond)
			},
			wantCtx: context.DeadlineExceeded,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			release := make(chan struct{})
			fake := tcNewFake(t, func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-release:
				}
			})
			defer close(release)
			c := fake.client(t, WithTokenTimeout(tt.timeout))
			ctx, cancel := tt.ctx()
			defer cancel()

			start := time.Now()
			_, err := c.PasswordLogin(ctx, "alice@example.com", tcTestPassword, "")
			elapsed := time.Since(start)
			if !errors.Is(err, ErrProviderUnavailable) {
				t.Fatalf("error = %v, want ErrProviderUnavailable", err)
			}
			if tt.wantCtx != nil && !errors.Is(err, tt.wantCtx) {
				t.Errorf("error = %v, want it to wrap %v", err, tt.wantCtx)
			}
			if elapsed > 2*time.Second {
				t.Errorf("took %v, want about 100ms", elapsed)
			}
			tcAssertNoSecrets(t, err)
		})
	}

	t.Run("an unreachable issuer is unavailable", func(t *testing.T) {
		fake := tcNewFake(t, tcJSON(http.StatusOK, tcTokenOK))
		c := fake.client(t, WithTokenTimeout(time.Second))
		fake.Close()
		_, err := c.PasswordLogin(context.Background(), "alice@example.com", tcTestPassword, "")
		if !errors.Is(err, ErrProviderUnavailable) {
			t.Fatalf("error = %v, want ErrProviderUnavailable", err)
		}
		tcAssertNoSecrets(t, err)
	})

	t.Run("a custom HTTP client is used and still does not follow redirects", func(t *testing.T) {
		target := tcNewFake(t, tcJSON(http.StatusOK, tcTokenOK))
		fake := tcNewFake(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target.URL+"/oauth/token", http.StatusTemporaryRedirect)
		})
		hc := &http.Client{Timeout: time.Second}
		_, err := fake.client(t, WithTokenHTTPClient(hc)).PasswordLogin(context.Background(), "alice@example.com", tcTestPassword, "")
		var pe *ProviderError
		if !errors.As(err, &pe) || pe.Status != http.StatusTemporaryRedirect {
			t.Errorf("error = %v, want a *ProviderError with status 307", err)
		}
		if n := len(target.recorded()); n != 0 {
			t.Errorf("the redirect target got %d requests carrying the password, want 0", n)
		}
		if hc.CheckRedirect != nil {
			t.Error("the caller's http.Client was modified")
		}
	})
}

func TestTokenClientResolvesEndpointsAgainstTheIssuer(t *testing.T) {
	tests := []struct {
		name, issuer, wantPath string
	}{
		{name: "an issuer with a trailing slash", issuer: "/", wantPath: "/oauth/token"},
		{name: "an issuer without a trailing slash", issuer: "", wantPath: "/oauth/token"},
		{name: "an issuer with a path keeps the path", issuer: "/tenant", wantPath: "/tenant/oauth/token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := tcNewFake(t, tcJSON(http.StatusOK, tcTokenOK))
			issuer, _ := url.Parse(fake.URL + tt.issuer)
			c := NewTokenClient(issuer, tcTestClientID, tcTestClientSecret, tcTestAudience)
			if _, err := c.PasswordLogin(context.Background(), "alice", tcTestPassword, ""); err != nil {
				t.Fatal(err)
			}
			if got := fake.recorded()[0].Path; got != tt.wantPath {
				t.Errorf("path = %q, want %q", got, tt.wantPath)
			}
		})
	}
}

func TestTokenClientRefresh(t *testing.T) {
	tests := []struct {
		name         string
		refreshToken string
		answer       http.HandlerFunc
		wantIs       error
		wantAccess   string
		wantRequests int
	}{
		{
			name:         "a valid refresh token yields a new access token",
			refreshToken: tcTestRefreshToken,
			answer:       tcJSON(200, `{"access_token":"new-access","expires_in":86400,"scope":"openid profile","token_type":"Bearer"}`),
			wantAccess:   "new-access",
			wantRequests: 1,
		},
		{
			name:         "an unknown refresh token is an invalid refresh token",
			refreshToken: tcTestRefreshToken,
			answer:       tcJSON(403, `{"error":"invalid_grant","error_description":"Unknown or invalid refresh token."}`),
			wantIs:       ErrInvalidRefreshToken,
			wantRequests: 1,
		},
		{
			name:         "a refresh token of a deleted user is an invalid refresh token",
			refreshToken: tcTestRefreshToken,
			answer:       tcJSON(403, `{"error":"invalid_grant","error_description":"The refresh_token was generated for a user who doesn't exist anymore."}`),
			wantIs:       ErrInvalidRefreshToken,
			wantRequests: 1,
		},
		{
			name:         "a blocked user cannot refresh",
			refreshToken: tcTestRefreshToken,
			answer:       tcJSON(401, `{"error":"unauthorized","error_description":"user is blocked"}`),
			wantIs:       ErrAccountBlocked,
			wantRequests: 1,
		},
		{
			name:         "an empty refresh token is refused without calling Auth0",
			refreshToken: "",
			answer:       tcJSON(200, tcTokenOK),
			wantIs:       ErrInvalidRefreshToken,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := tcNewFake(t, tt.answer)
			got, err := fake.client(t).Refresh(context.Background(), tt.refreshToken, "203.0.113.9")
			tcAssertNoSecrets(t, err)
			reqs := fake.recorded()
			if len(reqs) != tt.wantRequests {
				t.Fatalf("%d requests, want %d", len(reqs), tt.wantRequests)
			}
			if tt.wantIs != nil {
				if !errors.Is(err, tt.wantIs) {
					t.Fatalf("error = %v, want %v", err, tt.wantIs)
				}
				return
			}
			if err != nil {
				t.Fatalf("Refresh: %v", err)
			}
			if got.AccessToken != tt.wantAccess || got.RefreshToken != "" {
				t.Errorf("TokenSet = %+v", got)
			}
			form := reqs[0].Form
			for k, v := range map[string]string{
				"grant_type": "refresh_token", "refresh_token": tt.refreshToken,
				"client_id": tcTestClientID, "client_secret": tcTestClientSecret,
			} {
				if form.Get(k) != v {
					t.Errorf("form %s = %q, want %q", k, form.Get(k), v)
				}
			}
			for _, k := range []string{"scope", "username", "password"} {
				if form.Has(k) {
					t.Errorf("form has %s, want none", k)
				}
			}
			if got := reqs[0].Header.Get("auth0-forwarded-for"); got != "203.0.113.9" {
				t.Errorf("auth0-forwarded-for = %q", got)
			}
		})
	}
}

func TestTokenClientUserInfo(t *testing.T) {
	yes := true
	tests := []struct {
		name     string
		answer   http.HandlerFunc
		want     *UserInfo
		wantIs   error
		wantProv int
	}{
		{
			name: "a valid token yields the profile",
			answer: tcJSON(200, `{"sub":"auth0|6553da60a54af58e29493993","nickname":"alice","name":"Alice Liddell","picture":"https://s.gravatar.com/avatar/x.png","updated_at":"2023-06-14T21:36:26.399Z","email":"alice@example.com","email_verified":true}`,
				"X-RateLimit-Limit", "5"),
			want: &UserInfo{Subject: "auth0|6553da60a54af58e29493993", Email: "alice@example.com", Name: "Alice Liddell",
				Nickname: "alice", Picture: "https://s.gravatar.com/avatar/x.png", EmailVerified: &yes},
		},
		{
			name:   "a profile without the email scope leaves EmailVerified unknown",
			answer: tcJSON(200, `{"sub":"google-oauth2|115015401343387192604","name":"Bob"}`),
			want:   &UserInfo{Subject: "google-oauth2|115015401343387192604", Name: "Bob"},
		},
		{
			name:     "a token without the userinfo audience is a provider error with status 401",
			answer:   tcJSON(401, `{"error":"unauthorized","error_description":"invalid credentials"}`),
			wantProv: 401,
		},
		{
			name:   "too many calls for one user is rate limited",
			answer: tcJSON(429, `{"error":"too_many_requests"}`, "Retry-After", "12"),
			wantIs: ErrRateLimited,
		},
		{
			name:     "a profile without sub is a provider error",
			answer:   tcJSON(200, `{"name":"nobody"}`),
			wantProv: 200,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := tcNewFake(t, tt.answer)
			got, err := fake.client(t).UserInfo(context.Background(), tcTestAccessToken)
			tcAssertNoSecrets(t, err)
			req := fake.recorded()[0]
			if req.Method != http.MethodGet || req.Path != "/userinfo" {
				t.Errorf("request = %s %s, want GET /userinfo", req.Method, req.Path)
			}
			if h := req.Header.Get("Authorization"); h != "Bearer "+tcTestAccessToken {
				t.Errorf("Authorization = %q", h)
			}
			switch {
			case tt.wantIs != nil:
				if !errors.Is(err, tt.wantIs) {
					t.Errorf("error = %v, want %v", err, tt.wantIs)
				}
			case tt.wantProv != 0:
				var pe *ProviderError
				if !errors.As(err, &pe) || pe.Status != tt.wantProv {
					t.Errorf("error = %v, want *ProviderError with status %d", err, tt.wantProv)
				}
			default:
				if err != nil {
					t.Fatalf("UserInfo: %v", err)
				}
				if got.Subject != tt.want.Subject || got.Email != tt.want.Email || got.Name != tt.want.Name ||
					got.Nickname != tt.want.Nickname || got.Picture != tt.want.Picture ||
					(got.EmailVerified == nil) != (tt.want.EmailVerified == nil) ||
					(got.EmailVerified != nil && *got.EmailVerified != *tt.want.EmailVerified) {
					t.Errorf("UserInfo = %+v, want %+v", got, tt.want)
				}
			}
		})
	}
}

func TestTokenClientSignup(t *testing.T) {
	const email = "new.user@example.com"
	tests := []struct {
		name         string
		opts         []TokenClientOption
		email, pass  string
		userName     string
		answer       http.HandlerFunc
		want         *SignupResult
		wantIs       error
		wantField    string
		wantReason   string
		wantProv     bool
		wantRequests int
	}{
		{
			name:  "a new user is created in the default connection",
			email: email, pass: tcTestPassword, userName: "New User",
			answer:       tcJSON(200, `{"_id":"6486fc52049355c8fda30e21","email_verified":false,"email":"new.user@example.com","app_metadata":{},"user_metadata":{}}`),
			want:         &SignupResult{ID: "6486fc52049355c8fda30e21", Email: email},
			wantRequests: 1,
		},
		{
			name:  "a new user is created in the configured connection",
			opts:  []TokenClientOption{WithSignupConnection("Staff-DB")},
			email: email, pass: tcTestPassword,
			answer:       tcJSON(200, `{"_id":"abc","email_verified":false,"email":"new.user@example.com"}`),
			want:         &SignupResult{ID: "abc", Email: email},
			wantRequests: 1,
		},
		{
			name:  "an existing user is an existing account",
			email: email, pass: tcTestPassword,
			answer:       tcJSON(400, `{"name":"BadRequestError","code":"user_exists","description":"The user already exists.","statusCode":400}`),
			wantIs:       ErrAccountExists,
			wantRequests: 1,
		},
		{
			name:  "an invalid signup is an existing account",
			email: email, pass: tcTestPassword,
			answer:       tcJSON(400, `{"name":"BadRequestError","code":"invalid_signup","description":"Invalid sign up","statusCode":400}`),
			wantIs:       ErrAccountExists,
			wantRequests: 1,
		},
		{
			name:  "a conflict is an existing account",
			email: email, pass: tcTestPassword,
			answer:       tcJSON(409, `{"code":"user_exists"}`),
			wantIs:       ErrAccountExists,
			wantRequests: 1,
		},
		{
			name:  "a weak password names the password field",
			email: email, pass: tcTestPassword,
			answer: tcJSON(400, `{"name":"PasswordStrengthError","message":"Password is too weak","code":"invalid_password","description":{"rules":[{"message":"At least %d characters in length","format":[8],"code":"lengthAtLeast","verified":false}],"verified":false},"policy":"* At least 8 characters in length","statusCode":400}`),
			wantIs: ErrInvalidSignup, wantField: "password", wantReason: "password is too weak",
			wantRequests: 1,
		},
		{
			name:  "a reused password names the password field",
			email: email, pass: tcTestPassword,
			answer: tcJSON(400, `{"name":"PasswordHistoryError","message":"Password has previously been used","code":"invalid_password","description":"Password has previously been used","statusCode":400}`),
			wantIs: ErrInvalidSignup, wantField: "password", wantReason: "password was used recently",
			wantRequests: 1,
		},
		{
			name:  "an email rejected by Auth0 names the email field",
			email: email, pass: tcTestPassword,
			answer: tcJSON(400, `{"name":"BadRequestError","code":"invalid_parameter","description":"Payload validation error: 'Object didn't pass validation for format email: x' on property email.","statusCode":400}`),
			wantIs: ErrInvalidSignup, wantField: "email", wantReason: "email address is not valid",
			wantRequests: 1,
		},
		{
			name:  "a bad.email code names the email field",
			email: email, pass: tcTestPassword,
			answer: tcJSON(400, `{"code":"bad.email","description":"error in email - email format validation failed"}`),
			wantIs: ErrInvalidSignup, wantField: "email", wantReason: "email address is not valid",
			wantRequests: 1,
		},
		{
			name:  "an unknown connection is a provider error",
			email: email, pass: tcTestPassword,
			answer:       tcJSON(400, `{"name":"BadRequestError","code":"bad.connection","description":"connection not found","statusCode":400}`),
			wantProv:     true,
			wantRequests: 1,
		},
		{
			name:  "a 503 means the provider is unavailable",
			email: email, pass: tcTestPassword,
			answer:       tcJSON(503, `upstream down`),
			wantIs:       ErrProviderUnavailable,
			wantRequests: 1,
		},
		{
			name:  "a success body without an id is a provider error",
			email: email, pass: tcTestPassword,
			answer:       tcJSON(200, `{"email":"new.user@example.com"}`),
			wantProv:     true,
			wantRequests: 1,
		},
		{name: "an empty email is refused locally", email: "  ", pass: tcTestPassword, answer: tcJSON(200, `{}`),
			wantIs: ErrInvalidSignup, wantField: "email", wantReason: "email address is required"},
		{name: "a malformed email is refused locally", email: "not an email", pass: tcTestPassword, answer: tcJSON(200, `{}`),
			wantIs: ErrInvalidSignup, wantField: "email", wantReason: "email address is not valid"},
		{name: "an email with a display name is refused locally", email: "Eve <eve@example.com>", pass: tcTestPassword, answer: tcJSON(200, `{}`),
			wantIs: ErrInvalidSignup, wantField: "email", wantReason: "email address is not valid"},
		{name: "an overlong email is refused locally", email: strings.Repeat("a", 250) + "@example.com", pass: tcTestPassword, answer: tcJSON(200, `{}`),
			wantIs: ErrInvalidSignup, wantField: "email", wantReason: "email address is too long"},
		{name: "an empty password is refused locally", email: email, pass: "", answer: tcJSON(200, `{}`),
			wantIs: ErrInvalidSignup, wantField: "password", wantReason: "password is required"},
		{name: "an overlong password is refused locally", email: email, pass: strings.Repeat("p", 129), answer: tcJSON(200, `{}`),
			wantIs: ErrInvalidSignup, wantField: "password", wantReason: "password is too long"},
		{name: "an overlong name is refused locally", email: email, pass: tcTestPassword, userName: strings.Repeat("é", 201), answer: tcJSON(200, `{}`),
			wantIs: ErrInvalidSignup, wantField: "name", wantReason: "name is too long"},
		{name: "a name with control characters is refused locally", email: email, pass: tcTestPassword, userName: "Eve\x00", answer: tcJSON(200, `{}`),
			wantIs: ErrInvalidSignup, wantField: "name", wantReason: "name contains invalid characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := tcNewFake(t, tt.answer)
			got, err := fake.client(t, tt.opts...).Signup(context.Background(), tt.email, tt.pass, tt.userName)
			tcAssertNoSecrets(t, err, strings.Repeat("p", 129))
			reqs := fake.recorded()
			if len(reqs) != tt.wantRequests {
				t.Fatalf("%d requests, want %d", len(reqs), tt.wantRequests)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Fatalf("error = %v, want %v", err, tt.wantIs)
			}
			if tt.wantField != "" {
				var ise *InvalidSignupError
				if !errors.As(err, &ise) || ise.Field != tt.wantField || ise.Reason != tt.wantReason {
					t.Errorf("error = %#v, want field %q reason %q", err, tt.wantField, tt.wantReason)
				}
			}
			var pe *ProviderError
			if errors.As(err, &pe) != tt.wantProv {
				t.Errorf("error = %v, *ProviderError want %v", err, tt.wantProv)
			}
			if tt.want == nil {
				if err == nil {
					t.Fatalf("Signup = %+v, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Signup: %v", err)
			}
			if *got != *tt.want || got.Subject() != "auth0|"+tt.want.ID {
				t.Errorf("Signup = %+v (subject %q), want %+v", got, got.Subject(), tt.want)
			}
			req := reqs[0]
			if req.Method != http.MethodPost || req.Path != "/dbconnections/signup" {
				t.Errorf("request = %s %s", req.Method, req.Path)
			}
			wantConn := "Username-Password-Authentication"
			if len(tt.opts) > 0 {
				wantConn = "Staff-DB"
			}
			for k, v := range map[string]any{
				"client_id": tcTestClientID, "email": tt.email, "password": tt.pass, "connection": wantConn,
			} {
				if req.JSON[k] != v {
					t.Errorf("body %s = %v, want %v", k, req.JSON[k], v)
				}
			}
			if name, has := req.JSON["name"]; (tt.userName != "") != has || (has && name != tt.userName) {
				t.Errorf("body name = %v, want %q", name, tt.userName)
			}
			if _, has := req.JSON["client_secret"]; has {
				t.Error("signup body carries the client secret")
			}
		})
	}
}
