package neo4jrepo

import (
	"context"
	"errors"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// ErrForbidden is returned when the viewer may see the object but not change it.
var ErrForbidden = errors.New("neo4jrepo: forbidden")

// ErrSelfFollow is returned when a user tries to follow themself.
var ErrSelfFollow = errors.New("neo4jrepo: cannot follow yourself")

// Each mutation is one statement in one managed write transaction. Ids of new
// objects are chosen by the caller, so a retried transaction MERGEs the same
// object instead of creating a second one. Each returns a status that the Go
// side turns into a sentinel: 'ok', 'not_found' (missing or invisible: the
// same answer), 'forbidden', 'self'.

const viewerRequired = "MATCH (viewer:User)-[:HAS_IDENTITY]->(:Identity {sub: $sub})\n"

func (db *DB) mutate(ctx context.Context, op, cypher string, params map[string]any) error {
	status, err := write(ctx, db, func(tx neo4j.ManagedTransaction) (string, error) {
		res, err := db.run(ctx, tx, cypher, params)
		if err != nil {
			return "", err
		}
		if !res.Next(ctx) {
			if err := res.Err(); err != nil {
				return "", err
			}
			return "not_found", nil
		}
		s, _, err := neo4j.GetRecordValue[string](res.Record(), "status")
		return s, err
	})
	if err != nil {
		return classify(ctx, op, err)
	}
	switch status {
	case "ok":
		return nil
	case "forbidden":
		return ErrForbidden
	case "self":
		return ErrSelfFollow
	}
	return ErrNotFound
}

// ProfileUpdate holds the fields to change; nil leaves a field as it is.
type ProfileUpdate struct {
	Name, Bio, Picture *string
}

// UpdateProfile changes the viewer's profile.
func (db *DB) UpdateProfile(ctx context.Context, v Viewer, u ProfileUpdate) error {
	return db.mutate(ctx, "update profile", viewerRequired+`
SET viewer.name = coalesce($name, viewer.name), viewer.nameLower = toLower(coalesce($name, viewer.name)),
    viewer.bio = coalesce($bio, viewer.bio), viewer.picture = coalesce($picture, viewer.picture), viewer.updatedAt = $now
RETURN 'ok' AS status`, map[string]any{"sub": v.Subject, "name": ptr(u.Name), "bio": ptr(u.Bio), "picture": ptr(u.Picture), "now": time.Now().UTC()})
}

// Follow makes the viewer follow the user with id target; twice is once.
func (db *DB) Follow(ctx context.Context, v Viewer, target string) error {
	return db.mutate(ctx, "follow", viewerRequired+`
MATCH (t:User {id: $target})
CALL (viewer, t) {
  WITH * WHERE viewer <> t
  MERGE (viewer)-[r:FOLLOWS]->(t) ON CREATE SET r.createdAt = $now
}
RETURN CASE WHEN viewer = t THEN 'self' ELSE 'ok' END AS status`, map[string]any{"sub": v.Subject, "target": target, "now": time.Now().UTC()})
}

// Unfollow removes the viewer's follow of target, if any.
func (db *DB) Unfollow(ctx context.Context, v Viewer, target string) error {
	return db.mutate(ctx, "unfollow", viewerRequired+`
MATCH (t:User {id: $target})
OPTIONAL MATCH (viewer)-[r:FOLLOWS]->(t)
DELETE r
RETURN 'ok' AS status`, map[string]any{"sub": v.Subject, "target": target})
}

// NewPost is a post to create.
type NewPost struct {
	ID, Title, Body, Visibility string
	Tags                        []string
}

// CreatePost creates the post with the caller-chosen id.
func (db *DB) CreatePost(ctx context.Context, v Viewer, p NewPost) error {
	return db.mutate(ctx, "create post", viewerRequired+`
MERGE (p:Post {id: $id})
  ON CREATE SET p.title = $title, p.body = $body, p.visibility = $visibility, p.createdAt = $now, p.updatedAt = $now
MERGE (viewer)-[:AUTHORED]->(p)
FOREACH (name IN $tags | MERGE (t:Tag {name: name}) MERGE (p)-[:TAGGED]->(t))
RETURN 'ok' AS status`, map[string]any{"sub": v.Subject, "id": p.ID, "title": p.Title, "body": p.Body, "visibility": p.Visibility, "tags": p.Tags, "now": time.Now().UTC()})
}

// DeletePost deletes a post with its likes, tag links, comments and the tags
// no other post uses: by its
// author, or by anyone when canDeleteAny. An invisible post is ErrNotFound;
// someone else's visible post is ErrForbidden.
func (db *DB) DeletePost(ctx context.Context, v Viewer, id string, canDeleteAny bool) error {
	return db.mutate(ctx, "delete post", viewerRequired+`
OPTIONAL MATCH (x:Post {id: $id})
WITH viewer, x, coalesce(x IS NOT NULL AND `+visible("x")+`, false) AS seen
WITH viewer, x, seen, seen AND (EXISTS { (viewer)-[:AUTHORED]->(x) } OR $any) AS allowed
CALL (x, allowed) {
  WITH * WHERE allowed
  OPTIONAL MATCH (x)<-[:ON]-(c:Comment)
  DETACH DELETE c
  WITH DISTINCT x
  OPTIONAL MATCH (x)-[:TAGGED]->(t:Tag)
  DETACH DELETE x
  WITH t WHERE t IS NOT NULL AND NOT EXISTS { (t)<-[:TAGGED]-() }
  DELETE t
}
RETURN CASE WHEN allowed THEN 'ok' WHEN seen THEN 'forbidden' ELSE 'not_found' END AS status`,
		map[string]any{"sub": v.Subject, "id": id, "any": canDeleteAny})
}

// LikePost likes a visible post; twice is once.
func (db *DB) LikePost(ctx context.Context, v Viewer, id string) error {
	return db.mutate(ctx, "like post", viewerRequired+`
OPTIONAL MATCH (x:Post {id: $id})
WITH viewer, x, coalesce(x IS NOT NULL AND `+visible("x")+`, false) AS seen
CALL (viewer, x, seen) {
  WITH * WHERE seen
  MERGE (viewer)-[r:LIKES]->(x) ON CREATE SET r.createdAt = $now
}
RETURN CASE WHEN seen THEN 'ok' ELSE 'not_found' END AS status`, map[string]any{"sub": v.Subject, "id": id, "now": time.Now().UTC()})
}

// UnlikePost removes the viewer's like of a visible post, if any.
func (db *DB) UnlikePost(ctx context.Context, v Viewer, id string) error {
	return db.mutate(ctx, "unlike post", viewerRequired+`
OPTIONAL MATCH (x:Post {id: $id})
WITH viewer, x, coalesce(x IS NOT NULL AND `+visible("x")+`, false) AS seen
CALL (viewer, x, seen) {
  WITH * WHERE seen
  OPTIONAL MATCH (viewer)-[r:LIKES]->(x)
  DELETE r
}
RETURN CASE WHEN seen THEN 'ok' ELSE 'not_found' END AS status`, map[string]any{"sub": v.Subject, "id": id})
}

// AddComment comments on a visible post, with the caller-chosen id.
func (db *DB) AddComment(ctx context.Context, v Viewer, id, postID, body string) error {
	return db.mutate(ctx, "add comment", viewerRequired+`
OPTIONAL MATCH (x:Post {id: $post})
WITH viewer, x, coalesce(x IS NOT NULL AND `+visible("x")+`, false) AS seen
CALL (viewer, x, seen) {
  WITH * WHERE seen
  MERGE (c:Comment {id: $id}) ON CREATE SET c.body = $body, c.createdAt = $now
  MERGE (viewer)-[:WROTE]->(c)
  MERGE (c)-[:ON]->(x)
}
RETURN CASE WHEN seen THEN 'ok' ELSE 'not_found' END AS status`, map[string]any{"sub": v.Subject, "id": id, "post": postID, "body": body, "now": time.Now().UTC()})
}

// DeleteComment deletes the viewer's own comment. A comment on a post the
// viewer cannot see is ErrNotFound; someone else's is ErrForbidden.
func (db *DB) DeleteComment(ctx context.Context, v Viewer, id string) error {
	return db.mutate(ctx, "delete comment", viewerRequired+`
OPTIONAL MATCH (c:Comment {id: $id})-[:ON]->(x:Post)
WITH viewer, c, coalesce(c IS NOT NULL AND `+visible("x")+`, false) AS seen
WITH viewer, c, seen, seen AND EXISTS { (viewer)-[:WROTE]->(c) } AS allowed
CALL (c, allowed) {
  WITH * WHERE allowed
  DETACH DELETE c
}
RETURN CASE WHEN allowed THEN 'ok' WHEN seen THEN 'forbidden' ELSE 'not_found' END AS status`, map[string]any{"sub": v.Subject, "id": id})
}

func ptr(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}
