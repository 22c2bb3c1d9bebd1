package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/gqlneo/gqlneo/domain"
	"github.com/gqlneo/gqlneo/neo4jrepo"
)

// The graph model's labels and relationship types, as the server's Cypher
// names them. Statements below spell them inline; these lists drive the
// per-label and per-type counts.
const (
	labelUser     = "User"
	labelIdentity = "Identity"
	labelPost     = "Post"
	labelComment  = "Comment"
	labelTag      = "Tag"
	labelEmail    = "VerifiedEmail"

	relHasIdentity = "HAS_IDENTITY"
	relFollows     = "FOLLOWS"
	relAuthored    = "AUTHORED"
	relLikes       = "LIKES"
	relWrote       = "WROTE"
	relOn          = "ON"
	relTagged      = "TAGGED"
	relHasEmail    = "HAS_EMAIL"
)

var (
	nodeLabels = []string{labelUser, labelIdentity, labelEmail, labelPost, labelComment, labelTag}
	relTypes   = []string{relHasIdentity, relHasEmail, relFollows, relAuthored, relLikes, relWrote, relOn, relTagged}
)

// The upserts below MERGE on ids and set every property to the row's value,
// so loading the same rows twice changes nothing. A Post or Comment whose
// author (or post) changed since an earlier load — the same -prefix with
// other flags — loses the old relationship, so each keeps exactly one.

// upsertGeneratedUsersCypher writes Users with one Identity each, and the
// verified address (domain.NormaliseEmail of the email) each owns. An
// Identity that already belongs to a User (someone got a token for
// `gen|7` and called the API before the graph was loaded) keeps it.
const upsertGeneratedUsersCypher = `
UNWIND $rows AS row
MERGE (u:User {id: row.id})
SET u.name = row.name, u.nameLower = toLower(row.name), u.bio = row.bio,
    u.email = row.email,
    u.createdAt = row.createdAt, u.updatedAt = row.createdAt
MERGE (e:VerifiedEmail {address: row.address})
MERGE (u)-[:HAS_EMAIL]->(e)
MERGE (i:Identity {sub: row.sub})
  ON CREATE SET i.provider = row.provider, i.connection = row.connection, i.email = row.email,
                i.emailVerified = true, i.verifiedEmail = row.address, i.createdAt = row.createdAt, i.lastSeenAt = row.createdAt
WITH u, i
WHERE NOT EXISTS { (:User)-[:HAS_IDENTITY]->(i) }
CREATE (u)-[:HAS_IDENTITY]->(i)`

const upsertTagsCypher = `
UNWIND $rows AS name
MERGE (:Tag {name: name})`

const upsertPostsCypher = `
UNWIND $rows AS row
MATCH (u:User {id: row.author})
MERGE (p:Post {id: row.id})
SET p.title = row.title, p.body = row.body, p.visibility = row.visibility,
    p.createdAt = row.createdAt, p.updatedAt = row.createdAt
WITH u, p, row
CALL (u, p) {
  OPTIONAL MATCH (other:User)-[a:AUTHORED]->(p) WHERE other <> u
  DELETE a
}
MERGE (u)-[:AUTHORED]->(p)
WITH p, row
CALL (p, row) {
  UNWIND row.tags AS name
  MERGE (t:Tag {name: name})
  MERGE (p)-[:TAGGED]->(t)
}`

const upsertFollowsCypher = `
UNWIND $rows AS row
MATCH (a:User {id: row.from}), (b:User {id: row.to})
MERGE (a)-[r:FOLLOWS]->(b)
  ON CREATE SET r.createdAt = row.createdAt`

const upsertLikesCypher = `
UNWIND $rows AS row
MATCH (u:User {id: row.user}), (p:Post {id: row.post})
MERGE (u)-[r:LIKES]->(p)
  ON CREATE SET r.createdAt = row.createdAt`

const upsertCommentsCypher = `
UNWIND $rows AS row
MATCH (u:User {id: row.author}), (p:Post {id: row.post})
MERGE (c:Comment {id: row.id})
SET c.body = row.body, c.createdAt = row.createdAt
WITH u, p, c
CALL (u, c) {
  OPTIONAL MATCH (other:User)-[w:WROTE]->(c) WHERE other <> u
  DELETE w
}
CALL (p, c) {
  OPTIONAL MATCH (c)-[o:ON]->(other:Post) WHERE other <> p
  DELETE o
}
MERGE (u)-[:WROTE]->(c)
MERGE (c)-[:ON]->(p)`

// store is the seeder's one driver plus the database every session names.
type store struct {
	driver   neo4j.DriverWithContext
	database string
	out      io.Writer // progress lines
}

func (s *store) session(ctx context.Context, mode neo4j.AccessMode) neo4j.SessionWithContext {
	return s.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: s.database, AccessMode: mode})
}

// ensureSchema creates the server's constraints and indexes if missing, so
// the seeder works on a database the server has never touched. Schema
// commands run as auto-commit statements, as the server does.
func (s *store) ensureSchema(ctx context.Context) error {
	session := s.session(ctx, neo4j.AccessModeWrite)
	defer session.Close(ctx)
	for _, stmt := range neo4jrepo.SchemaStatements() {
		res, err := session.Run(ctx, stmt, nil)
		if err == nil {
			_, err = res.Consume(ctx)
		}
		if err != nil && !neo4jrepo.SchemaRuleExists(err) {
			return fmt.Errorf("schema %q: %w", stmt, err)
		}
	}
	return nil
}

// tally adds up what statements changed.
type tally struct {
	nodesCreated, nodesDeleted, relsCreated, relsDeleted, propsSet int
}

func (t *tally) add(c neo4j.Counters) {
	t.nodesCreated += c.NodesCreated()
	t.nodesDeleted += c.NodesDeleted()
	t.relsCreated += c.RelationshipsCreated()
	t.relsDeleted += c.RelationshipsDeleted()
	t.propsSet += c.PropertiesSet()
}

func (t *tally) merge(o tally) {
	t.nodesCreated += o.nodesCreated
	t.nodesDeleted += o.nodesDeleted
	t.relsCreated += o.relsCreated
	t.relsDeleted += o.relsDeleted
	t.propsSet += o.propsSet
}

func (t tally) String() string {
	s := fmt.Sprintf("+%d nodes, +%d relationships", t.nodesCreated, t.relsCreated)
	if t.nodesDeleted > 0 || t.relsDeleted > 0 {
		s += fmt.Sprintf(", -%d nodes, -%d relationships", t.nodesDeleted, t.relsDeleted)
	}
	return s
}

// writeOne runs one statement in a managed write transaction, which the
// driver retries on transient errors; every statement here is idempotent.
func (s *store) writeOne(ctx context.Context, session neo4j.SessionWithContext, cypher string, params map[string]any) (neo4j.Counters, error) {
	return neo4j.ExecuteWrite(ctx, session, func(tx neo4j.ManagedTransaction) (neo4j.Counters, error) {
		res, err := tx.Run(ctx, cypher, params)
		if err != nil {
			return nil, err
		}
		sum, err := res.Consume(ctx)
		if err != nil {
			return nil, err
		}
		return sum.Counters(), nil
	})
}

// loadBatches sends rows 0..n-1 (built by row) to cypher as $rows, batch rows
// per transaction, and reports progress at most every two seconds.
func (s *store) loadBatches(ctx context.Context, name, cypher string, n, batch int, row func(i int) any) (tally, error) {
	var t tally
	if n == 0 {
		return t, nil
	}
	session := s.session(ctx, neo4j.AccessModeWrite)
	defer session.Close(ctx)
	start := time.Now()
	last := start
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		rows := make([]any, 0, hi-lo)
		for i := lo; i < hi; i++ {
			rows = append(rows, row(i))
		}
		c, err := s.writeOne(ctx, session, cypher, map[string]any{"rows": rows})
		if err != nil {
			return t, fmt.Errorf("load %s rows %d-%d: %w", name, lo, hi-1, err)
		}
		t.add(c)
		if now := time.Now(); now.Sub(last) >= 2*time.Second && hi < n {
			fmt.Fprintf(s.out, "  %-9s %9d/%d  %6.1fs\n", name, hi, n, now.Sub(start).Seconds())
			last = now
		}
	}
	d := time.Since(start)
	fmt.Fprintf(s.out, "  %-9s %9d rows in %6.1fs (%7.0f rows/s)  %s\n", name, n, d.Seconds(), float64(n)/d.Seconds(), t)
	return t, nil
}

func millis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// loadGenerated writes g, in an order where every MATCH finds its nodes.
func (s *store) loadGenerated(ctx context.Context, prefix string, g graph, batch int) (tally, error) {
	var total tally
	steps := []struct {
		name, cypher string
		n            int
		row          func(i int) any
	}{
		{"users", upsertGeneratedUsersCypher, len(g.Users), func(i int) any {
			u := g.Users[i]
			return map[string]any{"id": u.ID, "sub": u.Sub, "provider": prefix, "connection": "generated",
				"name": u.Name, "email": u.Email, "address": domain.NormaliseEmail(u.Email), "bio": nullable(u.Bio), "createdAt": millis(u.CreatedAt)}
		}},
		{"tags", upsertTagsCypher, len(g.Tags), func(i int) any { return g.Tags[i] }},
		{"posts", upsertPostsCypher, len(g.Posts), func(i int) any {
			p := g.Posts[i]
			tags := make([]any, len(p.Tags))
			for j, t := range p.Tags {
				tags[j] = g.Tags[t]
			}
			return map[string]any{"id": p.ID, "author": g.Users[p.Author].ID, "title": p.Title, "body": p.Body,
				"visibility": p.Visibility, "tags": tags, "createdAt": millis(p.CreatedAt)}
		}},
		{"follows", upsertFollowsCypher, len(g.Follows), func(i int) any {
			f := g.Follows[i]
			return map[string]any{"from": g.Users[f.From].ID, "to": g.Users[f.To].ID, "createdAt": millis(f.CreatedAt)}
		}},
		{"likes", upsertLikesCypher, len(g.Likes), func(i int) any {
			l := g.Likes[i]
			return map[string]any{"user": g.Users[l.From].ID, "post": g.Posts[l.To].ID, "createdAt": millis(l.CreatedAt)}
		}},
		{"comments", upsertCommentsCypher, len(g.Comments), func(i int) any {
			c := g.Comments[i]
			return map[string]any{"id": c.ID, "author": g.Users[c.Author].ID, "post": g.Posts[c.Post].ID,
				"body": c.Body, "createdAt": millis(c.CreatedAt)}
		}},
	}
	for _, st := range steps {
		t, err := s.loadBatches(ctx, st.name, st.cypher, st.n, batch, st.row)
		if err != nil {
			return total, err
		}
		total.merge(t)
	}
	return total, nil
}

// nullable turns "" into a Cypher null, so absent text stays absent.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// count is one line of `counts`.
type count struct {
	name string
	n    int64
}

// counts returns the number of nodes per label and relationships per type,
// then the totals. They come from Neo4j's count store, so they are cheap.
func (s *store) counts(ctx context.Context) ([]count, error) {
	session := s.session(ctx, neo4j.AccessModeRead)
	defer session.Close(ctx)
	var stmts []count
	var queries []string
	for _, l := range nodeLabels {
		stmts = append(stmts, count{name: "(:" + l + ")"})
		queries = append(queries, "MATCH (x:"+l+") RETURN count(x) AS n")
	}
	for _, t := range relTypes {
		stmts = append(stmts, count{name: "[:" + t + "]"})
		queries = append(queries, "MATCH ()-[r:"+t+"]->() RETURN count(r) AS n")
	}
	stmts = append(stmts, count{name: "all nodes"}, count{name: "all relationships"})
	queries = append(queries, "MATCH (x) RETURN count(x) AS n", "MATCH ()-[r]->() RETURN count(r) AS n")
	return neo4j.ExecuteRead(ctx, session, func(tx neo4j.ManagedTransaction) ([]count, error) {
		out := make([]count, len(stmts))
		for i, q := range queries {
			res, err := tx.Run(ctx, q, nil)
			if err != nil {
				return nil, err
			}
			rec, err := res.Single(ctx)
			if err != nil {
				return nil, err
			}
			n, _, err := neo4j.GetRecordValue[int64](rec, "n")
			if err != nil {
				return nil, err
			}
			out[i] = count{name: stmts[i].name, n: n}
		}
		return out, nil
	})
}

func printCounts(w io.Writer, cs []count) {
	for _, c := range cs {
		fmt.Fprintf(w, "  %-18s %9d\n", c.name, c.n)
	}
}
