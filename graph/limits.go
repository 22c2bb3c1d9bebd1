package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/gqlneo/gqlneo/apierr"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// authFieldLimit allows at most one field that calls the identity provider
// (login, refreshToken, signup) per operation, so aliases cannot multiply
// password attempts past the rate limiter.
type authFieldLimit struct{}

var (
	_ graphql.HandlerExtension        = authFieldLimit{}
	_ graphql.OperationContextMutator = authFieldLimit{}
)

var providerFields = map[string]bool{"login": true, "refreshToken": true, "signup": true}

func (authFieldLimit) ExtensionName() string                   { return "AuthFieldLimit" }
func (authFieldLimit) Validate(graphql.ExecutableSchema) error { return nil }
func (authFieldLimit) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	if opCtx.Operation.Operation != ast.Mutation {
		return nil
	}
	n := 0
	for _, f := range graphql.CollectFields(opCtx, opCtx.Operation.SelectionSet, []string{"Mutation"}) {
		if providerFields[f.Name] {
			n++
		}
	}
	if n > 1 {
		return refusal(apierr.New(apierr.AuthFieldLimit, fmt.Sprintf("An operation may hold at most one login, refreshToken or signup field; this one holds %d.", n)))
	}
	return nil
}
