package graph

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/gqlneo/gqlneo/apierr"
)

// responseLimit bounds what one operation's answer may hold: at most max
// fields are resolved, counted as they run. The cost limit bounds what the
// graph's own fields fetch, but introspection's lists (types, fields, args)
// are not priced, and aliases multiply them: the count is what keeps such
// an answer, and the memory it takes, small. Past the limit every field
// fails at once without resolving anything beneath it, and the answer is
// replaced by one error with no data.
type responseLimit struct{ max int64 }

var (
	_ graphql.HandlerExtension     = responseLimit{}
	_ graphql.FieldInterceptor     = responseLimit{}
	_ graphql.ResponseInterceptor  = responseLimit{}
	_ graphql.OperationInterceptor = responseLimit{}
)

// fieldCount is one operation's count of resolved fields.
type fieldCount struct {
	n        atomic.Int64
	exceeded atomic.Bool
}

type fieldCountKey struct{}

func (responseLimit) ExtensionName() string                   { return "ResponseLimit" }
func (responseLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (responseLimit) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	return next(context.WithValue(ctx, fieldCountKey{}, &fieldCount{}))
}

func (l responseLimit) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	c, _ := ctx.Value(fieldCountKey{}).(*fieldCount)
	if c == nil {
		return next(ctx)
	}
	if c.exceeded.Load() || c.n.Add(1) > l.max {
		c.exceeded.Store(true)
		return nil, l.refusal()
	}
	return next(ctx)
}

func (l responseLimit) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if c, _ := ctx.Value(fieldCountKey{}).(*fieldCount); c != nil && c.exceeded.Load() && resp != nil {
		return &graphql.Response{Errors: gqlerror.List{refusal(l.refusal())}, Extensions: resp.Extensions}
	}
	return resp
}

func (l responseLimit) refusal() *apierr.Error {
	return apierr.New(apierr.ResponseTooLarge, fmt.Sprintf("The answer would hold more than %d fields; ask for less (fewer aliases, smaller pages).", l.max))
}
