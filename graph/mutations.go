package graph

import (
	"context"
	"errors"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/gqlneo/gqlneo/auth"
	"github.com/gqlneo/gqlneo/graph/model"
	"github.com/gqlneo/gqlneo/neo4jrepo"
)

// PermissionDeleteAnyPost lets its holder delete any post they can see.
const PermissionDeleteAnyPost = "delete:any-post"

var tagRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,29}$`)

const (
	maxTitle   = 200
	maxBody    = 20000
	maxComment = 5000
	maxBio     = 1000
	maxTags    = 5
)

// mutator runs the common part of every mutation: the caller's User exists
// (provisioned on a first request), then the write.
func (r *Resolver) mutator(ctx context.Context) (neo4jrepo.Viewer, error) {
	if _, err := r.viewer(ctx); err != nil {
		return neo4jrepo.Viewer{}, err
	}
	return viewerOf(ctx), nil
}

// writeError maps the repository's refusals to the API's.
func writeError(err error, field string) error {
	switch {
	case errors.Is(err, neo4jrepo.ErrForbidden):
		return errForbidden
	case errors.Is(err, neo4jrepo.ErrSelfFollow):
		return inputError(field, "You cannot follow yourself.")
	}
	return err
}

func textLen(field, s string, min, max int) error {
	n := utf8.RuneCountInString(s)
	if !utf8.ValidString(s) || n < min || n > max {
		return inputError(field, "%s must be %d–%d characters.", field, min, max)
	}
	return nil
}

func (r *Resolver) updateProfile(ctx context.Context, in model.UpdateProfileInput) (*model.User, error) {
	u := neo4jrepo.ProfileUpdate{}
	if in.Name != nil {
		name := strings.TrimSpace(*in.Name)
		if err := textLen("name", name, 1, 100); err != nil {
			return nil, err
		}
		u.Name = &name
	}
	if in.Bio != nil {
		if err := textLen("bio", *in.Bio, 0, maxBio); err != nil {
			return nil, err
		}
		u.Bio = in.Bio
	}
	if in.Picture != nil {
		p, err := url.Parse(*in.Picture)
		if err != nil || p.Scheme != "https" || p.Host == "" || len(*in.Picture) > 2048 {
			return nil, inputError("picture", "picture must be an https URL of at most 2048 characters.")
		}
		u.Picture = in.Picture
	}
	v, err := r.mutator(ctx)
	if err != nil {
		return nil, err
	}
	if err := r.Store.UpdateProfile(ctx, v, u); err != nil {
		return nil, err
	}
	return r.me(ctx)
}

func (r *Resolver) follow(ctx context.Context, gid string, on bool) (*model.User, error) {
	id, err := parseID("userId", gid, "User")
	if err != nil {
		return nil, err
	}
	v, err := r.mutator(ctx)
	if err != nil {
		return nil, err
	}
	if on {
		err = r.Store.Follow(ctx, v, id)
	} else {
		err = r.Store.Unfollow(ctx, v, id)
	}
	if err != nil {
		return nil, writeError(err, "userId")
	}
	u, err := r.queryUser(ctx, id)
	if err == nil && u == nil {
		return nil, neo4jrepo.ErrNotFound
	}
	return u, err
}

func (r *Resolver) createPost(ctx context.Context, in model.CreatePostInput) (*model.Post, error) {
	title, body := strings.TrimSpace(in.Title), strings.TrimSpace(in.Body)
	if err := textLen("title", title, 1, maxTitle); err != nil {
		return nil, err
	}
	if err := textLen("body", body, 1, maxBody); err != nil {
		return nil, err
	}
	vis := model.VisibilityPublic
	if in.Visibility != nil {
		vis = *in.Visibility
	}
	if !vis.IsValid() {
		return nil, inputError("visibility", "visibility must be PUBLIC, FOLLOWERS or PRIVATE.")
	}
	if len(in.Tags) > maxTags {
		return nil, inputError("tags", "At most %d tags.", maxTags)
	}
	tags := []string{}
	seen := map[string]bool{}
	for _, t := range in.Tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if !tagRe.MatchString(t) {
			return nil, inputError("tags", "Each tag is 1–30 characters of a-z, 0-9 and '-', starting with a letter or digit.")
		}
		if !seen[t] {
			seen[t] = true
			tags = append(tags, t)
		}
	}
	v, err := r.mutator(ctx)
	if err != nil {
		return nil, err
	}
	id := uuid.NewString()
	if err := r.Store.CreatePost(ctx, v, neo4jrepo.NewPost{ID: id, Title: title, Body: body, Visibility: string(vis), Tags: tags}); err != nil {
		return nil, err
	}
	return r.readBack(r.queryPost(ctx, id))
}

func (r *Resolver) deletePost(ctx context.Context, gid string) (string, error) {
	id, err := parseID("id", gid, "Post")
	if err != nil {
		return "", err
	}
	v, err := r.mutator(ctx)
	if err != nil {
		return "", err
	}
	// Only the RBAC permissions claim grants moderation, never a scope: with
	// RBAC off, Auth0 grants every API scope to every password login.
	claims, _ := auth.ClaimsFromContext(ctx)
	if err := r.Store.DeletePost(ctx, v, id, slices.Contains(claims.Permissions, PermissionDeleteAnyPost)); err != nil {
		return "", writeError(err, "id")
	}
	return gid, nil
}

func (r *Resolver) likePost(ctx context.Context, gid string, on bool) (*model.Post, error) {
	id, err := parseID("id", gid, "Post")
	if err != nil {
		return nil, err
	}
	v, err := r.mutator(ctx)
	if err != nil {
		return nil, err
	}
	if on {
		err = r.Store.LikePost(ctx, v, id)
	} else {
		err = r.Store.UnlikePost(ctx, v, id)
	}
	if err != nil {
		return nil, writeError(err, "id")
	}
	return r.readBack(r.queryPost(ctx, id))
}

func (r *Resolver) addComment(ctx context.Context, gid, body string) (*model.Comment, error) {
	postID, err := parseID("postId", gid, "Post")
	if err != nil {
		return nil, err
	}
	body = strings.TrimSpace(body)
	if err := textLen("body", body, 1, maxComment); err != nil {
		return nil, err
	}
	v, err := r.mutator(ctx)
	if err != nil {
		return nil, err
	}
	id := uuid.NewString()
	if err := r.Store.AddComment(ctx, v, id, postID, body); err != nil {
		return nil, writeError(err, "postId")
	}
	sel, err := r.rootSelection(ctx, "Comment")
	if err != nil {
		return nil, err
	}
	m, err := r.Store.QueryNode(ctx, v, "Comment", id, sel)
	if err != nil {
		return nil, err
	}
	return r.commentFrom(m, sel), nil
}

func (r *Resolver) deleteComment(ctx context.Context, gid string) (string, error) {
	id, err := parseID("id", gid, "Comment")
	if err != nil {
		return "", err
	}
	v, err := r.mutator(ctx)
	if err != nil {
		return "", err
	}
	if err := r.Store.DeleteComment(ctx, v, id); err != nil {
		return "", writeError(err, "id")
	}
	return gid, nil
}

// readBack turns "not visible after the write" into NOT_FOUND.
func (r *Resolver) readBack(p *model.Post, err error) (*model.Post, error) {
	if err == nil && p == nil {
		return nil, neo4jrepo.ErrNotFound
	}
	return p, err
}
