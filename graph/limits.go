package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/gqlneo/gqlneo/apierr"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// depthLimit refuses operations nested deeper than max fields. Every field
// counts, introspection included (GraphiQL's introspection query is 13 deep,
// under the default of 15).
type depthLimit struct{ max int }

var (
	_ graphql.HandlerExtension        = depthLimit{}
	_ graphql.OperationContextMutator = depthLimit{}
)

func (depthLimit) ExtensionName() string                   { return "DepthLimit" }
func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }
func (d depthLimit) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	depth := selectionDepth(opCtx.Doc, opCtx.Operation.SelectionSet, map[string]bool{})
	if depth > d.max {
		return refusal(apierr.New(apierr.DepthLimitExceeded, fmt.Sprintf("The operation is nested %d levels deep; the limit is %d.", depth, d.max)))
	}
	return nil
}

// selectionDepth is the depth of the deepest field under set. Fragment
// cycles are already refused by validation; visiting guards anyway.
func selectionDepth(doc *ast.QueryDocument, set ast.SelectionSet, visiting map[string]bool) int {
	deepest := 0
	for _, sel := range set {
		d := 0
		switch s := sel.(type) {
		case *ast.Field:
			d = 1 + selectionDepth(doc, s.SelectionSet, visiting)
		case *ast.InlineFragment:
			d = selectionDepth(doc, s.SelectionSet, visiting)
		case *ast.FragmentSpread:
			if visiting[s.Name] {
				continue
			}
			frag := doc.Fragments.ForName(s.Name)
			if frag == nil {
				continue
			}
			visiting[s.Name] = true
			d = selectionDepth(doc, frag.SelectionSet, visiting)
			delete(visiting, s.Name)
		}
		deepest = max(deepest, d)
	}
	return deepest
}

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
