package auth

import (
	"errors"
	"fmt"

	jose "gopkg.in/go-jose/go-jose.v2"
	gojosejson "gopkg.in/go-jose/go-jose.v2/json"
	"gopkg.in/go-jose/go-jose.v2/jwt"

	"github.com/auth0/go-jwt-middleware/v2/validator"
)

// ErrInvalidToken is the sentinel every *TokenError matches with errors.Is,
// whatever its Reason.
var ErrInvalidToken = errors.New("auth: invalid token")

// ErrKeysUnavailable reports that no signing keys have ever been loaded from
// the issuer, so no token can be checked. Once one key set has loaded it is
// served until a newer one replaces it, so this error only appears while the
// issuer has been unreachable since start. A *TokenError with Reason
// ReasonKeysUnavailable wraps it, which lets the caller answer 503 instead of
// 401 if it prefers.
var ErrKeysUnavailable = errors.New("auth: no signing keys could be loaded from the issuer")

// Reasons are the stable, machine-readable causes a *TokenError carries. They
// are safe to show to clients (see WriteWWWAuthenticate) because they never
// contain token text.
const (
	// ReasonTokenExpired means exp lies in the past, beyond the clock skew.
	ReasonTokenExpired = "token_expired"
	// ReasonTokenNotYetValid means nbf or iat lies in the future, beyond the
	// clock skew.
	ReasonTokenNotYetValid = "token_not_yet_valid"
	// ReasonInvalidAudience means aud does not contain the expected audience.
	ReasonInvalidAudience = "invalid_audience"
	// ReasonInvalidIssuer means iss is not exactly the configured issuer.
	ReasonInvalidIssuer = "invalid_issuer"
	// ReasonInvalidSignature means the signature does not verify with the key
	// named by kid.
	ReasonInvalidSignature = "invalid_signature"
	// ReasonUnsupportedAlgorithm means the header's alg is anything but RS256,
	// including "none" and HS256.
	ReasonUnsupportedAlgorithm = "unsupported_algorithm"
	// ReasonMalformedToken means the token is not a compact JWS with a JSON
	// header and payload, a claim has the wrong JSON type, or the header
	// carrying it is too long.
	ReasonMalformedToken = "malformed_token"
	// ReasonMissingExpiry means the token has no exp claim.
	ReasonMissingExpiry = "missing_exp"
	// ReasonUnknownKey means the header names no kid, or a kid the issuer does
	// not publish even after a refetch.
	ReasonUnknownKey = "unknown_key"
	// ReasonInvalidScheme means the Authorization header is not
	// "Bearer <token>", for example "Basic …".
	ReasonInvalidScheme = "invalid_scheme"
	// ReasonKeysUnavailable means no signing keys could be loaded at all; see
	// ErrKeysUnavailable.
	ReasonKeysUnavailable = "keys_unavailable"
	// ReasonInvalidToken covers every other failure.
	ReasonInvalidToken = "invalid_token"
)

// TokenError reports why a presented token was rejected. Reason is one of the
// Reason constants; Err is the underlying cause, meant for logs only.
type TokenError struct {
	Reason string
	Err    error
}

// Error describes the failure for logs. It contains the library's own text,
// which is never to be shown to a client; use Reason for that.
func (e *TokenError) Error() string {
	if e.Err == nil {
		return "auth: invalid token (" + e.Reason + ")"
	}
	return fmt.Sprintf("auth: invalid token (%s): %v", e.Reason, e.Err)
}

// Unwrap returns the underlying cause, so errors.Is(err, ErrKeysUnavailable)
// and the go-jose sentinels keep working through a *TokenError.
func (e *TokenError) Unwrap() error { return e.Err }

// Is reports whether target is ErrInvalidToken, which every *TokenError is.
func (e *TokenError) Is(target error) bool { return target == ErrInvalidToken }

// Private causes raised by this package; classifyTokenError maps them to
// Reasons.
var (
	errTokenMalformed    = errors.New("token is not a compact JWS")
	errTokenAlgorithm    = errors.New("signing algorithm is not RS256")
	errTokenNoKeyID      = errors.New("token header has no kid")
	errTokenUnknownKeyID = errors.New("no published signing key has the token's kid")
	errTokenNoExpiry     = errors.New("token has no exp claim")
	errTokenNoSubject    = errors.New("token has no sub claim")
	errTokenClaimType    = errors.New("token claim has the wrong JSON type")
	errTokenBadScheme    = errors.New("authorization header is not a Bearer credential")
	errTokenAuthParty    = errors.New("id token azp is not the client id")
)

// newTokenError wraps err in a *TokenError, choosing the Reason from its
// chain. An err that already is a *TokenError is returned unchanged.
func newTokenError(err error) *TokenError {
	var te *TokenError
	if errors.As(err, &te) {
		return te
	}
	return &TokenError{Reason: classifyTokenError(err), Err: err}
}

// classifyTokenError maps a cause from this package, go-jwt-middleware or
// go-jose to a Reason. It relies only on exported sentinel errors and types,
// never on message text, so a library upgrade that rewords a message cannot
// silently change a Reason; anything it does not recognise is
// ReasonInvalidToken.
func classifyTokenError(err error) string {
	var typeErr *gojosejson.UnmarshalTypeError
	switch {
	case errors.Is(err, ErrKeysUnavailable):
		return ReasonKeysUnavailable
	case errors.Is(err, errTokenNoKeyID), errors.Is(err, errTokenUnknownKeyID),
		errors.Is(err, jose.ErrUnsupportedKeyType):
		return ReasonUnknownKey
	case errors.Is(err, errTokenAlgorithm), errors.Is(err, jose.ErrUnsupportedAlgorithm):
		return ReasonUnsupportedAlgorithm
	case errors.Is(err, jose.ErrCryptoFailure):
		return ReasonInvalidSignature
	case errors.Is(err, jwt.ErrExpired):
		return ReasonTokenExpired
	case errors.Is(err, jwt.ErrNotValidYet), errors.Is(err, jwt.ErrIssuedInTheFuture):
		return ReasonTokenNotYetValid
	case errors.Is(err, jwt.ErrInvalidIssuer):
		return ReasonInvalidIssuer
	case errors.Is(err, jwt.ErrInvalidAudience):
		return ReasonInvalidAudience
	case errors.Is(err, errTokenNoExpiry):
		return ReasonMissingExpiry
	case errors.Is(err, errTokenBadScheme):
		return ReasonInvalidScheme
	case errors.Is(err, errTokenMalformed), errors.Is(err, errTokenClaimType),
		errors.Is(err, validator.ErrExcessiveTokenDots),
		errors.Is(err, jwt.ErrUnmarshalAudience), errors.Is(err, jwt.ErrUnmarshalNumericDate),
		errors.As(err, &typeErr):
		return ReasonMalformedToken
	default:
		return ReasonInvalidToken
	}
}
