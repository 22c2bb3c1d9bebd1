package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gqlneo/gqlneo/cypher"
	"github.com/gqlneo/gqlneo/domain"
)

// The selection walker: the current root field's selection (fragments,
// aliases, directives and arguments resolved, to every depth) as a
// cypher.Selection, guided by the schema's graph mapping — which fields
// reach other nodes, and which are connections.

// satisfies is what fragments on an object of typ may name.
func (r *Resolver) satisfies(typ string) []string {
	if r.Mapping.IsNode(typ) {
		return []string{typ, "Node"}
	}
	return []string{typ}
}

// rootSelection is the current field's selection of an object of typ.
func (r *Resolver) rootSelection(ctx context.Context, typ string) (*cypher.Selection, error) {
	fc := graphql.GetFieldContext(ctx)
	return r.selectionOf(graphql.GetOperationContext(ctx), fc.Field.Selections, typ)
}

// rootConnection is the current field as a connection of typ; conn names it
// for its cursors.
func (r *Resolver) rootConnection(ctx context.Context, typ, conn string) (cypher.Field, error) {
	fc := graphql.GetFieldContext(ctx)
	opCtx := graphql.GetOperationContext(ctx)
	cf := graphql.CollectedField{Field: fc.Field.Field, Selections: fc.Field.Selections}
	page, sub, err := r.connectionSelection(opCtx, cf, typ, conn)
	if err != nil {
		return cypher.Field{}, err
	}
	return cypher.Field{Key: fc.Field.Alias, Name: fc.Field.Name, Page: page, Sub: sub}, nil
}

func (r *Resolver) selectionOf(opCtx *graphql.OperationContext, set ast.SelectionSet, typ string) (*cypher.Selection, error) {
	collected := graphql.CollectFields(opCtx, set, r.satisfies(typ))
	sel := &cypher.Selection{Fields: make([]cypher.Field, 0, len(collected))}
	for _, f := range collected {
		field := cypher.Field{Key: f.Alias, Name: f.Name}
		if fm := r.Mapping.Field(typ, f.Name); fm != nil && fm.Related() {
			var err error
			if fm.Kind == cypher.Connection {
				field.Page, field.Sub, err = r.connectionSelection(opCtx, f, fm.Target, fm.Path())
			} else {
				field.Sub, err = r.selectionOf(opCtx, f.Selections, fm.Target)
			}
			if err != nil {
				return nil, err
			}
		}
		sel.Fields = append(sel.Fields, field)
	}
	return sel, nil
}

// connectionSelection reads a connection field's arguments and what its
// edges' nodes and totalCount ask for. conn names the connection its
// cursors belong to.
func (r *Resolver) connectionSelection(opCtx *graphql.OperationContext, f graphql.CollectedField, nodeType, conn string) (*cypher.Page, *cypher.Selection, error) {
	args := f.ArgumentMap(opCtx.Variables)
	page, err := r.pageArgs(args["first"], args["after"], conn)
	if err != nil {
		return nil, nil, err
	}
	node := &cypher.Selection{}
	for _, cf := range graphql.CollectFields(opCtx, f.Selections, []string{nodeType + "Connection"}) {
		switch cf.Name {
		case "totalCount":
			page.Total = true
		case "edges":
			for _, ef := range graphql.CollectFields(opCtx, cf.Selections, []string{nodeType + "Edge"}) {
				if ef.Name != "node" {
					continue
				}
				sub, err := r.selectionOf(opCtx, ef.Selections, nodeType)
				if err != nil {
					return nil, nil, err
				}
				node.Fields = append(node.Fields, sub.Fields...)
			}
		}
	}
	return page, dedupe(node), nil
}

// dedupe merges fields that share a response key: several edges { node }
// selections (aliased or not) become one node selection, and the nested
// selections of a repeated key are merged recursively.
func dedupe(sel *cypher.Selection) *cypher.Selection {
	out := &cypher.Selection{}
	index := map[string]int{}
	for _, f := range sel.Fields {
		i, ok := index[f.Key]
		if !ok {
			index[f.Key] = len(out.Fields)
			out.Fields = append(out.Fields, f)
			continue
		}
		prev := &out.Fields[i]
		if f.Sub != nil {
			merged := &cypher.Selection{}
			if prev.Sub != nil {
				merged.Fields = append(merged.Fields, prev.Sub.Fields...)
			}
			merged.Fields = append(merged.Fields, f.Sub.Fields...)
			prev.Sub = dedupe(merged)
		}
		if prev.Page != nil && f.Page != nil && f.Page.Total {
			prev.Page.Total = true
		}
	}
	return out
}

// pageArgs validates first and after; after must be a cursor of conn.
func (r *Resolver) pageArgs(first, after any, conn string) (*cypher.Page, error) {
	var n *int
	if first != nil {
		i, ok := toInt(first)
		if !ok {
			return nil, domain.Invalid("first", "first must be an integer.")
		}
		n = &i
	}
	size, err := domain.PageSize(n)
	if err != nil {
		return nil, err
	}
	page := &cypher.Page{First: size}
	if after != nil {
		s, ok := after.(string)
		if !ok {
			return nil, domain.Invalid("after", "after must be a cursor string.")
		}
		c, ok := cursorCodec{key: r.CursorKey}.decode(conn, s)
		if !ok {
			return nil, domain.Invalid("after", "after is not a cursor this server issued for %s.", conn)
		}
		page.After = c
	}
	return page, nil
}

func toInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	case int32:
		return int(n), true
	case float64:
		return int(n), float64(int(n)) == n
	}
	return 0, false
}
