package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gqlneo/gqlneo/neo4jrepo"
)

const (
	defaultPageSize = 20
	maxPageSize     = 100
)

// nodeTypes are the types that implement Node.
var nodeTypes = map[string]bool{"User": true, "Post": true, "Comment": true}

// childTypes maps Type.field to the type of its object, list or connection
// node; connectionFields marks which of them are connections.
var childTypes = map[string]string{
	"User.followers": "User", "User.following": "User", "User.posts": "Post", "User.likedPosts": "Post",
	"Post.author": "User", "Post.tags": "Tag", "Post.likedBy": "User", "Post.comments": "Comment",
	"Comment.author": "User", "Comment.post": "Post", "Tag.posts": "Post",
}

var connectionFields = map[string]bool{
	"User.followers": true, "User.following": true, "User.posts": true, "User.likedPosts": true,
	"Post.likedBy": true, "Post.comments": true, "Tag.posts": true,
}

// satisfies is what fragments on an object of typ may name.
func satisfies(typ string) []string {
	if nodeTypes[typ] {
		return []string{typ, "Node"}
	}
	return []string{typ}
}

// rootSelection is the look-ahead over the current field's selection:
// fragments, aliases and arguments included, down to every depth.
func (r *Resolver) rootSelection(ctx context.Context, typ string) (*neo4jrepo.Selection, error) {
	fc := graphql.GetFieldContext(ctx)
	return r.selectionOf(graphql.GetOperationContext(ctx), fc.Field.Selections, typ)
}

func (r *Resolver) selectionOf(opCtx *graphql.OperationContext, set ast.SelectionSet, typ string) (*neo4jrepo.Selection, error) {
	sel := &neo4jrepo.Selection{}
	for _, f := range graphql.CollectFields(opCtx, set, satisfies(typ)) {
		field := neo4jrepo.Field{Key: f.Alias, Name: f.Name}
		path := typ + "." + f.Name
		switch {
		case connectionFields[path]:
			page, sub, err := r.connectionSelection(opCtx, f, childTypes[path])
			if err != nil {
				return nil, err
			}
			field.Page, field.Sub = page, sub
		case childTypes[path] != "":
			sub, err := r.selectionOf(opCtx, f.Selections, childTypes[path])
			if err != nil {
				return nil, err
			}
			field.Sub = sub
		}
		sel.Fields = append(sel.Fields, field)
	}
	return sel, nil
}

// connectionSelection reads a connection field's arguments and what its
// edges' nodes and totalCount ask for.
func (r *Resolver) connectionSelection(opCtx *graphql.OperationContext, f graphql.CollectedField, nodeType string) (*neo4jrepo.Page, *neo4jrepo.Selection, error) {
	args := f.ArgumentMap(opCtx.Variables)
	page, err := r.pageArgs(args["first"], args["after"])
	if err != nil {
		return nil, nil, err
	}
	node := &neo4jrepo.Selection{}
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
func dedupe(sel *neo4jrepo.Selection) *neo4jrepo.Selection {
	out := &neo4jrepo.Selection{}
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
			merged := &neo4jrepo.Selection{}
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

// pageArgs validates first and after.
func (r *Resolver) pageArgs(first, after any) (*neo4jrepo.Page, error) {
	page := &neo4jrepo.Page{First: defaultPageSize}
	if first != nil {
		n, ok := toInt(first)
		switch {
		case !ok:
			return nil, inputError("first", "first must be an integer.")
		case n < 1:
			return nil, inputError("first", "first must be at least 1.")
		case n > maxPageSize:
			return nil, inputError("first", "first must be at most %d.", maxPageSize)
		}
		page.First = n
	}
	if after != nil {
		s, ok := after.(string)
		if !ok {
			return nil, inputError("after", "after must be a cursor string.")
		}
		c, ok := cursorCodec{key: r.CursorKey}.decode(s)
		if !ok {
			return nil, inputError("after", "after is not a cursor this server issued.")
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
