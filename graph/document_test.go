package graph

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/gqlneo/gqlneo/apierr"
	"github.com/gqlneo/gqlneo/dev/hostile"
)

// sameLevelFragments spreads each fragment spreads times into the one before,
// at one level: the depth stays 1 while the expansion grows.
func sameLevelFragments(spreads, levels int) string {
	var b strings.Builder
	b.WriteString(`{ ...F0 }`)
	for i := 0; i < levels; i++ {
		fmt.Fprintf(&b, " fragment F%d on Query {", i)
		for a := 0; a < spreads; a++ {
			if i == levels-1 {
				b.WriteString(" __typename")
			} else {
				fmt.Fprintf(&b, " ...F%d", i+1)
			}
		}
		b.WriteString(" }")
	}
	return b.String()
}

// hostileDocuments are documents whose expansion, or whose validation,
// would cost seconds to minutes of CPU without the document limit.
var hostileDocuments = map[string]string{
	"4 aliases, 12 levels of fragments":   hostile.NestedAliasFragments(4, 12),
	"5 aliases, 12 levels of fragments":   hostile.NestedAliasFragments(5, 12),
	"9 aliases, 14 levels of fragments":   hostile.NestedAliasFragments(9, 14),
	"4 spreads at one level, 30 levels":   sameLevelFragments(4, 30),
	"1,600 copies of a: __typename":       "{" + strings.Repeat(" a: __typename", 1600) + " }",
	"400 fragments of one response name":  manyFragmentsOfOneName(400),
	"500 same-name fields with arguments": "{" + strings.Repeat(` a: __type(name:"U"){name}`, 450) + " }",
}

func manyFragmentsOfOneName(n int) string {
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, " ...F%d", i)
	}
	b.WriteString(" }")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, " fragment F%d on Query { a: __typename }", i)
	}
	return b.String()
}

// selections counts the selections a document holds as written.
func selections(doc *ast.QueryDocument) int {
	var count func(ast.SelectionSet) int
	count = func(set ast.SelectionSet) int {
		n := 0
		for _, sel := range set {
			n++
			switch s := sel.(type) {
			case *ast.Field:
				n += count(s.SelectionSet)
			case *ast.InlineFragment:
				n += count(s.SelectionSet)
			}
		}
		return n
	}
	n := 0
	for _, op := range doc.Operations {
		n += count(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		n += count(f.SelectionSet)
	}
	return n
}

// The measure walks each selection of the document at most twice, whatever
// the document expands to: the structural bound behind the CPU bound the
// benchmark measures.
func TestTheDocumentMeasureVisitsEachSelectionAtMostTwice(t *testing.T) {
	for name, q := range hostileDocuments {
		t.Run(name, func(t *testing.T) {
			doc, err := parser.ParseQuery(&ast.Source{Input: q})
			if err != nil {
				t.Fatal(err)
			}
			w := newShapeWalker(context.Background(), doc, 15)
			depth, width := w.measure()
			if n := selections(doc); w.visits > 2*n {
				t.Errorf("visited %d selections of a document holding %d", w.visits, n)
			}
			if depth <= 15 && width <= 200 {
				t.Errorf("depth %d, width %d: not refused", depth, width)
			}
		})
	}
}

func TestTheDocumentLimitsVerdicts(t *testing.T) {
	limit := documentLimit{tokenLimit: 5000, maxDepth: 15, maxWidth: 200}
	cases := []struct {
		name, query, code string
	}{
		{"an ordinary query passes", `{ me { id name followers(first: 10) { edges { node { id } } } } }`, ""},
		{"GraphiQL's introspection passes", hostile.GraphiQLIntrospection, ""},
		{"190 copies of one name pass", "{" + strings.Repeat(" a: __typename", 190) + " }", ""},
		{"201 fields at one level are too wide", "{" + strings.Repeat(" a: __typename", 201) + " }", apierr.WidthLimitExceeded},
		{"nested fragments are too wide", hostile.NestedAliasFragments(5, 12), apierr.WidthLimitExceeded},
		{"a width past any integer saturates", sameLevelFragments(4, 40), apierr.WidthLimitExceeded},
		{"depth counts through fragments", hostile.NestedAliasFragments(2, 20), apierr.DepthLimitExceeded},
		{"an unused fragment is measured too", `{ __typename } fragment U on Query {` + strings.Repeat(" a: __typename", 300) + ` }`, apierr.WidthLimitExceeded},
		{"a fragment cycle is measured without looping", `{ ...A } fragment A on Query { ...B } fragment B on Query { ...A __typename }`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := parser.ParseQuery(&ast.Source{Input: tc.query})
			if err != nil {
				t.Fatal(err)
			}
			e := limit.check(context.Background(), doc)
			switch {
			case tc.code == "" && e != nil:
				t.Errorf("refused: %s", e.Message)
			case tc.code != "" && (e == nil || e.Code != tc.code):
				t.Errorf("got %v, want %s", e, tc.code)
			}
		})
	}
}

func TestTheDocumentMeasureStopsAtTheDeadline(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	doc, err := parser.ParseQuery(&ast.Source{Input: "{" + strings.Repeat(" a: __typename", 2000) + " }"})
	if err != nil {
		t.Fatal(err)
	}
	limit := documentLimit{tokenLimit: 10000, maxDepth: 15, maxWidth: 10000}
	if e := limit.check(ctx, doc); e == nil || e.Code != apierr.Timeout {
		t.Errorf("got %v, want %s", e, apierr.Timeout)
	}
}

func TestVariablesAreBoundedInDepthAndCount(t *testing.T) {
	deep := any("x")
	for i := 0; i < 9; i++ {
		deep = []any{deep}
	}
	many := make([]any, maxVariableValues)
	cases := []struct {
		name    string
		vars    map[string]any
		refused bool
	}{
		{"none", nil, false},
		{"an input object with a list", map[string]any{"in": map[string]any{"title": "t", "tags": []any{"a", "b"}}}, false},
		{"nested nine deep", map[string]any{"v": deep}, true},
		{"a thousand values", map[string]any{"v": many}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := checkVariables(tc.vars) != nil; got != tc.refused {
				t.Errorf("refused = %v, want %v", got, tc.refused)
			}
		})
	}
}

func benchHandler(tb testing.TB) http.Handler {
	tb.Helper()
	m, err := LoadMapping()
	if err != nil {
		tb.Fatal(err)
	}
	return NewHandler(&Resolver{Mapping: m}, HandlerConfig{
		Limits: Limits{TokenLimit: 5000, MaxDepth: 15, MaxComplexity: 5000, MaxWidth: 200, MaxResponseFields: 20000},
		Logger: discard(), RequestID: func(context.Context) string { return "" },
	})
}

// BenchmarkHostileDocuments measures the server's CPU to refuse each hostile
// document over GET, without a token, with a fresh document each time (a
// unique operation name defeats the cache). Each must stay well under 50 ms.
func BenchmarkHostileDocuments(b *testing.B) {
	h := benchHandler(b)
	for name, q := range hostileDocuments {
		b.Run(name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				doc := fmt.Sprintf("%s\nquery Q%d { __typename }", q, i)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/graphql?operationName=Q&query="+url.QueryEscape(doc), nil))
				if !strings.Contains(rec.Body.String(), "LIMIT_EXCEEDED") {
					b.Fatalf("not refused: %.300s", rec.Body.String())
				}
			}
		})
	}
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
