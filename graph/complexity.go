package graph

import (
	"context"
	"fmt"
	"math"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/gqlneo/gqlneo/apierr"
	"github.com/gqlneo/gqlneo/cypher"
	"github.com/gqlneo/gqlneo/domain"
)

// costLimit refuses operations whose cost exceeds max before they run. Every
// field costs 1 plus what its sub-selection costs; a field that takes
// `first` (a connection, recommendedUsers) multiplies its sub-selection by
// its page size (domain.DefaultPageSize when absent), and a mapped list
// (cypher.List: tags, identities) by domain.MaxTags, the largest list a
// stored object holds — so followers-of-followers explosions exceed the
// limit while ordinary queries stay far under it. Which fields are lists
// comes from the graph mapping.
//
// A fragment's cost is computed once per operation however often it is
// spread, and sums saturate at math.MaxInt, so no document can buy CPU by
// nesting fragments or overflow the count.
type costLimit struct {
	max     int
	mapping *cypher.Mapping
}

var (
	_ graphql.HandlerExtension        = costLimit{}
	_ graphql.OperationContextMutator = costLimit{}
)

func (costLimit) ExtensionName() string                   { return "CostLimit" }
func (costLimit) Validate(graphql.ExecutableSchema) error { return nil }
func (c costLimit) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	w := costWalker{limit: c, opCtx: opCtx, fragments: map[string]int{}}
	cost := w.selection(rootTypeName(opCtx.Operation), opCtx.Operation.SelectionSet, 0)
	if cost > c.max {
		return refusal(apierr.New(apierr.ComplexityLimitExceeded, fmt.Sprintf("The operation costs %s; the limit is %d.", costString(cost), c.max)))
	}
	return nil
}

func costString(n int) string {
	if n == math.MaxInt {
		return "more than can be counted"
	}
	return fmt.Sprint(n)
}

func rootTypeName(op *ast.OperationDefinition) string {
	switch op.Operation {
	case ast.Mutation:
		return "Mutation"
	case ast.Subscription:
		return "Subscription"
	}
	return "Query"
}

type costWalker struct {
	limit     costLimit
	opCtx     *graphql.OperationContext
	fragments map[string]int
}

// maxFragmentDepth bounds fragment spreads inside fragment spreads; validation
// already refuses cycles.
const maxFragmentDepth = 64

func (w *costWalker) selection(parent string, set ast.SelectionSet, depth int) int {
	total := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			total = addSat(total, w.field(parent, s, depth))
		case *ast.InlineFragment:
			typ := parent
			if s.TypeCondition != "" {
				typ = s.TypeCondition
			}
			total = addSat(total, w.selection(typ, s.SelectionSet, depth))
		case *ast.FragmentSpread:
			total = addSat(total, w.fragment(s.Name, depth))
		}
	}
	return total
}

func (w *costWalker) fragment(name string, depth int) int {
	if cost, ok := w.fragments[name]; ok {
		return cost
	}
	def := w.opCtx.Doc.Fragments.ForName(name)
	if def == nil || depth > maxFragmentDepth {
		return 0
	}
	w.fragments[name] = 0 // a cycle (refused by validation anyway) costs nothing more
	cost := w.selection(def.TypeCondition, def.SelectionSet, depth+1)
	w.fragments[name] = cost
	return cost
}

func (w *costWalker) field(parent string, f *ast.Field, depth int) int {
	child := 0
	if len(f.SelectionSet) > 0 {
		typ := ""
		if f.Definition != nil {
			typ = f.Definition.Type.Name()
		}
		child = w.selection(typ, f.SelectionSet, depth)
	}
	n := 1
	if f.Definition != nil && f.Definition.Arguments.ForName("first") != nil {
		n = domain.DefaultPageSize
		if v, ok := f.ArgumentMap(w.opCtx.Variables)["first"]; ok && v != nil {
			if i, ok := toInt(v); ok && i > 0 {
				n = i
			}
		}
	} else if fm := w.limit.mapping.Field(parent, f.Name); fm != nil && fm.Kind == cypher.List {
		n = domain.MaxTags
	}
	return addSat(1, mulSat(n, child))
}

func addSat(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}

func mulSat(a, b int) int {
	if a != 0 && b > math.MaxInt/a {
		return math.MaxInt
	}
	return a * b
}
