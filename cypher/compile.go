package cypher

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Statement is one compiled Cypher statement with its parameters. Root
// statements return one value `r`.
type Statement struct {
	Cypher string
	Params map[string]any
}

// Compiler compiles selections against a Mapping. It is safe for concurrent use.
type Compiler struct{ m *Mapping }

// NewCompiler returns a compiler for m.
func NewCompiler(m *Mapping) *Compiler { return &Compiler{m: m} }

// Mapping is the mapping the compiler reads.
func (c *Compiler) Mapping() *Mapping { return c.m }

// builder holds one statement's parameters and fresh variable names. The
// variable `viewer` is bound (possibly to null) at the top of every root
// statement, so visibility predicates can use it at any depth.
type builder struct {
	m      *Mapping
	params map[string]any
	vars   int
}

func (c *Compiler) builder(subject string) *builder {
	b := &builder{m: c.m, params: map[string]any{"sub": nil}}
	if subject != "" {
		b.params["sub"] = subject
	}
	return b
}

func (b *builder) param(v any) string {
	name := "p" + strconv.Itoa(len(b.params))
	b.params[name] = v
	return "$" + name
}

func (b *builder) fresh(prefix string) string {
	b.vars++
	return prefix + strconv.Itoa(b.vars)
}

func (b *builder) statement(cypher string) Statement {
	return Statement{Cypher: cypher, Params: b.params}
}

// viewerMatch binds `viewer` through the identity's unique index.
const viewerMatch = `OPTIONAL MATCH (viewer:User)-[:HAS_IDENTITY]->(:Identity {sub: $sub})`

// guardedLabel is the label whose nodes pass the visibility predicate
// wherever a statement reaches them.
const guardedLabel = "Post"

// authorRel is the relationship from a post's author to the post: a post
// reached through it from x has x as its author.
const authorRel = "AUTHORED"

// Visible is the post-visibility predicate: PUBLIC for everyone; FOLLOWERS
// for the author and the author's followers; PRIVATE for the author only.
func Visible(p string) string {
	return fmt.Sprintf(`(%[1]s.visibility = 'PUBLIC' OR (viewer IS NOT NULL AND (EXISTS { (viewer)-[:AUTHORED]->(%[1]s) } OR (%[1]s.visibility = 'FOLLOWERS' AND EXISTS { (viewer)-[:FOLLOWS]->(:User)-[:AUTHORED]->(%[1]s) }))))`, p)
}

// visibleByAuthor is Visible for a post p whose author the statement has
// bound as a: the same answer, but the viewer's follow is one relationship
// check on a instead of a walk from the viewer through every followed
// author. Every post has exactly one author.
func visibleByAuthor(p, a string) string {
	return fmt.Sprintf(`(%[1]s.visibility = 'PUBLIC' OR (viewer IS NOT NULL AND (%[2]s = viewer OR (%[1]s.visibility = 'FOLLOWERS' AND EXISTS { (viewer)-[:FOLLOWS]->(%[2]s) }))))`, p, a)
}

// visibility is the predicate a node y of label reached from x through f
// must pass, or "" when its label is not guarded.
func visibility(f *FieldMap, x, y, label string) string {
	if label != guardedLabel {
		return ""
	}
	if f.Rel == authorRel && f.Dir == Out {
		return visibleByAuthor(y, x)
	}
	return Visible(y)
}

// pattern is the path from x through f's relationship (bound as r when r is
// not "") to y of label.
func pattern(f *FieldMap, x, r, y, label string) string {
	rel := r + ":" + f.Rel
	if f.Dir == In {
		return "(" + x + ")<-[" + rel + "]-(" + y + ":" + label + ")"
	}
	return "(" + x + ")-[" + rel + "]->(" + y + ":" + label + ")"
}

// selfOnly wraps expr so that only the node x itself (the caller's own
// User) sees it; others get orElse.
func selfOnly(x, expr, orElse string) string {
	return "CASE WHEN viewer IS NOT NULL AND " + x + " = viewer THEN " + expr + " ELSE " + orElse + " END"
}

// Sort keys are integers (nanoseconds since the epoch): Neo4j does not
// consider the same instant equal across a zone-offset and a zone-name
// DateTime, and cursors must compare exactly.
func epochNanos(t string) string {
	return "(" + t + ".epochSeconds * 1000000000 + " + t + ".nanosecond)"
}

// keyRe is a GraphQL name: response keys are written into the projection
// quoted, and only names pass.
var keyRe = regexp.MustCompile(`^[_A-Za-z][_0-9A-Za-z]*$`)

// project compiles the map projection of variable x of type typ: one entry
// per selected field, keyed by its response key.
func (b *builder) project(typ, x string, sel *Selection) (string, error) {
	if sel == nil {
		return "{}", nil
	}
	entries := make([]string, 0, len(sel.Fields))
	seen := make(map[string]bool, len(sel.Fields))
	for _, f := range sel.Fields {
		if !keyRe.MatchString(f.Key) {
			return "", fmt.Errorf("cypher: %q is not a response key", f.Key)
		}
		if seen[f.Key] {
			continue
		}
		seen[f.Key] = true
		expr, err := b.field(typ, x, f)
		if err != nil {
			return "", err
		}
		entries = append(entries, "`"+f.Key+"`: "+expr)
	}
	return "{" + strings.Join(entries, ", ") + "}", nil
}

// field compiles one field's expression.
func (b *builder) field(typ, x string, f Field) (string, error) {
	if f.Name == "__typename" {
		return "'" + typ + "'", nil
	}
	fm := b.m.Field(typ, f.Name)
	if fm == nil {
		return "", fmt.Errorf("cypher: field %s.%s has no mapping", typ, f.Name)
	}
	switch fm.Kind {
	case Property:
		expr := x + "." + fm.Name
		if fm.SelfOnly {
			expr = selfOnly(x, expr, "null")
		}
		return expr, nil
	case Count:
		y := b.fresh("c")
		if vis := visibility(fm, x, y, fm.Target); vis != "" {
			return "COUNT { MATCH " + pattern(fm, x, "", y, fm.Target) + " WHERE " + vis + " }", nil
		}
		return "COUNT { " + pattern(fm, x, "", "", fm.Target) + " }", nil
	case ViewerRelationship:
		p := "(viewer)-[:" + fm.Rel + "]->(" + x + ")"
		if fm.Dir == In {
			p = "(viewer)<-[:" + fm.Rel + "]-(" + x + ")"
		}
		return "(viewer IS NOT NULL AND EXISTS { " + p + " })", nil
	case Object, List:
		y := b.fresh("o")
		inner, err := b.project(fm.Target, y, f.Sub)
		if err != nil {
			return "", err
		}
		where := ""
		if vis := visibility(fm, x, y, fm.Target); vis != "" {
			where = " WHERE " + vis
		}
		var expr, none string
		if fm.Kind == List {
			order := ""
			if fm.OrderBy != "" {
				order = " WITH " + y + " ORDER BY " + y + "." + fm.OrderBy
			}
			expr = "COLLECT { MATCH " + pattern(fm, x, "", y, fm.Target) + where + order + " RETURN " + inner + " }"
			none = "[]"
		} else {
			expr = "COLLECT { MATCH " + pattern(fm, x, "", y, fm.Target) + where + " RETURN " + inner + " LIMIT 1 }[0]"
			none = "null"
		}
		if fm.SelfOnly {
			expr = selfOnly(x, expr, none)
		}
		return expr, nil
	case Connection:
		if f.Page == nil {
			return "", fmt.Errorf("cypher: connection %s without a page", fm.Path())
		}
		r, y := b.fresh("r"), b.fresh("y")
		key := epochNanos(y + ".createdAt")
		if fm.SortByRelationship {
			key = epochNanos(r + ".createdAt")
		}
		return b.page(pattern(fm, x, r, y, fm.Target), y, fm.Target, key, visibility(fm, x, y, fm.Target), f)
	}
	return "", fmt.Errorf("cypher: field %s has an unknown kind", fm.Path())
}

// page compiles the items/total map of a connection over pattern, whose node
// variable is y of type typ, sorted by key newest first (id breaks ties):
// the items after the cursor, First+1 of them (the extra one only tells that
// a next page exists), and the total when selected. vis, when not empty, is
// the predicate every node must pass.
func (b *builder) page(pattern, y, typ, key, vis string, f Field) (string, error) {
	filter := ""
	if vis != "" {
		filter = " WHERE " + vis
	}
	k := b.fresh("k")
	after := ""
	if f.Page.After != nil {
		t, id := b.param(f.Page.After.Time.UnixNano()), b.param(f.Page.After.ID)
		after = fmt.Sprintf(" WHERE %[4]s < %[1]s OR (%[4]s = %[1]s AND %[3]s.id < %[2]s)", t, id, y, k)
	}
	node, err := b.project(typ, y, f.Sub)
	if err != nil {
		return "", err
	}
	items := fmt.Sprintf("COLLECT { MATCH %[1]s%[2]s WITH %[3]s, %[4]s AS %[5]s%[6]s ORDER BY %[5]s DESC, %[3]s.id DESC LIMIT %[7]s RETURN {k: %[5]s, id: %[3]s.id, node: %[8]s} }",
		pattern, filter, y, key, k, after, b.param(int64(f.Page.First+1)), node)
	total := "null"
	if f.Page.Total {
		total = fmt.Sprintf("COUNT { MATCH %s%s }", pattern, filter)
	}
	return "{items: " + items + ", total: " + total + "}", nil
}
