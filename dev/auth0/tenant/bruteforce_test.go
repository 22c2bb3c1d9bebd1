package tenant_test

import (
	"testing"

	"github.com/gqlneo/gqlneo/dev/auth0/tenant"
)

const descTooManyAttempts = "Your account has been blocked after multiple consecutive login attempts. We've sent you an email with instructions on how to unblock it."

func TestBruteForceProtection(t *testing.T) {
	public := tenant.Client{ID: "public-client", GrantTypes: []string{tenant.GrantPassword}}
	tn := startTenant(t, tenant.WithBruteForceThreshold(3), tenant.WithClients(tenant.DevClient(), public))
	const ip1, ip2 = "198.51.100.1", "198.51.100.2"
	attempt := func(t *testing.T, password, ip string) response {
		t.Helper()
		return postForm(t, tn, "/oauth/token", form("password", password), "auth0-forwarded-for", ip)
	}
	publicAttempt := func(t *testing.T, password, ip string) response {
		t.Helper()
		return postForm(t, tn, "/oauth/token", form("client_id", "public-client", "client_secret", "", "password", password), "auth0-forwarded-for", ip)
	}

	steps := []struct {
		name   string
		send   func(t *testing.T) response
		status int
		code   string
	}{
		{name: "A first wrong password is an invalid grant.", send: func(t *testing.T) response { return attempt(t, "wrong", ip1) }, status: 403, code: "invalid_grant"},
		{name: "A second wrong password is an invalid grant.", send: func(t *testing.T) response { return attempt(t, "wrong", ip1) }, status: 403, code: "invalid_grant"},
		{name: "A success resets the count.", send: func(t *testing.T) response { return attempt(t, tenant.DemoPassword, ip1) }, status: 200},
		{name: "The count starts again at one.", send: func(t *testing.T) response { return attempt(t, "wrong", ip1) }, status: 403, code: "invalid_grant"},
		{name: "The count reaches two.", send: func(t *testing.T) response { return attempt(t, "wrong", ip1) }, status: 403, code: "invalid_grant"},
		{name: "The count reaches the threshold with a third failure.", send: func(t *testing.T) response { return attempt(t, "wrong", ip1) }, status: 403, code: "invalid_grant"},
		{name: "At the threshold even the right password is blocked.", send: func(t *testing.T) response { return attempt(t, tenant.DemoPassword, ip1) }, status: 429, code: "too_many_attempts"},
		{name: "Another forwarded IP is not blocked.", send: func(t *testing.T) response { return attempt(t, tenant.DemoPassword, ip2) }, status: 200},
		{name: "Another user from the blocked IP is not blocked.", send: func(t *testing.T) response {
			return postForm(t, tn, "/oauth/token", form("username", "carol@example.com"), "auth0-forwarded-for", ip1)
		}, status: 200},
		{name: "A public client's forwarded IP is ignored, so its attempts count against the peer address.", send: func(t *testing.T) response {
			publicAttempt(t, "wrong", ip1)
			publicAttempt(t, "wrong", ip2)
			publicAttempt(t, "wrong", "192.0.2.99")
			return publicAttempt(t, tenant.DemoPassword, ip2)
		}, status: 429, code: "too_many_attempts"},
		{name: "Resetting brute-force protection lifts the block.", send: func(t *testing.T) response {
			tn.ResetBruteForce()
			return attempt(t, tenant.DemoPassword, ip1)
		}, status: 200},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			r := st.send(t)
			if st.status == 200 {
				if r.status != 200 {
					t.Errorf("status %d %s, want 200", r.status, r.raw)
				}
				return
			}
			desc := "Wrong email or password."
			if st.code == "too_many_attempts" {
				desc = descTooManyAttempts
			}
			wantError(t, r, st.status, st.code, desc)
		})
	}
}
