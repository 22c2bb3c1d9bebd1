package graph

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"

	"github.com/gqlneo/gqlneo/auth"
	"github.com/gqlneo/gqlneo/graph/model"
	"github.com/gqlneo/gqlneo/neo4jrepo"
)

// fetched returns what the root field's statement fetched for the current
// field, by response key. Child resolvers read; they never query.
func fetched[T any](ctx context.Context, nested map[string]any) (T, error) {
	var zero T
	key := graphql.GetFieldContext(ctx).Field.Alias
	v, ok := prefetched[T](nested, key)
	if !ok {
		return zero, errors.New("graph: field " + key + " was not prefetched by its root statement")
	}
	return v, nil
}

// viewerOf is who asks, for the compiler.
func viewerOf(ctx context.Context) neo4jrepo.Viewer {
	if c, ok := auth.ClaimsFromContext(ctx); ok {
		return neo4jrepo.Viewer{Subject: c.Subject}
	}
	return neo4jrepo.Viewer{}
}

// me runs one compiled statement. Only a subject without a User yet, or a
// token whose profile is news to the graph, costs more: a sync, then the
// statement again.
func (r *Resolver) me(ctx context.Context) (*model.User, error) {
	claims, ok := auth.ClaimsFromContext(ctx)
	if !ok {
		return nil, errUnauthenticated
	}
	sel, err := r.rootSelection(ctx, "User")
	if err != nil {
		return nil, err
	}
	v := viewerOf(ctx)
	m, err := r.Store.QueryMe(ctx, v, sel)
	stale := err == nil && profileIsNews(claims, m)
	if errors.Is(err, neo4jrepo.ErrNotFound) || stale {
		if _, err := r.viewer(ctx); err != nil {
			return nil, err
		}
		m, err = r.Store.QueryMe(ctx, v, sel)
	}
	if err != nil {
		return nil, err
	}
	return r.userFrom(m, sel), nil
}

// profileIsNews reports whether the token says something about the caller's
// identity that the graph does not know yet, such as a newly verified email.
func profileIsNews(c *auth.Claims, m map[string]any) bool {
	if c.Email == "" || c.EmailVerified == nil {
		return false
	}
	list, _ := m["identities"].([]any)
	for _, item := range list {
		im, _ := item.(map[string]any)
		if str(im, "sub") == c.Subject {
			return flag(im, "emailVerified") != *c.EmailVerified || !strings.EqualFold(str(im, "email"), c.Email)
		}
	}
	return true
}

// parseID decodes a global ID argument of the expected type.
func parseID(field, gid, want string) (string, error) {
	typ, id, ok := parseGlobalID(gid)
	if !ok || (want != "" && typ != want) {
		return "", inputError(field, "%s is not a valid %s ID.", field, strings.ToLower(first(want, "object")))
	}
	return id, nil
}

func (r *Resolver) node(ctx context.Context, gid string) (model.Node, error) {
	typ, id, ok := parseGlobalID(gid)
	if !ok {
		return nil, inputError("id", "id is not a valid ID.")
	}
	if !nodeTypes[typ] {
		return nil, nil
	}
	sel, err := r.rootSelection(ctx, typ)
	if err != nil {
		return nil, err
	}
	m, err := r.Store.QueryNode(ctx, viewerOf(ctx), typ, id, sel)
	if errors.Is(err, neo4jrepo.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	switch typ {
	case "User":
		return r.userFrom(m, sel), nil
	case "Post":
		return r.postFrom(m, sel), nil
	default:
		return r.commentFrom(m, sel), nil
	}
}

func (r *Resolver) user(ctx context.Context, gid string) (*model.User, error) {
	id, err := parseID("id", gid, "User")
	if err != nil {
		return nil, err
	}
	return r.queryUser(ctx, id)
}

func (r *Resolver) queryUser(ctx context.Context, id string) (*model.User, error) {
	sel, err := r.rootSelection(ctx, "User")
	if err != nil {
		return nil, err
	}
	m, err := r.Store.QueryNode(ctx, viewerOf(ctx), "User", id, sel)
	if errors.Is(err, neo4jrepo.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return r.userFrom(m, sel), nil
}

func (r *Resolver) post(ctx context.Context, gid string) (*model.Post, error) {
	id, err := parseID("id", gid, "Post")
	if err != nil {
		return nil, err
	}
	return r.queryPost(ctx, id)
}

func (r *Resolver) queryPost(ctx context.Context, id string) (*model.Post, error) {
	sel, err := r.rootSelection(ctx, "Post")
	if err != nil {
		return nil, err
	}
	m, err := r.Store.QueryNode(ctx, viewerOf(ctx), "Post", id, sel)
	if errors.Is(err, neo4jrepo.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return r.postFrom(m, sel), nil
}

func (r *Resolver) tag(ctx context.Context, name string) (*model.Tag, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if !tagRe.MatchString(name) {
		return nil, inputError("name", "A tag name is 1–30 characters of a-z, 0-9 and '-', starting with a letter or digit.")
	}
	sel, err := r.rootSelection(ctx, "Tag")
	if err != nil {
		return nil, err
	}
	m, err := r.Store.QueryTag(ctx, viewerOf(ctx), name, sel)
	if errors.Is(err, neo4jrepo.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return r.tagFrom(m, sel), nil
}

// rootConnection reads the current field as a connection of typ.
func (r *Resolver) rootConnection(ctx context.Context, typ string) (neo4jrepo.Field, error) {
	fc := graphql.GetFieldContext(ctx)
	opCtx := graphql.GetOperationContext(ctx)
	cf := graphql.CollectedField{Field: fc.Field.Field, Selections: fc.Field.Selections}
	page, sub, err := r.connectionSelection(opCtx, cf, typ)
	if err != nil {
		return neo4jrepo.Field{}, err
	}
	return neo4jrepo.Field{Key: fc.Field.Alias, Name: fc.Field.Name, Page: page, Sub: sub}, nil
}

func (r *Resolver) feed(ctx context.Context) (*model.PostConnection, error) {
	f, err := r.rootConnection(ctx, "Post")
	if err != nil {
		return nil, err
	}
	conn, err := r.Store.QueryFeed(ctx, viewerOf(ctx), f)
	if err != nil {
		return nil, err
	}
	return r.connectionFrom("Post", conn, f).(*model.PostConnection), nil
}

func (r *Resolver) searchUsers(ctx context.Context, query string) (*model.UserConnection, error) {
	q := strings.ToLower(strings.TrimSpace(query))
	if q == "" || utf8.RuneCountInString(q) > 100 || !utf8.ValidString(q) {
		return nil, inputError("query", "query must be 1–100 characters.")
	}
	f, err := r.rootConnection(ctx, "User")
	if err != nil {
		return nil, err
	}
	conn, err := r.Store.QuerySearchUsers(ctx, viewerOf(ctx), q, f)
	if err != nil {
		return nil, err
	}
	return r.connectionFrom("User", conn, f).(*model.UserConnection), nil
}

func (r *Resolver) recommendedUsers(ctx context.Context, first *int) ([]*model.User, error) {
	n := defaultPageSize
	if first != nil {
		if *first < 1 || *first > maxPageSize {
			return nil, inputError("first", "first must be between 1 and %d.", maxPageSize)
		}
		n = *first
	}
	sel, err := r.rootSelection(ctx, "User")
	if err != nil {
		return nil, err
	}
	list, err := r.Store.QueryRecommendedUsers(ctx, viewerOf(ctx), n, sel)
	if err != nil {
		return nil, err
	}
	out := make([]*model.User, 0, len(list))
	for _, m := range list {
		out = append(out, r.userFrom(m, sel))
	}
	return out, nil
}

// compiledUser reads the User id as the identity subject sees it, compiling
// the current field's selection: the User that login and signup return.
func (r *Resolver) compiledUser(ctx context.Context, id, subject string) (*model.User, error) {
	sel, err := r.rootSelection(ctx, "User")
	if err != nil {
		return nil, err
	}
	m, err := r.Store.QueryNode(ctx, neo4jrepo.Viewer{Subject: subject}, "User", id, sel)
	if err != nil {
		return nil, err
	}
	return r.userFrom(m, sel), nil
}
