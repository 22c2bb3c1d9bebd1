package neo4jrepo

import (
	"context"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/gqlneo/gqlneo/bookmarks"
	"github.com/gqlneo/gqlneo/domain"
)

// touchCypher is domain.NeedsSync in Cypher, and records that the identity
// was seen: it answers 'sync' when the identity has no User, or when the
// token carries an email and a verification that differ from the stored
// ones (addresses compared trimmed and lower-cased, as
// domain.NormaliseEmail does); otherwise 'ready', and then it sets
// lastSeenAt when the stored one is older than $seenBefore, so a busy
// identity is written at most once per throttle period. The Go and Cypher
// forms are tested against each other on a table of cases.
const touchCypher = `
OPTIONAL MATCH (u:User)-[:HAS_IDENTITY]->(i:Identity {sub: $sub})
WITH i, CASE
  WHEN u IS NULL THEN 'sync'
  WHEN $email IS NOT NULL AND $verified IS NOT NULL
    AND (toLower(trim(coalesce(i.email, ''))) <> toLower(trim($email)) OR coalesce(i.emailVerified, false) <> $verified) THEN 'sync'
  ELSE 'ready' END AS state
CALL (i, state) {
  WITH i WHERE state = 'ready' AND (i.lastSeenAt IS NULL OR i.lastSeenAt < $seenBefore)
  SET i.lastSeenAt = $now
}
RETURN state`

// Touch tells whether the identity t names needs a sync before the request
// is served (domain.NeedsSync, decided in the graph), and when it does not,
// records the identity as seen now unless it was seen within throttle. It is
// one statement in a write transaction, idempotent.
func (db *DB) Touch(ctx context.Context, t domain.TokenIdentity, throttle time.Duration) (needsSync bool, err error) {
	now := time.Now().UTC()
	params := map[string]any{"sub": t.Subject, "email": nil, "verified": nil, "now": now, "seenBefore": now.Add(-throttle)}
	if t.Email != "" && t.EmailVerified != nil {
		params["email"], params["verified"] = t.Email, *t.EmailVerified
	}
	// Recording lastSeenAt is not the request's write: its answer carries no bookmark for it.
	state, err := write(bookmarks.Untracked(ctx), db, func(tx neo4j.ManagedTransaction) (string, error) {
		rec, err := db.single(ctx, tx, touchCypher, params)
		if err != nil {
			return "", err
		}
		s, _, err := neo4j.GetRecordValue[string](rec, "state")
		return s, err
	})
	if err != nil {
		return false, classify(ctx, "touch identity", err)
	}
	return state != "ready", nil
}
