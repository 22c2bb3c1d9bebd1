package graph

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/gqlneo/gqlneo/cypher"
	"github.com/gqlneo/gqlneo/domain"
	"github.com/gqlneo/gqlneo/events"
	"github.com/gqlneo/gqlneo/graph/model"
)

// Each mutation checks its input against the domain's limits, resolves the
// viewer (once per operation), and runs one statement: the write and the
// read-back of what it returns. follow, createPost, likePost and addComment
// publish their event (subscriptions.go) once the Store call has returned
// without error: after the commit, never for a failed or rolled-back write,
// and for follow and likePost only when the call created the follow or like
// (a repeated one changes nothing and tells no one).

// mutateOne runs write for the signed-in viewer, reading back the current
// field's selection of an object of typ (the object id, or the caller
// when typ is "Me").
func mutateOne[T any](ctx context.Context, r *Resolver, typ, id string, write func(v domain.Viewer, back *cypher.ReadBack) (map[string]any, error)) (T, error) {
	var zero T
	v, err := r.signedInViewer(ctx)
	if err != nil {
		return zero, err
	}
	modelType := typ
	if typ == "Me" {
		modelType = "User"
	}
	sel, err := r.rootSelection(ctx, modelType)
	if err != nil {
		return zero, err
	}
	m, err := write(v, &cypher.ReadBack{Type: typ, ID: id, Sel: sel})
	if err != nil {
		return zero, err
	}
	return r.decode(modelType, m, sel).(T), nil
}

func (r *Resolver) updateProfile(ctx context.Context, in model.UpdateProfileInput) (*model.User, error) {
	u := domain.ProfileUpdate{}
	if in.Name != nil {
		name := strings.TrimSpace(*in.Name)
		if err := domain.Text("name", name, 1, domain.MaxNameRunes); err != nil {
			return nil, err
		}
		u.Name = &name
	}
	if in.Bio != nil {
		if err := domain.Text("bio", *in.Bio, 0, domain.MaxBioRunes); err != nil {
			return nil, err
		}
		u.Bio = in.Bio
	}
	if in.Picture != nil {
		if err := domain.PictureURL("picture", *in.Picture); err != nil {
			return nil, err
		}
		u.Picture = in.Picture
	}
	return mutateOne[*model.User](ctx, r, "Me", "", func(v domain.Viewer, back *cypher.ReadBack) (map[string]any, error) {
		return r.Store.UpdateProfile(ctx, v, u, back)
	})
}

func (r *Resolver) follow(ctx context.Context, gid string, on bool) (*model.User, error) {
	id, err := parseID("userId", gid, "User")
	if err != nil {
		return nil, err
	}
	u, err := mutateOne[*model.User](ctx, r, "User", id, func(v domain.Viewer, back *cypher.ReadBack) (map[string]any, error) {
		if on {
			m, created, err := r.Store.Follow(ctx, v, id, back)
			if created {
				r.publish(ctx, events.Event{Kind: events.UserFollowed, Actor: v.Subject, UserID: id})
			}
			return m, err
		}
		return r.Store.Unfollow(ctx, v, id, back)
	})
	return u, withField(err, "userId")
}

func (r *Resolver) createPost(ctx context.Context, in model.CreatePostInput) (*model.Post, error) {
	title, body := strings.TrimSpace(in.Title), strings.TrimSpace(in.Body)
	if err := domain.Text("title", title, 1, domain.MaxTitleRunes); err != nil {
		return nil, err
	}
	if err := domain.Text("body", body, 1, domain.MaxBodyRunes); err != nil {
		return nil, err
	}
	vis := model.VisibilityPublic
	if in.Visibility != nil {
		vis = *in.Visibility
	}
	if !vis.IsValid() {
		return nil, domain.Invalid("visibility", "visibility must be PUBLIC, FOLLOWERS or PRIVATE.")
	}
	if len(in.Tags) > domain.MaxTags {
		return nil, domain.Invalid("tags", "At most %d tags.", domain.MaxTags)
	}
	tags := []string{}
	seen := map[string]bool{}
	for _, t := range in.Tags {
		t, err := domain.Tag("tags", t)
		if err != nil {
			return nil, err
		}
		if !seen[t] {
			seen[t] = true
			tags = append(tags, t)
		}
	}
	// The id is chosen once, outside the transaction: a retried or repeated
	// write MERGEs the same post.
	p := domain.NewPost{ID: uuid.NewString(), Title: title, Body: body, Visibility: string(vis), Tags: tags}
	return mutateOne[*model.Post](ctx, r, "Post", p.ID, func(v domain.Viewer, back *cypher.ReadBack) (map[string]any, error) {
		m, err := r.Store.CreatePost(ctx, v, p, back)
		if err == nil {
			r.publish(ctx, events.Event{Kind: events.PostCreated, Actor: v.Subject, PostID: p.ID})
		}
		return m, err
	})
}

func (r *Resolver) deletePost(ctx context.Context, gid string) (string, error) {
	id, err := parseID("id", gid, "Post")
	if err != nil {
		return "", err
	}
	v, err := r.signedInViewer(ctx)
	if err != nil {
		return "", err
	}
	if err := r.Store.DeletePost(ctx, v, id, v.Can(domain.PermissionDeleteAnyPost)); err != nil {
		return "", withField(err, "id")
	}
	return gid, nil
}

func (r *Resolver) likePost(ctx context.Context, gid string, on bool) (*model.Post, error) {
	id, err := parseID("id", gid, "Post")
	if err != nil {
		return nil, err
	}
	p, err := mutateOne[*model.Post](ctx, r, "Post", id, func(v domain.Viewer, back *cypher.ReadBack) (map[string]any, error) {
		if on {
			m, created, err := r.Store.LikePost(ctx, v, id, back)
			if created {
				r.publish(ctx, events.Event{Kind: events.PostLiked, Actor: v.Subject, PostID: id})
			}
			return m, err
		}
		return r.Store.UnlikePost(ctx, v, id, back)
	})
	return p, withField(err, "id")
}

func (r *Resolver) addComment(ctx context.Context, gid, body string) (*model.Comment, error) {
	postID, err := parseID("postId", gid, "Post")
	if err != nil {
		return nil, err
	}
	body = strings.TrimSpace(body)
	if err := domain.Text("body", body, 1, domain.MaxCommentRunes); err != nil {
		return nil, err
	}
	id := uuid.NewString() // once, outside the transaction: a retry MERGEs the same comment
	c, err := mutateOne[*model.Comment](ctx, r, "Comment", id, func(v domain.Viewer, back *cypher.ReadBack) (map[string]any, error) {
		m, err := r.Store.AddComment(ctx, v, id, postID, body, back)
		if err == nil {
			r.publish(ctx, events.Event{Kind: events.CommentAdded, Actor: v.Subject, PostID: postID, CommentID: id})
		}
		return m, err
	})
	return c, withField(err, "postId")
}

func (r *Resolver) deleteComment(ctx context.Context, gid string) (string, error) {
	id, err := parseID("id", gid, "Comment")
	if err != nil {
		return "", err
	}
	v, err := r.signedInViewer(ctx)
	if err != nil {
		return "", err
	}
	if err := r.Store.DeleteComment(ctx, v, id); err != nil {
		return "", withField(err, "id")
	}
	return gid, nil
}
