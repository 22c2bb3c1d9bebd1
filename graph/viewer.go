package graph

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"

	"github.com/gqlneo/gqlneo/auth"
	"github.com/gqlneo/gqlneo/domain"
)

// viewerKey is the context key of an operation's viewerOnce.
type viewerKey struct{}

// viewerOnce resolves an operation's viewer at most once, whichever root
// field asks first (root fields of a query run concurrently).
type viewerOnce struct {
	once   sync.Once
	viewer domain.Viewer
	err    error
}

// resolveViewerOnce gives every operation its viewerOnce.
func resolveViewerOnce(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	return next(context.WithValue(ctx, viewerKey{}, &viewerOnce{}))
}

// viewer is who asks: the anonymous Viewer without a valid token, else the
// token's identity after Identities.Ensure — once per operation.
func (r *Resolver) viewer(ctx context.Context) (domain.Viewer, error) {
	claims, ok := auth.ClaimsFromContext(ctx)
	if !ok {
		return domain.Viewer{}, nil
	}
	once, _ := ctx.Value(viewerKey{}).(*viewerOnce)
	if once == nil {
		return r.Identities.Ensure(ctx, claims)
	}
	once.once.Do(func() { once.viewer, once.err = r.Identities.Ensure(ctx, claims) })
	return once.viewer, once.err
}

// signedInViewer is viewer for fields that need a token.
func (r *Resolver) signedInViewer(ctx context.Context) (domain.Viewer, error) {
	v, err := r.viewer(ctx)
	if err == nil && v.Anonymous() {
		err = domain.ErrUnauthenticated
	}
	return v, err
}
