package neo4jrepo

import (
	"fmt"
	"strings"
)

// The statement compiler. Every string it emits comes from this file: field
// names select fragments from fixed tables, and every value (ids, cursors,
// page sizes, the viewer's subject) is a $parameter. The variable `viewer` is
// bound (possibly to null) at the top of every root statement, so visibility
// predicates can use it at any depth.

// NestedKey is the result-map key of the i-th field of a Selection when the
// field is an object, a list or a connection.
func NestedKey(i int) string { return fmt.Sprintf("n%d", i) }

type compiler struct {
	params map[string]any
	vars   int
}

func newCompiler(viewer Viewer) *compiler {
	c := &compiler{params: map[string]any{}}
	if viewer.Subject != "" {
		c.params["sub"] = viewer.Subject
	} else {
		c.params["sub"] = nil
	}
	return c
}

func (c *compiler) param(v any) string {
	name := fmt.Sprintf("p%d", len(c.params))
	c.params[name] = v
	return "$" + name
}

func (c *compiler) fresh(prefix string) string {
	c.vars++
	return fmt.Sprintf("%s%d", prefix, c.vars)
}

// viewerMatch binds `viewer` through the identity's unique index.
const viewerMatch = `OPTIONAL MATCH (viewer:User)-[:HAS_IDENTITY]->(:Identity {sub: $sub})`

// visible is the post-visibility predicate: PUBLIC for everyone; FOLLOWERS
// for the author and the author's followers; PRIVATE for the author only.
func visible(p string) string {
	return fmt.Sprintf(`(%[1]s.visibility = 'PUBLIC' OR (viewer IS NOT NULL AND (EXISTS { (viewer)-[:AUTHORED]->(%[1]s) } OR (%[1]s.visibility = 'FOLLOWERS' AND EXISTS { (viewer)-[:FOLLOWS]->(:User)-[:AUTHORED]->(%[1]s) }))))`, p)
}

// visibleByAuthor is visible for a post p whose author the statement has
// bound as a: the same answer, but the viewer's follow is one relationship
// check on a instead of a walk from the viewer through every followed
// author. Every post has exactly one author.
func visibleByAuthor(p, a string) string {
	return fmt.Sprintf(`(%[1]s.visibility = 'PUBLIC' OR (viewer IS NOT NULL AND (%[2]s = viewer OR (%[1]s.visibility = 'FOLLOWERS' AND EXISTS { (viewer)-[:FOLLOWS]->(%[2]s) }))))`, p, a)
}

// scalar fields by type: the Cypher expression of each, given the variable.
var scalars = map[string]map[string]func(x string) string{
	"User": {
		"id":        func(x string) string { return x + ".id" },
		"name":      func(x string) string { return x + ".name" },
		"picture":   func(x string) string { return x + ".picture" },
		"bio":       func(x string) string { return x + ".bio" },
		"createdAt": func(x string) string { return x + ".createdAt" },
		"email": func(x string) string {
			return "CASE WHEN viewer IS NOT NULL AND " + x + " = viewer THEN " + x + ".email END"
		},
		"followerCount":  func(x string) string { return "COUNT { (" + x + ")<-[:FOLLOWS]-(:User) }" },
		"followingCount": func(x string) string { return "COUNT { (" + x + ")-[:FOLLOWS]->(:User) }" },
		"viewerFollows": func(x string) string {
			return "(viewer IS NOT NULL AND EXISTS { (viewer)-[:FOLLOWS]->(" + x + ") })"
		},
		"followsViewer": func(x string) string {
			return "(viewer IS NOT NULL AND EXISTS { (" + x + ")-[:FOLLOWS]->(viewer) })"
		},
		"identities": func(x string) string {
			return "CASE WHEN viewer IS NOT NULL AND " + x + " = viewer THEN [(" + x + ")-[:HAS_IDENTITY]->(i:Identity) | i {.sub, .provider, .connection, .email, .emailVerified, .createdAt, .lastSeenAt}] ELSE [] END"
		},
		"__typename": func(string) string { return "'User'" },
	},
	"Post": {
		"id":           func(x string) string { return x + ".id" },
		"title":        func(x string) string { return x + ".title" },
		"body":         func(x string) string { return x + ".body" },
		"visibility":   func(x string) string { return x + ".visibility" },
		"createdAt":    func(x string) string { return x + ".createdAt" },
		"updatedAt":    func(x string) string { return x + ".updatedAt" },
		"likeCount":    func(x string) string { return "COUNT { (" + x + ")<-[:LIKES]-(:User) }" },
		"commentCount": func(x string) string { return "COUNT { (" + x + ")<-[:ON]-(:Comment) }" },
		"viewerHasLiked": func(x string) string {
			return "(viewer IS NOT NULL AND EXISTS { (viewer)-[:LIKES]->(" + x + ") })"
		},
		"__typename": func(string) string { return "'Post'" },
	},
	"Comment": {
		"id":         func(x string) string { return x + ".id" },
		"body":       func(x string) string { return x + ".body" },
		"createdAt":  func(x string) string { return x + ".createdAt" },
		"__typename": func(string) string { return "'Comment'" },
	},
	"Tag": {
		"name":       func(x string) string { return x + ".name" },
		"__typename": func(string) string { return "'Tag'" },
	},
}

// postCount needs the visibility predicate, so it is not in the table.
func (c *compiler) postCount(typ, x string) (string, bool) {
	p := c.fresh("pc")
	switch typ {
	case "User":
		return "COUNT { MATCH (" + x + ")-[:AUTHORED]->(" + p + ":Post) WHERE " + visibleByAuthor(p, x) + " }", true
	case "Tag":
		return "COUNT { MATCH (" + x + ")<-[:TAGGED]-(" + p + ":Post) WHERE " + visible(p) + " }", true
	}
	return "", false
}

// objects are the single-object and list fields: the pattern from x to the
// related node y, the related type, and whether it is a list.
type objectField struct {
	pattern func(x, y string) string
	typ     string
	list    bool
	order   string // for lists, ORDER BY on y
}

var objects = map[string]map[string]objectField{
	"Post": {
		"author": {pattern: func(x, y string) string { return "(" + x + ")<-[:AUTHORED]-(" + y + ":User)" }, typ: "User"},
		"tags":   {pattern: func(x, y string) string { return "(" + x + ")-[:TAGGED]->(" + y + ":Tag)" }, typ: "Tag", list: true, order: ".name"},
	},
	"Comment": {
		"author": {pattern: func(x, y string) string { return "(" + x + ")<-[:WROTE]-(" + y + ":User)" }, typ: "User"},
		"post":   {pattern: func(x, y string) string { return "(" + x + ")-[:ON]->(" + y + ":Post)" }, typ: "Post"},
	},
}

// connections: the pattern from the source x to the node y (with r the
// relationship when the sort key lives on it), the node type, the sort key,
// whether the node is a post that must pass the visibility predicate, and
// whether x is that post's author.
type connField struct {
	pattern  func(x, r, y string) string
	typ      string
	key      func(r, y string) string
	posts    bool
	byAuthor bool
}

var connections = map[string]map[string]connField{
	"User": {
		"followers":  {pattern: func(x, r, y string) string { return "(" + x + ")<-[" + r + ":FOLLOWS]-(" + y + ":User)" }, typ: "User", key: relTime},
		"following":  {pattern: func(x, r, y string) string { return "(" + x + ")-[" + r + ":FOLLOWS]->(" + y + ":User)" }, typ: "User", key: relTime},
		"posts":      {pattern: func(x, r, y string) string { return "(" + x + ")-[" + r + ":AUTHORED]->(" + y + ":Post)" }, typ: "Post", key: nodeTime, posts: true, byAuthor: true},
		"likedPosts": {pattern: func(x, r, y string) string { return "(" + x + ")-[" + r + ":LIKES]->(" + y + ":Post)" }, typ: "Post", key: relTime, posts: true},
	},
	"Post": {
		"likedBy":  {pattern: func(x, r, y string) string { return "(" + x + ")<-[" + r + ":LIKES]-(" + y + ":User)" }, typ: "User", key: relTime},
		"comments": {pattern: func(x, r, y string) string { return "(" + x + ")<-[" + r + ":ON]-(" + y + ":Comment)" }, typ: "Comment", key: nodeTime},
	},
	"Tag": {
		"posts": {pattern: func(x, r, y string) string { return "(" + x + ")<-[" + r + ":TAGGED]-(" + y + ":Post)" }, typ: "Post", key: nodeTime, posts: true},
	},
}

// Sort keys are integers (nanoseconds since the epoch): Neo4j does not
// consider the same instant equal across a zone-offset and a zone-name
// DateTime, and cursors must compare exactly.
func relTime(r, _ string) string  { return epochNanos(r + ".createdAt") }
func nodeTime(_, y string) string { return epochNanos(y + ".createdAt") }

func epochNanos(t string) string {
	return "(" + t + ".epochSeconds * 1000000000 + " + t + ".nanosecond)"
}

// project compiles the map projection of variable x of type typ.
func (c *compiler) project(typ, x string, sel *Selection) (string, error) {
	entries := []string{"_self: (viewer IS NOT NULL AND " + x + " = viewer)"}
	if typ != "User" {
		entries[0] = "_self: false"
	}
	if sel == nil {
		sel = &Selection{}
	}
	seen := map[string]bool{}
	for i, f := range sel.Fields {
		if expr, ok := scalars[typ][f.Name]; ok {
			if !seen[f.Name] {
				seen[f.Name] = true
				entries = append(entries, f.Name+": "+expr(x))
			}
			continue
		}
		if f.Name == "postCount" {
			if expr, ok := c.postCount(typ, x); ok {
				if !seen[f.Name] {
					seen[f.Name] = true
					entries = append(entries, f.Name+": "+expr)
				}
				continue
			}
		}
		if of, ok := objects[typ][f.Name]; ok {
			y := c.fresh("o")
			inner, err := c.project(of.typ, y, f.Sub)
			if err != nil {
				return "", err
			}
			where := ""
			if of.typ == "Post" {
				where = " WHERE " + visible(y)
			}
			if of.list {
				entries = append(entries, fmt.Sprintf("%s: COLLECT { MATCH %s%s WITH %s ORDER BY %s%s RETURN %s }", NestedKey(i), of.pattern(x, y), where, y, y, of.order, inner))
			} else {
				entries = append(entries, fmt.Sprintf("%s: COLLECT { MATCH %s%s RETURN %s LIMIT 1 }[0]", NestedKey(i), of.pattern(x, y), where, inner))
			}
			continue
		}
		if cf, ok := connections[typ][f.Name]; ok {
			expr, err := c.connection(cf, x, f)
			if err != nil {
				return "", err
			}
			entries = append(entries, NestedKey(i)+": "+expr)
			continue
		}
		return "", fmt.Errorf("neo4jrepo: field %s.%s cannot be compiled", typ, f.Name)
	}
	return "{" + strings.Join(entries, ", ") + "}", nil
}

// connection compiles one page of a connection from x: items ordered newest
// first (id breaks ties), after the cursor, First+1 of them, and the total
// when selected — all inside the statement.
func (c *compiler) connection(cf connField, x string, f Field) (string, error) {
	if f.Page == nil {
		return "", fmt.Errorf("neo4jrepo: connection %s without page", f.Name)
	}
	r, y := c.fresh("r"), c.fresh("y")
	vis := ""
	switch {
	case cf.posts && cf.byAuthor:
		vis = visibleByAuthor(y, x)
	case cf.posts:
		vis = visible(y)
	}
	return c.page(cf.pattern(x, r, y), y, cf.typ, cf.key(r, y), vis, f)
}

// page compiles the items/total map of a connection over pattern, whose node
// variable is y and sort key key; visibility, when not empty, is the
// predicate every node must pass.
func (c *compiler) page(pattern, y, typ, key, visibility string, f Field) (string, error) {
	conds := []string{}
	if visibility != "" {
		conds = append(conds, visibility)
	}
	filter := ""
	if len(conds) > 0 {
		filter = " WHERE " + strings.Join(conds, " AND ")
	}
	k := c.fresh("k")
	after := ""
	if f.Page.After != nil {
		t, id := c.param(f.Page.After.Time.UnixNano()), c.param(f.Page.After.ID)
		after = fmt.Sprintf(" WHERE %[4]s < %[1]s OR (%[4]s = %[1]s AND %[3]s.id < %[2]s)", t, id, y, k)
	}
	var node string
	if f.Sub != nil {
		var err error
		if node, err = c.project(typ, y, f.Sub); err != nil {
			return "", err
		}
	} else {
		node = "{}"
	}
	items := fmt.Sprintf("COLLECT { MATCH %[1]s%[2]s WITH %[3]s, %[4]s AS %[5]s%[6]s ORDER BY %[5]s DESC, %[3]s.id DESC LIMIT %[7]s RETURN {k: %[5]s, id: %[3]s.id, node: %[8]s} }",
		pattern, filter, y, key, k, after, c.param(int64(f.Page.First+1)), node)
	total := "null"
	if f.Page.Total {
		total = fmt.Sprintf("COUNT { MATCH %s%s }", pattern, filter)
	}
	return "{items: " + items + ", total: " + total + "}", nil
}
