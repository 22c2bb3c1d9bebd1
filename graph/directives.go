package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/gqlneo/gqlneo/auth"
)

// directives wires the schema's authorization directives in one place.
func directives() DirectiveRoot {
	return DirectiveRoot{
		Authenticated: func(ctx context.Context, _ any, next graphql.Resolver) (any, error) {
			if _, ok := auth.ClaimsFromContext(ctx); !ok {
				return nil, errUnauthenticated
			}
			return next(ctx)
		},
		HasPermission: func(ctx context.Context, _ any, next graphql.Resolver, permission string) (any, error) {
			claims, ok := auth.ClaimsFromContext(ctx)
			if !ok {
				return nil, errUnauthenticated
			}
			if !claims.HasPermission(permission) {
				return nil, errForbidden
			}
			return next(ctx)
		},
	}
}
