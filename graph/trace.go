package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// operationSpan returns the response middleware that wraps each GraphQL
// operation in a span, a child of the HTTP request's and the parent of its
// Cypher statements' (the resolvers run inside it). It records the
// operation's type and name and how many errors it answered, never the
// document or the variables (they hold the caller's values).
func operationSpan(tp trace.TracerProvider) graphql.ResponseMiddleware {
	tracer := tp.Tracer("github.com/gqlneo/gqlneo/graph")
	return func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		kind, name := "unknown", ""
		if graphql.HasOperationContext(ctx) {
			op := graphql.GetOperationContext(ctx)
			name = op.OperationName
			if op.Operation != nil {
				kind = string(op.Operation.Operation)
				if name == "" {
					name = op.Operation.Name
				}
			}
		}
		if !operationNameRe.MatchString(name) {
			name = ""
		}
		spanName := "graphql " + kind
		if name != "" {
			spanName += " " + name
		}
		ctx, span := tracer.Start(ctx, spanName, trace.WithAttributes(
			attribute.String("graphql.operation.type", kind),
			attribute.String("graphql.operation.name", name),
		))
		defer span.End()
		resp := next(ctx)
		if resp != nil && len(resp.Errors) > 0 {
			span.SetAttributes(attribute.Int("graphql.errors", len(resp.Errors)))
			span.SetStatus(codes.Error, "the operation answered errors")
		}
		return resp
	}
}
