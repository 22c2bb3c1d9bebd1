package neo4jrepo

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// User is a person in the graph.
type User struct {
	// ID is the node's unique id property (a UUID).
	ID string
	// Name, Email and Picture are empty when unknown.
	Name    string
	Email   string
	Picture string
	// CreatedAt is when the node was created.
	CreatedAt time.Time
}

// Profile is what the identity provider says about the holder of a subject.
// Empty strings mean "not known": they never erase stored values.
type Profile struct {
	// Subject is the token's `sub`, for example auth0|6553da60a54af58e29493993.
	Subject string
	// Connection is the Auth0 connection, when known.
	Connection string
	// Email, EmailVerified, Name and Picture come from claims or the ID token.
	Email         string
	EmailVerified bool
	Name          string
	Picture       string
}

// Provider is the identity provider named by the subject's prefix
// ("auth0", "google-oauth2", ...).
func (p Profile) Provider() string {
	provider, _, ok := strings.Cut(p.Subject, "|")
	if !ok {
		return ""
	}
	return provider
}

const userBySubjectCypher = `
MATCH (:Identity {sub: $sub})<-[:HAS_IDENTITY]-(u:User)
RETURN u.id AS id, u.name AS name, u.email AS email, u.picture AS picture, u.createdAt AS createdAt
LIMIT 1`

// UserBySubject returns the User holding the identity with the token subject
// sub, or ErrNotFound.
func (db *DB) UserBySubject(ctx context.Context, sub string) (User, error) {
	u, err := read(ctx, db, func(tx neo4j.ManagedTransaction) (User, error) {
		res, err := db.run(ctx, tx, userBySubjectCypher, map[string]any{"sub": sub})
		if err != nil {
			return User{}, err
		}
		return singleUser(ctx, res)
	})
	return u, classify(ctx, "user by subject", err)
}

// upsertUserCypher finds or creates the Identity and its User in one
// statement. MERGE on the uniquely constrained Identity.sub takes the
// constraint's lock, so concurrent first requests for one subject serialise:
// the first creates Identity and User, the others then match both.
const upsertUserCypher = `
MERGE (i:Identity {sub: $sub})
  ON CREATE SET i.provider = $provider, i.connection = $connection, i.createdAt = $now
SET i.lastSeenAt = $now
MERGE (u:User)-[:HAS_IDENTITY]->(i)
  ON CREATE SET u.id = randomUUID(), u.createdAt = $now
SET u.updatedAt = $now,
    u.name = coalesce($name, u.name),
    u.email = coalesce($email, u.email),
    u.picture = coalesce($picture, u.picture)
RETURN u.id AS id, u.name AS name, u.email AS email, u.picture AS picture, u.createdAt AS createdAt`

// UpsertUser provisions the User for p.Subject if it does not exist yet and
// records what p knows of the profile. It is idempotent, so the driver may
// retry it.
func (db *DB) UpsertUser(ctx context.Context, p Profile) (User, error) {
	params := map[string]any{
		"sub":        p.Subject,
		"provider":   p.Provider(),
		"connection": nullable(p.Connection),
		"name":       nullable(p.Name),
		"email":      nullable(p.Email),
		"picture":    nullable(p.Picture),
		"now":        time.Now().UTC(),
	}
	var u User
	var err error
	// A concurrent first request can still lose the race between its MERGE
	// and the other's commit on a cluster; one retry then matches.
	for attempt := 0; attempt < 2; attempt++ {
		u, err = write(ctx, db, func(tx neo4j.ManagedTransaction) (User, error) {
			res, err := db.run(ctx, tx, upsertUserCypher, params)
			if err != nil {
				return User{}, err
			}
			return singleUser(ctx, res)
		})
		if !isConstraintViolation(err) {
			break
		}
	}
	return u, classify(ctx, "upsert user", err)
}

func isConstraintViolation(err error) bool {
	var neoErr *neo4j.Neo4jError
	return errors.As(err, &neoErr) && neoErr.Code == "Neo.ClientError.Schema.ConstraintValidationFailed"
}

func singleUser(ctx context.Context, res neo4j.ResultWithContext) (User, error) {
	if !res.Next(ctx) {
		if err := res.Err(); err != nil {
			return User{}, err
		}
		return User{}, ErrNotFound
	}
	return userFromRecord(res.Record())
}

func userFromRecord(rec *neo4j.Record) (User, error) {
	id, _, err := neo4j.GetRecordValue[string](rec, "id")
	if err != nil {
		return User{}, err
	}
	createdAt, _, err := neo4j.GetRecordValue[time.Time](rec, "createdAt")
	if err != nil {
		return User{}, err
	}
	u := User{ID: id, CreatedAt: createdAt.UTC()}
	for key, dst := range map[string]*string{"name": &u.Name, "email": &u.Email, "picture": &u.Picture} {
		v, isNil, err := neo4j.GetRecordValue[string](rec, key)
		if err != nil && !isNil {
			return User{}, err
		}
		*dst = v
	}
	return u, nil
}

// nullable maps "" to a Cypher null, so coalesce keeps the stored value.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
