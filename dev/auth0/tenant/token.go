package tenant

import (
	"crypto/subtle"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// knownGrants are the grant types Auth0 knows. A known grant that is not enabled for the client is
// answered 403 unauthorized_client; anything else the tenant does not implement is answered 400
// unsupported_grant_type.
var knownGrants = []string{
	"authorization_code", "implicit", "client_credentials", GrantPassword, GrantPasswordRealm, GrantRefreshToken,
	"http://auth0.com/oauth/grant-type/mfa-oob", "http://auth0.com/oauth/grant-type/mfa-otp",
	"http://auth0.com/oauth/grant-type/mfa-recovery-code", "http://auth0.com/oauth/grant-type/passwordless/otp",
	"urn:ietf:params:oauth:grant-type:device_code", "urn:ietf:params:oauth:grant-type:token-exchange",
}

// tokenRequest is a parsed /oauth/token request after client authentication.
type tokenRequest struct {
	params map[string]string
	client Client
	// confidential reports whether the client authenticated with its secret; only then is
	// auth0-forwarded-for trusted, as on a real tenant.
	confidential bool
	ip           string
}

// handleToken serves POST /oauth/token, evaluating a request in the order Auth0 does
// (docs/auth0-behaviour.md#token-endpoint-order).
func (t *Tenant) handleToken(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	resp, oerr := t.token(w, r)
	if oerr != nil {
		writeOAuthError(w, oerr)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (t *Tenant) token(w http.ResponseWriter, r *http.Request) (*tokenResponse, *oauthError) {
	if oerr := t.tokenRateLimit(); oerr != nil {
		return nil, oerr
	}
	params, err := readParams(w, r)
	basicID, basicSecret, hasBasic := basicAuth(r)
	clientID := params["client_id"]
	if hasBasic {
		clientID = basicID
	}
	recordParams(r.Context(), clientID, params)
	if err != nil {
		// (unverified) Auth0's text for an undecodable body.
		return nil, newOAuthError(http.StatusBadRequest, "invalid_request", "Invalid request body")
	}

	grant := params["grant_type"]
	if grant == "" {
		return nil, missingParam("grant_type")
	}

	// Client authentication: HTTP Basic (client_secret_basic) or client_secret in the body
	// (client_secret_post). A client_id in the body must agree with the Basic one.
	secret := params["client_secret"]
	if hasBasic {
		secret = basicSecret
		if id := params["client_id"]; id != "" && id != basicID {
			return nil, unauthorizedClient()
		}
	}
	t.mu.Lock()
	client, ok := t.clients[clientID]
	t.mu.Unlock()
	if !ok || clientID == "" {
		return nil, unauthorizedClient()
	}
	confidential := client.Secret != ""
	if confidential && subtle.ConstantTimeCompare([]byte(secret), []byte(client.Secret)) != 1 {
		return nil, unauthorizedClient()
	}

	if !slices.Contains(knownGrants, grant) {
		// (unverified) text.
		return nil, newOAuthError(http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant type: "+grant)
	}
	if !grantEnabled(client, grant) {
		return nil, newOAuthError(http.StatusForbidden, "unauthorized_client",
			"Grant type '"+grant+"' not allowed for the client.")
	}

	req := tokenRequest{params: params, client: client, confidential: confidential, ip: clientIP(r, confidential)}
	switch grant {
	case GrantPassword, GrantPasswordRealm:
		return t.passwordGrant(req, grant)
	case GrantRefreshToken:
		return t.exchangeRefreshToken(req)
	default:
		return nil, newOAuthError(http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant type: "+grant)
	}
}

func missingParam(name string) *oauthError {
	return newOAuthError(http.StatusBadRequest, "invalid_request", "Missing required parameter: "+name)
}

func unauthorizedClient() *oauthError {
	return newOAuthError(http.StatusUnauthorized, "access_denied", "Unauthorized")
}

// grantEnabled reports whether client may use grant. Enabling the password grant also enables
// password-realm, as in Auth0.
func grantEnabled(client Client, grant string) bool {
	if slices.Contains(client.GrantTypes, grant) {
		return true
	}
	return grant == GrantPasswordRealm && slices.Contains(client.GrantTypes, GrantPassword)
}

// basicAuth returns HTTP Basic client credentials, form-decoding them as RFC 6749 §2.3.1 requires.
func basicAuth(r *http.Request) (id, secret string, ok bool) {
	id, secret, ok = r.BasicAuth()
	if !ok {
		return "", "", false
	}
	if v, err := url.QueryUnescape(id); err == nil {
		id = v
	}
	if v, err := url.QueryUnescape(secret); err == nil {
		secret = v
	}
	return id, secret, true
}

// clientIP returns the end user's IP as Auth0 sees it: the auth0-forwarded-for header when the
// client authenticated with its secret, otherwise the peer address.
func clientIP(r *http.Request, confidential bool) string {
	if confidential {
		if fwd := r.Header.Get("auth0-forwarded-for"); fwd != "" {
			first, _, _ := strings.Cut(fwd, ",")
			return strings.TrimSpace(first)
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// SetTokenRateLimited makes /oauth/token answer every request with 429 too_many_requests and
// x-ratelimit-* headers, as when the tenant's global limit is reached, or stops doing so.
func (t *Tenant) SetTokenRateLimited(limited bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.tokenRateLimited = limited
}

func (t *Tenant) tokenRateLimit() *oauthError {
	t.mu.Lock()
	limited := t.tokenRateLimited
	t.mu.Unlock()
	if !limited {
		return nil
	}
	e := newOAuthError(http.StatusTooManyRequests, "too_many_requests", "Global limit has been reached")
	e.header = http.Header{}
	e.header.Set("x-ratelimit-limit", "30")
	e.header.Set("x-ratelimit-remaining", "0")
	e.header.Set("x-ratelimit-reset", strconv.FormatInt(t.now().Unix()+1, 10))
	return e
}
