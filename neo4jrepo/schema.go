package neo4jrepo

import (
	"context"
	"errors"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// schemaStatements create the constraints the model relies on. Each is
// idempotent (IF NOT EXISTS), so running them at every start is safe.
var schemaStatements = []string{
	"CREATE CONSTRAINT identity_sub IF NOT EXISTS FOR (i:Identity) REQUIRE i.sub IS UNIQUE",
	"CREATE CONSTRAINT user_id IF NOT EXISTS FOR (u:User) REQUIRE u.id IS UNIQUE",
	// Absent (null) values are not constrained: Users without a verified email coexist.
	"CREATE CONSTRAINT user_verified_email IF NOT EXISTS FOR (u:User) REQUIRE u.verifiedEmail IS UNIQUE",
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
func (db *DB) EnsureSchema(ctx context.Context) error {
	for _, stmt := range schemaStatements {
		if err := db.runAuto(ctx, stmt); err != nil && !SchemaRuleExists(err) {
			return classify(ctx, "ensure schema", err)
		}
	}
	return nil
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
