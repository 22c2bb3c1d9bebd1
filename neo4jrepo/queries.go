package neo4jrepo

import (
	"context"
	"errors"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/gqlneo/gqlneo/cypher"
	"github.com/gqlneo/gqlneo/domain"
)

// The root queries: each runs one statement the compiler built from the
// caller's whole selection (see package cypher) and returns its value `r`.

// QueryMe returns the caller's User as a result map keyed by response key,
// or domain.ErrNotFound when the subject has no User yet.
func (db *DB) QueryMe(ctx context.Context, v domain.Viewer, sel *cypher.Selection) (map[string]any, error) {
	return db.compiled(ctx, "me", func() (cypher.Statement, error) { return db.compiler.Me(v.Subject, sel) })
}

// QueryNode returns the object of type typ (User, Post or Comment) with the
// given id, or domain.ErrNotFound when it does not exist or the viewer may
// not see it (the two are indistinguishable).
func (db *DB) QueryNode(ctx context.Context, v domain.Viewer, typ, id string, sel *cypher.Selection) (map[string]any, error) {
	if !cypher.NodeTypes[typ] {
		return nil, domain.ErrNotFound
	}
	return db.compiled(ctx, "node", func() (cypher.Statement, error) { return db.compiler.Node(v.Subject, typ, id, sel) })
}

// QueryTag returns the tag named name, or domain.ErrNotFound — also when
// none of its posts is visible to the viewer.
func (db *DB) QueryTag(ctx context.Context, v domain.Viewer, name string, sel *cypher.Selection) (map[string]any, error) {
	return db.compiled(ctx, "tag", func() (cypher.Statement, error) { return db.compiler.Tag(v.Subject, name, sel) })
}

// QueryFeed returns a page of posts by the people the viewer follows and
// the viewer's own, newest first; an empty page when the viewer has no User.
func (db *DB) QueryFeed(ctx context.Context, v domain.Viewer, f cypher.Field) (cypher.Conn, error) {
	m, err := db.compiled(ctx, "feed", func() (cypher.Statement, error) { return db.compiler.Feed(v.Subject, f) })
	if errors.Is(err, domain.ErrNotFound) {
		return cypher.Conn{}, nil
	}
	return cypher.DecodeConn(m), err
}

// QuerySearchUsers returns a page of users whose lower-cased name starts
// with prefix (already lower-cased), newest first.
func (db *DB) QuerySearchUsers(ctx context.Context, v domain.Viewer, prefix string, f cypher.Field) (cypher.Conn, error) {
	m, err := db.compiled(ctx, "search users", func() (cypher.Statement, error) { return db.compiler.SearchUsers(v.Subject, prefix, f) })
	return cypher.DecodeConn(m), err
}

// QueryRecommendedUsers returns up to first users followed by the viewer's
// follows, not yet followed, best first.
func (db *DB) QueryRecommendedUsers(ctx context.Context, v domain.Viewer, first int, sel *cypher.Selection) ([]any, error) {
	m, err := db.compiled(ctx, "recommended users", func() (cypher.Statement, error) {
		return db.compiler.RecommendedUsers(v.Subject, first, sel)
	})
	if errors.Is(err, domain.ErrNotFound) {
		return nil, nil
	}
	list, _ := m["list"].([]any)
	return list, err
}

// compiled compiles a root statement and runs it; it returns one map `r`,
// and no row is domain.ErrNotFound.
func (db *DB) compiled(ctx context.Context, op string, compile func() (cypher.Statement, error)) (map[string]any, error) {
	st, err := compile()
	if err != nil {
		return nil, err
	}
	m, err := read(ctx, db, func(tx neo4j.ManagedTransaction) (map[string]any, error) {
		res, err := db.run(ctx, tx, st.Cypher, st.Params)
		if err != nil {
			return nil, err
		}
		if !res.Next(ctx) {
			if err := res.Err(); err != nil {
				return nil, err
			}
			return nil, domain.ErrNotFound
		}
		v, _, err := neo4j.GetRecordValue[map[string]any](res.Record(), "r")
		return v, err
	})
	return m, classify(ctx, op, err)
}
