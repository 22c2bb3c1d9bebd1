package graph

import (
	"context"
	"fmt"
	"math"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/gqlneo/gqlneo/apierr"
)

// documentLimit measures a document's shape before gqlgen validates it,
// and refuses documents too deep or too wide. It runs first because
// validation itself is not cheap for every document: gqlparser's
// OverlappingFieldsCanBeMerged compares the fields sharing a nesting level
// pairwise, so 1,600 copies of `a: __typename` cost seconds of CPU before
// any later check could look. The measure visits each selection of the
// document once (a fragment is measured once however often it is spread),
// so refusing costs no more than parsing.
//
// A document is judged whole — every operation and every fragment in it —
// so its verdict depends on its text alone, and a document found in the
// parsed-document cache (which gqlgen fills only after validation) is not
// measured again.
type documentLimit struct {
	tokenLimit int
	maxDepth   int
	maxWidth   int
	cache      documentCache
}

var (
	_ graphql.HandlerExtension          = documentLimit{}
	_ graphql.OperationParameterMutator = documentLimit{}
)

func (documentLimit) ExtensionName() string                   { return "DocumentLimit" }
func (documentLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (d documentLimit) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if e := checkVariables(p.Variables); e != nil {
		return refusal(e)
	}
	if d.cache.byteLRU != nil && d.cache.contains(p.Query) {
		return nil
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, d.tokenLimit)
	if err != nil {
		return nil // gqlgen parses it again and answers the parse error with its code
	}
	if e := d.check(ctx, doc); e != nil {
		return refusal(e)
	}
	return nil
}

// check is the verdict on doc: nil, or the refusal.
func (d documentLimit) check(ctx context.Context, doc *ast.QueryDocument) *apierr.Error {
	m := newShapeWalker(ctx, doc, d.maxDepth)
	depth, width := m.measure()
	switch {
	case m.err != nil:
		return apierr.New(apierr.Timeout, "The request took too long and was stopped.")
	case depth > d.maxDepth:
		return apierr.New(apierr.DepthLimitExceeded, fmt.Sprintf("The operation is nested %d levels deep; the limit is %d.", depth, d.maxDepth))
	case width > d.maxWidth:
		return apierr.New(apierr.WidthLimitExceeded, fmt.Sprintf("The document holds too many fields at the same nesting level (a width of %s, counted through fragments); the limit is %d.", costString(width), d.maxWidth))
	}
	return nil
}

// shapeWalker measures a document: its depth (the deepest field nesting of
// any operation or fragment) and its width. The width of one operation or
// fragment is the square root of the sum, over its nesting levels, of the
// square of the selections (fields, fragment spreads, inline fragments)
// found at that level through fragments, as often as they are spread; the
// document's width sums the squares over all of them. Squares, because the
// validator's work at a level grows with the square of what the level
// holds; a document of modest levels stays far under a width that refuses
// one crowded level.
//
// Each fragment's depth and level profile is computed once and memoised, so
// the walk visits every selection of the document at most twice (once for
// depth, once for the profile), whatever the document would expand to.
type shapeWalker struct {
	ctx      context.Context
	doc      *ast.QueryDocument
	maxDepth int
	depths   map[string]int
	profiles map[string][]int
	// visits counts the selections walked, for tests of the bound.
	visits int
	err    error
}

func newShapeWalker(ctx context.Context, doc *ast.QueryDocument, maxDepth int) *shapeWalker {
	return &shapeWalker{ctx: ctx, doc: doc, maxDepth: maxDepth, depths: map[string]int{}, profiles: map[string][]int{}}
}

// measure returns the document's depth and width; the width is only
// measured when the depth is within the limit (profiles are as long as the
// document is deep).
func (w *shapeWalker) measure() (depth, width int) {
	for _, op := range w.doc.Operations {
		depth = max(depth, w.depth(op.SelectionSet))
	}
	for _, f := range w.doc.Fragments {
		depth = max(depth, w.fragmentDepth(f.Name))
	}
	if depth > w.maxDepth || w.err != nil {
		return depth, 0
	}
	squares := 0
	add := func(profile []int) {
		for _, n := range profile {
			squares = addSat(squares, mulSat(n, n))
		}
	}
	for _, op := range w.doc.Operations {
		add(w.profile(op.SelectionSet))
	}
	for _, f := range w.doc.Fragments {
		add(w.fragmentProfile(f.Name))
	}
	return depth, isqrt(squares)
}

// visit counts one selection and looks at the request's deadline now and
// then: the walk is bounded, but REQUEST_TIMEOUT bounds every phase.
func (w *shapeWalker) visit() bool {
	w.visits++
	if w.err == nil && w.visits%1024 == 0 {
		w.err = w.ctx.Err()
	}
	return w.err == nil
}

// depth is the depth of the deepest field under set.
func (w *shapeWalker) depth(set ast.SelectionSet) int {
	deepest := 0
	for _, sel := range set {
		if !w.visit() {
			return 0
		}
		d := 0
		switch s := sel.(type) {
		case *ast.Field:
			d = 1 + w.depth(s.SelectionSet)
		case *ast.InlineFragment:
			d = w.depth(s.SelectionSet)
		case *ast.FragmentSpread:
			d = w.fragmentDepth(s.Name)
		}
		deepest = max(deepest, d)
	}
	return deepest
}

func (w *shapeWalker) fragmentDepth(name string) int {
	if d, ok := w.depths[name]; ok {
		return d
	}
	def := w.doc.Fragments.ForName(name)
	if def == nil {
		return 0
	}
	w.depths[name] = 0 // a cycle (refused by validation) adds nothing
	d := w.depth(def.SelectionSet)
	w.depths[name] = d
	return d
}

// profile counts the selections at each level under set: profile[0] is
// set's own level, through inline fragments and fragment spreads.
func (w *shapeWalker) profile(set ast.SelectionSet) []int {
	out := make([]int, 1, 4)
	for _, sel := range set {
		if !w.visit() {
			return out
		}
		out[0] = addSat(out[0], 1)
		switch s := sel.(type) {
		case *ast.Field:
			if len(s.SelectionSet) > 0 {
				out = addProfile(out, w.profile(s.SelectionSet), 1)
			}
		case *ast.InlineFragment:
			out = addProfile(out, w.profile(s.SelectionSet), 0)
		case *ast.FragmentSpread:
			out = addProfile(out, w.fragmentProfile(s.Name), 0)
		}
	}
	return out
}

func (w *shapeWalker) fragmentProfile(name string) []int {
	if p, ok := w.profiles[name]; ok {
		return p
	}
	def := w.doc.Fragments.ForName(name)
	if def == nil {
		return nil
	}
	w.profiles[name] = nil // a cycle (refused by validation) adds nothing
	p := w.profile(def.SelectionSet)
	w.profiles[name] = p
	return p
}

// addProfile adds p, shifted down by shift levels, into into.
func addProfile(into, p []int, shift int) []int {
	for len(into) < len(p)+shift {
		into = append(into, 0)
	}
	for i, n := range p {
		into[i+shift] = addSat(into[i+shift], n)
	}
	return into
}

// isqrt is the integer square root of n ≥ 0, rounded up.
func isqrt(n int) int {
	if n == math.MaxInt {
		return math.MaxInt
	}
	r := int(math.Sqrt(float64(n)))
	for r*r > n {
		r--
	}
	for r*r < n {
		r++
	}
	return r
}

// The bounds of a request's variables: far above what any input of the
// schema needs (the deepest is an input object holding a list), far below
// what a body of MAX_BODY_BYTES can hold.
const (
	maxVariableDepth  = 8
	maxVariableValues = 1000
)

// checkVariables refuses variables nested deeper than maxVariableDepth or
// holding more than maxVariableValues values in all.
func checkVariables(vars map[string]any) *apierr.Error {
	n := 0
	var walk func(v any, depth int) bool
	walk = func(v any, depth int) bool {
		n++
		if depth > maxVariableDepth || n > maxVariableValues {
			return false
		}
		switch x := v.(type) {
		case map[string]any:
			for _, e := range x {
				if !walk(e, depth+1) {
					return false
				}
			}
		case []any:
			for _, e := range x {
				if !walk(e, depth+1) {
					return false
				}
			}
		}
		return true
	}
	if !walk(map[string]any(vars), 0) {
		return apierr.New(apierr.VariablesTooLarge, fmt.Sprintf("The variables are too large: at most %d values, nested at most %d deep.", maxVariableValues, maxVariableDepth))
	}
	return nil
}
