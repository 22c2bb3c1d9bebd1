package cypher

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// Kind is what a field of a stored type is in the graph.
type Kind int

const (
	// Property is the node property named like the field (the default).
	Property Kind = iota
	// Count is how many nodes are related by a relationship (@count).
	Count
	// ViewerRelationship is whether the caller is related to the node (@viewerRelationship).
	ViewerRelationship
	// Object is one related node (@relationship on an object field).
	Object
	// List is every related node, ordered (@relationship on a list field).
	List
	// Connection is a Relay page of related nodes (@relationship on a
	// field returning a connection type).
	Connection
)

// Direction is which way a relationship points from the node declaring the field.
type Direction string

// The directions of the schema's RelationshipDirection enum.
const (
	Out Direction = "OUT"
	In  Direction = "IN"
)

// FieldMap is one field's mapping.
type FieldMap struct {
	// Type and Name name the field (Type.Name).
	Type, Name string
	Kind       Kind
	// Target is the related type (Object, List, Connection) or the counted
	// label (Count).
	Target string
	// Rel and Dir are the relationship (not Property).
	Rel string
	Dir Direction
	// SortByRelationship orders a Connection by the relationship's createdAt
	// instead of the node's.
	SortByRelationship bool
	// OrderBy is the target property a List is ordered by, ascending ("" for none).
	OrderBy string
	// SelfOnly hides the value from anyone but the node itself (the caller's own User).
	SelfOnly bool
}

// Path is "Type.field", the name cursors and messages use.
func (f *FieldMap) Path() string { return f.Type + "." + f.Name }

// Related reports whether the field reaches other nodes (Object, List,
// Connection): its value has a sub-selection.
func (f *FieldMap) Related() bool { return f.Kind >= Object }

// Mapping is every stored type's field mappings, read from the schema once
// at start. It is immutable and safe for concurrent use.
type Mapping struct {
	types map[string]map[string]*FieldMap
	// nodes are the stored types that implement the Node interface.
	nodes map[string]bool
}

// Field returns the mapping of typ.name, or nil when typ is not a stored
// type or has no such field.
func (m *Mapping) Field(typ, name string) *FieldMap { return m.types[typ][name] }

// Stored reports whether typ is a stored type (a label in the graph).
func (m *Mapping) Stored(typ string) bool { return m.types[typ] != nil }

// Fields returns the mappings of typ's fields, by name.
func (m *Mapping) Fields(typ string) []*FieldMap {
	out := make([]*FieldMap, 0, len(m.types[typ]))
	for _, f := range m.types[typ] {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// IsNode reports whether typ is a stored type that implements Node.
func (m *Mapping) IsNode(typ string) bool { return m.nodes[typ] }

// identifier is what labels, relationship types and property names may be:
// they are written into Cypher, so only plain identifiers pass.
var (
	identifierRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
	relTypeRe    = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)
)

// Load reads the mapping of every type reachable from roots (the types the
// root statements return) through @relationship fields, and checks each
// field against its definition. The error names every field that does not
// fit, one per line.
func Load(schema *ast.Schema, roots ...string) (*Mapping, error) {
	l := loader{schema: schema, m: &Mapping{types: map[string]map[string]*FieldMap{}, nodes: map[string]bool{}}}
	queue := append([]string(nil), roots...)
	for len(queue) > 0 {
		typ := queue[0]
		queue = queue[1:]
		if l.m.types[typ] != nil {
			continue
		}
		queue = append(queue, l.loadType(typ)...)
	}
	if len(l.problems) > 0 {
		sort.Strings(l.problems)
		return nil, errors.New("the schema's graph mapping is not valid:\n  - " + strings.Join(l.problems, "\n  - "))
	}
	return l.m, nil
}

type loader struct {
	schema   *ast.Schema
	m        *Mapping
	problems []string
}

func (l *loader) fail(path, format string, args ...any) {
	l.problems = append(l.problems, path+": "+fmt.Sprintf(format, args...))
}

// loadType maps typ's fields and returns the types they reach.
func (l *loader) loadType(typ string) []string {
	def := l.schema.Types[typ]
	if def == nil || def.Kind != ast.Object {
		l.fail(typ, "a root statement returns this type, but the schema has no object type of that name")
		l.m.types[typ] = map[string]*FieldMap{}
		return nil
	}
	if !identifierRe.MatchString(typ) {
		l.fail(typ, "a stored type's name is its label and must be a plain identifier")
	}
	for _, iface := range def.Interfaces {
		if iface == "Node" {
			l.m.nodes[typ] = true
		}
	}
	fields := map[string]*FieldMap{}
	l.m.types[typ] = fields
	var reached []string
	for _, fd := range def.Fields {
		if strings.HasPrefix(fd.Name, "__") {
			continue
		}
		fm := l.loadField(typ, fd)
		if fm == nil {
			continue
		}
		fields[fd.Name] = fm
		if fm.Related() {
			reached = append(reached, fm.Target)
		}
	}
	return reached
}

func (l *loader) loadField(typ string, fd *ast.FieldDefinition) *FieldMap {
	fm := &FieldMap{Type: typ, Name: fd.Name}
	path := fm.Path()
	rel, count, viewerRel := fd.Directives.ForName("relationship"), fd.Directives.ForName("count"), fd.Directives.ForName("viewerRelationship")
	fm.SelfOnly = fd.Directives.ForName("selfOnly") != nil
	n := 0
	for _, d := range []*ast.Directive{rel, count, viewerRel} {
		if d != nil {
			n++
		}
	}
	if n > 1 {
		l.fail(path, "at most one of @relationship, @count and @viewerRelationship")
		return nil
	}
	named := fd.Type.Name()
	target := l.schema.Types[named]
	isObject := target != nil && target.Kind == ast.Object
	switch {
	case rel != nil:
		fm.Rel, fm.Dir = l.relationship(path, rel)
		l.relatedShape(fm, fd, target)
	case count != nil:
		fm.Kind = Count
		fm.Rel, fm.Dir = l.relationship(path, count)
		fm.Target = argString(count, "label")
		if t := l.schema.Types[fm.Target]; t == nil || t.Kind != ast.Object {
			l.fail(path, "@count label %q is not an object type of the schema", fm.Target)
		}
		if named != "Int" || fd.Type.Elem != nil {
			l.fail(path, "@count needs an Int field, not %s", fd.Type.String())
		}
	case viewerRel != nil:
		fm.Kind = ViewerRelationship
		fm.Rel, fm.Dir = l.relationship(path, viewerRel)
		if named != "Boolean" || fd.Type.Elem != nil {
			l.fail(path, "@viewerRelationship needs a Boolean field, not %s", fd.Type.String())
		}
	case isObject || (target != nil && (target.Kind == ast.Interface || target.Kind == ast.Union)):
		l.fail(path, "returns %s but has no mapping: add @relationship(type: ..., direction: ...)", fd.Type.String())
		return nil
	default:
		fm.Kind = Property
		if fd.Type.Elem != nil {
			l.fail(path, "a list of scalars has no mapping; store it as a property list or relate nodes with @relationship")
		}
		if !identifierRe.MatchString(fd.Name) {
			l.fail(path, "a property field's name must be a plain identifier")
		}
	}
	if fm.Kind != Connection && len(fd.Arguments) > 0 {
		l.fail(path, "only connection fields may take arguments")
	}
	if fm.SelfOnly && fm.Kind != Property && fm.Kind != List && fm.Kind != Object {
		l.fail(path, "@selfOnly applies to properties and related objects only")
	}
	return fm
}

// relationship reads and checks type: and direction:.
func (l *loader) relationship(path string, d *ast.Directive) (string, Direction) {
	rel := argString(d, "type")
	if !relTypeRe.MatchString(rel) {
		l.fail(path, "relationship type %q must be upper-case letters, digits and _", rel)
	}
	dir := Direction(argString(d, "direction"))
	if dir != Out && dir != In {
		l.fail(path, "direction must be OUT or IN")
	}
	return rel, dir
}

// relatedShape decides Object, List or Connection from the field's type.
func (l *loader) relatedShape(fm *FieldMap, fd *ast.FieldDefinition, target *ast.Definition) {
	path := fm.Path()
	rel := fd.Directives.ForName("relationship")
	sortBy, orderBy := argString(rel, "sortBy"), argString(rel, "orderBy")
	if target == nil || target.Kind != ast.Object {
		l.fail(path, "@relationship needs an object, a list of objects or a connection, not %s", fd.Type.String())
		return
	}
	switch node := connectionNode(l.schema, target); {
	case node != "":
		fm.Kind, fm.Target = Connection, node
		fm.SortByRelationship = sortBy == "RELATIONSHIP"
		if fd.Arguments.ForName("first") == nil || fd.Arguments.ForName("after") == nil {
			l.fail(path, "a connection takes first: Int and after: String")
		}
		for _, a := range fd.Arguments {
			if a.Name != "first" && a.Name != "after" {
				l.fail(path, "a connection takes only first and after, not %s", a.Name)
			}
		}
	case fd.Type.Elem != nil:
		fm.Kind, fm.Target, fm.OrderBy = List, target.Name, orderBy
		if fd.Type.Elem.Elem != nil {
			l.fail(path, "a list of lists has no mapping")
		}
		if orderBy != "" {
			if f := target.Fields.ForName(orderBy); f == nil || !identifierRe.MatchString(orderBy) {
				l.fail(path, "orderBy %q is not a field of %s", orderBy, target.Name)
			}
		}
	default:
		fm.Kind, fm.Target = Object, target.Name
	}
	if fm.Kind != Connection && sortBy == "RELATIONSHIP" {
		l.fail(path, "sortBy applies to connections only")
	}
	if fm.Kind != List && orderBy != "" {
		l.fail(path, "orderBy applies to lists only")
	}
}

// connectionNode returns the node type of a Relay connection type
// (edges: [XEdge!]! with node: X, pageInfo, totalCount), or "".
func connectionNode(schema *ast.Schema, def *ast.Definition) string {
	edges, info, total := def.Fields.ForName("edges"), def.Fields.ForName("pageInfo"), def.Fields.ForName("totalCount")
	if edges == nil || info == nil || total == nil || edges.Type.Elem == nil {
		return ""
	}
	edge := schema.Types[edges.Type.Name()]
	if edge == nil {
		return ""
	}
	node := edge.Fields.ForName("node")
	if node == nil || edge.Fields.ForName("cursor") == nil {
		return ""
	}
	return node.Type.Name()
}

// argString is a directive argument's literal value ("" when absent); for
// an argument left out, its declared default.
func argString(d *ast.Directive, name string) string {
	if d == nil {
		return ""
	}
	if a := d.Arguments.ForName(name); a != nil && a.Value != nil {
		return a.Value.Raw
	}
	if d.Definition != nil {
		if ad := d.Definition.Arguments.ForName(name); ad != nil && ad.DefaultValue != nil {
			return ad.DefaultValue.Raw
		}
	}
	return ""
}
