package graph

import (
	"encoding/base64"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/gqlneo/gqlneo/cypher"
	"github.com/gqlneo/gqlneo/graph/model"
)

// The decoder turns a compiled statement's result (maps keyed by response
// key) into models, in one pass over the selection that produced it.
// Scalar fields land in the model's field of the same name (matched as
// gqlgen binds them); related objects, lists and connections are decoded to
// their typed models and kept in the model's Fetched under their response
// key. Which is which comes from the mapping, as for the compiler.

// newModel returns a new model of a stored type.
func newModel(typ string) any {
	switch typ {
	case "User":
		return &model.User{}
	case "Post":
		return &model.Post{}
	case "Comment":
		return &model.Comment{}
	case "Tag":
		return &model.Tag{}
	case "Identity":
		return &model.Identity{}
	}
	return nil
}

// decode converts the result map m of an object of typ selected by sel.
// A nil m is a nil model of typ.
func (r *Resolver) decode(typ string, m map[string]any, sel *cypher.Selection) any {
	obj := newModel(typ)
	if m == nil || obj == nil {
		return reflect.Zero(reflect.TypeOf(obj)).Interface()
	}
	v := reflect.ValueOf(obj).Elem()
	fields := modelFields(v.Type())
	var fetched model.Fetched
	if sel != nil {
		for _, f := range sel.Fields {
			raw, ok := m[f.Key]
			if !ok {
				continue
			}
			fm := r.Mapping.Field(typ, f.Name)
			switch {
			case fm == nil:
				// __typename: gqlgen answers it itself.
			case fm.Related():
				if fetched == nil {
					fetched = model.Fetched{}
				}
				fetched[f.Key] = r.decodeRelated(fm, raw, f)
			case f.Name == "id" && r.Mapping.IsNode(typ):
				id, _ := raw.(string)
				setField(v, fields, "id", globalID(typ, id))
				setField(v, fields, "rawid", id)
			default:
				setField(v, fields, strings.ToLower(f.Name), raw)
			}
		}
	}
	if fetched != nil {
		setField(v, fields, "fetched", fetched)
	}
	return obj
}

// decodeRelated converts the value of a related field.
func (r *Resolver) decodeRelated(fm *cypher.FieldMap, raw any, f cypher.Field) any {
	switch fm.Kind {
	case cypher.Connection:
		return r.connection(fm.Target, fm.Path(), cypher.DecodeConn(raw), f)
	case cypher.List:
		list, _ := raw.([]any)
		return r.decodeList(fm.Target, list, f.Sub)
	default:
		om, _ := raw.(map[string]any)
		return r.decode(fm.Target, om, f.Sub)
	}
}

// decodeList converts a list of result maps to a typed slice ([]*model.Tag …).
func (r *Resolver) decodeList(typ string, list []any, sel *cypher.Selection) any {
	out := reflect.MakeSlice(reflect.SliceOf(reflect.TypeOf(newModel(typ))), 0, len(list))
	for _, item := range list {
		m, _ := item.(map[string]any)
		out = reflect.Append(out, reflect.ValueOf(r.decode(typ, m, sel)))
	}
	return out.Interface()
}

// connection builds a Relay connection of typ from a fetched page: the
// extra item (First+1) only sets hasNextPage. conn names the connection its
// cursors belong to.
func (r *Resolver) connection(typ, conn string, c cypher.Conn, f cypher.Field) any {
	page := f.Page
	items := c.Items
	hasNext := len(items) > page.First
	if hasNext {
		items = items[:page.First]
	}
	codec := cursorCodec{key: r.CursorKey}
	info := &model.PageInfo{HasNextPage: hasNext, HasPreviousPage: page.After != nil}
	cursors := make([]string, len(items))
	for i, it := range items {
		cursors[i] = codec.encode(conn, it.Cursor)
	}
	if len(cursors) > 0 {
		info.StartCursor, info.EndCursor = &cursors[0], &cursors[len(cursors)-1]
	}
	total := int(c.Total)
	switch typ {
	case "User":
		out := &model.UserConnection{PageInfo: info, TotalCount: total, Edges: make([]*model.UserEdge, len(items))}
		for i, it := range items {
			out.Edges[i] = &model.UserEdge{Cursor: cursors[i], Node: r.decode(typ, it.Node, f.Sub).(*model.User)}
		}
		return out
	case "Post":
		out := &model.PostConnection{PageInfo: info, TotalCount: total, Edges: make([]*model.PostEdge, len(items))}
		for i, it := range items {
			out.Edges[i] = &model.PostEdge{Cursor: cursors[i], Node: r.decode(typ, it.Node, f.Sub).(*model.Post)}
		}
		return out
	case "Comment":
		out := &model.CommentConnection{PageInfo: info, TotalCount: total, Edges: make([]*model.CommentEdge, len(items))}
		for i, it := range items {
			out.Edges[i] = &model.CommentEdge{Cursor: cursors[i], Node: r.decode(typ, it.Node, f.Sub).(*model.Comment)}
		}
		return out
	}
	return nil
}

// modelFieldCache holds, per model type, its fields by lower-cased name.
var modelFieldCache sync.Map // reflect.Type → map[string]int

// modelFields returns t's fields by lower-cased name, as gqlgen matches
// schema fields to Go fields (case-insensitively).
func modelFields(t reflect.Type) map[string]int {
	if f, ok := modelFieldCache.Load(t); ok {
		return f.(map[string]int)
	}
	fields := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		fields[strings.ToLower(t.Field(i).Name)] = i
	}
	modelFieldCache.Store(t, fields)
	return fields
}

var timeType = reflect.TypeOf(time.Time{})

// setField stores a result value in the model field named (lower-cased)
// name, converting Neo4j's types to the field's: int64 to int, DateTime to
// UTC time.Time, strings to string-based enums, values to pointers for
// nullable fields. A null, or a value of another type, leaves the field at
// its zero value.
func setField(v reflect.Value, fields map[string]int, name string, raw any) {
	i, ok := fields[name]
	if !ok || raw == nil {
		return
	}
	dst := v.Field(i)
	t := dst.Type()
	ptr := t.Kind() == reflect.Pointer && t.Elem().Kind() != reflect.Struct
	if ptr {
		t = t.Elem()
	}
	val := reflect.ValueOf(raw)
	switch {
	case t == timeType:
		tm, ok := raw.(time.Time)
		if !ok {
			return
		}
		val = reflect.ValueOf(tm.UTC())
	case val.Type().ConvertibleTo(t) && val.Kind() == t.Kind():
		val = val.Convert(t)
	case val.Kind() == reflect.Int64 && t.Kind() == reflect.Int:
		val = val.Convert(t)
	case val.Type().AssignableTo(t):
	default:
		return
	}
	if ptr {
		p := reflect.New(t)
		p.Elem().Set(val)
		val = p
	}
	dst.Set(val)
}

// globalID encodes an object's type and id as an opaque ID ("User:<uuid>" in
// unpadded base64url), so node(id) can tell types apart.
func globalID(typeName, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typeName + ":" + id))
}

// parseGlobalID decodes a global ID; ok is false for anything malformed.
func parseGlobalID(gid string) (typeName, id string, ok bool) {
	raw, err := base64.RawURLEncoding.DecodeString(gid)
	if err != nil {
		return "", "", false
	}
	typeName, id, ok = strings.Cut(string(raw), ":")
	return typeName, id, ok && typeName != "" && id != ""
}
