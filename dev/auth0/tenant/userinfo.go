package tenant

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// handleUserinfo serves GET and POST /userinfo (docs/auth0-behaviour.md#userinfo-rate-limit): a
// bearer access token that lists the userinfo audience, or an opaque token, yields the profile claims
// its scopes allow, subject to a per-user rate limit.
func (t *Tenant) handleUserinfo(w http.ResponseWriter, r *http.Request) {
	sub, scopes, ok := t.authenticateUserinfo(r)
	if !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]string{
			"error": "unauthorized", "error_description": "invalid credentials",
		})
		return
	}

	t.mu.Lock()
	limited := t.userinfoLimited
	allowed, remaining, reset := true, userinfoBurst, t.now()
	if limited {
		b, found := t.userinfoBuckets[sub]
		if !found {
			b = &bucket{tokens: userinfoBurst, at: t.now()}
			t.userinfoBuckets[sub] = b
		}
		allowed, remaining, reset = b.take(t.now())
	}
	profile, hasProfile := t.profiles[sub]
	if !hasProfile {
		if u, exists := t.users[sub]; exists {
			profile, hasProfile = u.public(), true
		}
	}
	_, exists := t.users[sub]
	t.mu.Unlock()

	if limited {
		w.Header().Set("X-RateLimit-Limit", strconv.Itoa(userinfoBurst))
		w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	}
	if !allowed {
		// (unverified) body text of Auth0's 429 on /userinfo.
		writeJSON(w, http.StatusTooManyRequests, map[string]string{
			"error": "too_many_requests", "error_description": "Too Many Requests",
		})
		return
	}
	if !exists {
		writeJSON(w, http.StatusUnauthorized, map[string]string{
			"error": "unauthorized", "error_description": "invalid credentials",
		})
		return
	}
	body := map[string]any{"sub": sub}
	if hasProfile {
		for k, v := range profileClaims(profile, scopes) {
			body[k] = v
		}
	}
	writeJSON(w, http.StatusOK, body)
}

// authenticateUserinfo returns the subject and scopes of the request's bearer token if /userinfo
// accepts it: an unexpired opaque token, or an RS256 JWT signed by a published key, issued by this
// tenant, unexpired, with the userinfo audience. Either must have been granted openid.
func (t *Tenant) authenticateUserinfo(r *http.Request) (string, []string, bool) {
	scheme, token, found := strings.Cut(r.Header.Get("Authorization"), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", nil, false
	}
	now := t.now()
	t.mu.Lock()
	opaque, isOpaque := t.opaqueTokens[token]
	var claims map[string]any
	var err error
	if !isOpaque {
		claims, err = verifyJWS(&t.keys, token)
	}
	t.mu.Unlock()

	if isOpaque {
		if now.After(opaque.expires) || !slices.Contains(opaque.scopes, "openid") {
			return "", nil, false
		}
		return opaque.sub, opaque.scopes, true
	}
	if err != nil {
		return "", nil, false
	}
	iss, _ := claims["iss"].(string)
	sub, _ := claims["sub"].(string)
	scope, _ := claims["scope"].(string)
	exp, expErr := numberClaim(claims["exp"])
	scopes := strings.Fields(scope)
	if iss != t.issuer || sub == "" || expErr != nil || now.Unix() >= exp ||
		!audienceContains(claims["aud"], t.UserinfoAudience()) || !slices.Contains(scopes, "openid") {
		return "", nil, false
	}
	return sub, scopes, true
}

func numberClaim(v any) (int64, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, errInvalidToken
	}
	if i, err := n.Int64(); err == nil {
		return i, nil
	}
	f, err := n.Float64()
	return int64(f), err
}

// audienceContains reports whether aud, a string or an array of strings, contains want.
func audienceContains(aud any, want string) bool {
	switch a := aud.(type) {
	case string:
		return a == want
	case []any:
		for _, v := range a {
			if s, ok := v.(string); ok && s == want {
				return true
			}
		}
	}
	return false
}
