package neo4jrepo

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/gqlneo/gqlneo/cypher"
	"github.com/gqlneo/gqlneo/domain"
)

// Each mutation is one statement in one managed write transaction. Ids of new
// objects are chosen by the caller, so a retried transaction MERGEs the same
// object instead of creating a second one. Each write returns a status that
// the Go side turns into a domain error: 'ok', 'unchanged' (a success that
// wrote nothing: the like or follow existed already), 'not_found' (missing
// or invisible: the same answer), 'forbidden', 'self'.
//
// The caller's identity has been resolved before (package identity): the
// statement binds the caller's User as `viewer` through the identity's
// unique index, runs the write in a subquery, and reads back the object the
// mutation returns with its compiled selection in a second subquery of the
// same statement, which sees the write. So a mutation costs one statement.
//
// Concurrency. Neo4j reads what is committed and locks a node when a
// transaction writes it or links to it or from it, until the transaction
// ends. A write that hangs off a node (a like, a comment, a follow, a tag
// link) therefore either commits before a concurrent delete of that node
// locks it — and the delete, which takes its locks before it looks, removes
// it along — or waits for the delete and then fails with EntityNotFound,
// which mutate turns into a re-run that sees the delete. Each mutation's doc
// comment says what it answers when it races; none leaves a Comment without
// its Post or loses a write it acknowledged.

// mutationStatement wraps a write (body, which sees the caller's User as
// `viewer` and returns `status`) and appends the read-back of back, when not
// nil. The statement returns one row: `status` and the read-back map `r`
// (null when not ok, not visible, or not asked for).
func (db *DB) mutationStatement(v domain.Viewer, body string, params map[string]any, back *cypher.ReadBack) (string, map[string]any, error) {
	var b strings.Builder
	b.WriteString("OPTIONAL MATCH (viewer:User)-[:HAS_IDENTITY]->(:Identity {sub: $sub})\n")
	b.WriteString("OPTIONAL CALL (viewer) {\n  WITH viewer WHERE viewer IS NOT NULL\n")
	b.WriteString(strings.TrimPrefix(body, "\n"))
	b.WriteString("\n}\nWITH coalesce(status, 'not_found') AS status\n")
	all := map[string]any{"sub": v.Subject}
	if err := addParams(all, params); err != nil {
		return "", nil, err
	}
	if back == nil {
		b.WriteString("RETURN status, null AS r")
		return b.String(), all, nil
	}
	read, err := db.compiler.ReadBack(v.Subject, *back)
	if err != nil {
		return "", nil, err
	}
	if err := addParams(all, read.Params); err != nil {
		return "", nil, err
	}
	// The read-back has its own scope: it binds its own `viewer`, and only
	// `status` comes in.
	b.WriteString("OPTIONAL CALL (status) {\n  WITH * WHERE status IN ['ok', 'unchanged']\n")
	b.WriteString(read.Cypher)
	b.WriteString("\n}\nRETURN status, r")
	return b.String(), all, nil
}

// addParams adds from to into; one name with two different values is a
// programming error.
func addParams(into, from map[string]any) error {
	for k, v := range from {
		if old, ok := into[k]; ok && !reflect.DeepEqual(old, v) {
			return fmt.Errorf("neo4jrepo: parameter $%s has two values", k)
		}
		into[k] = v
	}
	return nil
}

// mutate runs one mutation statement (see mutationStatement) and returns the
// read-back map, or nil when back is nil.
func (db *DB) mutate(ctx context.Context, op string, v domain.Viewer, body string, params map[string]any, back *cypher.ReadBack) (map[string]any, error) {
	r, _, err := db.mutateChange(ctx, op, v, body, params, back)
	return r, err
}

// mutateChange is mutate, and also says whether the statement wrote
// anything: false when it answered 'unchanged'.
func (db *DB) mutateChange(ctx context.Context, op string, v domain.Viewer, body string, params map[string]any, back *cypher.ReadBack) (r map[string]any, changed bool, err error) {
	statement, all, err := db.mutationStatement(v, body, params, back)
	if err != nil {
		return nil, false, err
	}
	type outcome struct {
		status string
		r      map[string]any
	}
	work := func(tx neo4j.ManagedTransaction) (outcome, error) {
		res, err := db.run(ctx, tx, statement, all)
		if err != nil {
			return outcome{}, err
		}
		rec, err := res.Single(ctx)
		if err != nil {
			return outcome{}, err
		}
		s, _, err := neo4j.GetRecordValue[string](rec, "status")
		if err != nil {
			return outcome{}, err
		}
		r, isNil, err := neo4j.GetRecordValue[map[string]any](rec, "r")
		if err != nil && !isNil {
			return outcome{}, err
		}
		return outcome{status: s, r: r}, nil
	}
	out, err := write(ctx, db, work)
	// A node the statement had matched was deleted by a transaction that
	// committed first: Neo4j refuses to link to or lock it (EntityNotFound),
	// a client error the driver does not retry. Running the statement again
	// in a new transaction sees the delete, so it answers 'not_found' (or, for
	// a tag that createPost MERGEs, creates it afresh).
	for attempt := 1; attempt < entityNotFoundAttempts && isEntityNotFound(err) && ctx.Err() == nil; attempt++ {
		out, err = write(ctx, db, work)
	}
	if isEntityNotFound(err) {
		return nil, false, fmt.Errorf("%s: %w: %w", op, domain.ErrNotFound, err)
	}
	if err != nil {
		return nil, false, classify(ctx, op, err)
	}
	switch out.status {
	case "ok", "unchanged":
		if back != nil && out.r == nil {
			return nil, false, domain.ErrNotFound
		}
		return out.r, out.status == "ok", nil
	case "forbidden":
		return nil, false, domain.ErrForbidden
	case "self":
		return nil, false, domain.ErrSelfFollow
	}
	return nil, false, domain.ErrNotFound
}

// UpdateProfile changes the viewer's profile. Each object-returning mutation
// answers the read-back of back (nil: none; see ReadBack). A name or picture
// set here is marked as the user's own (nameEdited, pictureEdited), so that
// SyncIdentity never overwrites it with the identity provider's value.
func (db *DB) UpdateProfile(ctx context.Context, v domain.Viewer, u domain.ProfileUpdate, back *cypher.ReadBack) (map[string]any, error) {
	return db.mutate(ctx, "update profile", v, `
SET viewer.name = coalesce($name, viewer.name), viewer.nameLower = toLower(coalesce($name, viewer.name)),
    viewer.nameEdited = CASE WHEN $name IS NULL THEN viewer.nameEdited ELSE true END,
    viewer.bio = coalesce($bio, viewer.bio), viewer.picture = coalesce($picture, viewer.picture),
    viewer.pictureEdited = CASE WHEN $picture IS NULL THEN viewer.pictureEdited ELSE true END, viewer.updatedAt = $now
RETURN 'ok' AS status`, map[string]any{"sub": v.Subject, "name": ptr(u.Name), "bio": ptr(u.Bio), "picture": ptr(u.Picture), "now": time.Now().UTC()}, back)
}

// Follow makes the viewer follow the user with id target; twice is once, and
// created is false when the follow existed already. The follow's createdAt
// is this call's $now only when this call created it, so a transaction the
// driver runs again after a commit it could not confirm still says created.
// Concurrency: racing the merge that deletes target (identity's mergeUsers),
// it either commits first and the merge moves the follow to the surviving
// User, or answers ErrNotFound.
func (db *DB) Follow(ctx context.Context, v domain.Viewer, target string, back *cypher.ReadBack) (r map[string]any, created bool, err error) {
	return db.mutateChange(ctx, "follow", v, `
MATCH (t:User {id: $target})
OPTIONAL CALL (viewer, t) {
  WITH * WHERE viewer <> t
  MERGE (viewer)-[r:FOLLOWS]->(t) ON CREATE SET r.createdAt = $now
  RETURN r.createdAt = $now AS created
}
RETURN CASE WHEN viewer = t THEN 'self' WHEN created THEN 'ok' ELSE 'unchanged' END AS status`, map[string]any{"sub": v.Subject, "target": target, "now": time.Now().UTC()}, back)
}

// Unfollow removes the viewer's follow of target, if any.
// Concurrency: racing a merge that deletes target, it either commits first
// or answers ErrNotFound.
func (db *DB) Unfollow(ctx context.Context, v domain.Viewer, target string, back *cypher.ReadBack) (map[string]any, error) {
	return db.mutate(ctx, "unfollow", v, `
MATCH (t:User {id: $target})
OPTIONAL MATCH (viewer)-[r:FOLLOWS]->(t)
DELETE r
RETURN 'ok' AS status`, map[string]any{"sub": v.Subject, "target": target}, back)
}

// CreatePost creates the post with the caller-chosen id.
// Concurrency: racing a DeletePost that deletes one of its tags (the last
// post using it), it either links the tag first, so the delete keeps the tag,
// or is re-run after the delete and creates the tag afresh: the post is
// always created with all its tags.
func (db *DB) CreatePost(ctx context.Context, v domain.Viewer, p domain.NewPost, back *cypher.ReadBack) (map[string]any, error) {
	return db.mutate(ctx, "create post", v, `
MERGE (p:Post {id: $id})
  ON CREATE SET p.title = $title, p.body = $body, p.visibility = $visibility, p.createdAt = $now, p.updatedAt = $now
MERGE (viewer)-[:AUTHORED]->(p)
FOREACH (name IN $tags | MERGE (t:Tag {name: name}) MERGE (p)-[:TAGGED]->(t))
RETURN 'ok' AS status`, map[string]any{"sub": v.Subject, "id": p.ID, "title": p.Title, "body": p.Body, "visibility": p.Visibility, "tags": p.Tags, "now": time.Now().UTC()}, back)
}

// DeletePost deletes a post with its likes, tag links, comments and the tags
// no other post uses: by its author, or by anyone when canDeleteAny. An
// invisible post is ErrNotFound; someone else's visible post is ErrForbidden.
// Concurrency: it locks the post before it looks for its comments, and each
// tag before it decides the tag is unused, so a like, comment or tag link
// committed meanwhile is deleted (or the tag kept) with it, and one not yet
// committed fails on the deleted post and answers ErrNotFound.
func (db *DB) DeletePost(ctx context.Context, v domain.Viewer, id string, canDeleteAny bool) error {
	_, err := db.mutate(ctx, "delete post", v, `
OPTIONAL MATCH (x:Post {id: $id})
WITH viewer, x, coalesce(x IS NOT NULL AND `+cypher.Visible("x")+`, false) AS seen
WITH viewer, x, seen, seen AND (EXISTS { (viewer)-[:AUTHORED]->(x) } OR $any) AS allowed
CALL (x, allowed) {
  WITH * WHERE allowed
  `+lock("x")+`
  WITH x
  OPTIONAL MATCH (x)<-[:ON]-(c:Comment)
  DETACH DELETE c
  WITH DISTINCT x
  OPTIONAL MATCH (x)-[:TAGGED]->(t:Tag)
  WITH x, t ORDER BY t.name
  `+lock("t")+`
  WITH x, collect(t) AS tags
  DETACH DELETE x
  WITH tags
  UNWIND tags AS t
  WITH t WHERE NOT EXISTS { (t)<-[:TAGGED]-() }
  DELETE t
}
RETURN CASE WHEN allowed THEN 'ok' WHEN seen THEN 'forbidden' ELSE 'not_found' END AS status`,
		map[string]any{"sub": v.Subject, "id": id, "any": canDeleteAny}, nil)
	return err
}

// LikePost likes a visible post; twice is once, and created is false when
// the like existed already (told as Follow tells it).
// Concurrency: racing DeletePost, it commits first (and the like goes with
// the post) or answers ErrNotFound.
func (db *DB) LikePost(ctx context.Context, v domain.Viewer, id string, back *cypher.ReadBack) (r map[string]any, created bool, err error) {
	return db.mutateChange(ctx, "like post", v, `
OPTIONAL MATCH (x:Post {id: $id})
WITH viewer, x, coalesce(x IS NOT NULL AND `+cypher.Visible("x")+`, false) AS seen
OPTIONAL CALL (viewer, x, seen) {
  WITH * WHERE seen
  MERGE (viewer)-[r:LIKES]->(x) ON CREATE SET r.createdAt = $now
  RETURN r.createdAt = $now AS created
}
RETURN CASE WHEN NOT seen THEN 'not_found' WHEN created THEN 'ok' ELSE 'unchanged' END AS status`, map[string]any{"sub": v.Subject, "id": id, "now": time.Now().UTC()}, back)
}

// UnlikePost removes the viewer's like of a visible post, if any.
// Concurrency: racing DeletePost, it commits first or answers ErrNotFound.
func (db *DB) UnlikePost(ctx context.Context, v domain.Viewer, id string, back *cypher.ReadBack) (map[string]any, error) {
	return db.mutate(ctx, "unlike post", v, `
OPTIONAL MATCH (x:Post {id: $id})
WITH viewer, x, coalesce(x IS NOT NULL AND `+cypher.Visible("x")+`, false) AS seen
CALL (viewer, x, seen) {
  WITH * WHERE seen
  OPTIONAL MATCH (viewer)-[r:LIKES]->(x)
  DELETE r
}
RETURN CASE WHEN seen THEN 'ok' ELSE 'not_found' END AS status`, map[string]any{"sub": v.Subject, "id": id}, back)
}

// AddComment comments on a visible post, with the caller-chosen id.
// Concurrency: racing DeletePost, it commits first (and the comment goes with
// the post) or answers ErrNotFound, leaving no comment behind.
func (db *DB) AddComment(ctx context.Context, v domain.Viewer, id, postID, body string, back *cypher.ReadBack) (map[string]any, error) {
	return db.mutate(ctx, "add comment", v, `
OPTIONAL MATCH (x:Post {id: $post})
WITH viewer, x, coalesce(x IS NOT NULL AND `+cypher.Visible("x")+`, false) AS seen
CALL (viewer, x, seen) {
  WITH * WHERE seen
  MERGE (c:Comment {id: $id}) ON CREATE SET c.body = $body, c.createdAt = $now
  MERGE (viewer)-[:WROTE]->(c)
  MERGE (c)-[:ON]->(x)
}
RETURN CASE WHEN seen THEN 'ok' ELSE 'not_found' END AS status`, map[string]any{"sub": v.Subject, "id": id, "post": postID, "body": body, "now": time.Now().UTC()}, back)
}

// DeleteComment deletes the viewer's own comment. A comment on a post the
// viewer cannot see is ErrNotFound; someone else's is ErrForbidden.
// Concurrency: racing DeletePost of its post, whichever deletes the comment
// first wins; the other answers ErrNotFound (DeleteComment) or ok.
func (db *DB) DeleteComment(ctx context.Context, v domain.Viewer, id string) error {
	_, err := db.mutate(ctx, "delete comment", v, `
OPTIONAL MATCH (c:Comment {id: $id})-[:ON]->(x:Post)
WITH viewer, c, coalesce(c IS NOT NULL AND `+cypher.Visible("x")+`, false) AS seen
WITH viewer, c, seen, seen AND EXISTS { (viewer)-[:WROTE]->(c) } AS allowed
CALL (c, allowed) {
  WITH * WHERE allowed
  DETACH DELETE c
}
RETURN CASE WHEN allowed THEN 'ok' WHEN seen THEN 'forbidden' ELSE 'not_found' END AS status`, map[string]any{"sub": v.Subject, "id": id}, nil)
	return err
}

// lock is the Cypher that takes the write lock on node v (a variable bound
// by the statement; null is a no-op) until the transaction ends, so what the
// statement reads after it cannot change under it. Writing a property and
// removing it again leaves the node as it was.
func lock(v string) string {
	return "SET " + v + "._lock = true REMOVE " + v + "._lock"
}

func ptr(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}
