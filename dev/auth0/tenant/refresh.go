package tenant

import (
	"net/http"
	"slices"
	"strings"
)

// Error texts of the refresh-token grant (docs/auth0-behaviour.md#token-endpoint-errors).
const (
	descInvalidRefresh = "Unknown or invalid refresh token."
	descRefreshNoUser  = "The refresh_token was generated for a user who doesn't exist anymore."
)

// exchangeRefreshToken exchanges a refresh token for a new access token (and ID token with openid). Refresh
// tokens are not rotated, so the response has no new refresh token, like a tenant with rotation
// off. Post-login Action effects apply, because Auth0 runs the Action on refresh too.
func (t *Tenant) exchangeRefreshToken(req tokenRequest) (*tokenResponse, *oauthError) {
	token := req.params["refresh_token"]
	if token == "" {
		return nil, missingParam("refresh_token")
	}
	t.mu.Lock()
	grant, ok := t.refreshTokens[token]
	var rec userRecord
	userExists := false
	if ok {
		if u, found := t.users[grant.sub]; found {
			rec, userExists = *u, true
		}
	}
	api, apiExists := t.apis[grant.audience]
	t.mu.Unlock()

	if !ok || grant.clientID != req.client.ID || !apiExists {
		return nil, newOAuthError(http.StatusForbidden, "invalid_grant", descInvalidRefresh)
	}
	if !userExists {
		return nil, newOAuthError(http.StatusForbidden, "invalid_grant", descRefreshNoUser)
	}
	if rec.Blocked {
		// (unverified) Auth0 refuses refresh for blocked users; the exact answer is assumed to match login.
		return nil, newOAuthError(http.StatusUnauthorized, "unauthorized", descBlocked)
	}
	if rec.denyReason != "" {
		return nil, newOAuthError(http.StatusForbidden, "access_denied", rec.denyReason)
	}

	// The scope parameter can only narrow the original grant; scopes beyond it are ignored. RBAC is
	// re-evaluated so that removed permissions disappear from the new token.
	scopes := grant.scopes
	if requested := strings.Fields(req.params["scope"]); len(requested) > 0 {
		scopes = slices.DeleteFunc(slices.Clone(scopes), func(s string) bool { return !slices.Contains(requested, s) })
	}
	if api.RBAC {
		scopes = slices.DeleteFunc(slices.Clone(scopes), func(s string) bool {
			return slices.Contains(api.Scopes, s) && !slices.Contains(rec.Permissions, s)
		})
	}
	return t.issue(issueRequest{
		client:      req.client,
		user:        rec.User,
		api:         &api,
		gty:         GrantRefreshToken,
		fixedScopes: scopes,
		refresh:     true,
	}), nil
}

// RevokeRefreshTokens invalidates every refresh token issued to the user with subject sub.
func (t *Tenant) RevokeRefreshTokens(sub string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for token, g := range t.refreshTokens {
		if g.sub == sub {
			delete(t.refreshTokens, token)
		}
	}
}
