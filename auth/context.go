package auth

import "context"

// Private context key types: no other package can read or forge these values
// except through the accessors below.
type (
	claimsContextKey     struct{}
	tokenErrorContextKey struct{}
	keyIDContextKey      struct{}
)

// NewContext returns a copy of ctx carrying c as the caller's verified
// claims. Middleware uses it for valid tokens; tests use it to act as a
// signed-in caller without minting a token.
func NewContext(ctx context.Context, c *Claims) context.Context {
	return context.WithValue(ctx, claimsContextKey{}, c)
}

// ClaimsFromContext returns the caller's verified claims, and false for an
// anonymous caller or one whose token failed validation.
func ClaimsFromContext(ctx context.Context) (*Claims, bool) {
	c, ok := ctx.Value(claimsContextKey{}).(*Claims)
	return c, ok && c != nil
}

// TokenErrorFromContext returns why the token the caller presented was
// rejected, and false when the caller presented none or a valid one. A
// request with a TokenError never has Claims.
func TokenErrorFromContext(ctx context.Context) (*TokenError, bool) {
	e, ok := ctx.Value(tokenErrorContextKey{}).(*TokenError)
	return e, ok && e != nil
}

// withTokenError returns a copy of ctx recording that the presented token was
// rejected for e.
func withTokenError(ctx context.Context, e *TokenError) context.Context {
	return context.WithValue(ctx, tokenErrorContextKey{}, e)
}

// withKeyID passes the kid from the token header to KeySet.KeyFunc, whose
// go-jwt-middleware signature receives only a context.
func withKeyID(ctx context.Context, kid string) context.Context {
	return context.WithValue(ctx, keyIDContextKey{}, kid)
}

// keyIDFromContext returns the kid set by withKeyID, and false when the
// KeyFunc is called by code that does not set one.
func keyIDFromContext(ctx context.Context) (string, bool) {
	kid, ok := ctx.Value(keyIDContextKey{}).(string)
	return kid, ok
}
