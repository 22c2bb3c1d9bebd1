package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/gqlneo/gqlneo/auth"
	"github.com/gqlneo/gqlneo/domain"
)

// directives wires the schema's authorization directives in one place.
func directives() DirectiveRoot {
	return DirectiveRoot{
		Authenticated: func(ctx context.Context, _ any, next graphql.Resolver) (any, error) {
			if _, ok := auth.ClaimsFromContext(ctx); !ok {
				return nil, domain.ErrUnauthenticated
			}
			return next(ctx)
		},
	}
}
