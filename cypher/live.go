package cypher

import (
	"fmt"
	"strings"
)

// The live statements read one event for many subscribers at once: the
// subscribers' subjects come in as $subs, each binds its own `viewer`, the
// event's ids come in as $ev_* parameters, and the visibility predicate and
// the subscriber's compiled selection run per row. A subscriber for whom the
// event's post is not visible, or whom the event does not concern, gets no
// row. So one statement serves every subscriber of an event that shares a
// selection; the statement's text and parameters (the selection's) are the
// same for every event, and only $subs and $ev_* change.

// LiveKind names a Subscription field's statement.
type LiveKind int

const (
	// LiveFeed reads a new post ($ev_post) for the subscribers whose feed it
	// joins: it is theirs or by someone they follow, and visible to them.
	LiveFeed LiveKind = iota
	// LivePostActivity reads a like or comment ($ev_kind, $ev_actor,
	// $ev_comment) on the post $ev_post for the subscribers who can see it.
	LivePostActivity
	// LiveNotification reads a follow of $ev_user, or a like or comment on
	// the post $ev_post, for the subscriber it concerns: the followed user,
	// or the post's author; never for the actor themself.
	LiveNotification
)

// EventParams are the parameter names the live statements read, besides
// $subs (a list of subjects).
var EventParams = []string{"ev_kind", "ev_at", "ev_actor", "ev_post", "ev_comment", "ev_user"}

// liveViewer binds one row per subscriber subject that has a User.
const liveViewer = "UNWIND $subs AS sub\nMATCH (viewer:User)-[:HAS_IDENTITY]->(:Identity {sub: sub})\n"

// eventObject is an object a live event's wrapper type exposes: its type
// and the statement's variable bound to it (possibly null).
type eventObject struct {
	typ, variable string
}

// Live compiles kind's statement for the selection sel: of the Post for
// LiveFeed, of the wrapper type (PostActivity, Notification: kind, at,
// actor, post, comment) otherwise. It returns rows `sub`, `r`.
func (c *Compiler) Live(kind LiveKind, sel *Selection) (Statement, error) {
	b := c.builder("")
	delete(b.params, "sub")
	switch kind {
	case LiveFeed:
		proj, err := b.project("Post", "x", sel)
		if err != nil {
			return Statement{}, err
		}
		return b.statement(liveViewer +
			"MATCH (x:Post {id: $ev_post})<-[:AUTHORED]-(author:User)\n" +
			"WHERE (author = viewer OR EXISTS { (viewer)-[:FOLLOWS]->(author) }) AND " + visibleByAuthor("x", "author") + "\n" +
			"RETURN sub, " + proj + " AS r"), nil
	case LivePostActivity:
		proj, err := b.eventProject("PostActivity", sel)
		if err != nil {
			return Statement{}, err
		}
		return b.statement(liveViewer +
			"MATCH (x:Post {id: $ev_post}) WHERE " + Visible("x") + "\n" +
			"MATCH (a:User)-[:HAS_IDENTITY]->(:Identity {sub: $ev_actor})\n" +
			"OPTIONAL MATCH (c:Comment {id: $ev_comment})-[:ON]->(x)\n" +
			"RETURN sub, " + proj + " AS r"), nil
	case LiveNotification:
		proj, err := b.eventProject("Notification", sel)
		if err != nil {
			return Statement{}, err
		}
		return b.statement(liveViewer +
			"MATCH (a:User)-[:HAS_IDENTITY]->(:Identity {sub: $ev_actor}) WHERE a <> viewer\n" +
			"OPTIONAL MATCH (viewer)-[:AUTHORED]->(x:Post {id: $ev_post})\n" +
			"OPTIONAL MATCH (c:Comment {id: $ev_comment})-[:ON]->(x)\n" +
			"WITH sub, viewer, a, x, c WHERE CASE $ev_kind WHEN 'FOLLOWED' THEN viewer.id = $ev_user AND EXISTS { (a)-[:FOLLOWS]->(viewer) } ELSE x IS NOT NULL END\n" +
			"RETURN sub, " + proj + " AS r"), nil
	}
	return Statement{}, fmt.Errorf("cypher: unknown live statement %d", kind)
}

// eventObjects are what the wrapper types' object fields read: the post x,
// the actor a and the comment c the live statements bind.
var eventObjects = map[string]eventObject{
	"post":    {typ: "Post", variable: "x"},
	"actor":   {typ: "User", variable: "a"},
	"comment": {typ: "Comment", variable: "c"},
}

// eventProject compiles the map of a wrapper type's selection, keyed by
// field name (the GraphQL layer merges aliases of one field): kind and at
// from the event's parameters, the objects through their compiled
// selections (null when the statement bound none).
func (b *builder) eventProject(typ string, sel *Selection) (string, error) {
	if sel == nil {
		return "{}", nil
	}
	var entries []string
	seen := map[string]bool{}
	for _, f := range sel.Fields {
		if seen[f.Name] {
			continue
		}
		seen[f.Name] = true
		switch f.Name {
		case "__typename":
			entries = append(entries, "`__typename`: '"+typ+"'")
		case "kind":
			entries = append(entries, "kind: $ev_kind")
		case "at":
			entries = append(entries, "at: $ev_at")
		default:
			obj, ok := eventObjects[f.Name]
			if !ok {
				return "", fmt.Errorf("cypher: field %s.%s is not an event field", typ, f.Name)
			}
			inner, err := b.project(obj.typ, obj.variable, f.Sub)
			if err != nil {
				return "", err
			}
			entries = append(entries, "`"+f.Name+"`: CASE WHEN "+obj.variable+" IS NULL THEN null ELSE "+inner+" END")
		}
	}
	return "{" + strings.Join(entries, ", ") + "}", nil
}
