package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/gqlneo/gqlneo/bookmarks"
)

// bookmarkExtension puts the bookmark of the operation's last write in the
// answer's extensions.bookmark (the X-Neo4j-Bookmark header carries the
// same value), for clients that read bodies more easily than headers.
func bookmarkExtension(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil {
		return nil
	}
	if v := bookmarks.FromContext(ctx).Value(); v != "" {
		if resp.Extensions == nil {
			resp.Extensions = map[string]any{}
		}
		resp.Extensions["bookmark"] = v
	}
	return resp
}
