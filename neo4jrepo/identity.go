package neo4jrepo

import (
	"context"
	"fmt"
	"time"

	"github.com/gqlneo/gqlneo/domain"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// SyncMode says what a sync does to an identity that already exists.
type SyncMode int

const (
	// SyncSeen is a request or a login: it records lastSeenAt, stores what the
	// profile says, and links or merges Users when the identity's email has
	// become verified.
	SyncSeen SyncMode = iota
	// SyncRegistered is a registration event: it creates the identity and its
	// User when missing and changes nothing when the identity exists, so the
	// same event twice changes nothing.
	SyncRegistered
)

// identityStep1 finds or creates the Identity and reports its User and the
// User that already owns the profile's verified email. MERGE on the uniquely
// constrained Identity.sub locks it, so concurrent first requests for one
// subject run this transaction one after the other. The Identity stores the
// address it vouches for (verifiedEmail, normalised by domain.NormaliseEmail, null
// when unverified), which is what release compares with: claim, release and
// lookup all use the one normalised form.
const identityStep1 = `
MERGE (i:Identity {sub: $sub})
  ON CREATE SET i.provider = $provider, i.createdAt = $now, i.lastSeenAt = $now, i.new = true
WITH i, coalesce(i.new, false) AS created
REMOVE i.new
WITH i, created
CALL (i, created) {
  WITH i WHERE created OR $mode = 'seen'
  SET i.connection = coalesce($connection, i.connection),
      i.email = coalesce($email, i.email),
      i.emailVerified = CASE WHEN $email IS NULL THEN coalesce(i.emailVerified, false) ELSE $verified END,
      i.verifiedEmail = CASE WHEN $email IS NULL THEN i.verifiedEmail ELSE $verifiedEmail END
}
CALL (i, created) {
  WITH i WHERE NOT created AND $mode = 'seen'
  SET i.lastSeenAt = $now
}
OPTIONAL MATCH (u:User)-[:HAS_IDENTITY]->(i)
OPTIONAL MATCH (owner:User)-[:` + relHasEmail + `]->(:` + labelVerifiedEmail + ` {address: $verifiedEmail})
RETURN created, u.id AS userId, owner.id AS ownerId`

// claimAddress gives the User bound to u the address $verifiedEmail, when
// not null. It CREATEs the VerifiedEmail node rather than MERGE it: the
// caller has just seen that no User owns the address, and a node exists
// only with its owner, so a concurrent claim of the same address fails on
// the uniqueness constraint (SyncIdentity then retries, sees the owner and
// links or merges) instead of quietly giving the address a second owner.
const claimAddress = `
CALL (u) {
  WITH u WHERE $verifiedEmail IS NOT NULL
  CREATE (u)-[:` + relHasEmail + ` {claimedAt: $now}]->(:` + labelVerifiedEmail + ` {address: $verifiedEmail})
}`

const createUserCypher = `
MATCH (i:Identity {sub: $sub})
CREATE (u:User {id: randomUUID(), createdAt: $now, updatedAt: $now})
CREATE (u)-[:HAS_IDENTITY]->(i)
WITH u` + claimAddress + `
RETURN u.id AS id`

const linkIdentityCypher = `
MATCH (i:Identity {sub: $sub}), (u:User {id: $userId})
MERGE (u)-[:HAS_IDENTITY]->(i)
RETURN u.id AS id`

// claimVerifiedEmailCypher gives a User the verified email of one of its
// identities, in addition to the addresses it owns already.
const claimVerifiedEmailCypher = `
MATCH (u:User {id: $userId})` + claimAddress + `
RETURN u.id AS id`

// releaseVerifiedEmailCypher drops a User's claim on every address that none
// of its identities vouches for any more (an identity changed its email, or
// was merged away), so a later owner of that address is never linked into
// this User.
const releaseVerifiedEmailCypher = `
MATCH (u:User {id: $userId})-[r:` + relHasEmail + `]->(e:` + labelVerifiedEmail + `)
WHERE NOT EXISTS { MATCH (u)-[:HAS_IDENTITY]->(i:Identity) WHERE i.verifiedEmail = e.address }
DELETE r, e`

// syncProfileCypher stores what the provider says of the User's profile.
// The provider's name and picture only fill a field the user has not set
// through UpdateProfile (which marks it nameEdited or pictureEdited): a
// user's own edit survives every later sign-in. The User's email stays one
// of its verified addresses once it has one, else follows the provider.
const syncProfileCypher = `
MATCH (u:User {id: $userId})
WITH u, CASE WHEN u.nameEdited THEN u.name ELSE coalesce($name, u.name) END AS name,
     CASE WHEN u.pictureEdited THEN u.picture ELSE coalesce($picture, u.picture) END AS picture,
     COLLECT { MATCH (u)-[:` + relHasEmail + `]->(e:` + labelVerifiedEmail + `) RETURN e.address ORDER BY e.address } AS owned
SET u.updatedAt = $now, u.name = name, u.nameLower = toLower(name), u.picture = picture,
    u.email = CASE WHEN u.email IN owned THEN u.email ELSE coalesce($verifiedEmail, head(owned), $email, u.email) END`

// SyncIdentity makes the graph agree with what the identity provider says
// about p.Subject, in one write transaction:
//
//   - a new identity whose email is verified and is one of an existing
//     User's verified addresses joins that User; otherwise it gets a User of its own
//     (an unverified email never links);
//   - an identity whose email has become verified while another User owns
//     that verified email merges its User into that one (see mergeUsers);
//   - otherwise its User claims the verified email, in addition to any it
//     owns already (a person may own several addresses).
//
// It is idempotent, so the driver may retry it, and safe under concurrency:
// a uniqueness conflict from a concurrent transaction is retried once, and
// then links or merges instead.
func (db *DB) SyncIdentity(ctx context.Context, p domain.Profile, mode SyncMode) (domain.User, error) {
	var u domain.User
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		u, err = write(ctx, db, func(tx neo4j.ManagedTransaction) (domain.User, error) {
			return db.syncIdentityTx(ctx, tx, p, mode)
		})
		if !isConstraintViolation(err) {
			break
		}
	}
	return u, classify(ctx, "sync identity", err)
}

func (db *DB) syncIdentityTx(ctx context.Context, tx neo4j.ManagedTransaction, p domain.Profile, mode SyncMode) (domain.User, error) {
	now := time.Now().UTC()
	modeName := "seen"
	if mode == SyncRegistered {
		modeName = "registered"
	}
	params := map[string]any{
		"sub": p.Subject, "provider": p.Provider(), "connection": nullable(p.Connection),
		"email": nullable(p.Email), "verified": p.EmailVerified, "verifiedEmail": nullable(p.VerifiedEmail()),
		"name": nullable(p.Name), "picture": nullable(p.Picture), "now": now, "mode": modeName,
	}
	rec, err := db.single(ctx, tx, identityStep1, params)
	if err != nil {
		return domain.User{}, err
	}
	created, _, _ := neo4j.GetRecordValue[bool](rec, "created")
	userID, _, _ := neo4j.GetRecordValue[string](rec, "userId")
	ownerID, _, _ := neo4j.GetRecordValue[string](rec, "ownerId")

	if !created && mode == SyncRegistered && userID != "" {
		return db.userByIDTx(ctx, tx, userID)
	}
	if userID != "" {
		if err := db.exec(ctx, tx, releaseVerifiedEmailCypher, map[string]any{"userId": userID}); err != nil {
			return domain.User{}, err
		}
	}
	switch {
	case userID == "" && ownerID != "":
		params["userId"] = ownerID
		if _, err := db.single(ctx, tx, linkIdentityCypher, params); err != nil {
			return domain.User{}, err
		}
		userID = ownerID
	case userID == "":
		rec, err := db.single(ctx, tx, createUserCypher, params)
		if err != nil {
			return domain.User{}, err
		}
		userID, _, _ = neo4j.GetRecordValue[string](rec, "id")
	case ownerID != "" && ownerID != userID:
		if err := db.mergeUsers(ctx, tx, userID, ownerID, now); err != nil {
			return domain.User{}, err
		}
		userID = ownerID
	case ownerID == "" && p.VerifiedEmail() != "":
		params["userId"] = userID
		if _, err := db.single(ctx, tx, claimVerifiedEmailCypher, params); err != nil {
			return domain.User{}, err
		}
	}
	params["userId"] = userID
	res, err := db.run(ctx, tx, syncProfileCypher+userReturn, params)
	if err != nil {
		return domain.User{}, err
	}
	return singleUser(ctx, res)
}

func (db *DB) userByIDTx(ctx context.Context, tx neo4j.ManagedTransaction, id string) (domain.User, error) {
	res, err := db.run(ctx, tx, `MATCH (u:User {id: $id})`+userReturn, map[string]any{"id": id})
	if err != nil {
		return domain.User{}, err
	}
	return singleUser(ctx, res)
}

// exec runs a statement for its effect.
func (db *DB) exec(ctx context.Context, tx neo4j.ManagedTransaction, cypher string, params map[string]any) error {
	res, err := db.run(ctx, tx, cypher, params)
	if err != nil {
		return err
	}
	_, err = res.Consume(ctx)
	return err
}

// single runs a statement that returns exactly one record.
func (db *DB) single(ctx context.Context, tx neo4j.ManagedTransaction, cypher string, params map[string]any) (*neo4j.Record, error) {
	res, err := db.run(ctx, tx, cypher, params)
	if err != nil {
		return nil, err
	}
	return res.Single(ctx)
}

// mergeUsers moves every relationship of loser to survivor and deletes
// loser, inside the caller's transaction. The survivor keeps its profile
// fields, except that a name or picture the loser's user set themselves
// (UpdateProfile) beats one the survivor only has from the provider. Follows move in both directions;
// a follow between the two disappears; duplicates collapse (MERGE) keeping
// the survivor's existing relationship. loser is deleted with DELETE, not
// DETACH DELETE: if it still had a relationship of a type this code does not
// know, the delete fails and the whole transaction rolls back — nothing is
// ever lost.
func (db *DB) mergeUsers(ctx context.Context, tx neo4j.ManagedTransaction, loser, survivor string, now time.Time) error {
	params := map[string]any{"loser": loser, "survivor": survivor, "now": now}
	// Lock both nodes first, in a fixed order, so concurrent merges of the
	// same pair queue up instead of deadlocking.
	stmts := []string{
		`MATCH (u:User) WHERE u.id IN [$loser, $survivor] WITH u ORDER BY u.id SET u.updatedAt = $now`,
		`MATCH (l:User {id: $loser})-[r:` + relFollows + `]-(s:User {id: $survivor}) DELETE r`,
		`MATCH (l:User {id: $loser})-[r:` + relFollows + `]->(l) DELETE r`,
		`MATCH (l:User {id: $loser})-[r:` + relFollows + `]->(x:User), (s:User {id: $survivor})
		 MERGE (s)-[n:` + relFollows + `]->(x) ON CREATE SET n = properties(r) DELETE r`,
		`MATCH (x:User)-[r:` + relFollows + `]->(l:User {id: $loser}), (s:User {id: $survivor})
		 MERGE (x)-[n:` + relFollows + `]->(s) ON CREATE SET n = properties(r) DELETE r`,
	}
	for _, rel := range userRelationships {
		stmts = append(stmts, fmt.Sprintf(
			`MATCH (l:User {id: $loser})-[r:%[1]s]->(x), (s:User {id: $survivor})
			 MERGE (s)-[n:%[1]s]->(x) ON CREATE SET n = properties(r) DELETE r`, rel))
	}
	stmts = append(stmts, `
MATCH (l:User {id: $loser}), (s:User {id: $survivor})
WITH l, s,
     CASE WHEN l.nameEdited AND NOT coalesce(s.nameEdited, false) THEN l.name ELSE coalesce(s.name, l.name) END AS name,
     CASE WHEN l.pictureEdited AND NOT coalesce(s.pictureEdited, false) THEN l.picture ELSE coalesce(s.picture, l.picture) END AS picture,
     CASE WHEN s.nameEdited OR l.nameEdited THEN true END AS nameEdited,
     CASE WHEN s.pictureEdited OR l.pictureEdited THEN true END AS pictureEdited
SET s.name = name, s.nameLower = toLower(name), s.picture = picture,
    s.nameEdited = nameEdited, s.pictureEdited = pictureEdited,
    s.bio = coalesce(s.bio, l.bio),
    s.createdAt = CASE WHEN l.createdAt < s.createdAt THEN l.createdAt ELSE s.createdAt END
DELETE l`)
	for _, stmt := range stmts {
		if err := db.exec(ctx, tx, stmt, params); err != nil {
			return err
		}
	}
	return db.exec(ctx, tx, releaseVerifiedEmailCypher, map[string]any{"userId": survivor})
}
