package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Deleting what generate loaded. Each statement is an auto-commit query with
// CALL { … } IN TRANSACTIONS, so Neo4j commits every deleteBatch rows and no
// transaction grows with the graph. A statement that fails half way leaves
// the rest for the next run: reset is idempotent.
const (
	// comments on generated posts, whoever wrote them
	deleteCommentsOnPostsCypher = `
UNWIND $ids AS id
MATCH (:User {id: id})-[:AUTHORED]->(:Post)<-[:ON]-(c:Comment)
CALL (c) { DETACH DELETE c } IN TRANSACTIONS OF 5000 ROWS`

	// comments by generated users on other posts
	deleteCommentsByUsersCypher = `
UNWIND $ids AS id
MATCH (:User {id: id})-[:WROTE]->(c:Comment)
CALL (c) { DETACH DELETE c } IN TRANSACTIONS OF 5000 ROWS`

	// posts take their likes and tag links with them
	deletePostsCypher = `
UNWIND $ids AS id
MATCH (:User {id: id})-[:AUTHORED]->(p:Post)
CALL (p) { DETACH DELETE p } IN TRANSACTIONS OF 5000 ROWS`

	// users take their follows, likes, verified addresses and generated
	// identities; a user has up to thousands of follows, hence the smaller
	// batch
	deleteUsersCypher = `
UNWIND $ids AS id
MATCH (u:User {id: id})
CALL (u) {
  OPTIONAL MATCH (u)-[:HAS_EMAIL]->(e:VerifiedEmail)
  DETACH DELETE e
  WITH DISTINCT u
  OPTIONAL MATCH (u)-[:HAS_IDENTITY]->(i:Identity) WHERE i.sub STARTS WITH $subPrefix
  DETACH DELETE u, i
} IN TRANSACTIONS OF 500 ROWS`

	// identities of the prefix that no User holds any more
	deleteOrphanIdentitiesCypher = `
MATCH (i:Identity) WHERE i.sub STARTS WITH $subPrefix AND NOT EXISTS { (:User)-[:HAS_IDENTITY]->(i) }
CALL (i) { DELETE i } IN TRANSACTIONS OF 5000 ROWS`

	// generated tags that no post uses any more
	deleteUnusedTagsCypher = `
MATCH (t:Tag) WHERE t.name STARTS WITH $tagPrefix AND NOT EXISTS { (:Post)-[:TAGGED]->(t) }
CALL (t) { DELETE t } IN TRANSACTIONS OF 5000 ROWS`

	generatedSubsCypher = `
MATCH (i:Identity) WHERE i.sub STARTS WITH $subPrefix
RETURN i.sub AS sub`
)

// generatedUserIDs are the ids generate gave the users whose subjects
// `<prefix>|<n>` exist. Only those Users are deleted: a User the server
// created for such a subject (a test called the API before the graph was
// loaded) is not the generator's to delete.
func (s *store) generatedUserIDs(ctx context.Context, prefix string) ([]any, error) {
	session := s.session(ctx, neo4j.AccessModeRead)
	defer session.Close(ctx)
	subs, err := neo4j.ExecuteRead(ctx, session, func(tx neo4j.ManagedTransaction) ([]string, error) {
		res, err := tx.Run(ctx, generatedSubsCypher, map[string]any{"subPrefix": prefix + "|"})
		if err != nil {
			return nil, err
		}
		var out []string
		for res.Next(ctx) {
			sub, _, err := neo4j.GetRecordValue[string](res.Record(), "sub")
			if err != nil {
				return nil, err
			}
			out = append(out, sub)
		}
		return out, res.Err()
	})
	if err != nil {
		return nil, err
	}
	ids := make([]any, 0, len(subs))
	for _, sub := range subs {
		n, err := strconv.Atoi(strings.TrimPrefix(sub, prefix+"|"))
		if err != nil || n < 1 {
			continue
		}
		ids = append(ids, generatedID(prefix, "user", n))
	}
	return ids, nil
}

// resetGenerated deletes the users, identities, posts, comments, follows,
// likes and tags that generate loaded under prefix, and comments others
// wrote on generated posts. Demo data and real users stay, except for their
// follows, likes and comments that touch generated data.
func (s *store) resetGenerated(ctx context.Context, prefix string) (tally, error) {
	var total tally
	ids, err := s.generatedUserIDs(ctx, prefix)
	if err != nil {
		return total, fmt.Errorf("find generated users: %w", err)
	}
	fmt.Fprintf(s.out, "  %d identities with subject %s|<n>\n", len(ids), prefix)
	params := map[string]any{"ids": ids, "subPrefix": prefix + "|", "tagPrefix": prefix + "-tag-"}
	session := s.session(ctx, neo4j.AccessModeWrite)
	defer session.Close(ctx)
	for _, st := range []struct{ name, cypher string }{
		{"comments on generated posts", deleteCommentsOnPostsCypher},
		{"comments by generated users", deleteCommentsByUsersCypher},
		{"posts", deletePostsCypher},
		{"users", deleteUsersCypher},
		{"orphan identities", deleteOrphanIdentitiesCypher},
		{"unused tags", deleteUnusedTagsCypher},
	} {
		start := time.Now()
		res, err := session.Run(ctx, st.cypher, params)
		if err != nil {
			return total, fmt.Errorf("delete %s: %w", st.name, err)
		}
		sum, err := res.Consume(ctx)
		if err != nil {
			return total, fmt.Errorf("delete %s: %w", st.name, err)
		}
		var t tally
		t.add(sum.Counters())
		total.merge(t)
		fmt.Fprintf(s.out, "  %-28s -%d nodes, -%d relationships in %.1fs\n", st.name, t.nodesDeleted, t.relsDeleted, time.Since(start).Seconds())
	}
	return total, nil
}
