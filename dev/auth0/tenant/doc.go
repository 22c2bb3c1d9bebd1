// Package tenant is a local, in-memory stand-in for an Auth0 tenant, served as an http.Handler.
//
// It exists so that the project can be developed and tested end to end without a real Auth0 account:
// it publishes OIDC discovery and a JWKS, issues RS256 tokens from the /oauth/token endpoint for the
// Resource Owner Password and refresh-token grants, answers /userinfo and /dbconnections/signup, and
// reproduces the status codes and error bodies that the real service returns, in the order the real
// service evaluates them (see docs/auth0-behaviour.md). Tests drive it through a Go control API on
// *Tenant: they rotate and revoke signing keys, mint arbitrary tokens, add and change users, switch on
// failure modes such as breached passwords or rate limiting, slow responses down, and inspect the
// requests the code under test made. The dev/auth0 binary wraps the same handler for `make run`.
//
// The package is a development tool. It must never be linked into the API server: it holds
// well-known demo credentials, keeps everything in memory and trusts every caller of its control API.
package tenant
