// Package auth is the server's whole dealing with the identity provider,
// Auth0: it verifies the bearer tokens callers present, and it calls Auth0 for
// callers who log in, refresh a token or sign up. It decides who is calling,
// never what they may do: the GraphQL layer's directives make that decision
// from the claims this package provides.
//
// Verifying a request's token is a pipeline, one file per stage. A KeySet
// (keyset.go) fetches and caches the issuer's JSON Web Key Set, refetching at
// once, but at a bounded rate, when a token names a key it has not seen, and
// serving the last good keys while the issuer is unreachable. A Validator
// (validator.go) wraps github.com/auth0/go-jwt-middleware/v2's validator and
// closes the gaps in that library's defaults: exp is required, only compact
// RS256 tokens are accepted and every failure is reported as a *TokenError
// with a stable Reason (errors.go). The verified token becomes *Claims
// (claims.go): subject, audience, scopes, RBAC permissions, and the profile
// claims a post-login Action adds under AUTH0_CLAIMS_NAMESPACE. Middleware
// (middleware.go) runs the validator on the Authorization header but never
// answers a request itself: a valid token puts *Claims in the request context,
// a bad one puts the *TokenError there instead, and the GraphQL layer, which
// knows whether the operation needs a caller, decides between an anonymous
// answer and HTTP 401 (see WriteWWWAuthenticate). Resolvers read the outcome
// with ClaimsFromContext and TokenErrorFromContext (context.go) and never
// import the middleware.
//
// Calling Auth0 is the other half. TokenClient (tokenclient.go) performs the
// Resource Owner Password and refresh-token grants, /userinfo and
// database-connection signup as a confidential client, passing the end
// user's IP in auth0-forwarded-for; tokenclient_errors.go turns Auth0's
// answers into this package's errors by HTTP status and error code. At login
// an IDTokenValidator checks the ID token that carries the user's profile.
// LoginLimiter (limiter.go) bounds attempts per IP and failures per username
// before Auth0 is called, below Auth0's brute-force threshold. The Auth0
// behaviour all this relies on is stated in docs/auth0-behaviour.md.
//
// The package runs no Cypher and knows no GraphQL: keeping the graph's User
// in step with an identity is the GraphQL layer's and neo4jrepo's job. It
// keeps no sessions or cookies, and it does not complete MFA challenges. It
// speaks to an Auth0 tenant in production and, in tests, to any issuer that
// serves the same discovery document, JWKS and endpoints (dev/auth0/tenant).
package auth
