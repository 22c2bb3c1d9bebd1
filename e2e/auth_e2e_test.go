package e2e

import (
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gqlneo/gqlneo/dev/auth0/tenant"
)

func TestLoginThenMeReturnsTheCallerWithEmail(t *testing.T) {
	s := startServer(t, nil)
	token, payload := s.mustLogin(t, "alice@example.com", demoPassword)
	if payload["tokenType"] != "Bearer" || payload["idToken"] == nil || payload["refreshToken"] == nil {
		t.Errorf("login payload incomplete: %v", payload)
	}
	loginUser := payload["user"].(map[string]any)

	r := s.query(t, token, `{ me { id name email createdAt } }`, nil)
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("me: %d %s", r.Status, r.Raw)
	}
	me := r.Data["me"].(map[string]any)
	if me["email"] != "alice@example.com" || me["name"] != "Alice Liddell" {
		t.Errorf("me = %v, want alice with her email", me)
	}
	if me["id"] != loginUser["id"] {
		t.Errorf("me.id %v differs from login's user.id %v", me["id"], loginUser["id"])
	}
	if strings.Contains(s.Logs.String(), demoPassword) {
		t.Error("the password appears in the server logs")
	}
	if got := s.Tenant.Requests(); len(got) == 0 || lastTokenRequest(got).Header.Get("auth0-forwarded-for") != "127.0.0.1" {
		t.Errorf("the token request did not carry auth0-forwarded-for: 127.0.0.1")
	}
}

func lastTokenRequest(reqs []tenant.RecordedRequest) tenant.RecordedRequest {
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Path == "/oauth/token" {
			return reqs[i]
		}
	}
	return tenant.RecordedRequest{}
}

func TestForwardedForIsTrustedOnlyFromConfiguredProxies(t *testing.T) {
	cases := []struct {
		name    string
		proxies string
		want    string
	}{
		{"a spoofed X-Forwarded-For from an untrusted peer is ignored", "", "127.0.0.1"},
		{"behind a trusted proxy the last untrusted hop is the client", "127.0.0.1/32", "203.0.113.9"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := startServer(t, map[string]string{"TRUSTED_PROXIES": tc.proxies})
			body, _ := json.Marshal(map[string]any{"query": loginMutation, "variables": map[string]any{"u": "carol@example.com", "p": demoPassword}})
			r := s.post(t, string(body), map[string]string{"X-Forwarded-For": "198.51.100.1, 203.0.113.9"})
			if len(r.Errors) > 0 {
				t.Fatalf("login: %s", r.Raw)
			}
			if got := lastTokenRequest(s.Tenant.Requests()).Header.Get("auth0-forwarded-for"); got != tc.want {
				t.Errorf("auth0-forwarded-for = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestLoginFailuresMapToStableCodes(t *testing.T) {
	s := startServer(t, nil)
	cases := []struct {
		name, user, password, code string
	}{
		{"a wrong password is INVALID_CREDENTIALS", "carol@example.com", "not-the-password", "INVALID_CREDENTIALS"},
		{"an unknown user is INVALID_CREDENTIALS", "nobody@example.com", demoPassword, "INVALID_CREDENTIALS"},
		{"a blocked user is ACCOUNT_BLOCKED", "blocked@example.com", demoPassword, "ACCOUNT_BLOCKED"},
		{"a user who needs MFA is MFA_REQUIRED", "mfa@example.com", demoPassword, "MFA_REQUIRED"},
		{"an empty username is BAD_USER_INPUT", "  ", demoPassword, "BAD_USER_INPUT"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := s.query(t, "", loginMutation, map[string]any{"u": tc.user, "p": tc.password})
			if r.code() != tc.code {
				t.Fatalf("code = %q, want %q: %s", r.code(), tc.code, r.Raw)
			}
			if tc.code == "MFA_REQUIRED" {
				if tok, _ := r.Errors[0].Extensions["mfaToken"].(string); !strings.HasPrefix(tok, "Fe26.") {
					t.Errorf("MFA_REQUIRED carries no mfaToken: %s", r.Raw)
				}
			}
			if strings.Contains(r.Raw, tc.password) {
				t.Error("the response echoes the password")
			}
		})
	}
	if strings.Contains(s.Logs.String(), "not-the-password") {
		t.Error("a password appears in the server logs")
	}
}

func TestRepeatedFailuresAreRateLimitedBeforeTheIssuersThreshold(t *testing.T) {
	s := startServer(t, map[string]string{"LOGIN_MAX_FAILURES": "5"})
	u := newUser(t, s.Tenant)
	for i := 1; i <= 5; i++ {
		r := s.query(t, "", loginMutation, map[string]any{"u": u.Email, "p": "wrong-password"})
		if r.code() != "INVALID_CREDENTIALS" {
			t.Fatalf("attempt %d: code %q: %s", i, r.code(), r.Raw)
		}
	}
	s.Tenant.ResetRequests()
	r := s.query(t, "", loginMutation, map[string]any{"u": u.Email, "p": demoPassword})
	if r.code() != "RATE_LIMITED" {
		t.Fatalf("6th attempt: code %q, want RATE_LIMITED: %s", r.code(), r.Raw)
	}
	if secs, _ := r.Errors[0].Extensions["retryAfterSeconds"].(float64); secs < 1 {
		t.Errorf("RATE_LIMITED without a retry hint: %s", r.Raw)
	}
	if n := tokenRequests(s.Tenant); n != 0 {
		t.Errorf("the issuer was called %d times after the limit; want 0", n)
	}
}

// loginFrom logs in through a trusted proxy that names ip as the client.
func (s *testServer) loginFrom(t *testing.T, ip, user, password string) *gqlResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": loginMutation, "variables": map[string]any{"u": user, "p": password}})
	return s.post(t, string(body), map[string]string{"X-Forwarded-For": ip})
}

func TestAnAttackersFailuresFromOneIPDoNotLockTheOwnerOutFromAnother(t *testing.T) {
	s := startServer(t, map[string]string{"TRUSTED_PROXIES": "127.0.0.1/32", "LOGIN_MAX_FAILURES": "5"})
	u := newUser(t, s.Tenant)
	const attacker, owner = "198.51.100.66", "203.0.113.10"
	for i := 1; i <= 5; i++ {
		if r := s.loginFrom(t, attacker, u.Email, "wrong-password"); r.code() != "INVALID_CREDENTIALS" {
			t.Fatalf("attempt %d: code %q: %s", i, r.code(), r.Raw)
		}
	}
	if r := s.loginFrom(t, attacker, u.Email, demoPassword); r.code() != "RATE_LIMITED" {
		t.Fatalf("the attacker's 6th attempt: code %q, want RATE_LIMITED: %s", r.code(), r.Raw)
	}
	if r := s.loginFrom(t, owner, u.Email, demoPassword); len(r.Errors) > 0 || dig(r.Data, "login", "accessToken") == nil {
		t.Fatalf("the owner from another IP: %s", r.Raw)
	}
}

func TestFailuresSpreadOverManyIPsReachThePerUsernameCeiling(t *testing.T) {
	s := startServer(t, map[string]string{"TRUSTED_PROXIES": "127.0.0.1/32", "LOGIN_MAX_FAILURES": "2", "LOGIN_MAX_FAILURES_PER_USERNAME": "4"})
	u := newUser(t, s.Tenant)
	for i, ip := range []string{"198.51.100.1", "198.51.100.1", "198.51.100.2", "198.51.100.3"} {
		if r := s.loginFrom(t, ip, u.Email, "wrong-password"); r.code() != "INVALID_CREDENTIALS" {
			t.Fatalf("attempt %d: code %q: %s", i+1, r.code(), r.Raw)
		}
	}
	s.Tenant.ResetRequests()
	if r := s.loginFrom(t, "203.0.113.10", u.Email, demoPassword); r.code() != "RATE_LIMITED" {
		t.Fatalf("after 4 failures from 3 IPs: code %q, want RATE_LIMITED: %s", r.code(), r.Raw)
	}
	if n := tokenRequests(s.Tenant); n != 0 {
		t.Errorf("the issuer was called %d times after the ceiling; want 0", n)
	}
}

func TestOneOperationCannotCarryTwoLogins(t *testing.T) {
	s := startServer(t, nil)
	r := s.query(t, "", `mutation { a: login(username: "carol@example.com", password: "x") { accessToken }
	  b: login(username: "carol@example.com", password: "y") { accessToken } }`, nil)
	if r.code() != "AUTH_FIELD_LIMIT" {
		t.Fatalf("code %q, want AUTH_FIELD_LIMIT: %s", r.code(), r.Raw)
	}
	if n := tokenRequests(s.Tenant); n != 0 {
		t.Errorf("the issuer was called %d times", n)
	}
}

func TestRefreshTokenReturnsANewAccessToken(t *testing.T) {
	s := startServer(t, nil)
	_, payload := s.mustLogin(t, "carol@example.com", demoPassword)
	refresh := payload["refreshToken"].(string)
	r := s.query(t, "", `mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken user { email } } }`, map[string]any{"t": refresh})
	if len(r.Errors) > 0 {
		t.Fatalf("refresh: %s", r.Raw)
	}
	token := r.Data["refreshToken"].(map[string]any)["accessToken"].(string)
	if me := s.query(t, token, `{ me { email } }`, nil); len(me.Errors) > 0 {
		t.Fatalf("me with the refreshed token: %s", me.Raw)
	}
	bad := s.query(t, "", `mutation { refreshToken(refreshToken: "v1.bogus") { accessToken } }`, nil)
	if bad.code() != "INVALID_CREDENTIALS" {
		t.Errorf("an unknown refresh token: code %q: %s", bad.code(), bad.Raw)
	}
}

func TestSlowIssuerAnswersProviderUnavailableInBoundedTime(t *testing.T) {
	s := startServer(t, map[string]string{"AUTH0_TIMEOUT": "500ms"})
	s.Tenant.SetDelay(5*time.Second, "/oauth/token")
	start := time.Now()
	r := s.query(t, "", loginMutation, map[string]any{"u": "carol@example.com", "p": demoPassword})
	if r.code() != "AUTH_PROVIDER_UNAVAILABLE" {
		t.Fatalf("code %q: %s", r.code(), r.Raw)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %s; the issuer timeout is 500ms", d)
	}
}

func TestNoTokenIsAnonymous(t *testing.T) {
	s := startServer(t, nil)
	r := s.query(t, "", `{ __typename me { id } }`, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Raw)
	}
	if r.Data["__typename"] != "Query" || r.Data["me"] != nil {
		t.Errorf("data = %v, want the public field intact and me null", r.Data)
	}
	if r.code() != "UNAUTHENTICATED" {
		t.Errorf("code %q, want UNAUTHENTICATED", r.code())
	}
}

// rsaPublicPEM fetches the issuer's JWKS and returns the signing key as PEM,
// the way an attacker would for the HS256 key-confusion attack.
func rsaPublicPEM(t *testing.T, tn *tenant.Tenant) []byte {
	t.Helper()
	resp, err := http.Get(tn.URL() + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set struct {
		Keys []struct{ Kid, N, E string } `json:"keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	for _, k := range set.Keys {
		if k.Kid != tn.SigningKeyID() {
			continue
		}
		n, _ := base64.RawURLEncoding.DecodeString(k.N)
		e, _ := base64.RawURLEncoding.DecodeString(k.E)
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	}
	t.Fatal("signing key not in JWKS")
	return nil
}

func b64json(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

func TestEveryBadTokenIsA401WithWWWAuthenticate(t *testing.T) {
	s := startServer(t, nil)
	tn := s.Tenant
	alice, _ := tn.UserByEmail(tenant.DatabaseConnection, "alice@example.com")
	sub := alice.UserID
	now := time.Now().Unix()
	valid := tn.AccessTokenFor(sub, nil)
	parts := strings.Split(valid, ".")

	hsHeader := b64json(map[string]any{"alg": "HS256", "typ": "JWT", "kid": tn.SigningKeyID()})
	hsClaims := parts[1]
	mac := hmac.New(sha256.New, rsaPublicPEM(t, tn))
	mac.Write([]byte(hsHeader + "." + hsClaims))
	hs256 := hsHeader + "." + hsClaims + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))

	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	sig[len(sig)/2] ^= 0x01
	flipped := parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(sig)

	jsonJWS, _ := json.Marshal(map[string]string{"protected": parts[0], "payload": parts[1], "signature": parts[2]})

	cases := []struct {
		name, header, reason string
	}{
		{"an expired token", "Bearer " + tn.AccessTokenFor(sub, map[string]any{"exp": now - 3600, "iat": now - 7200}), "token_expired"},
		{"a token not yet valid", "Bearer " + tn.AccessTokenFor(sub, map[string]any{"nbf": now + 3600}), "token_not_yet_valid"},
		{"a token for another audience", "Bearer " + tn.AccessTokenFor(sub, map[string]any{"aud": "https://other.example/"}), "invalid_audience"},
		{"a token from another issuer", "Bearer " + tn.AccessTokenFor(sub, map[string]any{"iss": "https://evil.example/"}), "invalid_issuer"},
		{"an issuer without the trailing slash", "Bearer " + tn.AccessTokenFor(sub, map[string]any{"iss": strings.TrimSuffix(tn.Issuer(), "/")}), "invalid_issuer"},
		{"alg none", "Bearer " + b64json(map[string]any{"alg": "none", "typ": "JWT"}) + "." + parts[1] + ".", ""},
		{"HS256 keyed with the RSA public key", "Bearer " + hs256, ""},
		{"a token without exp", "Bearer " + tn.AccessTokenFor(sub, map[string]any{"exp": nil}), "missing_exp"},
		{"a JSON-serialized JWS", "Bearer " + string(jsonJWS), ""},
		{"a flipped signature bit", "Bearer " + flipped, ""},
		{"the Basic scheme", "Basic YWxpY2U6c2VjcmV0", "invalid_scheme"},
		{"garbage", "Bearer not.a.jwt", ""},
		{"a token with an unknown kid", "Bearer " + tn.Sign(map[string]any{"kid": "nope"}, map[string]any{"sub": sub, "iss": tn.Issuer(), "aud": tenant.DevAudience, "exp": now + 600}), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := s.post(t, `{"query":"{ me { id } }"}`, map[string]string{"Authorization": tc.header})
			if r.Status != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401: %s", r.Status, r.Raw)
			}
			if h := r.Header.Get("WWW-Authenticate"); !strings.HasPrefix(h, `Bearer error="invalid_token"`) {
				t.Errorf("WWW-Authenticate = %q", h)
			}
			if r.code() != "UNAUTHENTICATED" {
				t.Errorf("code %q: %s", r.code(), r.Raw)
			}
			reason, _ := r.Errors[0].Extensions["reason"].(string)
			if reason == "" || (tc.reason != "" && reason != tc.reason) {
				t.Errorf("reason %q, want %q", reason, tc.reason)
			}
		})
	}
	if ok := s.query(t, valid, `{ me { id } }`, nil); ok.Status != http.StatusOK || len(ok.Errors) > 0 {
		t.Fatalf("the valid token was refused: %s", ok.Raw)
	}
}

func TestAnExpiredTokenDoesNotBlockLogin(t *testing.T) {
	s := startServer(t, nil)
	alice, _ := s.Tenant.UserByEmail(tenant.DatabaseConnection, "alice@example.com")
	expired := s.Tenant.AccessTokenFor(alice.UserID, map[string]any{"exp": time.Now().Add(-time.Hour).Unix()})
	body, _ := json.Marshal(map[string]any{"query": loginMutation, "variables": map[string]any{"u": "alice@example.com", "p": demoPassword}})
	r := s.post(t, string(body), map[string]string{"Authorization": "Bearer " + expired})
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("login with a stale token: %d %s", r.Status, r.Raw)
	}
	intro := s.post(t, `{"query":"{ __schema { queryType { name } } }"}`, map[string]string{"Authorization": "Bearer " + expired})
	if intro.Status != http.StatusOK || len(intro.Errors) > 0 {
		t.Fatalf("introspection with a stale token: %d %s", intro.Status, intro.Raw)
	}
}

func TestATokenFromARotatedInKeyIsAcceptedAtOnce(t *testing.T) {
	s := startServer(t, nil)
	alice, _ := s.Tenant.UserByEmail(tenant.DatabaseConnection, "alice@example.com")
	if r := s.query(t, s.Tenant.AccessTokenFor(alice.UserID, nil), `{ me { id } }`, nil); len(r.Errors) > 0 {
		t.Fatalf("before rotation: %s", r.Raw)
	}
	s.Tenant.RotateKeyUnpublished()
	r := s.query(t, s.Tenant.AccessTokenFor(alice.UserID, nil), `{ me { id } }`, nil)
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("a token signed with the rotated-in key: %d %s", r.Status, r.Raw)
	}
}

func TestValidTokensKeepWorkingWhileTheIssuerIsDown(t *testing.T) {
	s := startServer(t, map[string]string{"JWKS_CACHE_TTL": "1s"})
	alice, _ := s.Tenant.UserByEmail(tenant.DatabaseConnection, "alice@example.com")
	token := s.Tenant.AccessTokenFor(alice.UserID, nil)
	if r := s.query(t, token, `{ me { id } }`, nil); len(r.Errors) > 0 {
		t.Fatalf("before: %s", r.Raw)
	}
	s.Tenant.Close()
	time.Sleep(1500 * time.Millisecond) // past the cache TTL: a refresh is attempted and fails
	for i := 0; i < 3; i++ {
		r := s.query(t, token, `{ me { id } }`, nil)
		if r.Status != http.StatusOK || len(r.Errors) > 0 {
			t.Fatalf("request %d with the issuer down: %d %s", i, r.Status, r.Raw)
		}
	}
}
