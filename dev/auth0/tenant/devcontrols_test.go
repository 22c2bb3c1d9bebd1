package tenant_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gqlneo/gqlneo/dev/auth0/tenant"
)

func TestDevControlEndpoints(t *testing.T) {
	on := startTenant(t, tenant.WithDevControls(true))
	off := startTenant(t)
	post := func(t *testing.T, tn *tenant.Tenant, path string) response {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, tn.URL()+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		return do(t, req)
	}
	initial := on.PublishedKeyIDs()

	tests := []struct {
		name   string
		tenant *tenant.Tenant
		path   string
		status int
		check  func(t *testing.T, r response)
	}{
		{
			name: "Without dev controls the endpoints do not exist.", tenant: off, path: "/__dev/rotate-keys", status: 404,
		},
		{
			name: "Rotating promotes the next key and keeps the old one published.", tenant: on, path: "/__dev/rotate-keys", status: 200,
			check: func(t *testing.T, r response) {
				if str(r.body, "current") != initial[1] || !slices.Contains(on.PublishedKeyIDs(), initial[0]) {
					t.Errorf("after rotation %s, published %v, initial %v", r.raw, on.PublishedKeyIDs(), initial)
				}
			},
		},
		{
			name: "Revoking removes the previous key.", tenant: on, path: "/__dev/revoke-previous", status: 200,
			check: func(t *testing.T, r response) {
				if slices.Contains(on.PublishedKeyIDs(), initial[0]) || len(on.PublishedKeyIDs()) != 2 {
					t.Errorf("after revocation published %v", on.PublishedKeyIDs())
				}
			},
		},
		{
			name: "Resetting brute-force protection answers ok.", tenant: on, path: "/__dev/reset-brute-force", status: 200,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := post(t, tt.tenant, tt.path)
			if r.status != tt.status {
				t.Fatalf("status %d %s, want %d", r.status, r.raw, tt.status)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

func TestDevTokenMintsAnAccessTokenForAnySubject(t *testing.T) {
	on := startTenant(t, tenant.WithDevControls(true))
	mint := func(t *testing.T, form url.Values) response {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, on.URL()+"/__dev/token", strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return do(t, req)
	}
	t.Run("A subject gets a token signed with the current key.", func(t *testing.T) {
		r := mint(t, url.Values{"sub": {"gen|42"}})
		if r.status != http.StatusOK {
			t.Fatalf("status %d %s", r.status, r.raw)
		}
		header, claims := decodeJWT(t, str(r.body, "access_token"))
		if claims["sub"] != "gen|42" || header["kid"] != on.SigningKeyID() {
			t.Errorf("header %v claims %v", header, claims)
		}
	})
	t.Run("A request without a subject is invalid_request.", func(t *testing.T) {
		wantError(t, mint(t, url.Values{}), http.StatusBadRequest, "invalid_request", "sub is required (at most 256 characters)")
	})
}
