package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/gqlneo/gqlneo/apierr"
	"github.com/gqlneo/gqlneo/domain"
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
	code, _ := gqlErr.Extensions["code"].(string)
	if p.observer != nil {
		p.observer.ObserveError(code)
	}
	return gqlErr
}

// classify answers err: the executor's own errors (parse, validation,
// limits) as they are, with BAD_REQUEST when they carry no code; anything
// else through apierr.Classify, and what it does not know as
// INTERNAL_SERVER_ERROR, logged once here with the request id.
func (p presenter) classify(ctx context.Context, err error) *gqlerror.Error {
	var gqlErr *gqlerror.Error
	if errors.As(err, &gqlErr) && gqlErr.Err == nil {
		out := *gqlErr
		if out.Extensions == nil || out.Extensions["code"] == nil {
			out.Extensions = map[string]any{"code": apierr.BadRequest}
		}
		return &out
	}
	out := &gqlerror.Error{}
	if gqlErr != nil {
		out.Path, out.Locations = gqlErr.Path, gqlErr.Locations
	} else {
		out.Path = graphql.GetPath(ctx)
	}
	e, ok := apierr.Classify(ctx, err)
	switch {
	case !ok:
		p.logger.ErrorContext(ctx, "internal error", "error", err.Error(), "path", out.Path.String())
		e = apierr.InternalError(p.requestID(ctx))
	case e.Code == apierr.ServiceUnavailable || e.Code == apierr.AuthProviderUnavailable:
		p.logger.WarnContext(ctx, "dependency unavailable", "code", e.Code, "error", err.Error())
	}
	out.Message, out.Extensions = e.Message, e.Ext()
	return out
}

// recoverPanic turns a resolver panic into an internal error; the presenter
// logs it with the request id.
func recoverPanic(ctx context.Context, v any) error {
	return fmt.Errorf("panic in resolver: %v", v)
}
