package tenant

import (
	"net/http"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// Error texts of the password grants, as Auth0 words them (docs/auth0-behaviour.md#token-endpoint-errors).
const (
	descWrongCredentials = "Wrong email or password."
	descTooManyAttempts  = "Your account has been blocked after multiple consecutive login attempts. We've sent you an email with instructions on how to unblock it."
	descBlocked          = "user is blocked"
	descPasswordLeaked   = "This login attempt has been blocked because the password you're using was previously disclosed through a data breach (not in this application). Please check your email for more information."
	descMFARequired      = "Multifactor authentication required"
	descNoDefaultConn    = "Authorization server not configured with default connection."
)

// passwordGrant handles the password and password-realm grants, in Auth0's order: missing
// parameters, default connection, audience, brute-force block, credentials, blocked user, breached
// password, MFA, Action denial, and finally tokens. Unlike Auth0, any connection may be the realm,
// social ones included, so that tests can log into a google-oauth2 identity with a password; that is
// a development convenience only.
func (t *Tenant) passwordGrant(req tokenRequest, grant string) (*tokenResponse, *oauthError) {
	p := req.params
	for _, name := range []string{"username", "password"} {
		if p[name] == "" {
			return nil, missingParam(name)
		}
	}
	realm := p["realm"]
	if grant == GrantPasswordRealm && realm == "" {
		return nil, missingParam("realm")
	}

	t.mu.Lock()
	if grant == GrantPassword {
		// The plain password grant ignores realm and uses the Default Directory.
		realm = t.defaultConnection
	}
	_, realmExists := t.connections[realm]
	audience := p["audience"]
	if audience == "" {
		audience = t.defaultAudience
	}
	api, apiExists := t.apis[audience]
	t.mu.Unlock()

	if realm == "" {
		return nil, newOAuthError(http.StatusInternalServerError, "server_error", descNoDefaultConn)
	}
	if !realmExists {
		// (unverified) Auth0's answer for a realm that names no connection.
		return nil, newOAuthError(http.StatusBadRequest, "invalid_request", "connection not found")
	}
	if audience != "" && !apiExists {
		return nil, newOAuthError(http.StatusForbidden, "access_denied", "Service not found: "+audience)
	}

	username := p["username"]
	attemptKey := bruteForceKey(realm, username, req.ip)
	if t.bruteForceBlocked(attemptKey) {
		return nil, newOAuthError(http.StatusTooManyRequests, "too_many_attempts", descTooManyAttempts)
	}

	t.mu.Lock()
	var rec userRecord
	found := false
	if u := t.findLocked(realm, username); u != nil {
		rec, found = *u, true
	}
	t.mu.Unlock()
	// bcrypt runs outside the lock: it is deliberately slow.
	if !found || rec.PasswordHash == "" ||
		bcrypt.CompareHashAndPassword([]byte(rec.PasswordHash), []byte(p["password"])) != nil {
		t.recordFailure(attemptKey)
		return nil, newOAuthError(http.StatusForbidden, "invalid_grant", descWrongCredentials)
	}

	if rec.Blocked {
		return nil, newOAuthError(http.StatusUnauthorized, "unauthorized", descBlocked)
	}
	if rec.passwordLeaked {
		return nil, newOAuthError(http.StatusUnauthorized, "password_leaked", descPasswordLeaked)
	}
	if rec.MFARequired {
		e := newOAuthError(http.StatusForbidden, "mfa_required", descMFARequired)
		e.extra = map[string]any{
			"mfa_token":        "Fe26.2**" + randomToken(48),
			"mfa_requirements": map[string]any{"challenge": []map[string]string{{"type": "otp"}}},
		}
		return nil, e
	}
	if rec.denyReason != "" {
		// (unverified) status for api.access.deny(reason) on the token endpoint.
		return nil, newOAuthError(http.StatusForbidden, "access_denied", rec.denyReason)
	}

	t.resetFailures(attemptKey)
	var apiPtr *API
	if audience != "" {
		apiPtr = &api
	}
	return t.issue(issueRequest{
		client:    req.client,
		user:      rec.User,
		api:       apiPtr,
		requested: strings.Fields(p["scope"]),
		gty:       GrantPassword,
	}), nil
}
