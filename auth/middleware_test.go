package auth

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestMiddleware(t *testing.T) {
	f := newJFIssuer(t)
	v, _, _ := newJFValidator(t, f)
	valid := f.sign(t, f.claims())
	expired := f.sign(t, func() map[string]any {
		c := f.claims()
		c["exp"] = time.Now().Add(-time.Hour).Unix()
		return c
	}())

	tests := []struct {
		name        string
		headers     []string // Authorization header values; none means absent
		wantSubject string   // "" means no claims
		wantReason  string   // "" means no TokenError
	}{
		{name: "a request without Authorization goes on anonymously"},
		{name: "an empty Authorization header counts as absent", headers: []string{""}},
		{name: "a valid Bearer token puts its claims in the context",
			headers: []string{"Bearer " + valid}, wantSubject: "auth0|6553da60a54af58e29493993"},
		{name: "the Bearer scheme is case-insensitive",
			headers: []string{"bearer " + valid}, wantSubject: "auth0|6553da60a54af58e29493993"},
		{name: "an expired token goes on with a TokenError and no claims",
			headers: []string{"Bearer " + expired}, wantReason: ReasonTokenExpired},
		{name: "a Basic credential goes on with invalid_scheme",
			headers: []string{"Basic dXNlcjpwYXNz"}, wantReason: ReasonInvalidScheme},
		{name: "a bare token without scheme goes on with invalid_scheme",
			headers: []string{valid}, wantReason: ReasonInvalidScheme},
		{name: "a garbage Bearer token goes on with malformed_token",
			headers: []string{"Bearer garbage"}, wantReason: ReasonMalformedToken},
		{name: "Bearer without a token goes on with malformed_token",
			headers: []string{"Bearer"}, wantReason: ReasonMalformedToken},
		{name: "Bearer with two tokens goes on with malformed_token",
			headers: []string{"Bearer " + valid + " " + valid}, wantReason: ReasonMalformedToken},
		{name: "two Authorization headers go on with malformed_token",
			headers: []string{"Bearer " + valid, "Bearer " + valid}, wantReason: ReasonMalformedToken},
		{name: "a header over 16 KiB goes on with malformed_token",
			headers: []string{"Bearer " + strings.Repeat("a", tokenMaxBytes)}, wantReason: ReasonMalformedToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls++
				claims, hasClaims := ClaimsFromContext(r.Context())
				tokenErr, hasErr := TokenErrorFromContext(r.Context())
				switch {
				case tt.wantSubject != "" && (!hasClaims || claims.Subject != tt.wantSubject):
					t.Errorf("claims %+v (present %v), want subject %q", claims, hasClaims, tt.wantSubject)
				case tt.wantSubject == "" && hasClaims:
					t.Errorf("unexpected claims %+v", claims)
				}
				switch {
				case tt.wantReason != "" && (!hasErr || tokenErr.Reason != tt.wantReason):
					t.Errorf("token error %v (present %v), want reason %q", tokenErr, hasErr, tt.wantReason)
				case tt.wantReason == "" && hasErr:
					t.Errorf("unexpected token error %v", tokenErr)
				}
				w.WriteHeader(http.StatusTeapot)
			})
			req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(`{}`))
			for _, h := range tt.headers {
				req.Header.Add("Authorization", h)
			}
			rec := httptest.NewRecorder()
			Middleware(v)(next).ServeHTTP(rec, req)
			if calls != 1 {
				t.Fatalf("next called %d times, want 1", calls)
			}
			if rec.Code != http.StatusTeapot {
				t.Errorf("status %d: the middleware answered the request itself", rec.Code)
			}
		})
	}
}

func TestWriteWWWAuthenticate(t *testing.T) {
	tests := []struct {
		name   string
		reason string
		want   string
	}{
		{name: "no reason gives a bare Bearer challenge", reason: "", want: `Bearer`},
		{name: "a known reason becomes the error description", reason: ReasonTokenExpired,
			want: `Bearer error="invalid_token", error_description="token_expired"`},
		{name: "an unknown reason is replaced so no text leaks", reason: `x", evil="1`,
			want: `Bearer error="invalid_token", error_description="invalid_token"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			WriteWWWAuthenticate(h, tt.reason)
			if got := h.Get("WWW-Authenticate"); got != tt.want {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tt.want)
			}
		})
	}
}
