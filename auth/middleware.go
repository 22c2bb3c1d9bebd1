package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	jwtmiddleware "github.com/auth0/go-jwt-middleware/v2"
)

// Middleware authenticates requests with v but never answers one itself. It
// is built on go-jwt-middleware's CheckJWT with optional credentials, an
// extractor and an error handler of its own:
//
//   - No Authorization header: the request goes on anonymously.
//   - "Bearer <valid token>": the request goes on with the *Claims in its
//     context (ClaimsFromContext).
//   - Any other Authorization header — a token that fails validation, a
//     scheme other than Bearer, garbage, or a header over 16 KiB: the request
//     goes on with no claims and the *TokenError in its context
//     (TokenErrorFromContext).
//
// The library alone would answer a bad token with 401 even when credentials
// are optional, and a non-Bearer header with 500
// (docs/auth0-behaviour.md#jwt-middleware-defaults), so a client holding a
// stale token could not even call the public login mutation. Here the GraphQL layer decides instead: operations made only of
// public fields proceed anonymously, others get HTTP 401 with
// WriteWWWAuthenticate.
func Middleware(v *Validator) func(http.Handler) http.Handler {
	validate := func(ctx context.Context, token string) (interface{}, error) {
		return v.Validate(ctx, token)
	}
	return func(next http.Handler) http.Handler {
		rejected := func(w http.ResponseWriter, r *http.Request, err error) {
			next.ServeHTTP(w, r.WithContext(withTokenError(r.Context(), newTokenError(err))))
		}
		// CheckJWT calls this both for a valid token, with the validator's
		// result under its ContextKey, and for a request without one.
		accepted := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch v := r.Context().Value(jwtmiddleware.ContextKey{}).(type) {
			case nil:
				next.ServeHTTP(w, r)
			case *Claims:
				next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), v)))
			default:
				rejected(w, r, fmt.Errorf("validator stored %T, not *Claims", v))
			}
		})
		m := jwtmiddleware.New(validate,
			jwtmiddleware.WithCredentialsOptional(true),
			jwtmiddleware.WithTokenExtractor(bearerTokenExtractor),
			jwtmiddleware.WithErrorHandler(rejected),
		)
		return m.CheckJWT(accepted)
	}
}

// bearerTokenExtractor returns the token of an "Authorization: Bearer
// <token>" header, "" when there is no Authorization header, and a
// *TokenError for anything else. The scheme is case-insensitive (RFC 7235
// §2.1).
func bearerTokenExtractor(r *http.Request) (string, error) {
	values := r.Header.Values("Authorization")
	switch {
	case len(values) == 0:
		return "", nil
	case len(values) > 1:
		return "", &TokenError{Reason: ReasonMalformedToken, Err: errors.New("more than one Authorization header")}
	}
	header := values[0]
	if len(header) > tokenMaxBytes {
		return "", &TokenError{Reason: ReasonMalformedToken,
			Err: fmt.Errorf("%w: Authorization header of %d bytes", errTokenMalformed, len(header))}
	}
	if strings.TrimSpace(header) == "" {
		return "", nil
	}
	scheme, token, _ := strings.Cut(strings.TrimSpace(header), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", &TokenError{Reason: ReasonInvalidScheme, Err: errTokenBadScheme}
	}
	token = strings.TrimLeft(token, " ")
	if token == "" || strings.ContainsAny(token, " \t") {
		return "", &TokenError{Reason: ReasonMalformedToken,
			Err: fmt.Errorf("%w: Bearer credential is not one token", errTokenMalformed)}
	}
	return token, nil
}

// WriteWWWAuthenticate sets the WWW-Authenticate header of a 401 answer as
// RFC 6750 §3 describes. With an empty reason — the caller presented no
// token — it is just "Bearer". Otherwise it is
// `Bearer error="invalid_token", error_description="<reason>"`, where reason
// must be one of the Reason constants; any other value is replaced by
// ReasonInvalidToken, so no token text or library message can reach the
// client.
func WriteWWWAuthenticate(h http.Header, reason string) {
	if reason == "" {
		h.Set("WWW-Authenticate", "Bearer")
		return
	}
	if !isKnownReason(reason) {
		reason = ReasonInvalidToken
	}
	h.Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="`+reason+`"`)
}

// isKnownReason reports whether reason is one of the Reason constants, all of
// which are safe inside an RFC 6750 quoted string.
func isKnownReason(reason string) bool {
	switch reason {
	case ReasonTokenExpired, ReasonTokenNotYetValid, ReasonInvalidAudience, ReasonInvalidIssuer,
		ReasonInvalidSignature, ReasonUnsupportedAlgorithm, ReasonMalformedToken, ReasonMissingExpiry,
		ReasonUnknownKey, ReasonInvalidScheme, ReasonKeysUnavailable, ReasonInvalidToken:
		return true
	}
	return false
}
