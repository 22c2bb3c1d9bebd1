package neo4jrepo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// The root queries. Each compiles the caller's whole selection into one
// statement that starts from a unique-index seek (or a range seek for
// search), binds `viewer` through the Identity.sub index, and returns one
// value `r`: a map, a list of maps, or a connection map.

// QueryMe returns the caller's User as a result map, or ErrNotFound when
// the subject has no User yet.
func (db *DB) QueryMe(ctx context.Context, viewer Viewer, sel *Selection) (map[string]any, error) {
	c := newCompiler(viewer)
	cypher, err := c.me(sel)
	if err != nil {
		return nil, err
	}
	return db.queryMap(ctx, "me", cypher, c.params)
}

// me compiles the statement of QueryMe.
func (c *compiler) me(sel *Selection) (string, error) {
	proj, err := c.project("User", "viewer", withIdentityState(sel))
	if err != nil {
		return "", err
	}
	return "MATCH (:Identity {sub: $sub})<-[:HAS_IDENTITY]-(viewer:User)\nRETURN " + proj + " AS r", nil
}

// withIdentityState adds the identities to a me selection, so the caller can
// tell (without another statement) whether the token's profile is news.
func withIdentityState(sel *Selection) *Selection {
	out := &Selection{}
	if sel != nil {
		out.Fields = append(out.Fields, sel.Fields...)
	}
	out.Fields = append(out.Fields, Field{Key: "identities", Name: "identities"})
	return out
}

// QueryNode returns the object of type typ (User, Post or Comment) with the
// given id as a result map, or ErrNotFound when it does not exist or the
// viewer may not see it (the two are indistinguishable).
func (db *DB) QueryNode(ctx context.Context, viewer Viewer, typ, id string, sel *Selection) (map[string]any, error) {
	if !nodeStatements[typ] {
		return nil, ErrNotFound
	}
	c := newCompiler(viewer)
	cypher, err := c.node(typ, id, sel)
	if err != nil {
		return nil, err
	}
	return db.queryMap(ctx, "node", cypher, c.params)
}

// nodeStatements are the types c.node compiles.
var nodeStatements = map[string]bool{"User": true, "Post": true, "Comment": true}

// node compiles the statement of QueryNode.
func (c *compiler) node(typ, id string, sel *Selection) (string, error) {
	proj, err := c.project(typ, "x", sel)
	if err != nil {
		return "", err
	}
	idParam := c.param(id)
	switch typ {
	case "User":
		return "MATCH (x:User {id: " + idParam + "})\n" + viewerMatch + "\nRETURN " + proj + " AS r", nil
	case "Post":
		return "MATCH (x:Post {id: " + idParam + "})\n" + viewerMatch + "\nWITH x, viewer WHERE " + visible("x") + "\nRETURN " + proj + " AS r", nil
	case "Comment":
		return "MATCH (x:Comment {id: " + idParam + "})-[:ON]->(cp:Post)\n" + viewerMatch + "\nWITH x, viewer, cp WHERE " + visible("cp") + "\nRETURN " + proj + " AS r", nil
	}
	return "", fmt.Errorf("neo4jrepo: no statement reads a %s by id", typ)
}

// QueryTag returns the tag named name, or ErrNotFound — also when none of
// its posts is visible to the viewer, so a tag never reveals a hidden post.
func (db *DB) QueryTag(ctx context.Context, viewer Viewer, name string, sel *Selection) (map[string]any, error) {
	c := newCompiler(viewer)
	proj, err := c.project("Tag", "x", sel)
	if err != nil {
		return nil, err
	}
	return db.queryMap(ctx, "tag", "MATCH (x:Tag {name: "+c.param(name)+"})\n"+viewerMatch+
		"\nWITH x, viewer WHERE EXISTS { MATCH (x)<-[:TAGGED]-(tp:Post) WHERE "+visible("tp")+" }\nRETURN "+proj+" AS r", c.params)
}

// QueryFeed returns a page of posts by the people the viewer follows and the
// viewer's own, newest first, visible to the viewer.
func (db *DB) QueryFeed(ctx context.Context, viewer Viewer, f Field) (Conn, error) {
	c := newCompiler(viewer)
	page, err := c.page("(viewer)-[:FOLLOWS*0..1]->(:User)-[:AUTHORED]->(fp:Post)", "fp", "Post", nodeTime("", "fp"), visible("fp"), f)
	if err != nil {
		return Conn{}, err
	}
	m, err := db.queryMap(ctx, "feed", "MATCH (viewer:User)-[:HAS_IDENTITY]->(:Identity {sub: $sub})\nRETURN "+page+" AS r", c.params)
	if errors.Is(err, ErrNotFound) {
		return Conn{}, nil
	}
	if err != nil {
		return Conn{}, err
	}
	return ConnFromMap(m)
}

// QuerySearchUsers returns a page of users whose lower-cased name starts
// with prefix (already lower-cased), newest first.
func (db *DB) QuerySearchUsers(ctx context.Context, viewer Viewer, prefix string, f Field) (Conn, error) {
	c := newCompiler(viewer)
	pattern := "(su:User) WHERE su.nameLower STARTS WITH " + c.param(prefix)
	page, err := c.page(pattern, "su", "User", nodeTime("", "su"), "", f)
	if err != nil {
		return Conn{}, err
	}
	m, err := db.queryMap(ctx, "search users", viewerMatch+"\nRETURN "+page+" AS r", c.params)
	if err != nil {
		return Conn{}, err
	}
	return ConnFromMap(m)
}

// QueryRecommendedUsers returns up to first users followed by the viewer's
// follows, not the viewer and not yet followed, ranked by how many of the
// viewer's follows follow them (id breaks ties).
func (db *DB) QueryRecommendedUsers(ctx context.Context, viewer Viewer, first int, sel *Selection) ([]map[string]any, error) {
	c := newCompiler(viewer)
	proj, err := c.project("User", "ru", sel)
	if err != nil {
		return nil, err
	}
	cypher := "MATCH (viewer:User)-[:HAS_IDENTITY]->(:Identity {sub: $sub})\n" +
		"OPTIONAL MATCH (viewer)-[:FOLLOWS]->(:User)-[:FOLLOWS]->(ru:User) WHERE ru <> viewer AND NOT EXISTS { (viewer)-[:FOLLOWS]->(ru) }\n" +
		"WITH viewer, ru, count(ru) AS mutual ORDER BY mutual DESC, ru.id DESC LIMIT " + c.param(int64(first)) + "\n" +
		"WITH viewer, [x IN collect(ru) | x] AS users\n" +
		"RETURN {list: [ru IN users | " + proj + "]} AS r"
	m, err := db.queryMap(ctx, "recommended users", cypher, c.params)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	list, _ := m["list"].([]any)
	return maps(list)
}

// queryMap runs a root statement returning one map `r`; no row is ErrNotFound.
func (db *DB) queryMap(ctx context.Context, op, cypher string, params map[string]any) (map[string]any, error) {
	m, err := read(ctx, db, func(tx neo4j.ManagedTransaction) (map[string]any, error) {
		res, err := db.run(ctx, tx, cypher, params)
		if err != nil {
			return nil, err
		}
		if !res.Next(ctx) {
			if err := res.Err(); err != nil {
				return nil, err
			}
			return nil, ErrNotFound
		}
		v, _, err := neo4j.GetRecordValue[map[string]any](res.Record(), "r")
		return v, err
	})
	return m, classify(ctx, op, err)
}

func maps(list []any) ([]map[string]any, error) {
	out := make([]map[string]any, 0, len(list))
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			return nil, errors.New("neo4jrepo: list item is not a map")
		}
		out = append(out, m)
	}
	return out, nil
}

// ConnFromMap decodes a compiled connection value.
func ConnFromMap(m map[string]any) (Conn, error) {
	var c Conn
	if m == nil {
		return c, nil
	}
	if t, ok := m["total"].(int64); ok {
		c.Total = t
	}
	list, _ := m["items"].([]any)
	items, err := maps(list)
	if err != nil {
		return c, err
	}
	for _, it := range items {
		k, _ := it["k"].(int64)
		id, _ := it["id"].(string)
		node, _ := it["node"].(map[string]any)
		c.Items = append(c.Items, ConnItem{Cursor: Cursor{Time: time.Unix(0, k).UTC(), ID: id}, Node: node})
	}
	return c, nil
}
