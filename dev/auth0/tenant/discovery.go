package tenant

import "net/http"

// handleDiscovery serves the OpenID Provider metadata in the shape Auth0 publishes. The
// authorization, revocation and device endpoints are advertised for fidelity but not served.
func (t *Tenant) handleDiscovery(w http.ResponseWriter, _ *http.Request) {
	b := t.baseURL
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                t.issuer,
		"authorization_endpoint":                b + "/authorize",
		"token_endpoint":                        b + "/oauth/token",
		"device_authorization_endpoint":         b + "/oauth/device/code",
		"userinfo_endpoint":                     b + "/userinfo",
		"mfa_challenge_endpoint":                b + "/mfa/challenge",
		"jwks_uri":                              b + "/.well-known/jwks.json",
		"registration_endpoint":                 b + "/oidc/register",
		"revocation_endpoint":                   b + "/oauth/revoke",
		"scopes_supported":                      []string{"openid", "profile", "offline_access", "name", "given_name", "family_name", "nickname", "email", "email_verified", "picture", "created_at", "identities", "phone", "address"},
		"response_types_supported":              []string{"code", "token", "id_token", "code token", "code id_token", "token id_token", "code token id_token"},
		"code_challenge_methods_supported":      []string{"S256", "plain"},
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"HS256", "RS256", "PS256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post", "private_key_jwt"},
		"claims_supported":                      []string{"aud", "auth_time", "created_at", "email", "email_verified", "exp", "family_name", "given_name", "iat", "identities", "iss", "name", "nickname", "phone_number", "picture", "sub"},
		"request_uri_parameter_supported":       false,
		"request_parameter_supported":           false,
	})
}

// handleJWKS serves the published keys: current, next and any previous keys not yet revoked.
func (t *Tenant) handleJWKS(w http.ResponseWriter, _ *http.Request) {
	t.mu.Lock()
	keys := make([]publicJWK, 0, 4)
	for _, k := range t.keys.published() {
		keys = append(keys, k.jwk)
	}
	t.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"keys": keys})
}
