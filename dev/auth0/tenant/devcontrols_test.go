package tenant_test

import (
	"net/http"
	"slices"
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
