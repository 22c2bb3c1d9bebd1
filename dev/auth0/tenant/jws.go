package tenant

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
)

// Sign returns a compact JWS of claims signed RS256 with the current key. The header starts as
// {"alg":"RS256","typ":"JWT","kid":<current kid>}; entries of header replace those values and a nil
// value removes the entry, so negative tests can forge an "alg":"HS256" header, an unknown kid or no
// kid at all while the signature itself always comes from the current RSA key. Claims are
// serialised as given: nothing is added or checked. Sign panics if header or claims cannot be
// encoded as JSON, which is a bug in the calling test.
func (t *Tenant) Sign(header map[string]any, claims map[string]any) string {
	t.mu.Lock()
	key := t.keys.current
	t.mu.Unlock()
	return signJWS(key, header, claims)
}

// signJWS builds and signs a compact JWS; see Sign for the header rules.
func signJWS(key *signingKey, header map[string]any, claims map[string]any) string {
	h := map[string]any{"alg": "RS256", "typ": "JWT", "kid": key.kid}
	for k, v := range header {
		if v == nil {
			delete(h, k)
			continue
		}
		h[k] = v
	}
	if claims == nil {
		claims = map[string]any{}
	}
	hb, err := json.Marshal(h)
	if err != nil {
		panic(fmt.Sprintf("tenant: encode JWS header: %v", err))
	}
	cb, err := json.Marshal(claims)
	if err != nil {
		panic(fmt.Sprintf("tenant: encode JWS claims: %v", err))
	}
	input := b64(hb) + "." + b64(cb)
	return input + "." + b64(signRS256(key.priv, input))
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// errInvalidToken is returned for every token the tenant does not accept; callers answer with one
// generic error, as Auth0 does.
var errInvalidToken = errors.New("invalid token")

// verifyJWS checks a compact RS256 JWS against the published keys and returns its claims. Claims
// are not validated here.
func verifyJWS(keys *keyRing, token string) (map[string]any, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errInvalidToken
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return nil, errInvalidToken
	}
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(hb, &header); err != nil || header.Alg != "RS256" {
		return nil, errInvalidToken
	}
	key, ok := keys.find(header.Kid)
	if !ok {
		return nil, errInvalidToken
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, errInvalidToken
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(&key.priv.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
		return nil, errInvalidToken
	}
	cb, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, errInvalidToken
	}
	dec := json.NewDecoder(strings.NewReader(string(cb)))
	dec.UseNumber()
	var claims map[string]any
	if err := dec.Decode(&claims); err != nil {
		return nil, errInvalidToken
	}
	return claims, nil
}

// applyOverrides copies overrides into claims; a nil value deletes the claim.
func applyOverrides(claims, overrides map[string]any) map[string]any {
	out := maps.Clone(claims)
	for k, v := range overrides {
		if v == nil {
			delete(out, k)
			continue
		}
		out[k] = v
	}
	return out
}
