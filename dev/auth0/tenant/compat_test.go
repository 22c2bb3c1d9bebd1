package tenant_test

import (
	"context"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/auth0/go-jwt-middleware/v2/jwks"
	"github.com/auth0/go-jwt-middleware/v2/validator"
	jose "gopkg.in/go-jose/go-jose.v2"

	"github.com/gqlneo/gqlneo/dev/auth0/tenant"
)

// apiClaims are the custom claims the API server reads from access tokens.
type apiClaims struct {
	Scope         string   `json:"scope"`
	Permissions   []string `json:"permissions"`
	Email         string   `json:"https://api.dev.local/email"`
	EmailVerified bool     `json:"https://api.dev.local/email_verified"`
}

func (*apiClaims) Validate(context.Context) error { return nil }

// newValidator builds the validator exactly as the API server does: discovery through the caching
// JWKS provider of go-jwt-middleware v2.3.1, RS256, the tenant's issuer and the given audience.
func newValidator(tb testing.TB, tn *tenant.Tenant, audience string) *validator.Validator {
	tb.Helper()
	issuer, err := url.Parse(tn.Issuer())
	if err != nil {
		tb.Fatal(err)
	}
	provider := jwks.NewCachingProvider(issuer, 5*time.Minute)
	v, err := validator.New(provider.KeyFunc, validator.RS256, tn.Issuer(), []string{audience},
		validator.WithCustomClaims(func() validator.CustomClaims { return &apiClaims{} }),
		validator.WithAllowedClockSkew(30*time.Second))
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

func TestTokensVerifyWithGoJWTMiddleware(t *testing.T) {
	tn := startTenant(t)
	v := newValidator(t, tn, tenant.DevAudience)
	ctx := context.Background()

	login := mustLogin(t, tn, "bob@example.com", "openid profile email")
	got, err := v.ValidateToken(ctx, str(login.body, "access_token"))
	if err != nil {
		t.Fatalf("access token from /oauth/token rejected: %v", err)
	}
	vc := got.(*validator.ValidatedClaims)
	cc := vc.CustomClaims.(*apiClaims)
	if vc.RegisteredClaims.Subject != "auth0|64f1a2b3c4d5e6f708192a3c" || !slices.Contains(cc.Permissions, "delete:any-post") ||
		cc.Email != "bob@example.com" || !cc.EmailVerified {
		t.Errorf("claims = %+v %+v", vc.RegisteredClaims, cc)
	}
	if !slices.Equal(vc.RegisteredClaims.Audience, []string{tenant.DevAudience, tn.UserinfoAudience()}) {
		t.Errorf("aud = %v", vc.RegisteredClaims.Audience)
	}

	idv := newValidator(t, tn, tenant.DevClientID)
	if _, err := idv.ValidateToken(ctx, str(login.body, "id_token")); err != nil {
		t.Errorf("ID token rejected with the client ID as audience: %v", err)
	}

	tests := []struct {
		name    string
		change  func()
		token   func(t *testing.T) string
		wantErr bool
	}{
		{
			name:  "A token from AccessTokenFor verifies.",
			token: func(*testing.T) string { return tn.AccessTokenFor("auth0|64f1a2b3c4d5e6f708192a3b", nil) },
		},
		{
			name: "A token without a trailing slash in iss is rejected.",
			token: func(*testing.T) string {
				return tn.AccessTokenFor("auth0|64f1a2b3c4d5e6f708192a3b", map[string]any{"iss": tn.URL()})
			},
			wantErr: true,
		},
		{
			name: "A token whose kid is unknown is rejected.",
			token: func(*testing.T) string {
				return tn.Sign(map[string]any{"kid": "unknown"}, map[string]any{"iss": tn.Issuer(), "aud": tenant.DevAudience})
			},
			wantErr: true,
		},
		{
			name: "A token claiming HS256 is rejected.",
			token: func(*testing.T) string {
				return tn.Sign(map[string]any{"alg": "HS256"}, map[string]any{"iss": tn.Issuer(), "aud": tenant.DevAudience})
			},
			wantErr: true,
		},
		{
			name:   "After an Auth0-style rotation a warm JWKS cache verifies tokens of the new key, because it was pre-published.",
			change: tn.RotateKey,
			token:  func(t *testing.T) string { return str(mustLogin(t, tn, "alice@example.com", "").body, "access_token") },
		},
		{
			name:    "After a rotation without pre-publication a warm JWKS cache rejects tokens of the new key.",
			change:  tn.RotateKeyUnpublished,
			token:   func(*testing.T) string { return tn.AccessTokenFor("auth0|64f1a2b3c4d5e6f708192a3b", nil) },
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.change != nil {
				tt.change()
			}
			_, err := v.ValidateToken(ctx, tt.token(t))
			if (err != nil) != tt.wantErr {
				t.Errorf("ValidateToken error = %v, want error %v", err, tt.wantErr)
			}
		})
	}

	t.Run("A fresh JWKS cache verifies tokens of a key rotated in without pre-publication.", func(t *testing.T) {
		fresh := newValidator(t, tn, tenant.DevAudience)
		if _, err := fresh.ValidateToken(ctx, tn.AccessTokenFor("auth0|64f1a2b3c4d5e6f708192a3b", nil)); err != nil {
			t.Errorf("ValidateToken: %v", err)
		}
	})
}

func TestJWKSPublishesKeysAsAuth0Does(t *testing.T) {
	tn := startTenant(t)
	oldToken := tn.AccessTokenFor("auth0|64f1a2b3c4d5e6f708192a3b", nil)
	firstCurrent := tn.SigningKeyID()

	tests := []struct {
		name     string
		change   func()
		wantKeys int
		// wantOldTokenKey reports whether the key that signed oldToken is still published.
		wantOldTokenKey bool
	}{
		{name: "A new tenant publishes the current and the next key.", change: func() {}, wantKeys: 2, wantOldTokenKey: true},
		{name: "A rotation keeps the previous key published.", change: tn.RotateKey, wantKeys: 3, wantOldTokenKey: true},
		{name: "Revoking removes the previous key.", change: tn.RevokePreviousKeys, wantKeys: 2, wantOldTokenKey: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.change()
			r := get(t, tn, "/.well-known/jwks.json", "")
			var set jose.JSONWebKeySet
			if err := json.Unmarshal([]byte(r.raw), &set); err != nil {
				t.Fatalf("go-jose cannot decode the JWKS: %v", err)
			}
			if len(set.Keys) != tt.wantKeys {
				t.Fatalf("%d keys published, want %d", len(set.Keys), tt.wantKeys)
			}
			if got := set.Keys[0].KeyID; got != tn.SigningKeyID() {
				t.Errorf("first key %s, want the signing key %s", got, tn.SigningKeyID())
			}
			if got := len(set.Key(firstCurrent)) == 1; got != tt.wantOldTokenKey {
				t.Errorf("key of the old token published = %v, want %v", got, tt.wantOldTokenKey)
			}
			var raw struct {
				Keys []map[string]any `json:"keys"`
			}
			if err := json.Unmarshal([]byte(r.raw), &raw); err != nil {
				t.Fatal(err)
			}
			for _, k := range raw.Keys {
				if k["kty"] != "RSA" || k["use"] != "sig" || k["alg"] != "RS256" || k["e"] != "AQAB" {
					t.Errorf("key %v lacks Auth0's members", k["kid"])
				}
				der, err := base64.StdEncoding.DecodeString(k["x5c"].([]any)[0].(string))
				if err != nil {
					t.Fatal(err)
				}
				sum := sha1.Sum(der)
				if k["x5t"] != base64.RawURLEncoding.EncodeToString(sum[:]) {
					t.Errorf("x5t of %v is not the SHA-1 of x5c", k["kid"])
				}
				if _, err := x509.ParseCertificate(der); err != nil {
					t.Errorf("x5c of %v: %v", k["kid"], err)
				}
			}
		})
	}
	_, header := decodeJWTHeader(t, oldToken)
	if header != firstCurrent {
		t.Errorf("old token kid %s, want %s", header, firstCurrent)
	}
}

func decodeJWTHeader(tb testing.TB, token string) (map[string]any, string) {
	tb.Helper()
	h, _ := decodeJWT(tb, token)
	return h, str(h, "kid")
}

func TestDiscoveryPointsAtTheTenant(t *testing.T) {
	tn := startTenant(t)
	r := get(t, tn, "/.well-known/openid-configuration", "")
	tests := []struct {
		name, key, want string
	}{
		{name: "The issuer has a trailing slash.", key: "issuer", want: tn.URL() + "/"},
		{name: "The JWKS is at the well-known path.", key: "jwks_uri", want: tn.URL() + "/.well-known/jwks.json"},
		{name: "The token endpoint is /oauth/token.", key: "token_endpoint", want: tn.URL() + "/oauth/token"},
		{name: "The userinfo endpoint is /userinfo.", key: "userinfo_endpoint", want: tn.URL() + "/userinfo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := str(r.body, tt.key); got != tt.want {
				t.Errorf("%s = %q, want %q", tt.key, got, tt.want)
			}
		})
	}
}
