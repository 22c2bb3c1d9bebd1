// Package auth turns the bearer token on an HTTP request into verified identity
// claims, and nothing more: it decides who is calling, never what they may do.
//
// The pipeline has four stages, one file each. A KeySet (keyset.go) fetches
// and caches the issuer's JSON Web Key Set, refetching at once, but at a
// bounded rate, when a token names a key it has not seen, and serving the
// last good keys while the issuer is unreachable. A Validator (validator.go)
// wraps github.com/auth0/go-jwt-middleware/v2's validator and closes the gaps
// in that library's defaults: exp is required, only compact RS256 tokens are
// accepted and every failure is reported as a *TokenError with a stable
// Reason. Middleware (middleware.go) runs the validator on the Authorization
// header but never answers a request itself: a valid token puts *Claims in
// the request context, a bad one puts the *TokenError there instead, and the
// GraphQL layer, which knows whether the operation needs a caller, decides
// between an anonymous answer and HTTP 401 (see WriteWWWAuthenticate).
// Resolvers read the outcome with ClaimsFromContext and TokenErrorFromContext
// and never import the middleware.
//
// The package speaks to an Auth0 tenant in production and to any issuer that
// serves the same discovery document and JWKS in tests.
package auth
