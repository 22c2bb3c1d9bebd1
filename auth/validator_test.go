package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	jose "gopkg.in/go-jose/go-jose.v2"
)

func TestValidatorValidate(t *testing.T) {
	f := newJFIssuer(t)
	v, _, _ := newJFValidator(t, f)
	now := time.Now()

	// with returns the default claims changed by edit.
	with := func(edit func(c map[string]any)) map[string]any {
		c := f.claims()
		edit(c)
		return c
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&jfKeys(t)[0].PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	hs256 := func(key []byte) func([]byte) []byte {
		return func(in []byte) []byte {
			m := hmac.New(sha256.New, key)
			m.Write(in)
			return m.Sum(nil)
		}
	}
	flipSignatureBit := func(tok string) string {
		i := strings.LastIndexByte(tok, '.')
		sig, err := base64.RawURLEncoding.DecodeString(tok[i+1:])
		if err != nil {
			t.Fatal(err)
		}
		sig[len(sig)/2] ^= 0x01
		return tok[:i+1] + base64.RawURLEncoding.EncodeToString(sig)
	}
	jsonSerialized := func() string {
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256,
			Key: jose.JSONWebKey{Key: jfKeys(t)[0], KeyID: "key-1"}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		payload, _ := json.Marshal(f.claims())
		obj, err := signer.Sign(payload)
		if err != nil {
			t.Fatal(err)
		}
		return obj.FullSerialize()
	}
	header := f.header()
	headerWith := func(k string, val any) map[string]any {
		h := maps.Clone(header)
		if val == nil {
			delete(h, k)
		} else {
			h[k] = val
		}
		return h
	}

	tests := []struct {
		name       string
		token      string
		wantReason string // "" means valid
	}{
		{name: "a valid token is accepted", token: f.sign(t, f.claims())},
		{name: "a token whose aud is a single string is accepted",
			token: f.sign(t, with(func(c map[string]any) { c["aud"] = jfAudience }))},
		{name: "a token expired 10 s ago is accepted within the clock skew",
			token: f.sign(t, with(func(c map[string]any) { c["exp"] = now.Add(-10 * time.Second).Unix() }))},
		{name: "an expired token is rejected",
			token: f.sign(t, with(func(c map[string]any) { c["exp"] = now.Add(-time.Hour).Unix() })), wantReason: ReasonTokenExpired},
		{name: "a token whose nbf is in the future is rejected",
			token: f.sign(t, with(func(c map[string]any) { c["nbf"] = now.Add(time.Hour).Unix() })), wantReason: ReasonTokenNotYetValid},
		{name: "a token issued in the future is rejected",
			token: f.sign(t, with(func(c map[string]any) { c["iat"] = now.Add(time.Hour).Unix() })), wantReason: ReasonTokenNotYetValid},
		{name: "a token for another audience is rejected",
			token: f.sign(t, with(func(c map[string]any) { c["aud"] = "https://other.api" })), wantReason: ReasonInvalidAudience},
		{name: "a token without aud is rejected",
			token: f.sign(t, with(func(c map[string]any) { delete(c, "aud") })), wantReason: ReasonInvalidAudience},
		{name: "a token from another issuer is rejected",
			token: f.sign(t, with(func(c map[string]any) { c["iss"] = "https://evil.example/" })), wantReason: ReasonInvalidIssuer},
		{name: "a token whose issuer lacks the trailing slash is rejected",
			token: f.sign(t, with(func(c map[string]any) { c["iss"] = strings.TrimSuffix(f.Issuer, "/") })), wantReason: ReasonInvalidIssuer},
		{name: "a token without exp is rejected",
			token: f.sign(t, with(func(c map[string]any) { delete(c, "exp") })), wantReason: ReasonMissingExpiry},
		{name: "a token whose exp is null is rejected",
			token: f.sign(t, with(func(c map[string]any) { c["exp"] = nil })), wantReason: ReasonMissingExpiry},
		{name: "a token without sub is rejected",
			token: f.sign(t, with(func(c map[string]any) { delete(c, "sub") })), wantReason: ReasonInvalidToken},
		{name: "an unsigned token with alg none is rejected",
			token: jfCompact(t, headerWith("alg", "none"), f.claims(), func([]byte) []byte { return nil }), wantReason: ReasonUnsupportedAlgorithm},
		{name: "an HS256 token keyed with the RSA public key PEM is rejected",
			token: jfCompact(t, headerWith("alg", "HS256"), f.claims(), hs256(pubPEM)), wantReason: ReasonUnsupportedAlgorithm},
		{name: "an HS256 token keyed with the RSA public key DER is rejected",
			token: jfCompact(t, headerWith("alg", "HS256"), f.claims(), hs256(pubDER)), wantReason: ReasonUnsupportedAlgorithm},
		{name: "an RS384 token is rejected",
			token: f.signWith(t, headerWith("alg", "RS384"), f.claims()), wantReason: ReasonUnsupportedAlgorithm},
		{name: "a token whose header has no alg is rejected",
			token: f.signWith(t, headerWith("alg", nil), f.claims()), wantReason: ReasonMalformedToken},
		{name: "a JSON-serialized JWS is rejected", token: jsonSerialized(), wantReason: ReasonMalformedToken},
		{name: "a token with a flipped signature bit is rejected",
			token: flipSignatureBit(f.sign(t, f.claims())), wantReason: ReasonInvalidSignature},
		{name: "a token with an altered payload is rejected",
			token: func() string {
				good := strings.Split(f.sign(t, f.claims()), ".")
				evil := strings.Split(f.sign(t, with(func(c map[string]any) { c["sub"] = "auth0|admin" })), ".")
				return good[0] + "." + evil[1] + "." + good[2]
			}(), wantReason: ReasonInvalidSignature},
		{name: "a token signed by an unpublished key under a published kid is rejected",
			token: f.signWithKey(t, jfSigningKey{kid: "key-1", priv: jfKeys(t)[3]}, f.claims()), wantReason: ReasonInvalidSignature},
		{name: "a token without kid is rejected",
			token: f.signWith(t, headerWith("kid", nil), f.claims()), wantReason: ReasonUnknownKey},
		{name: "a token whose kid is not a string is rejected",
			token: f.signWith(t, headerWith("kid", 7), f.claims()), wantReason: ReasonMalformedToken},
		{name: "garbage is rejected", token: "not-a-token", wantReason: ReasonMalformedToken},
		{name: "an empty token is rejected", token: "", wantReason: ReasonMalformedToken},
		{name: "a token with excessive dots is rejected", token: strings.Repeat(".", 10000), wantReason: ReasonMalformedToken},
		{name: "a token with non-base64url characters is rejected", token: "a+b.c/d.e=f", wantReason: ReasonMalformedToken},
		{name: "a token whose payload is not a JSON object is rejected",
			token: base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","kid":"key-1"}`)) + "." +
				base64.RawURLEncoding.EncodeToString([]byte(`[1]`)) + ".c2ln", wantReason: ReasonMalformedToken},
		{name: "a token over 16 KiB is rejected",
			token: f.sign(t, with(func(c map[string]any) { c["pad"] = strings.Repeat("x", tokenMaxBytes) })), wantReason: ReasonMalformedToken},
		{name: "a token whose aud is a number is rejected",
			token: f.sign(t, with(func(c map[string]any) { c["aud"] = 42 })), wantReason: ReasonMalformedToken},
		{name: "a token whose exp is a string is rejected",
			token: f.sign(t, with(func(c map[string]any) { c["exp"] = "tomorrow" })), wantReason: ReasonMalformedToken},
		{name: "a token whose permissions is a string is rejected",
			token: f.sign(t, with(func(c map[string]any) { c["permissions"] = "read:posts" })), wantReason: ReasonMalformedToken},
		{name: "a token whose sub is a number is rejected",
			token: f.sign(t, with(func(c map[string]any) { c["sub"] = 12 })), wantReason: ReasonMalformedToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claims, err := v.Validate(context.Background(), tt.token)
			got := jfReason(t, err)
			if got != tt.wantReason {
				t.Fatalf("reason %q, want %q (err: %v)", got, tt.wantReason, err)
			}
			if tt.wantReason == "" && (claims == nil || claims.Subject == "") {
				t.Fatalf("valid token gave claims %+v", claims)
			}
			if tt.wantReason != "" && claims != nil {
				t.Fatalf("rejected token gave claims %+v", claims)
			}
		})
	}
}

func TestValidatorClaims(t *testing.T) {
	const ns = "https://api.test.local/"
	f := newJFIssuer(t)
	exp := time.Now().Add(time.Hour).Truncate(time.Second)
	base := func() map[string]any {
		c := f.claims()
		c["exp"] = exp.Unix()
		c["scope"] = "openid read:posts write:posts"
		return c
	}
	yes := true
	tests := []struct {
		name      string
		namespace string
		edit      func(c map[string]any)
		want      Claims
		canDo     map[string]bool // HasPermission results
	}{
		{
			name:  "without a permissions claim HasPermission falls back to scopes",
			want:  Claims{Scopes: []string{"openid", "read:posts", "write:posts"}},
			canDo: map[string]bool{"read:posts": true, "write:posts": true, "delete:posts": false},
		},
		{
			name:  "with a permissions claim HasPermission ignores scopes",
			edit:  func(c map[string]any) { c["permissions"] = []string{"read:posts"} },
			want:  Claims{Scopes: []string{"openid", "read:posts", "write:posts"}, Permissions: []string{"read:posts"}},
			canDo: map[string]bool{"read:posts": true, "write:posts": false},
		},
		{
			name:  "an empty permissions claim grants nothing",
			edit:  func(c map[string]any) { c["permissions"] = []string{} },
			want:  Claims{Scopes: []string{"openid", "read:posts", "write:posts"}, Permissions: []string{}},
			canDo: map[string]bool{"read:posts": false},
		},
		{
			name:      "namespaced profile claims are read with the configured namespace",
			namespace: ns,
			edit: func(c map[string]any) {
				c[ns+"email"] = "ada@example.com"
				c[ns+"email_verified"] = true
				c[ns+"name"] = "Ada"
				c[ns+"picture"] = "https://example.com/ada.png"
				c["email"] = "plain@example.com" // Auth0 never sends this; it must not be read
			},
			want: Claims{Scopes: []string{"openid", "read:posts", "write:posts"},
				Email: "ada@example.com", EmailVerified: &yes, Name: "Ada", Picture: "https://example.com/ada.png"},
		},
		{
			name: "profile claims are not read without a namespace",
			edit: func(c map[string]any) {
				c["email"] = "plain@example.com"
				c["email_verified"] = true
				c[ns+"email"] = "ada@example.com"
			},
			want: Claims{Scopes: []string{"openid", "read:posts", "write:posts"}},
		},
		{
			name:      "an absent email_verified stays nil",
			namespace: ns,
			edit:      func(c map[string]any) { c[ns+"email"] = "ada@example.com" },
			want:      Claims{Scopes: []string{"openid", "read:posts", "write:posts"}, Email: "ada@example.com"},
		},
		{
			name:  "a missing scope gives no scopes",
			edit:  func(c map[string]any) { delete(c, "scope") },
			want:  Claims{},
			canDo: map[string]bool{"read:posts": false},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, _, _ := newJFValidator(t, f, WithClaimsNamespace(tt.namespace))
			c := base()
			if tt.edit != nil {
				tt.edit(c)
			}
			got, err := v.Validate(context.Background(), f.sign(t, c))
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			want := tt.want
			want.Subject = "auth0|6553da60a54af58e29493993"
			want.Issuer = f.Issuer
			want.Audience = []string{jfAudience, f.Issuer + "userinfo"}
			want.ExpiresAt = exp
			jfEqualClaims(t, got, &want)
			for p, ok := range tt.canDo {
				if got.HasPermission(p) != ok {
					t.Errorf("HasPermission(%q) = %v, want %v", p, !ok, ok)
				}
			}
		})
	}

	t.Run("a namespaced email_verified that is not a boolean rejects the token", func(t *testing.T) {
		v, _, _ := newJFValidator(t, f, WithClaimsNamespace(ns))
		c := base()
		c[ns+"email_verified"] = "true"
		_, err := v.Validate(context.Background(), f.sign(t, c))
		if got := jfReason(t, err); got != ReasonMalformedToken {
			t.Errorf("reason %q, want %q", got, ReasonMalformedToken)
		}
	})
}

// jfEqualClaims compares Claims field by field, telling nil from empty
// Permissions because HasPermission depends on it.
func jfEqualClaims(t *testing.T, got, want *Claims) {
	t.Helper()
	eq := func(a, b []string) bool {
		return (a == nil) == (b == nil) && strings.Join(a, " ") == strings.Join(b, " ")
	}
	switch {
	case got.Subject != want.Subject, got.Issuer != want.Issuer, !eq(got.Audience, want.Audience),
		!eq(got.Scopes, want.Scopes), !eq(got.Permissions, want.Permissions),
		got.Email != want.Email, got.Name != want.Name, got.Picture != want.Picture,
		!got.ExpiresAt.Equal(want.ExpiresAt),
		(got.EmailVerified == nil) != (want.EmailVerified == nil),
		got.EmailVerified != nil && *got.EmailVerified != *want.EmailVerified:
		t.Errorf("claims\n got %+v\nwant %+v", *got, *want)
	}
}

func TestValidatorClockSkew(t *testing.T) {
	f := newJFIssuer(t)
	tok := f.sign(t, func() map[string]any {
		c := f.claims()
		c["exp"] = time.Now().Add(-10 * time.Second).Unix()
		return c
	}())
	tests := []struct {
		name       string
		opts       []ValidatorOption
		wantReason string
	}{
		{name: "the default skew accepts a token expired 10 s ago"},
		{name: "a zero skew rejects a token expired 10 s ago", opts: []ValidatorOption{WithClockSkew(0)}, wantReason: ReasonTokenExpired},
		{name: "a negative skew acts as zero", opts: []ValidatorOption{WithClockSkew(-time.Hour)}, wantReason: ReasonTokenExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, _, _ := newJFValidator(t, f, tt.opts...)
			_, err := v.Validate(context.Background(), tok)
			if got := jfReason(t, err); got != tt.wantReason {
				t.Errorf("reason %q, want %q", got, tt.wantReason)
			}
		})
	}
}

func TestNewValidatorRejectsBadArguments(t *testing.T) {
	f := newJFIssuer(t)
	ks, _ := newJFKeySet(t, f)
	tests := []struct {
		name     string
		keys     *KeySet
		issuer   string
		audience []string
	}{
		{name: "a nil KeySet is refused", issuer: f.Issuer, audience: []string{jfAudience}},
		{name: "an empty issuer is refused", keys: ks, audience: []string{jfAudience}},
		{name: "no audience is refused", keys: ks, issuer: f.Issuer},
		{name: "an empty audience is refused", keys: ks, issuer: f.Issuer, audience: []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewValidator(tt.keys, tt.issuer, tt.audience); err == nil {
				t.Error("NewValidator succeeded")
			}
			if len(tt.audience) > 0 {
				if _, err := NewIDTokenValidator(tt.keys, tt.issuer, tt.audience[0]); err == nil {
					t.Error("NewIDTokenValidator succeeded")
				}
			}
		})
	}
}

func TestIDTokenValidator(t *testing.T) {
	f := newJFIssuer(t)
	ks, _ := newJFKeySet(t, f)
	v, err := NewIDTokenValidator(ks, f.Issuer, jfClientID, WithClaimsNamespace("https://ignored/"))
	if err != nil {
		t.Fatal(err)
	}
	idToken := func(edit func(c map[string]any)) string {
		now := time.Now()
		c := map[string]any{
			"iss": f.Issuer, "sub": "auth0|42", "aud": jfClientID, "iat": now.Unix(), "exp": now.Add(10 * time.Hour).Unix(),
			"email": "ada@example.com", "email_verified": false, "name": "Ada Lovelace", "nickname": "ada",
			"picture": "https://example.com/ada.png", "updated_at": "2023-06-14T21:36:26.399Z",
		}
		if edit != nil {
			edit(c)
		}
		return f.sign(t, c)
	}
	no := false
	tests := []struct {
		name       string
		token      string
		want       *IDClaims
		wantReason string
	}{
		{name: "a valid ID token gives its profile", token: idToken(nil),
			want: &IDClaims{Subject: "auth0|42", Email: "ada@example.com", EmailVerified: &no, Name: "Ada Lovelace",
				Nickname: "ada", Picture: "https://example.com/ada.png"}},
		{name: "an ID token without email scope has no email", token: idToken(func(c map[string]any) {
			delete(c, "email")
			delete(c, "email_verified")
		}), want: &IDClaims{Subject: "auth0|42", Name: "Ada Lovelace", Nickname: "ada", Picture: "https://example.com/ada.png"}},
		{name: "an access token is not accepted as an ID token", token: f.sign(t, f.claims()), wantReason: ReasonInvalidAudience},
		{name: "an ID token for another client is rejected",
			token: idToken(func(c map[string]any) { c["aud"] = "other-client" }), wantReason: ReasonInvalidAudience},
		{name: "an ID token whose azp names another client is rejected",
			token: idToken(func(c map[string]any) { c["aud"] = []string{jfClientID, "other"}; c["azp"] = "other" }), wantReason: ReasonInvalidToken},
		{name: "an ID token without exp is rejected",
			token: idToken(func(c map[string]any) { delete(c, "exp") }), wantReason: ReasonMissingExpiry},
		{name: "an expired ID token is rejected",
			token: idToken(func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() }), wantReason: ReasonTokenExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := v.Validate(context.Background(), tt.token)
			if reason := jfReason(t, err); reason != tt.wantReason {
				t.Fatalf("reason %q, want %q (err: %v)", reason, tt.wantReason, err)
			}
			if tt.want == nil {
				return
			}
			if got.Subject != tt.want.Subject || got.Email != tt.want.Email || got.Name != tt.want.Name ||
				got.Nickname != tt.want.Nickname || got.Picture != tt.want.Picture ||
				(got.EmailVerified == nil) != (tt.want.EmailVerified == nil) ||
				(got.EmailVerified != nil && *got.EmailVerified != *tt.want.EmailVerified) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestTokenError(t *testing.T) {
	cause := errors.New("cause")
	te := &TokenError{Reason: ReasonKeysUnavailable, Err: errors.Join(ErrKeysUnavailable, cause)}
	var err error = te
	tests := []struct {
		name   string
		target error
		want   bool
	}{
		{name: "a TokenError matches ErrInvalidToken", target: ErrInvalidToken, want: true},
		{name: "a TokenError matches the sentinels it wraps", target: ErrKeysUnavailable, want: true},
		{name: "a TokenError matches the causes it wraps", target: cause, want: true},
		{name: "a TokenError does not match unrelated errors", target: errors.New("cause"), want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errors.Is(err, tt.target); got != tt.want {
				t.Errorf("errors.Is = %v, want %v", got, tt.want)
			}
		})
	}
	if !strings.Contains(te.Error(), ReasonKeysUnavailable) {
		t.Errorf("Error() = %q lacks the reason", te.Error())
	}
	if got := (&TokenError{Reason: ReasonInvalidToken}).Error(); !strings.Contains(got, ReasonInvalidToken) {
		t.Errorf("Error() without cause = %q", got)
	}
}

// BenchmarkValidatorValidate is the full verification every request pays:
// the compact-JWS checks, the RS256 signature and the claims.
//
//	go test ./auth -run '^$' -bench Validate -benchmem
func BenchmarkValidatorValidate(b *testing.B) {
	f := newJFIssuer(b)
	v, _, _ := newJFValidator(b, f)
	token := f.sign(b, f.claims())
	ctx := context.Background()
	if _, err := v.Validate(ctx, token); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Validate(ctx, token); err != nil {
			b.Fatal(err)
		}
	}
}

func TestAVerifiedTokenIsRefusedExactlyWhenAFullCheckWouldRefuseIt(t *testing.T) {
	ctx := context.Background()
	t.Run("a token sent again is not verified again", func(t *testing.T) {
		f := newJFIssuer(t)
		v, _, _ := newJFValidator(t, f)
		token := f.sign(t, f.claims())
		first, err := v.Validate(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		again, err := v.Validate(ctx, token)
		if err != nil || again.Subject != first.Subject || again.Token != token {
			t.Fatalf("again = %+v, %v", again, err)
		}
		if v.verified.entries.Len() != 1 {
			t.Errorf("%d cached tokens, want 1", v.verified.entries.Len())
		}
		again.Subject = "changed by a caller"
		if third, _ := v.Validate(ctx, token); third.Subject != first.Subject {
			t.Error("a caller's change to the returned claims reached the cache")
		}
	})
	t.Run("a cached token is refused once it expires", func(t *testing.T) {
		f := newJFIssuer(t)
		v, _, _ := newJFValidator(t, f, WithClockSkew(0))
		claims := f.claims()
		claims["exp"] = time.Now().Add(time.Second).Unix()
		token := f.sign(t, claims)
		if _, err := v.Validate(ctx, token); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Until(time.Unix(claims["exp"].(int64), 0)) + 50*time.Millisecond)
		if _, err := v.Validate(ctx, token); jfReason(t, err) != ReasonTokenExpired {
			t.Errorf("after exp: %v", err)
		}
	})
	t.Run("a cached token is refused once its key leaves the key set", func(t *testing.T) {
		f := newJFIssuer(t)
		v, ks, clock := newJFValidator(t, f)
		token := f.sign(t, f.claims())
		if _, err := v.Validate(ctx, token); err != nil {
			t.Fatal(err)
		}
		// The issuer revokes the key; the key set notices at its next refresh.
		f.rotate(t)
		f.mu.Lock()
		f.published = f.published[1:]
		f.mu.Unlock()
		clock.Advance(keySetDefaultTTL)
		_, _ = v.Validate(ctx, token) // starts the background refresh
		jfWaitIdle(t, ks)
		if _, err := v.Validate(ctx, token); jfReason(t, err) != ReasonUnknownKey {
			t.Errorf("after revocation: %v", err)
		}
	})
	t.Run("WithVerifiedCache(0) verifies every token in full", func(t *testing.T) {
		f := newJFIssuer(t)
		v, _, _ := newJFValidator(t, f, WithVerifiedCache(0))
		if _, err := v.Validate(ctx, f.sign(t, f.claims())); err != nil || v.verified != nil {
			t.Errorf("err %v, cache %v", err, v.verified)
		}
	})
}

func BenchmarkValidatorValidateFull(b *testing.B) {
	f := newJFIssuer(b)
	v, _, _ := newJFValidator(b, f, WithVerifiedCache(0))
	token := f.sign(b, f.claims())
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Validate(ctx, token); err != nil {
			b.Fatal(err)
		}
	}
}
