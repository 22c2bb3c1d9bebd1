package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/gqlneo/gqlneo/auth"
	"github.com/gqlneo/gqlneo/domain"
)

// The stable values of `extensions.code`. Clients branch on these; the
// README's error table lists them. Never rename one.
const (
	CodeUnauthenticated         = "UNAUTHENTICATED"
	CodeForbidden               = "FORBIDDEN"
	CodeNotFound                = "NOT_FOUND"
	CodeBadUserInput            = "BAD_USER_INPUT"
	CodeBadRequest              = "BAD_REQUEST"
	CodeRequestTooLarge         = "REQUEST_TOO_LARGE"
	CodeMethodNotAllowed        = "METHOD_NOT_ALLOWED"
	CodeDepthLimitExceeded      = "DEPTH_LIMIT_EXCEEDED"
	CodeComplexityLimitExceeded = "COMPLEXITY_LIMIT_EXCEEDED"
	CodeAuthFieldLimit          = "AUTH_FIELD_LIMIT"
	CodeInvalidCredentials      = "INVALID_CREDENTIALS"
	CodeMFARequired             = "MFA_REQUIRED"
	CodeAccountBlocked          = "ACCOUNT_BLOCKED"
	CodePasswordResetRequired   = "PASSWORD_RESET_REQUIRED"
	CodeRateLimited             = "RATE_LIMITED"
	CodeAccessDenied            = "ACCESS_DENIED"
	CodeAccountExists           = "ACCOUNT_EXISTS"
	CodeAuthProviderUnavailable = "AUTH_PROVIDER_UNAVAILABLE"
	CodeServiceUnavailable      = "SERVICE_UNAVAILABLE"
	CodeTimeout                 = "TIMEOUT"
	CodeInternal                = "INTERNAL_SERVER_ERROR"
)

// errMisconfigured is answered when the identity provider hands out
// something this server cannot use; the cause is logged where it is found.
var errMisconfigured = errors.New("graph: identity provider configuration does not match this server")

// withField names the argument a domain refusal is about.
func withField(err error, field string) error {
	if errors.Is(err, domain.ErrSelfFollow) {
		return domain.Invalid(field, "You cannot follow yourself.")
	}
	return err
}

// ErrorObserver receives every error code the API answers, for metrics.
type ErrorObserver interface{ ObserveError(code string) }

// RequestIDFunc returns the request id of ctx's request ("" when none).
type RequestIDFunc func(ctx context.Context) string

// presenter is the one error presenter. Known errors get their stable codes;
// anything else (Neo4j errors included) becomes INTERNAL_SERVER_ERROR with
// the request id, logged once here.
type presenter struct {
	logger    *slog.Logger
	requestID RequestIDFunc
	observer  ErrorObserver
}

func (p presenter) present(ctx context.Context, err error) *gqlerror.Error {
	gqlErr := p.classify(ctx, err)
	if gqlErr.Extensions == nil {
		gqlErr.Extensions = map[string]any{}
	}
	code, _ := gqlErr.Extensions["code"].(string)
	if code == "" {
		code = CodeInternal
		gqlErr.Extensions["code"] = code
	}
	if p.observer != nil {
		p.observer.ObserveError(code)
	}
	return gqlErr
}

func (p presenter) classify(ctx context.Context, err error) *gqlerror.Error {
	var gqlErr *gqlerror.Error
	if errors.As(err, &gqlErr) && gqlErr.Err == nil {
		// Raised by the executor itself (parse, validation, limits): its
		// message is about the document and carries its own code.
		if gqlErr.Extensions == nil || gqlErr.Extensions["code"] == nil {
			out := *gqlErr
			out.Extensions = map[string]any{"code": CodeBadRequest}
			return &out
		}
		return gqlErr
	}
	out := &gqlerror.Error{Message: err.Error()}
	if gqlErr != nil {
		out.Path = gqlErr.Path
		out.Locations = gqlErr.Locations
	} else {
		out.Path = graphql.GetPath(ctx)
	}
	set := func(code, message string, ext ...any) *gqlerror.Error {
		out.Message = message
		out.Extensions = map[string]any{"code": code}
		for i := 0; i+1 < len(ext); i += 2 {
			out.Extensions[ext[i].(string)] = ext[i+1]
		}
		return out
	}

	var input *domain.InputError
	var mfa *auth.MFARequiredError
	var limited *auth.RateLimitedError
	switch {
	case errors.As(err, &input):
		return set(CodeBadUserInput, input.Message, "field", input.Field)
	case errors.Is(err, domain.ErrUnauthenticated):
		return set(CodeUnauthenticated, "This field needs a valid access token.")
	case errors.Is(err, domain.ErrForbidden):
		return set(CodeForbidden, "You do not have permission to do this.")
	case errors.Is(err, domain.ErrSelfFollow):
		return set(CodeBadUserInput, "You cannot follow yourself.")
	case errors.As(err, &mfa):
		return set(CodeMFARequired, "Multi-factor authentication is required to sign in.", "mfaToken", mfa.MFAToken)
	case errors.As(err, &limited):
		return set(CodeRateLimited, "Too many attempts; try again later.", "retryAfterSeconds", retrySeconds(limited.RetryAfter))
	case errors.Is(err, auth.ErrInvalidCredentials):
		return set(CodeInvalidCredentials, "Wrong email or password.")
	case errors.Is(err, auth.ErrInvalidRefreshToken):
		return set(CodeInvalidCredentials, "The refresh token is invalid or has expired; sign in again.")
	case errors.Is(err, auth.ErrAccountBlocked):
		return set(CodeAccountBlocked, "This account is blocked.")
	case errors.Is(err, auth.ErrPasswordResetRequired):
		return set(CodePasswordResetRequired, "This password must be changed before signing in; reset it by email.")
	case errors.Is(err, auth.ErrRateLimited):
		return set(CodeRateLimited, "Too many attempts; try again later.")
	case errors.Is(err, auth.ErrAccountExists):
		return set(CodeAccountExists, "An account with this email already exists; sign in instead.")
	case errors.Is(err, auth.ErrAccessDenied):
		return set(CodeAccessDenied, "Sign-in was denied.")
	case errors.Is(err, auth.ErrProviderUnavailable):
		p.logger.WarnContext(ctx, "identity provider unavailable", "error", err.Error())
		return set(CodeAuthProviderUnavailable, "The identity provider is unavailable; try again shortly.")
	case errors.Is(err, domain.ErrNotFound):
		return set(CodeNotFound, "Not found.")
	case errors.Is(err, domain.ErrUnavailable):
		p.logger.WarnContext(ctx, "database unavailable", "error", err.Error())
		return set(CodeServiceUnavailable, "The database is unavailable; try again shortly.")
	case errors.Is(err, context.DeadlineExceeded):
		return set(CodeTimeout, "The request took too long and was stopped.")
	}
	p.logger.ErrorContext(ctx, "internal error", "error", err.Error(), "path", out.Path.String())
	id := p.requestID(ctx)
	return set(CodeInternal, "Internal server error (request id "+id+").", "requestId", id)
}

func retrySeconds(d interface{ Seconds() float64 }) int {
	s := int(math.Ceil(d.Seconds()))
	if s < 1 {
		s = 1
	}
	return s
}

// recoverPanic turns a resolver panic into an internal error; the presenter
// logs it with the request id.
func recoverPanic(ctx context.Context, v any) error {
	return fmt.Errorf("panic in resolver: %v", v)
}
