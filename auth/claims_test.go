package auth

import "testing"

func TestClaimsHasPermissionAndHasScope(t *testing.T) {
	tests := []struct {
		name      string
		claims    *Claims
		check     string
		wantPerm  bool
		wantScope bool
	}{
		{name: "a scope grants the permission when the token has no permissions claim",
			claims: &Claims{Scopes: []string{"read:posts"}}, check: "read:posts", wantPerm: true, wantScope: true},
		{name: "a permission is granted by the permissions claim",
			claims: &Claims{Permissions: []string{"read:posts"}}, check: "read:posts", wantPerm: true},
		{name: "a scope does not grant the permission when a permissions claim is present",
			claims: &Claims{Scopes: []string{"write:posts"}, Permissions: []string{"read:posts"}}, check: "write:posts", wantScope: true},
		{name: "an empty permissions claim grants nothing",
			claims: &Claims{Scopes: []string{"read:posts"}, Permissions: []string{}}, check: "read:posts", wantScope: true},
		{name: "matching is exact", claims: &Claims{Scopes: []string{"read:posts"}}, check: "read"},
		{name: "nil claims grant nothing", check: "read:posts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.claims.HasPermission(tt.check); got != tt.wantPerm {
				t.Errorf("HasPermission(%q) = %v, want %v", tt.check, got, tt.wantPerm)
			}
			if got := tt.claims.HasScope(tt.check); got != tt.wantScope {
				t.Errorf("HasScope(%q) = %v, want %v", tt.check, got, tt.wantScope)
			}
		})
	}
}
