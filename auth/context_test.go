package auth

import (
	"context"
	"testing"
)

func TestContextAccessors(t *testing.T) {
	claims := &Claims{Subject: "auth0|1"}
	tokenErr := &TokenError{Reason: ReasonTokenExpired}
	tests := []struct {
		name       string
		ctx        context.Context
		wantClaims *Claims
		wantErr    *TokenError
	}{
		{name: "an empty context has neither claims nor a token error", ctx: context.Background()},
		{name: "NewContext stores the claims", ctx: NewContext(context.Background(), claims), wantClaims: claims},
		{name: "nil claims count as absent", ctx: NewContext(context.Background(), nil)},
		{name: "withTokenError stores the token error", ctx: withTokenError(context.Background(), tokenErr), wantErr: tokenErr},
		{name: "a string key with the same spelling is not read",
			ctx: context.WithValue(context.Background(), "claims", claims)}, //nolint:staticcheck // deliberately a string key
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok := ClaimsFromContext(tt.ctx)
			if c != tt.wantClaims || ok != (tt.wantClaims != nil) {
				t.Errorf("ClaimsFromContext = %v, %v; want %v", c, ok, tt.wantClaims)
			}
			e, ok := TokenErrorFromContext(tt.ctx)
			if e != tt.wantErr || ok != (tt.wantErr != nil) {
				t.Errorf("TokenErrorFromContext = %v, %v; want %v", e, ok, tt.wantErr)
			}
		})
	}
}
