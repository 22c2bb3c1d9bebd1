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

// mutate runs a mutation as one statement: the write, gated on the caller's
// identity needing no sync, and the read-back of what it returns. Only when
// the caller has no User yet, or the token says something about its identity
// that the graph does not know (the check viewer makes), nothing is written:
// then viewer provisions or syncs the User, and the write runs again.
func mutate[T any](ctx context.Context, r *Resolver, write func(v neo4jrepo.Viewer) (T, error)) (T, error) {
	var zero T
	claims, ok := auth.ClaimsFromContext(ctx)
	if !ok {
		return zero, errUnauthenticated
	}
	v := neo4jrepo.Viewer{Subject: claims.Subject}
	if claims.Email != "" && claims.EmailVerified != nil {
		v.Email, v.EmailVerified = claims.Email, claims.EmailVerified
	}
	out, err := write(v)
	if !errors.Is(err, neo4jrepo.ErrViewerNotReady) {
		return out, err
	}
	if _, err := r.viewer(ctx); err != nil {
		return zero, err
	}
	// viewer has just made the graph agree with the token (or found that it
	// does), so the second write is not gated on it.
	out, err = write(neo4jrepo.Viewer{Subject: claims.Subject})
	if errors.Is(err, neo4jrepo.ErrViewerNotReady) {
		// The User vanished in between (merged away): as if the write found nothing.
		return zero, neo4jrepo.ErrNotFound
	}
	return out, err
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
	sel, err := r.rootSelection(ctx, "User")
	if err != nil {
		return nil, err
	}
	m, err := mutate(ctx, r, func(v neo4jrepo.Viewer) (map[string]any, error) {
		return r.Store.UpdateProfile(ctx, v, u, &neo4jrepo.ReadBack{Type: "Me", Sel: sel})
	})
	if err != nil {
		return nil, err
	}
	return r.userFrom(m, sel), nil
}

func (r *Resolver) follow(ctx context.Context, gid string, on bool) (*model.User, error) {
	id, err := parseID("userId", gid, "User")
	if err != nil {
		return nil, err
	}
	sel, err := r.rootSelection(ctx, "User")
	if err != nil {
		return nil, err
	}
	back := &neo4jrepo.ReadBack{Type: "User", ID: id, Sel: sel}
	m, err := mutate(ctx, r, func(v neo4jrepo.Viewer) (map[string]any, error) {
		if on {
			return r.Store.Follow(ctx, v, id, back)
		}
		return r.Store.Unfollow(ctx, v, id, back)
	})
	if err != nil {
		return nil, writeError(err, "userId")
	}
	return r.userFrom(m, sel), nil
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
	sel, err := r.rootSelection(ctx, "Post")
	if err != nil {
		return nil, err
	}
	// The id is chosen once, outside the transaction: a retried or repeated
	// write MERGEs the same post.
	p := neo4jrepo.NewPost{ID: uuid.NewString(), Title: title, Body: body, Visibility: string(vis), Tags: tags}
	back := &neo4jrepo.ReadBack{Type: "Post", ID: p.ID, Sel: sel}
	m, err := mutate(ctx, r, func(v neo4jrepo.Viewer) (map[string]any, error) {
		return r.Store.CreatePost(ctx, v, p, back)
	})
	if err != nil {
		return nil, err
	}
	return r.postFrom(m, sel), nil
}

func (r *Resolver) deletePost(ctx context.Context, gid string) (string, error) {
	id, err := parseID("id", gid, "Post")
	if err != nil {
		return "", err
	}
	claims, ok := auth.ClaimsFromContext(ctx)
	if !ok {
		return "", errUnauthenticated
	}
	// Only the RBAC permissions claim grants moderation, never a scope: with
	// RBAC off, Auth0 grants every API scope to every password login.
	canDeleteAny := slices.Contains(claims.Permissions, PermissionDeleteAnyPost)
	_, err = mutate(ctx, r, func(v neo4jrepo.Viewer) (struct{}, error) {
		return struct{}{}, r.Store.DeletePost(ctx, v, id, canDeleteAny)
	})
	if err != nil {
		return "", writeError(err, "id")
	}
	return gid, nil
}

func (r *Resolver) likePost(ctx context.Context, gid string, on bool) (*model.Post, error) {
	id, err := parseID("id", gid, "Post")
	if err != nil {
		return nil, err
	}
	sel, err := r.rootSelection(ctx, "Post")
	if err != nil {
		return nil, err
	}
	back := &neo4jrepo.ReadBack{Type: "Post", ID: id, Sel: sel}
	m, err := mutate(ctx, r, func(v neo4jrepo.Viewer) (map[string]any, error) {
		if on {
			return r.Store.LikePost(ctx, v, id, back)
		}
		return r.Store.UnlikePost(ctx, v, id, back)
	})
	if err != nil {
		return nil, writeError(err, "id")
	}
	return r.postFrom(m, sel), nil
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
	sel, err := r.rootSelection(ctx, "Comment")
	if err != nil {
		return nil, err
	}
	id := uuid.NewString() // once, outside the transaction: a retry MERGEs the same comment
	back := &neo4jrepo.ReadBack{Type: "Comment", ID: id, Sel: sel}
	m, err := mutate(ctx, r, func(v neo4jrepo.Viewer) (map[string]any, error) {
		return r.Store.AddComment(ctx, v, id, postID, body, back)
	})
	if err != nil {
		return nil, writeError(err, "postId")
	}
	return r.commentFrom(m, sel), nil
}

func (r *Resolver) deleteComment(ctx context.Context, gid string) (string, error) {
	id, err := parseID("id", gid, "Comment")
	if err != nil {
		return "", err
	}
	_, err = mutate(ctx, r, func(v neo4jrepo.Viewer) (struct{}, error) {
		return struct{}{}, r.Store.DeleteComment(ctx, v, id)
	})
	if err != nil {
		return "", writeError(err, "id")
	}
	return gid, nil
}
