package graph

import (
	"time"

	"github.com/gqlneo/gqlneo/graph/model"
	"github.com/gqlneo/gqlneo/neo4jrepo"
)

// The converters turn a compiled statement's result maps into models. Scalar
// values sit under their field names; nested values under
// neo4jrepo.NestedKey(i) for the i-th field of the selection, and land in the
// model's Nested map under the field's response key.

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

func optStr(m map[string]any, k string) *string {
	if s, ok := m[k].(string); ok && s != "" {
		return &s
	}
	return nil
}

func num(m map[string]any, k string) int { n, _ := m[k].(int64); return int(n) }

func flag(m map[string]any, k string) bool { b, _ := m[k].(bool); return b }

func when(m map[string]any, k string) time.Time { t, _ := m[k].(time.Time); return t.UTC() }

func (r *Resolver) userFrom(m map[string]any, sel *neo4jrepo.Selection) *model.User {
	if m == nil {
		return nil
	}
	id := str(m, "id")
	u := &model.User{
		ID: globalID("User", id), RawID: id, Name: optStr(m, "name"), Picture: optStr(m, "picture"), Bio: optStr(m, "bio"),
		CreatedAt: when(m, "createdAt"), FollowerCount: num(m, "followerCount"), FollowingCount: num(m, "followingCount"),
		PostCount: num(m, "postCount"), ViewerFollows: flag(m, "viewerFollows"), FollowsViewer: flag(m, "followsViewer"),
		Self: flag(m, "_self"), PrivateEmail: optStr(m, "email"),
	}
	if list, ok := m["identities"].([]any); ok {
		for _, item := range list {
			im, _ := item.(map[string]any)
			mi := &model.Identity{Provider: str(im, "provider"), Connection: optStr(im, "connection"), CreatedAt: when(im, "createdAt"), LastSeenAt: when(im, "lastSeenAt")}
			u.PrivateIdentities = append(u.PrivateIdentities, mi)
		}
	}
	u.Nested = r.nested("User", m, sel)
	return u
}

func (r *Resolver) postFrom(m map[string]any, sel *neo4jrepo.Selection) *model.Post {
	if m == nil {
		return nil
	}
	id := str(m, "id")
	return &model.Post{
		ID: globalID("Post", id), RawID: id, Title: str(m, "title"), Body: str(m, "body"),
		Visibility: model.Visibility(str(m, "visibility")), CreatedAt: when(m, "createdAt"), UpdatedAt: when(m, "updatedAt"),
		LikeCount: num(m, "likeCount"), CommentCount: num(m, "commentCount"), ViewerHasLiked: flag(m, "viewerHasLiked"),
		Nested: r.nested("Post", m, sel),
	}
}

func (r *Resolver) commentFrom(m map[string]any, sel *neo4jrepo.Selection) *model.Comment {
	if m == nil {
		return nil
	}
	id := str(m, "id")
	return &model.Comment{ID: globalID("Comment", id), RawID: id, Body: str(m, "body"), CreatedAt: when(m, "createdAt"), Nested: r.nested("Comment", m, sel)}
}

func (r *Resolver) tagFrom(m map[string]any, sel *neo4jrepo.Selection) *model.Tag {
	if m == nil {
		return nil
	}
	return &model.Tag{Name: str(m, "name"), PostCount: num(m, "postCount"), Nested: r.nested("Tag", m, sel)}
}

// objectFrom converts a result map of type typ.
func (r *Resolver) objectFrom(typ string, m map[string]any, sel *neo4jrepo.Selection) any {
	switch typ {
	case "User":
		return r.userFrom(m, sel)
	case "Post":
		return r.postFrom(m, sel)
	case "Comment":
		return r.commentFrom(m, sel)
	case "Tag":
		return r.tagFrom(m, sel)
	}
	return nil
}

// nested converts the nested values of m (connections, objects, lists).
func (r *Resolver) nested(typ string, m map[string]any, sel *neo4jrepo.Selection) map[string]any {
	if sel == nil {
		return nil
	}
	out := map[string]any{}
	for i, f := range sel.Fields {
		path := typ + "." + f.Name
		child := childTypes[path]
		if child == "" {
			continue
		}
		raw := m[neo4jrepo.NestedKey(i)]
		switch {
		case connectionFields[path]:
			cm, _ := raw.(map[string]any)
			conn, _ := neo4jrepo.ConnFromMap(cm)
			out[f.Key] = r.connectionFrom(child, conn, f)
		case path == "Post.tags":
			list, _ := raw.([]any)
			tags := make([]*model.Tag, 0, len(list))
			for _, item := range list {
				tm, _ := item.(map[string]any)
				tags = append(tags, r.tagFrom(tm, f.Sub))
			}
			out[f.Key] = tags
		default:
			om, _ := raw.(map[string]any)
			out[f.Key] = r.objectFrom(child, om, f.Sub)
		}
	}
	return out
}

// connectionFrom builds a Relay connection from a fetched page: the extra
// item (First+1) only sets hasNextPage.
func (r *Resolver) connectionFrom(typ string, c neo4jrepo.Conn, f neo4jrepo.Field) any {
	items := c.Items
	hasNext := len(items) > f.Page.First
	if hasNext {
		items = items[:f.Page.First]
	}
	codec := cursorCodec{key: r.CursorKey}
	info := &model.PageInfo{HasNextPage: hasNext, HasPreviousPage: f.Page.After != nil}
	cursors := make([]string, len(items))
	for i, it := range items {
		cursors[i] = codec.encode(it.Cursor)
	}
	if len(cursors) > 0 {
		info.StartCursor, info.EndCursor = &cursors[0], &cursors[len(cursors)-1]
	}
	total := int(c.Total)
	switch typ {
	case "User":
		conn := &model.UserConnection{PageInfo: info, TotalCount: total, Edges: make([]*model.UserEdge, len(items))}
		for i, it := range items {
			conn.Edges[i] = &model.UserEdge{Cursor: cursors[i], Node: r.userFrom(it.Node, f.Sub)}
		}
		return conn
	case "Post":
		conn := &model.PostConnection{PageInfo: info, TotalCount: total, Edges: make([]*model.PostEdge, len(items))}
		for i, it := range items {
			conn.Edges[i] = &model.PostEdge{Cursor: cursors[i], Node: r.postFrom(it.Node, f.Sub)}
		}
		return conn
	case "Comment":
		conn := &model.CommentConnection{PageInfo: info, TotalCount: total, Edges: make([]*model.CommentEdge, len(items))}
		for i, it := range items {
			conn.Edges[i] = &model.CommentEdge{Cursor: cursors[i], Node: r.commentFrom(it.Node, f.Sub)}
		}
		return conn
	}
	return nil
}

// prefetched returns what the root statement fetched for the current field
// (by response key). Child resolvers never query.
func prefetched[T any](nested map[string]any, key string) (T, bool) {
	v, ok := nested[key].(T)
	return v, ok
}
