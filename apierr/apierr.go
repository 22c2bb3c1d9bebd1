// Package apierr is the API's error edge: the stable codes clients branch on
// (`extensions.code`), the one table that gives each its HTTP status, the
// one function that turns any error into a client-safe answer, and the
// writer of every error body the server sends outside a GraphQL execution.
// Packages raise domain and auth sentinels (or an *Error for refusals of
// the request itself); only this package assigns codes to them.
package apierr

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/gqlneo/gqlneo/auth"
	"github.com/gqlneo/gqlneo/domain"
)

// The stable values of `extensions.code`. The README's error table lists
// them with their statuses. Never rename one.
const (
	Unauthenticated         = "UNAUTHENTICATED"
	Forbidden               = "FORBIDDEN"
	NotFound                = "NOT_FOUND"
	BadUserInput            = "BAD_USER_INPUT"
	BadRequest              = "BAD_REQUEST"
	RequestTooLarge         = "REQUEST_TOO_LARGE"
	MethodNotAllowed        = "METHOD_NOT_ALLOWED"
	DepthLimitExceeded      = "DEPTH_LIMIT_EXCEEDED"
	ComplexityLimitExceeded = "COMPLEXITY_LIMIT_EXCEEDED"
	WidthLimitExceeded      = "WIDTH_LIMIT_EXCEEDED"
	VariablesTooLarge       = "VARIABLES_TOO_LARGE"
	ResponseTooLarge        = "RESPONSE_TOO_LARGE"
	AuthFieldLimit          = "AUTH_FIELD_LIMIT"
	InvalidCredentials      = "INVALID_CREDENTIALS"
	MFARequired             = "MFA_REQUIRED"
	AccountBlocked          = "ACCOUNT_BLOCKED"
	PasswordResetRequired   = "PASSWORD_RESET_REQUIRED"
	RateLimited             = "RATE_LIMITED"
	SubscriptionLimit       = "SUBSCRIPTION_LIMIT_EXCEEDED"
	SlowConsumer            = "SLOW_CONSUMER"
	AccessDenied            = "ACCESS_DENIED"
	AccountExists           = "ACCOUNT_EXISTS"
	AuthProviderUnavailable = "AUTH_PROVIDER_UNAVAILABLE"
	ServiceUnavailable      = "SERVICE_UNAVAILABLE"
	Timeout                 = "TIMEOUT"
	Internal                = "INTERNAL_SERVER_ERROR"
)

// The codes of requests that do not reach GraphQL, and of persisted
// queries. The persisted-query codes are the ones Apollo Client's
// PersistedQueryLink and urql's persistedExchange look for; their messages
// are the exact words those clients also match (PersistedQueryNotFound,
// PersistedQueryNotSupported).
const (
	UnsupportedMediaType       = "UNSUPPORTED_MEDIA_TYPE"
	PersistedQueryNotFound     = "PERSISTED_QUERY_NOT_FOUND"
	PersistedQueryNotSupported = "PERSISTED_QUERY_NOT_SUPPORTED"
	PersistedQueryNotAllowed   = "PERSISTED_QUERY_NOT_ALLOWED"
)

// statuses is the HTTP status of an answer that is only an error, by code.
// Errors inside an executed operation travel in a 200 answer beside the data.
var statuses = map[string]int{
	Unauthenticated:         http.StatusUnauthorized,
	Forbidden:               http.StatusForbidden,
	NotFound:                http.StatusNotFound,
	BadUserInput:            http.StatusBadRequest,
	BadRequest:              http.StatusBadRequest,
	RequestTooLarge:         http.StatusRequestEntityTooLarge,
	MethodNotAllowed:        http.StatusMethodNotAllowed,
	DepthLimitExceeded:      http.StatusBadRequest,
	ComplexityLimitExceeded: http.StatusBadRequest,
	WidthLimitExceeded:      http.StatusBadRequest,
	VariablesTooLarge:       http.StatusBadRequest,
	ResponseTooLarge:        http.StatusOK, // an executed operation: the answer says data is null
	AuthFieldLimit:          http.StatusBadRequest,
	RateLimited:             http.StatusTooManyRequests,
	SubscriptionLimit:       http.StatusTooManyRequests,
	ServiceUnavailable:      http.StatusServiceUnavailable,
	AuthProviderUnavailable: http.StatusServiceUnavailable,
	Timeout:                 http.StatusGatewayTimeout,
	Internal:                http.StatusInternalServerError,

	UnsupportedMediaType: http.StatusUnsupportedMediaType,
	// Persisted-query refusals are document refusals: the transport answers
	// them with its status rule (200 to application/json, 400 to
	// application/graphql-response+json), not with this table.
	PersistedQueryNotFound:     http.StatusBadRequest,
	PersistedQueryNotSupported: http.StatusBadRequest,
	PersistedQueryNotAllowed:   http.StatusBadRequest,
}

// Status is the HTTP status of an answer that holds only an error of code.
func Status(code string) int {
	if s, ok := statuses[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Error is a client-safe error: its code, a message meant for the caller,
// and extensions beside the code.
type Error struct {
	Code       string
	Message    string
	Extensions map[string]any
}

func (e *Error) Error() string { return e.Message }

// New returns an *Error; ext are extension key/value pairs.
func New(code, message string, ext ...any) *Error {
	e := &Error{Code: code, Message: message}
	for i := 0; i+1 < len(ext); i += 2 {
		if k, ok := ext[i].(string); ok {
			if e.Extensions == nil {
				e.Extensions = map[string]any{}
			}
			e.Extensions[k] = ext[i+1]
		}
	}
	return e
}

// Ext is the error's extensions with its code: what `extensions` shows.
func (e *Error) Ext() map[string]any {
	out := make(map[string]any, len(e.Extensions)+1)
	for k, v := range e.Extensions {
		out[k] = v
	}
	out["code"] = e.Code
	return out
}

// InternalError is what an unknown error becomes: a generic message naming
// the request id, so the caller can quote it and the log can be found.
func InternalError(requestID string) *Error {
	return New(Internal, "Internal server error (request id "+requestID+").", "requestId", requestID)
}

// RetryAfterUnavailable is the wait a SERVICE_UNAVAILABLE answer suggests
// (extensions.retryAfterSeconds and Retry-After): long enough for work in
// flight to drain, short enough that a recovered database is used at once.
const RetryAfterUnavailable = time.Second

// Classify turns err, raised while serving the request whose context is
// ctx, into its client-safe answer. ok is false for errors this package
// does not know: the caller logs them and answers InternalError. Unknown
// text (Neo4j's, a stack) is never part of an answer.
//
// When ctx's own deadline has passed, a database that did not answer (or
// a wait for it) is TIMEOUT: the request ran out of time, whatever the
// driver saw last.
func Classify(ctx context.Context, err error) (e *Error, ok bool) {
	var own *Error
	var input *domain.InputError
	var mfa *auth.MFARequiredError
	var limited *auth.RateLimitedError
	switch {
	case errors.As(err, &own):
		return own, true
	case errors.Is(ctx.Err(), context.DeadlineExceeded) &&
		(errors.Is(err, domain.ErrUnavailable) || errors.Is(err, domain.ErrOverloaded) || errors.Is(err, context.DeadlineExceeded)):
		return New(Timeout, timeoutMessage), true
	case errors.Is(err, domain.ErrOverloaded):
		return New(ServiceUnavailable, "The server is busy; try again shortly.", "retryAfterSeconds", RetrySeconds(RetryAfterUnavailable)), true
	case errors.Is(err, domain.ErrUnavailable):
		return New(ServiceUnavailable, "The database is unavailable; try again shortly.", "retryAfterSeconds", RetrySeconds(RetryAfterUnavailable)), true
	case errors.As(err, &input):
		return New(BadUserInput, input.Message, "field", input.Field), true
	case errors.As(err, &mfa):
		return New(MFARequired, "Multi-factor authentication is required to sign in.", "mfaToken", mfa.MFAToken), true
	case errors.As(err, &limited):
		return New(RateLimited, "Too many attempts; try again later.", "retryAfterSeconds", RetrySeconds(limited.RetryAfter)), true
	}
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			return New(s.code, s.message), true
		}
	}
	return nil, false
}

// sentinels are the known sentinel errors, in the order they are tested.
var sentinels = []struct {
	err           error
	code, message string
}{
	{domain.ErrUnauthenticated, Unauthenticated, "This field needs a valid access token."},
	{domain.ErrForbidden, Forbidden, "You do not have permission to do this."},
	{domain.ErrNotFound, NotFound, "Not found."},
	{domain.ErrSelfFollow, BadUserInput, "You cannot follow yourself."},
	{auth.ErrInvalidCredentials, InvalidCredentials, "Wrong email or password."},
	{auth.ErrInvalidRefreshToken, InvalidCredentials, "The refresh token is invalid or has expired; sign in again."},
	{auth.ErrAccountBlocked, AccountBlocked, "This account is blocked."},
	{auth.ErrPasswordResetRequired, PasswordResetRequired, "This password must be changed before signing in; reset it by email."},
	{auth.ErrRateLimited, RateLimited, "Too many attempts; try again later."},
	{auth.ErrAccountExists, AccountExists, "An account with this email already exists; sign in instead."},
	{auth.ErrAccessDenied, AccessDenied, "Sign-in was denied."},
	{auth.ErrProviderUnavailable, AuthProviderUnavailable, "The identity provider is unavailable; try again shortly."},
	{domain.ErrBadBookmark, BadRequest, "The X-Neo4j-Bookmark header names no transaction of this database; send back the value a previous answer carried."},
	{context.DeadlineExceeded, Timeout, timeoutMessage},
}

const timeoutMessage = "The request took too long and was stopped."

// ExecutedStatus is the HTTP status of an executed operation's answer,
// given the extensions of its errors: 200 (errors travel beside the data),
// except when the server could not serve the operation now, not through the
// caller's fault: at least one error is SERVICE_UNAVAILABLE and every other
// is SERVICE_UNAVAILABLE or TIMEOUT (a request whose fields found Neo4j busy
// or down). That answers 503 with retryAfter, the longest
// retryAfterSeconds among them (at least 1 s), for the Retry-After header,
// so load balancers and clients back off and retry as for any 503.
func ExecutedStatus(errs []map[string]any) (status int, retryAfter time.Duration) {
	unavailable := false
	retryAfter = time.Second
	for _, ext := range errs {
		switch code, _ := ext["code"].(string); code {
		case ServiceUnavailable:
			unavailable = true
			if s, ok := ext["retryAfterSeconds"].(int); ok && time.Duration(s)*time.Second > retryAfter {
				retryAfter = time.Duration(s) * time.Second
			}
		case Timeout:
		default:
			return http.StatusOK, 0
		}
	}
	if !unavailable {
		return http.StatusOK, 0
	}
	return http.StatusServiceUnavailable, retryAfter
}

// SetRetryAfter sets the Retry-After header to d in whole seconds (at
// least 1).
func SetRetryAfter(h http.Header, d time.Duration) {
	h.Set("Retry-After", strconv.Itoa(RetrySeconds(d)))
}

// RetrySeconds rounds a wait up to whole seconds, at least 1.
func RetrySeconds(d time.Duration) int {
	s := int(math.Ceil(d.Seconds()))
	if s < 1 {
		s = 1
	}
	return s
}

// body is an error answer: GraphQL's errors list, with no data entry.
type body struct {
	Errors []entry `json:"errors"`
}

type entry struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

// Write answers e alone, as JSON in GraphQL's error shape, with Status(e.Code).
func Write(w http.ResponseWriter, e *Error) {
	WriteStatus(w, Status(e.Code), e)
}

// WriteStatus is Write with an explicit status.
func WriteStatus(w http.ResponseWriter, status int, e *Error) {
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	if s, ok := e.Extensions["retryAfterSeconds"].(int); ok && status == http.StatusServiceUnavailable {
		SetRetryAfter(w.Header(), time.Duration(s)*time.Second)
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body{Errors: []entry{{Message: e.Message, Extensions: e.Ext()}}})
}
