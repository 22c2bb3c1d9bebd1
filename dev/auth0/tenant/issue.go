package tenant

import (
	"crypto/rand"
	"encoding/base64"
	"slices"
	"strings"
	"time"
)

// oidcScopes are the OpenID Connect scopes, in the order Auth0 lists them in a granted scope.
var oidcScopes = []string{"openid", "profile", "email", "offline_access"}

// restrictedClaims are set by the tenant itself; an Action's claims with these names are dropped.
var restrictedClaims = []string{"iss", "sub", "aud", "azp", "exp", "iat", "nbf", "jti", "scope", "gty", "permissions", "client_id", "amr", "acr", "auth_time"}

// tokenResponse is the 200 body of /oauth/token.
type tokenResponse struct {
	AccessToken  string  `json:"access_token"`
	IDToken      string  `json:"id_token,omitempty"`
	RefreshToken string  `json:"refresh_token,omitempty"`
	Scope        *string `json:"scope,omitempty"` // present only when the granted scopes differ from the requested ones
	ExpiresIn    int64   `json:"expires_in"`
	TokenType    string  `json:"token_type"`
}

// refreshGrant is what a refresh token stands for.
type refreshGrant struct {
	clientID string
	sub      string
	audience string
	scopes   []string
}

// opaqueGrant is what an opaque (no-audience) access token stands for.
type opaqueGrant struct {
	sub     string
	scopes  []string
	expires time.Time
}

// issueRequest describes the tokens to issue after a successful grant.
type issueRequest struct {
	client    Client
	user      User
	api       *API // nil: no audience, opaque access token
	requested []string
	gty       string
	// fixedScopes, for refresh-token exchanges, replaces the scope computation with the scopes of
	// the original grant narrowed by the request, and always reports scope in the response.
	fixedScopes []string
	refresh     bool
}

// grantedScopes applies Auth0's rules: OIDC scopes as requested (offline_access only if the API
// allows offline access and the client has the refresh-token grant); API scopes as requested, or all
// of the API's scopes if none were requested (ROPG's implied trust); with RBAC, API scopes
// intersected with the user's permissions. Unknown scopes are dropped.
func grantedScopes(requested []string, api *API, client Client, user User) []string {
	var granted []string
	for _, s := range oidcScopes {
		if !slices.Contains(requested, s) {
			continue
		}
		if s == "offline_access" && (api == nil || !api.AllowOfflineAccess || !grantEnabled(client, GrantRefreshToken)) {
			continue
		}
		granted = append(granted, s)
	}
	if api == nil {
		return granted
	}
	var apiScopes []string
	for _, s := range api.Scopes {
		if slices.Contains(requested, s) {
			apiScopes = append(apiScopes, s)
		}
	}
	if len(apiScopes) == 0 {
		apiScopes = api.Scopes
	}
	for _, s := range apiScopes {
		if api.RBAC && !slices.Contains(user.Permissions, s) {
			continue
		}
		granted = append(granted, s)
	}
	return granted
}

// sameScopes reports whether a and b hold the same scopes, ignoring order and duplicates.
func sameScopes(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// issue builds the token response and remembers refresh and opaque tokens.
func (t *Tenant) issue(req issueRequest) *tokenResponse {
	granted := req.fixedScopes
	if !req.refresh {
		granted = grantedScopes(req.requested, req.api, req.client, req.user)
	}
	now := t.now()
	t.mu.Lock()
	key := t.keys.current
	t.profiles[req.user.UserID] = req.user.public()
	t.mu.Unlock()

	resp := &tokenResponse{TokenType: "Bearer"}
	if req.api != nil {
		claims := t.accessClaims(req.user, *req.api, req.client.ID, granted, req.gty, now)
		resp.AccessToken = signJWS(key, nil, claims)
		resp.ExpiresIn = int64(req.api.lifetime() / time.Second)
	} else {
		resp.AccessToken = randomToken(24)
		resp.ExpiresIn = int64(DefaultTokenLifetime / time.Second)
		t.mu.Lock()
		t.opaqueTokens[resp.AccessToken] = opaqueGrant{sub: req.user.UserID, scopes: granted, expires: now.Add(DefaultTokenLifetime)}
		t.mu.Unlock()
	}
	if slices.Contains(granted, "openid") {
		resp.IDToken = signJWS(key, nil, t.idClaims(req.user, req.client.ID, granted, now))
	}
	if slices.Contains(granted, "offline_access") && !req.refresh {
		resp.RefreshToken = "v1." + randomToken(64)
		t.mu.Lock()
		t.refreshTokens[resp.RefreshToken] = refreshGrant{
			clientID: req.client.ID, sub: req.user.UserID, audience: req.api.Identifier, scopes: granted,
		}
		t.mu.Unlock()
	}
	if req.refresh || !sameScopes(granted, req.requested) {
		scope := strings.Join(granted, " ")
		resp.Scope = &scope
	}
	return resp
}

// accessClaims returns the claims of an access token for api.
func (t *Tenant) accessClaims(user User, api API, clientID string, granted []string, gty string, now time.Time) map[string]any {
	claims := map[string]any{}
	for k, v := range t.action(user, api.Identifier) {
		if !slices.Contains(restrictedClaims, k) {
			claims[k] = v
		}
	}
	var aud any = api.Identifier
	if slices.Contains(granted, "openid") {
		aud = []string{api.Identifier, t.UserinfoAudience()}
	}
	claims["iss"] = t.issuer
	claims["sub"] = user.UserID
	claims["aud"] = aud
	claims["iat"] = now.Unix()
	claims["exp"] = now.Add(api.lifetime()).Unix()
	claims["azp"] = clientID
	if len(granted) > 0 {
		claims["scope"] = strings.Join(granted, " ")
	}
	if gty != "" {
		claims["gty"] = gty
	}
	if api.RBAC && api.AddPermissions {
		perms := []string{}
		for _, s := range api.Scopes {
			if slices.Contains(user.Permissions, s) {
				perms = append(perms, s)
			}
		}
		claims["permissions"] = perms
	}
	return claims
}

// idClaims returns the claims of an ID token: profile claims with the profile scope and email
// claims with the email scope.
func (t *Tenant) idClaims(user User, clientID string, granted []string, now time.Time) map[string]any {
	claims := map[string]any{
		"iss": t.issuer,
		"sub": user.UserID,
		"aud": clientID,
		"iat": now.Unix(),
		"exp": now.Add(IDTokenLifetime).Unix(),
	}
	for k, v := range profileClaims(user, granted) {
		claims[k] = v
	}
	return claims
}

// profileClaims returns the OIDC profile and email claims allowed by granted.
func profileClaims(user User, granted []string) map[string]any {
	claims := map[string]any{}
	if slices.Contains(granted, "profile") {
		claims["name"] = user.Name
		claims["nickname"] = user.Nickname
		claims["picture"] = user.Picture
		claims["updated_at"] = user.UpdatedAt.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	if slices.Contains(granted, "email") {
		claims["email"] = user.Email
		claims["email_verified"] = user.EmailVerified
	}
	return claims
}

// ProfileClaimsAction returns the tenant's default post-login Action: it adds the user's email,
// email_verified, name and connection as namespaced claims, for example "https://api.dev.local/email", because
// Auth0 access tokens carry no profile claims of their own.
func ProfileClaimsAction(namespace string) PostLoginAction {
	return func(user User, _ string) map[string]any {
		return map[string]any{
			namespace + "email":          user.Email,
			namespace + "email_verified": user.EmailVerified,
			namespace + "name":           user.Name,
			namespace + "connection":     user.Connection,
		}
	}
}

// AccessTokenFor returns an access token for the user with subject sub as a password login with
// scope "openid profile email" by the first client for the default audience (or the first API)
// would carry, with overrides applied: an override replaces a claim and a nil override removes it.
// An unknown sub still gets a token, with no permissions and the Action's claims for an empty
// profile. It is meant for tests that need a valid token, or one that differs from valid in one
// claim, without a login round trip. It panics if no API is configured.
func (t *Tenant) AccessTokenFor(sub string, overrides map[string]any) string {
	user, client, api, key := t.tokenForParts(sub)
	if api == nil {
		panic("tenant: AccessTokenFor needs an API")
	}
	granted := grantedScopes([]string{"openid", "profile", "email"}, api, client, user)
	claims := t.accessClaims(user, *api, client.ID, granted, GrantPassword, t.now())
	return signJWS(key, nil, applyOverrides(claims, overrides))
}

// IDTokenFor returns an ID token for the user with subject sub as a password login with scope
// "openid profile email" by the first client would carry, with overrides applied as in
// AccessTokenFor.
func (t *Tenant) IDTokenFor(sub string, overrides map[string]any) string {
	user, client, _, key := t.tokenForParts(sub)
	claims := t.idClaims(user, client.ID, []string{"openid", "profile", "email"}, t.now())
	return signJWS(key, nil, applyOverrides(claims, overrides))
}

func (t *Tenant) tokenForParts(sub string) (User, Client, *API, *signingKey) {
	t.mu.Lock()
	defer t.mu.Unlock()
	user := User{UserID: sub}
	if u, ok := t.users[sub]; ok {
		user = u.public()
	}
	client := t.clients[t.firstClient]
	aud := t.defaultAudience
	if aud == "" {
		aud = t.firstAPI
	}
	var api *API
	if a, ok := t.apis[aud]; ok {
		api = &a
	}
	return user, client, api, t.keys.current
}

// randomToken returns n random bytes, base64url-encoded.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails; it crashes the program instead.
	return base64.RawURLEncoding.EncodeToString(b)
}
