package graph

import (
	"context"
	"errors"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/gqlneo/gqlneo/cypher"
	"github.com/gqlneo/gqlneo/domain"
	"github.com/gqlneo/gqlneo/graph/model"
)

// The root queries: each compiles its whole selection into one statement.

// responseKey is the current field's response key (its alias, or its name).
func responseKey(ctx context.Context) string { return graphql.GetFieldContext(ctx).Field.Alias }

// fetched returns what the root statement fetched for the current field of
// an object, typed. Child resolvers read; they never query.
func fetched[T any](ctx context.Context, f model.Fetched) (T, error) {
	return model.Get[T](f, responseKey(ctx))
}

func (r *Resolver) me(ctx context.Context) (*model.User, error) {
	v, err := r.signedInViewer(ctx)
	if err != nil {
		return nil, err
	}
	return queryOne[*model.User](ctx, r, "User", func(sel *cypher.Selection) (map[string]any, error) {
		return r.Store.QueryMe(ctx, v, sel)
	})
}

// queryOne compiles the current field's selection of an object of typ,
// runs it through query and decodes the result; not found is null.
func queryOne[T any](ctx context.Context, r *Resolver, typ string, query func(sel *cypher.Selection) (map[string]any, error)) (T, error) {
	var zero T
	sel, err := r.rootSelection(ctx, typ)
	if err != nil {
		return zero, err
	}
	m, err := query(sel)
	if errors.Is(err, domain.ErrNotFound) {
		return zero, nil
	}
	if err != nil {
		return zero, err
	}
	return r.decode(typ, m, sel).(T), nil
}

// parseID decodes a global ID argument of the expected type.
func parseID(field, gid, want string) (string, error) {
	typ, id, ok := parseGlobalID(gid)
	if !ok || typ != want {
		return "", domain.Invalid(field, "%s is not a valid %s ID.", field, strings.ToLower(want))
	}
	return id, nil
}

func (r *Resolver) node(ctx context.Context, gid string) (model.Node, error) {
	typ, id, ok := parseGlobalID(gid)
	if !ok {
		return nil, domain.Invalid("id", "id is not a valid ID.")
	}
	if !cypher.NodeTypes[typ] {
		return nil, nil
	}
	v, err := r.viewer(ctx)
	if err != nil {
		return nil, err
	}
	n, err := queryOne[model.Node](ctx, r, typ, func(sel *cypher.Selection) (map[string]any, error) {
		return r.Store.QueryNode(ctx, v, typ, id, sel)
	})
	return n, err
}

// byID reads the object of typ with the global ID gid.
func byID[T any](ctx context.Context, r *Resolver, field, gid, typ string) (T, error) {
	var zero T
	id, err := parseID(field, gid, typ)
	if err != nil {
		return zero, err
	}
	v, err := r.viewer(ctx)
	if err != nil {
		return zero, err
	}
	return queryOne[T](ctx, r, typ, func(sel *cypher.Selection) (map[string]any, error) {
		return r.Store.QueryNode(ctx, v, typ, id, sel)
	})
}

func (r *Resolver) tag(ctx context.Context, name string) (*model.Tag, error) {
	name, err := domain.Tag("name", name)
	if err != nil {
		return nil, err
	}
	v, err := r.viewer(ctx)
	if err != nil {
		return nil, err
	}
	return queryOne[*model.Tag](ctx, r, "Tag", func(sel *cypher.Selection) (map[string]any, error) {
		return r.Store.QueryTag(ctx, v, name, sel)
	})
}

// rootConnectionOf runs a root connection of typ named conn.
func rootConnectionOf[T any](ctx context.Context, r *Resolver, v domain.Viewer, typ, conn string, query func(f cypher.Field) (cypher.Conn, error)) (T, error) {
	var zero T
	f, err := r.rootConnection(ctx, typ, conn)
	if err != nil {
		return zero, err
	}
	c, err := query(f)
	if err != nil {
		return zero, err
	}
	return r.connection(typ, conn, c, f).(T), nil
}

func (r *Resolver) feed(ctx context.Context) (*model.PostConnection, error) {
	v, err := r.signedInViewer(ctx)
	if err != nil {
		return nil, err
	}
	return rootConnectionOf[*model.PostConnection](ctx, r, v, "Post", "Query.feed", func(f cypher.Field) (cypher.Conn, error) {
		return r.Store.QueryFeed(ctx, v, f)
	})
}

func (r *Resolver) searchUsers(ctx context.Context, query string) (*model.UserConnection, error) {
	q := strings.ToLower(strings.TrimSpace(query))
	if err := domain.Text("query", q, 1, domain.MaxSearchRunes); err != nil {
		return nil, err
	}
	v, err := r.viewer(ctx)
	if err != nil {
		return nil, err
	}
	return rootConnectionOf[*model.UserConnection](ctx, r, v, "User", "Query.searchUsers", func(f cypher.Field) (cypher.Conn, error) {
		return r.Store.QuerySearchUsers(ctx, v, q, f)
	})
}

func (r *Resolver) recommendedUsers(ctx context.Context, first *int) ([]*model.User, error) {
	n, err := domain.PageSize(first)
	if err != nil {
		return nil, err
	}
	v, err := r.signedInViewer(ctx)
	if err != nil {
		return nil, err
	}
	sel, err := r.rootSelection(ctx, "User")
	if err != nil {
		return nil, err
	}
	list, err := r.Store.QueryRecommendedUsers(ctx, v, n, sel)
	if err != nil {
		return nil, err
	}
	return r.decodeList("User", list, sel).([]*model.User), nil
}

// compiledUser reads the User id as the identity subject sees it, compiling
// the current field's selection: the User that login and signup return.
func (r *Resolver) compiledUser(ctx context.Context, id, subject string) (*model.User, error) {
	sel, err := r.rootSelection(ctx, "User")
	if err != nil {
		return nil, err
	}
	m, err := r.Store.QueryNode(ctx, domain.Viewer{Subject: subject}, "User", id, sel)
	if err != nil {
		return nil, err
	}
	return r.decode("User", m, sel).(*model.User), nil
}
