package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gqlneo/gqlneo/domain"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// demoNow is the fixed "now" of the demo graph; its timestamps lie in the
// weeks before it, so the demo is the same on every machine and every day.
var demoNow = time.Date(2026, time.November, 1, 0, 0, 0, 0, time.UTC)

func daysAgo(days, hours int) time.Time {
	return demoNow.Add(-time.Duration(days*24+hours) * time.Hour)
}

// demoIdentity is one subject of a demo person in the dev issuer.
type demoIdentity struct {
	sub, connection string
}

// demoPerson is someone who can log in through the dev issuer
// (dev/auth0/users.json). id is the User id used when the person has no User
// yet; a person who logged in before the seed keeps the User they have.
type demoPerson struct {
	key, id, name, email, picture, bio string
	identities                         []demoIdentity
}

const passwordConnection = "Username-Password-Authentication"

// demoPeople are the dev issuer's demo users that get data. Dana has two
// identities with the same verified email, which the server keeps as one
// User; the seed does the same.
var demoPeople = []demoPerson{
	{key: "alice", id: "5eed0000-0000-4000-8000-000000000001", name: "Alice Liddell", email: "alice@example.com",
		picture:    "https://s.gravatar.com/avatar/c160f8cc69a4f0bf2b0362752353d060?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fal.png",
		bio:        "Curious about graphs. Follows Bob and Carol.",
		identities: []demoIdentity{{"auth0|64f1a2b3c4d5e6f708192a3b", passwordConnection}}},
	{key: "bob", id: "5eed0000-0000-4000-8000-000000000002", name: "Bob Moderator", email: "bob@example.com",
		picture:    "https://s.gravatar.com/avatar/4b9bb80620f03eb3719e0a061c14283d?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fbm.png",
		bio:        "Moderator: may delete any post.",
		identities: []demoIdentity{{"auth0|64f1a2b3c4d5e6f708192a3c", passwordConnection}}},
	{key: "carol", id: "5eed0000-0000-4000-8000-000000000003", name: "Carol", email: "carol@example.com",
		picture:    "https://s.gravatar.com/avatar/d4766e3f21c67b7c786f012d910fa54f?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fc.png",
		bio:        "Follows Alice only.",
		identities: []demoIdentity{{"auth0|64f1a2b3c4d5e6f708192a3d", passwordConnection}}},
	{key: "dana", id: "5eed0000-0000-4000-8000-000000000004", name: "Dana Scully", email: "dana@example.com",
		picture: "https://s.gravatar.com/avatar/e556d839bbda3d423c5b09096613f2d7?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fds.png",
		bio:     "Logs in with a password or with Google: one User, two identities.",
		identities: []demoIdentity{
			{"auth0|64f1a2b3c4d5e6f708192a40", passwordConnection},
			{"google-oauth2|104581920374650912345", "google-oauth2"},
		}},
}

// demoExtra is a User nobody logs in as; they give the login users people
// to discover (recommendedUsers, search).
type demoExtra struct {
	key, id, name, bio string
	createdAt          time.Time
}

var demoExtras = func() []demoExtra {
	var out []demoExtra
	for n := 1; n <= 6; n++ {
		out = append(out, demoExtra{
			key:       fmt.Sprintf("demo%d", n),
			id:        fmt.Sprintf("5eed0000-0000-4000-8000-0000000001%02d", n),
			name:      fmt.Sprintf("Demo User %d", n),
			bio:       fmt.Sprintf("Demo user number %d; nobody logs in as me.", n),
			createdAt: daysAgo(60-n, 0),
		})
	}
	return out
}()

// demoFollow, demoPost, demoLike and demoComment name users by key; the
// loader maps keys to the User ids it resolved.
type demoFollow struct {
	from, to string
	at       time.Time
}

type demoPost struct {
	id, author, title, body, visibility string
	tags                                []string
	at                                  time.Time
}

type demoLike struct {
	user, post string
	at         time.Time
}

type demoComment struct {
	id, author, post, body string
	at                     time.Time
}

// demoGraph is the demo content.
type demoGraph struct {
	follows  []demoFollow
	posts    []demoPost
	likes    []demoLike
	comments []demoComment
}

func postID(n int) string    { return fmt.Sprintf("5eed0000-0000-4000-8001-%012d", n) }
func commentID(n int) string { return fmt.Sprintf("5eed0000-0000-4000-8002-%012d", n) }

// demoContent builds the demo graph. Every like and comment is by someone
// who can see the post, as if made through the API: alice follows bob and
// carol, bob and carol follow alice (but not each other), so bob cannot see
// carol's followers-only note and carol cannot see bob's.
func demoContent() demoGraph {
	var g demoGraph
	follow := func(from, to string, days int) {
		g.follows = append(g.follows, demoFollow{from, to, daysAgo(days, 0)})
	}
	follow("alice", "bob", 50)
	follow("alice", "carol", 49)
	follow("bob", "alice", 48)
	follow("carol", "alice", 47)
	follow("dana", "alice", 46)
	follow("dana", "carol", 45)
	// The people alice's follows follow, for recommendedUsers: demo2 and
	// demo3 are followed by both bob and carol, so they rank first.
	follow("bob", "demo1", 44)
	follow("bob", "demo2", 43)
	follow("bob", "demo3", 42)
	follow("carol", "demo2", 41)
	follow("carol", "demo3", 40)
	follow("carol", "demo4", 39)
	follow("demo1", "alice", 38)
	follow("demo2", "alice", 37)
	follow("demo3", "bob", 36)
	follow("demo4", "carol", 35)
	follow("demo5", "dana", 34)
	follow("demo5", "alice", 33)
	follow("demo6", "carol", 32)
	follow("demo1", "demo5", 31)
	follow("demo2", "demo6", 30)
	follow("demo5", "demo6", 29)
	follow("demo6", "demo5", 28)

	n := 0
	post := func(author, visibility, title, body string, days int, tags ...string) string {
		n++
		g.posts = append(g.posts, demoPost{postID(n), author, title, body, visibility, tags, daysAgo(days, n%24)})
		return postID(n)
	}
	alicePub := post("alice", visPublic, "Alice's public post",
		"Everyone can read this public post, signed in or not.", 30, "graphql", "neo4j")
	aliceFol := post("alice", visFollowers, "Alice's followers-only note",
		"Only Alice and her followers (Bob, Carol, Dana and a few demo users) can read this followers-only note.", 20, "go")
	post("alice", visPrivate, "Alice's private draft",
		"Only Alice can read this private draft.", 10, "graphql")
	aliceCur := post("alice", visPublic, "Alice on cursor pagination",
		"A public post: feeds are paged newest first with opaque cursors.", 3, "graphql", "go")
	bobPub := post("bob", visPublic, "Bob's public post",
		"Everyone can read this public post. Bob can delete any post: he is the moderator.", 28, "neo4j")
	bobFol := post("bob", visFollowers, "Bob's followers-only note",
		"Only Bob and his followers (Alice and Demo User 3) can read this followers-only note. Carol cannot.", 18, "cypher")
	post("bob", visPrivate, "Bob's private draft",
		"Only Bob can read this private draft.", 8)
	carolPub := post("carol", visPublic, "Carol's public post",
		"Everyone can read this public post.", 26, "go", "neo4j")
	carolFol := post("carol", visFollowers, "Carol's followers-only note",
		"Only Carol and her followers (Alice, Dana, Demo Users 4 and 6) can read this followers-only note. Bob cannot.", 16, "graphql")
	post("carol", visPrivate, "Carol's private draft",
		"Only Carol can read this private draft.", 6)
	danaPub := post("dana", visPublic, "Dana's public post",
		"Everyone can read this public post. Dana signs in with a password or with Google and is one User either way.", 24, "auth0")
	post("dana", visFollowers, "Dana's followers-only note",
		"Only Dana and her followers (Demo User 5) can read this followers-only note.", 14, "auth0")
	post("dana", visPrivate, "Dana's private draft",
		"Only Dana can read this private draft.", 4)
	demoPosts := map[string]string{}
	for i, e := range demoExtras {
		demoPosts[e.key] = post(e.key, visPublic, "Hello from "+e.name,
			"A public post by a demo user nobody logs in as.", 25-3*i, []string{"demo", "go", "neo4j", "graphql", "cypher", "demo"}[i])
	}

	like := func(user, post string, hoursAfter int) {
		g.likes = append(g.likes, demoLike{user, post, postTime(g, post).Add(time.Duration(hoursAfter) * time.Hour)})
	}
	like("bob", alicePub, 2)
	like("bob", aliceFol, 3)
	like("carol", alicePub, 4)
	like("carol", aliceFol, 5)
	like("dana", alicePub, 6)
	like("dana", aliceFol, 7)
	like("demo1", alicePub, 8)
	like("demo2", alicePub, 9)
	like("demo2", aliceCur, 1)
	like("demo5", aliceCur, 2)
	like("alice", bobPub, 3)
	like("alice", bobFol, 4)
	like("demo1", bobPub, 5)
	like("demo3", bobPub, 6)
	like("demo3", bobFol, 7)
	like("alice", carolPub, 8)
	like("alice", carolFol, 9)
	like("dana", carolFol, 10)
	like("demo2", carolPub, 11)
	like("demo4", carolPub, 12)
	like("demo4", carolFol, 13)
	like("demo6", carolPub, 14)
	like("alice", danaPub, 15)
	like("demo5", demoPosts["demo6"], 1)
	like("demo6", demoPosts["demo5"], 2)

	c := 0
	comment := func(author, post, body string, hoursAfter int) {
		c++
		g.comments = append(g.comments, demoComment{commentID(c), author, post, body,
			postTime(g, post).Add(time.Duration(hoursAfter) * time.Hour)})
	}
	comment("bob", alicePub, "Nice to see some data here, Alice!", 1)
	comment("alice", alicePub, "Thanks, Bob. Try liking it.", 2)
	comment("carol", aliceFol, "Followers-only, so only Alice's followers see this comment.", 3)
	comment("alice", bobPub, "Bob, is this where the moderators hang out?", 4)
	comment("alice", carolFol, "Bob cannot see this one: he does not follow Carol.", 5)
	comment("dana", carolPub, "Commenting from whichever identity I signed in with.", 6)
	comment("demo2", bobPub, "Hello from a demo user.", 7)
	comment("bob", danaPub, "Welcome, Dana.", 8)
	comment("demo6", demoPosts["demo5"], "Hi neighbour.", 9)
	return g
}

// postTime is the createdAt of the post with id, which demoContent has added.
func postTime(g demoGraph, id string) time.Time {
	for _, p := range g.posts {
		if p.id == id {
			return p.at
		}
	}
	panic("demo: unknown post " + id)
}

// The resolution of one demo person to a User, in one write transaction:
// the Identities are merged first; then the User is the one that already
// holds one of them (the person logged in before the seed), else the one
// that owns their verified email (the server would have linked them), else
// the User with the person's fixed id, which then owns the verified email
// (no User does, or the step before would have found it). Only missing values are filled in on
// an existing User, and only Identities no User holds are linked.
const (
	mergeDemoIdentitiesCypher = `
UNWIND $identities AS x
MERGE (i:Identity {sub: x.sub})
  ON CREATE SET i.provider = x.provider, i.connection = x.connection, i.email = $email,
                i.emailVerified = true, i.verifiedEmail = $address, i.createdAt = $createdAt, i.lastSeenAt = $createdAt`

	userOfIdentitiesCypher = `
UNWIND range(0, size($subs) - 1) AS k
MATCH (u:User)-[:HAS_IDENTITY]->(:Identity {sub: $subs[k]})
RETURN u.id AS id ORDER BY k LIMIT 1`

	userByVerifiedEmailCypher = `
MATCH (u:User)-[:HAS_EMAIL]->(:VerifiedEmail {address: $address})
RETURN u.id AS id`

	mergeDemoUserCypher = `
MERGE (u:User {id: $id})
  ON CREATE SET u.createdAt = $createdAt, u.updatedAt = $createdAt
MERGE (e:VerifiedEmail {address: $address})
MERGE (u)-[:HAS_EMAIL]->(e)
RETURN u.id AS id`

	completeDemoUserCypher = `
MATCH (u:User {id: $id})
SET u.name = coalesce(u.name, $name), u.nameLower = toLower(coalesce(u.name, $name)),
    u.email = coalesce(u.email, $email), u.picture = coalesce(u.picture, $picture),
    u.bio = coalesce(u.bio, $bio)
WITH u
UNWIND $subs AS sub
MATCH (i:Identity {sub: sub})
WHERE NOT EXISTS { (:User)-[:HAS_IDENTITY]->(i) }
CREATE (u)-[:HAS_IDENTITY]->(i)`

	upsertDemoExtrasCypher = `
UNWIND $rows AS row
MERGE (u:User {id: row.id})
SET u.name = row.name, u.nameLower = toLower(row.name), u.bio = row.bio,
    u.createdAt = row.createdAt, u.updatedAt = row.createdAt`
)

// demoPersonCreatedAt is when demo people "signed up".
var demoPersonCreatedAt = daysAgo(90, 0)

// resolvePerson returns the id of p's User, how it was found, and what
// changed.
func (s *store) resolvePerson(ctx context.Context, session neo4j.SessionWithContext, p demoPerson) (string, string, tally, error) {
	subs := make([]any, len(p.identities))
	identities := make([]any, len(p.identities))
	for i, x := range p.identities {
		provider, _, _ := strings.Cut(x.sub, "|")
		subs[i] = x.sub
		identities[i] = map[string]any{"sub": x.sub, "provider": provider, "connection": x.connection}
	}
	params := map[string]any{"id": p.id, "subs": subs, "identities": identities, "email": p.email, "address": domain.NormaliseEmail(p.email),
		"name": p.name, "picture": p.picture, "bio": p.bio, "createdAt": demoPersonCreatedAt}
	type found struct {
		id, how string
		t       tally
	}
	r, err := neo4j.ExecuteWrite(ctx, session, func(tx neo4j.ManagedTransaction) (found, error) {
		var f found
		if _, err := optionalID(ctx, tx, &f.t, mergeDemoIdentitiesCypher, params); err != nil {
			return found{}, err
		}
		for _, step := range []struct{ cypher, how string }{
			{userOfIdentitiesCypher, "holds the identity"},
			{userByVerifiedEmailCypher, "owns the verified email"},
			{mergeDemoUserCypher, "fixed id"},
		} {
			id, err := optionalID(ctx, tx, &f.t, step.cypher, params)
			if err != nil {
				return found{}, err
			}
			if id != "" {
				f.id, f.how = id, step.how
				break
			}
		}
		params := map[string]any{"id": f.id, "subs": subs, "email": p.email, "name": p.name, "picture": p.picture, "bio": p.bio}
		_, err := optionalID(ctx, tx, &f.t, completeDemoUserCypher, params)
		return f, err
	})
	return r.id, r.how, r.t, err
}

// optionalID runs a statement that returns at most one `id` ("" when it
// returns none) and adds what it changed to t.
func optionalID(ctx context.Context, tx neo4j.ManagedTransaction, t *tally, cypher string, params map[string]any) (string, error) {
	res, err := tx.Run(ctx, cypher, params)
	if err != nil {
		return "", err
	}
	var id string
	if res.Next(ctx) {
		if id, _, err = neo4j.GetRecordValue[string](res.Record(), "id"); err != nil {
			return "", err
		}
	}
	sum, err := res.Consume(ctx)
	if err != nil {
		return "", err
	}
	t.add(sum.Counters())
	return id, nil
}

// loadDemo resolves the demo people to Users, then upserts the extra users
// and the demo content. It returns the User id of every key.
func (s *store) loadDemo(ctx context.Context) (map[string]string, tally, error) {
	var total tally
	ids := map[string]string{}
	session := s.session(ctx, neo4j.AccessModeWrite)
	for _, p := range demoPeople {
		id, how, t, err := s.resolvePerson(ctx, session, p)
		if err != nil {
			session.Close(ctx)
			return nil, total, fmt.Errorf("demo user %s: %w", p.key, err)
		}
		total.merge(t)
		ids[p.key] = id
		fmt.Fprintf(s.out, "  %-6s %-38s user %s (%s)\n", p.key, p.identities[0].sub, id, how)
	}
	session.Close(ctx)
	for _, e := range demoExtras {
		ids[e.key] = e.id
	}

	g := demoContent()
	steps := []struct {
		name, cypher string
		n            int
		row          func(i int) any
	}{
		{"users", upsertDemoExtrasCypher, len(demoExtras), func(i int) any {
			e := demoExtras[i]
			return map[string]any{"id": e.id, "name": e.name, "bio": e.bio, "createdAt": e.createdAt}
		}},
		{"posts", upsertPostsCypher, len(g.posts), func(i int) any {
			p := g.posts[i]
			tags := make([]any, len(p.tags))
			for j, t := range p.tags {
				tags[j] = t
			}
			return map[string]any{"id": p.id, "author": ids[p.author], "title": p.title, "body": p.body,
				"visibility": p.visibility, "tags": tags, "createdAt": p.at}
		}},
		{"follows", upsertFollowsCypher, len(g.follows), func(i int) any {
			f := g.follows[i]
			return map[string]any{"from": ids[f.from], "to": ids[f.to], "createdAt": f.at}
		}},
		{"likes", upsertLikesCypher, len(g.likes), func(i int) any {
			l := g.likes[i]
			return map[string]any{"user": ids[l.user], "post": l.post, "createdAt": l.at}
		}},
		{"comments", upsertCommentsCypher, len(g.comments), func(i int) any {
			c := g.comments[i]
			return map[string]any{"id": c.id, "author": ids[c.author], "post": c.post, "body": c.body, "createdAt": c.at}
		}},
	}
	for _, st := range steps {
		t, err := s.loadBatches(ctx, st.name, st.cypher, st.n, 1000, st.row)
		if err != nil {
			return nil, total, err
		}
		total.merge(t)
	}
	return ids, total, nil
}
