package neo4jrepo

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// ErrForbidden is returned when the viewer may see the object but not change it.
var ErrForbidden = errors.New("neo4jrepo: forbidden")

// ErrSelfFollow is returned when a user tries to follow themself.
var ErrSelfFollow = errors.New("neo4jrepo: cannot follow yourself")

// ErrViewerNotReady is returned, with nothing written, when the caller's
// identity has no User yet, or its token says something about the identity
// (email, email_verified) that the graph does not know yet: the caller syncs
// the identity (SyncIdentity) and runs the mutation again.
var ErrViewerNotReady = errors.New("neo4jrepo: the caller's identity needs a sync first")

// Each mutation is one statement in one managed write transaction. Ids of new
// objects are chosen by the caller, so a retried transaction MERGEs the same
// object instead of creating a second one. Each write returns a status that
// the Go side turns into a sentinel: 'ok', 'not_found' (missing or invisible:
// the same answer), 'forbidden', 'self'.
//
// The statement first checks the caller's identity (gateCypher): the write
// runs only when the identity has a User and, when the token says so, the
// stored email and email_verified agree with the token ('ready'). The write
// then runs in a subquery, and the object the mutation returns is read back
// by its compiled selection in a second subquery of the same statement,
// which sees the write. So a mutation by a known caller costs one statement.

// gateCypher binds `gate` ('no_viewer', 'stale' or 'ready') and the
// caller's User as `gateUser`. Emails compare case-insensitively, as the
// resolver's own check (graph/viewer.go) does.
const gateCypher = `OPTIONAL MATCH (gateUser:User)-[:HAS_IDENTITY]->(gateIdentity:Identity {sub: $sub})
WITH gateUser, CASE
  WHEN gateUser IS NULL THEN 'no_viewer'
  WHEN $gateEmail IS NOT NULL AND (gateIdentity.email IS NULL OR toLower(gateIdentity.email) <> toLower($gateEmail)
    OR coalesce(gateIdentity.emailVerified, false) <> $gateVerified) THEN 'stale'
  ELSE 'ready' END AS gate
`

// ReadBack is the object a mutation answers, read after the write in the
// same statement through the caller's compiled selection: Type "User",
// "Post" or "Comment" with ID, or Type "Me" for the caller's own User.
type ReadBack struct {
	Type string
	ID   string
	Sel  *Selection
}

// mutationStatement wraps a write (body, which sees the caller's User as
// `viewer` and returns `status`) in the identity gate and appends the read-back of back, when
// not nil. The statement returns one row: `status` and the read-back map `r`
// (null when not ok, not visible, or not asked for).
func mutationStatement(v Viewer, body string, params map[string]any, back *ReadBack) (string, map[string]any, error) {
	var b strings.Builder
	b.WriteString(gateCypher)
	// The write reuses the gate's User: one identity seek, not two.
	b.WriteString("OPTIONAL CALL (gate, gateUser) {\n  WITH gateUser AS viewer WHERE gate = 'ready'\n")
	b.WriteString(strings.TrimPrefix(body, "\n"))
	b.WriteString("\n}\nWITH CASE gate WHEN 'ready' THEN coalesce(status, 'not_found') ELSE gate END AS status\n")
	all := map[string]any{"sub": v.Subject, "gateEmail": nil, "gateVerified": nil}
	if v.Email != "" && v.EmailVerified != nil {
		all["gateEmail"], all["gateVerified"] = v.Email, *v.EmailVerified
	}
	if err := addParams(all, params); err != nil {
		return "", nil, err
	}
	if back == nil {
		b.WriteString("RETURN status, null AS r")
		return b.String(), all, nil
	}
	c := newCompiler(Viewer{Subject: v.Subject})
	var read string
	var err error
	switch {
	case back.Type == "Me":
		read, err = c.me(back.Sel)
	case nodeStatements[back.Type]:
		read, err = c.node(back.Type, back.ID, back.Sel)
	default:
		err = fmt.Errorf("neo4jrepo: cannot read back a %s", back.Type)
	}
	if err != nil {
		return "", nil, err
	}
	if err := addParams(all, c.params); err != nil {
		return "", nil, err
	}
	// The read-back has its own scope: it binds its own `viewer`, and only
	// `status` comes in.
	b.WriteString("OPTIONAL CALL (status) {\n  WITH * WHERE status = 'ok'\n")
	b.WriteString(read)
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
func (db *DB) mutate(ctx context.Context, op string, v Viewer, body string, params map[string]any, back *ReadBack) (map[string]any, error) {
	cypher, all, err := mutationStatement(v, body, params, back)
	if err != nil {
		return nil, err
	}
	type outcome struct {
		status string
		r      map[string]any
	}
	out, err := write(ctx, db, func(tx neo4j.ManagedTransaction) (outcome, error) {
		res, err := db.run(ctx, tx, cypher, all)
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
	})
	if err != nil {
		return nil, classify(ctx, op, err)
	}
	switch out.status {
	case "ok":
		if back != nil && out.r == nil {
			return nil, ErrNotFound
		}
		return out.r, nil
	case "forbidden":
		return nil, ErrForbidden
	case "self":
		return nil, ErrSelfFollow
	case "no_viewer", "stale":
		return nil, ErrViewerNotReady
	}
	return nil, ErrNotFound
}

// ProfileUpdate holds the fields to change; nil leaves a field as it is.
type ProfileUpdate struct {
	Name, Bio, Picture *string
}

// UpdateProfile changes the viewer's profile. Each object-returning mutation
// answers the read-back of back (nil: none; see ReadBack). A name or picture
// set here is marked as the user's own (nameEdited, pictureEdited), so that
// SyncIdentity never overwrites it with the identity provider's value.
func (db *DB) UpdateProfile(ctx context.Context, v Viewer, u ProfileUpdate, back *ReadBack) (map[string]any, error) {
	return db.mutate(ctx, "update profile", v, `
SET viewer.name = coalesce($name, viewer.name), viewer.nameLower = toLower(coalesce($name, viewer.name)),
    viewer.nameEdited = CASE WHEN $name IS NULL THEN viewer.nameEdited ELSE true END,
    viewer.bio = coalesce($bio, viewer.bio), viewer.picture = coalesce($picture, viewer.picture),
    viewer.pictureEdited = CASE WHEN $picture IS NULL THEN viewer.pictureEdited ELSE true END, viewer.updatedAt = $now
RETURN 'ok' AS status`, map[string]any{"sub": v.Subject, "name": ptr(u.Name), "bio": ptr(u.Bio), "picture": ptr(u.Picture), "now": time.Now().UTC()}, back)
}

// Follow makes the viewer follow the user with id target; twice is once.
func (db *DB) Follow(ctx context.Context, v Viewer, target string, back *ReadBack) (map[string]any, error) {
	return db.mutate(ctx, "follow", v, `
MATCH (t:User {id: $target})
CALL (viewer, t) {
  WITH * WHERE viewer <> t
  MERGE (viewer)-[r:FOLLOWS]->(t) ON CREATE SET r.createdAt = $now
}
RETURN CASE WHEN viewer = t THEN 'self' ELSE 'ok' END AS status`, map[string]any{"sub": v.Subject, "target": target, "now": time.Now().UTC()}, back)
}

// Unfollow removes the viewer's follow of target, if any.
func (db *DB) Unfollow(ctx context.Context, v Viewer, target string, back *ReadBack) (map[string]any, error) {
	return db.mutate(ctx, "unfollow", v, `
MATCH (t:User {id: $target})
OPTIONAL MATCH (viewer)-[r:FOLLOWS]->(t)
DELETE r
RETURN 'ok' AS status`, map[string]any{"sub": v.Subject, "target": target}, back)
}

// NewPost is a post to create.
type NewPost struct {
	ID, Title, Body, Visibility string
	Tags                        []string
}

// CreatePost creates the post with the caller-chosen id.
func (db *DB) CreatePost(ctx context.Context, v Viewer, p NewPost, back *ReadBack) (map[string]any, error) {
	return db.mutate(ctx, "create post", v, `
MERGE (p:Post {id: $id})
  ON CREATE SET p.title = $title, p.body = $body, p.visibility = $visibility, p.createdAt = $now, p.updatedAt = $now
MERGE (viewer)-[:AUTHORED]->(p)
FOREACH (name IN $tags | MERGE (t:Tag {name: name}) MERGE (p)-[:TAGGED]->(t))
RETURN 'ok' AS status`, map[string]any{"sub": v.Subject, "id": p.ID, "title": p.Title, "body": p.Body, "visibility": p.Visibility, "tags": p.Tags, "now": time.Now().UTC()}, back)
}

// DeletePost deletes a post with its likes, tag links, comments and the tags
// no other post uses: by its
// author, or by anyone when canDeleteAny. An invisible post is ErrNotFound;
// someone else's visible post is ErrForbidden.
func (db *DB) DeletePost(ctx context.Context, v Viewer, id string, canDeleteAny bool) error {
	_, err := db.mutate(ctx, "delete post", v, `
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
		map[string]any{"sub": v.Subject, "id": id, "any": canDeleteAny}, nil)
	return err
}

// LikePost likes a visible post; twice is once.
func (db *DB) LikePost(ctx context.Context, v Viewer, id string, back *ReadBack) (map[string]any, error) {
	return db.mutate(ctx, "like post", v, `
OPTIONAL MATCH (x:Post {id: $id})
WITH viewer, x, coalesce(x IS NOT NULL AND `+visible("x")+`, false) AS seen
CALL (viewer, x, seen) {
  WITH * WHERE seen
  MERGE (viewer)-[r:LIKES]->(x) ON CREATE SET r.createdAt = $now
}
RETURN CASE WHEN seen THEN 'ok' ELSE 'not_found' END AS status`, map[string]any{"sub": v.Subject, "id": id, "now": time.Now().UTC()}, back)
}

// UnlikePost removes the viewer's like of a visible post, if any.
func (db *DB) UnlikePost(ctx context.Context, v Viewer, id string, back *ReadBack) (map[string]any, error) {
	return db.mutate(ctx, "unlike post", v, `
OPTIONAL MATCH (x:Post {id: $id})
WITH viewer, x, coalesce(x IS NOT NULL AND `+visible("x")+`, false) AS seen
CALL (viewer, x, seen) {
  WITH * WHERE seen
  OPTIONAL MATCH (viewer)-[r:LIKES]->(x)
  DELETE r
}
RETURN CASE WHEN seen THEN 'ok' ELSE 'not_found' END AS status`, map[string]any{"sub": v.Subject, "id": id}, back)
}

// AddComment comments on a visible post, with the caller-chosen id.
func (db *DB) AddComment(ctx context.Context, v Viewer, id, postID, body string, back *ReadBack) (map[string]any, error) {
	return db.mutate(ctx, "add comment", v, `
OPTIONAL MATCH (x:Post {id: $post})
WITH viewer, x, coalesce(x IS NOT NULL AND `+visible("x")+`, false) AS seen
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
func (db *DB) DeleteComment(ctx context.Context, v Viewer, id string) error {
	_, err := db.mutate(ctx, "delete comment", v, `
OPTIONAL MATCH (c:Comment {id: $id})-[:ON]->(x:Post)
WITH viewer, c, coalesce(c IS NOT NULL AND `+visible("x")+`, false) AS seen
WITH viewer, c, seen, seen AND EXISTS { (viewer)-[:WROTE]->(c) } AS allowed
CALL (c, allowed) {
  WITH * WHERE allowed
  DETACH DELETE c
}
RETURN CASE WHEN allowed THEN 'ok' WHEN seen THEN 'forbidden' ELSE 'not_found' END AS status`, map[string]any{"sub": v.Subject, "id": id}, nil)
	return err
}

func ptr(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}
