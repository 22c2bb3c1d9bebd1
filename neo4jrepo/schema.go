package neo4jrepo

import (
	"context"
	"errors"
	"time"

	"github.com/gqlneo/gqlneo/domain"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// schemaStatements create the constraints the model relies on. Each is
// idempotent (IF NOT EXISTS), so running them at every start is safe.
var schemaStatements = []string{
	"CREATE CONSTRAINT identity_sub IF NOT EXISTS FOR (i:Identity) REQUIRE i.sub IS UNIQUE",
	"CREATE CONSTRAINT user_id IF NOT EXISTS FOR (u:User) REQUIRE u.id IS UNIQUE",
	// One node per verified address, owned by one User (see labelVerifiedEmail).
	"CREATE CONSTRAINT verified_email_address IF NOT EXISTS FOR (e:" + labelVerifiedEmail + ") REQUIRE e.address IS UNIQUE",
	"CREATE CONSTRAINT post_id IF NOT EXISTS FOR (p:Post) REQUIRE p.id IS UNIQUE",
	"CREATE CONSTRAINT comment_id IF NOT EXISTS FOR (c:Comment) REQUIRE c.id IS UNIQUE",
	"CREATE CONSTRAINT tag_name IF NOT EXISTS FOR (t:Tag) REQUIRE t.name IS UNIQUE",
	"CREATE INDEX user_name_lower IF NOT EXISTS FOR (u:User) ON (u.nameLower)",
	"CREATE INDEX post_created_at IF NOT EXISTS FOR (p:Post) ON (p.createdAt)",
}

// SchemaStatements returns the statements EnsureSchema runs, for tools
// (the dev seeder, the benchmark) that prepare a database the server has
// not started against yet. The slice is a copy.
func SchemaStatements() []string {
	return append([]string(nil), schemaStatements...)
}

// EnsureSchema creates the constraints if they are missing. Processes that
// start together on a new database (replicas, test packages) race to create
// the same rule; IF NOT EXISTS does not stop the loser from being told the
// rule already exists, which is the state EnsureSchema wants.
//
// It then migrates a database written before Users could own several
// verified addresses (see migrateVerifiedEmails).
func (db *DB) EnsureSchema(ctx context.Context) error {
	for _, stmt := range schemaStatements {
		if err := db.runSchemaStatement(ctx, stmt); err != nil {
			return classify(ctx, "ensure schema", err)
		}
	}
	return classify(ctx, "migrate verified emails", db.migrateVerifiedEmails(ctx))
}

// runSchemaStatement runs one schema statement. Schema commands run outside
// managed transactions, so nothing retries them: processes creating the same
// rules at once can deadlock on the schema lock, which Neo4j reports as a
// transient error, so those are retried here, a few times with a pause.
func (db *DB) runSchemaStatement(ctx context.Context, stmt string) error {
	var err error
	for attempt := range 5 {
		if err = db.runAuto(ctx, stmt); err == nil || SchemaRuleExists(err) {
			return nil
		}
		if !neo4j.IsRetryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(100*(attempt+1)) * time.Millisecond):
		}
	}
	return err
}

// oldVerifiedEmailConstraint is the constraint of the model before
// VerifiedEmail nodes: one address per User, in the property
// User.verifiedEmail. Its presence marks a database that still needs
// migrateVerifiedEmails.
const oldVerifiedEmailConstraint = "user_verified_email"

// migrateBatch is how many nodes one migration transaction changes.
const migrateBatch = 1000

// migrateVerifiedEmails moves a database of the old model to the new one,
// at start, so that nothing reads the old property any more:
//
//   - every verified Identity gets verifiedEmail, the address it vouches for
//     in the normalised form release compares with (domain.NormaliseEmail, in Go:
//     the rule has one home);
//   - every User.verifiedEmail becomes a VerifiedEmail node the User owns,
//     and the property is removed;
//   - the old constraint is dropped, last.
//
// Each step is idempotent and the old constraint is dropped only when both
// are done, so a migration interrupted half way runs again at the next
// start; a database without the old constraint (new, or migrated) costs one
// SHOW CONSTRAINTS.
func (db *DB) migrateVerifiedEmails(ctx context.Context) error {
	old, err := read(ctx, db, func(tx neo4j.ManagedTransaction) (bool, error) {
		rec, err := db.single(ctx, tx, "SHOW CONSTRAINTS YIELD name WHERE name = $name RETURN count(*) AS n",
			map[string]any{"name": oldVerifiedEmailConstraint})
		if err != nil {
			return false, err
		}
		n, _, err := neo4j.GetRecordValue[int64](rec, "n")
		return n > 0, err
	})
	if err != nil || !old {
		return err
	}
	steps := []struct{ page, apply string }{
		{`MATCH (i:Identity) WHERE i.sub > $after AND i.emailVerified AND i.email IS NOT NULL AND i.verifiedEmail IS NULL
RETURN i.sub AS key, i.email AS email ORDER BY i.sub LIMIT $limit`, `
UNWIND $rows AS row
MATCH (i:Identity {sub: row.key})
WHERE i.emailVerified AND i.verifiedEmail IS NULL AND row.address <> ''
SET i.verifiedEmail = row.address`},
		// An address that normalises like another User's (the old
		// constraint compared raw values) stays with the first owner.
		{`MATCH (u:User) WHERE u.id > $after AND u.verifiedEmail IS NOT NULL
RETURN u.id AS key, u.verifiedEmail AS email ORDER BY u.id LIMIT $limit`, `
UNWIND $rows AS row
MATCH (u:User {id: row.key})
REMOVE u.verifiedEmail
WITH u, row WHERE row.address <> ''
MERGE (e:` + labelVerifiedEmail + ` {address: row.address})
WITH u, e WHERE NOT EXISTS { MATCH (o:User)-[:` + relHasEmail + `]->(e) WHERE o <> u }
MERGE (u)-[:` + relHasEmail + `]->(e)`},
	}
	for _, step := range steps {
		if err := db.migratePages(ctx, step.page, step.apply); err != nil {
			return err
		}
	}
	return db.runSchemaStatement(ctx, "DROP CONSTRAINT "+oldVerifiedEmailConstraint+" IF EXISTS")
}

// migratePages reads page (rows of key and email, keys after $after, at
// most $limit) and runs apply on each page with every email normalised, in
// one write transaction per page.
func (db *DB) migratePages(ctx context.Context, page, apply string) error {
	after := ""
	for {
		last, err := write(ctx, db, func(tx neo4j.ManagedTransaction) (string, error) {
			res, err := db.run(ctx, tx, page, map[string]any{"after": after, "limit": migrateBatch})
			if err != nil {
				return "", err
			}
			var rows []any
			last := ""
			for res.Next(ctx) {
				key, _, err := neo4j.GetRecordValue[string](res.Record(), "key")
				if err != nil {
					return "", err
				}
				email, _, err := neo4j.GetRecordValue[string](res.Record(), "email")
				if err != nil {
					return "", err
				}
				rows = append(rows, map[string]any{"key": key, "address": domain.NormaliseEmail(email)})
				last = key
			}
			if err := res.Err(); err != nil || len(rows) == 0 {
				return "", err
			}
			return last, db.exec(ctx, tx, apply, map[string]any{"rows": rows})
		})
		if err != nil || last == "" {
			return err
		}
		after = last
	}
}

// SchemaRuleExists reports whether err, from running one of
// SchemaStatements, says an equivalent index or constraint exists already:
// success for anyone ensuring the schema.
func SchemaRuleExists(err error) bool {
	var ne *neo4j.Neo4jError
	if !errors.As(err, &ne) {
		return false
	}
	switch ne.Code {
	case "Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists",
		"Neo.ClientError.Schema.IndexAlreadyExists",
		"Neo.ClientError.Schema.ConstraintAlreadyExists":
		return true
	}
	return false
}
