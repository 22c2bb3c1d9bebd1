package neo4jrepo

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// User is a person in the graph. One User holds one or more identities.
type User struct {
	// ID is the node's unique id property (a UUID).
	ID string
	// Name, Email and Picture are empty when unknown.
	Name    string
	Email   string
	Picture string
	// CreatedAt is when the node was created.
	CreatedAt time.Time
	// Identities are the User's identities, oldest first.
	Identities []Identity
}

// Identity is one identity-provider account (an Auth0 `sub`) of a User.
type Identity struct {
	Subject    string
	Provider   string
	Connection string
	// Email and EmailVerified are what the provider last said of the account.
	Email         string
	EmailVerified bool
	CreatedAt     time.Time
	LastSeenAt    time.Time
}

// Profile is what the identity provider says about the holder of a subject.
// Empty strings mean "not known": they never erase stored values.
type Profile struct {
	// Subject is the token's `sub`, for example auth0|6553da60a54af58e29493993.
	Subject string
	// Connection is the Auth0 connection, when known.
	Connection string
	// Email, EmailVerified, Name and Picture come from claims, /userinfo or the ID token.
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

// verifiedEmail is the normalised email when the provider vouches for it,
// else "" (an unverified email never links accounts).
func (p Profile) verifiedEmail() string {
	if !p.EmailVerified {
		return ""
	}
	return NormalizeEmail(p.Email)
}

// NormalizeEmail is the one form in which a verified address is stored and
// compared: on the Identity that vouches for it, on the VerifiedEmail node a
// User owns, and in every lookup. Writers outside this package (the dev
// seeder) use it too, so that no second spelling of the rule exists.
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// userReturn is the projection every user-returning statement ends with.
const userReturn = `
RETURN u.id AS id, u.name AS name, u.email AS email, u.picture AS picture, u.createdAt AS createdAt,
       [(u)-[:HAS_IDENTITY]->(x:Identity) | x {.sub, .provider, .connection, .email, .emailVerified, .createdAt, .lastSeenAt}] AS identities`

const userBySubjectCypher = `
MATCH (:Identity {sub: $sub})<-[:HAS_IDENTITY]-(u:User)` + userReturn

// UserBySubject returns the User holding the identity with the token subject
// sub, with its identities, or ErrNotFound. It is one read statement.
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

// IdentityOf returns the identity with subject sub among u's identities.
func (u User) IdentityOf(sub string) (Identity, bool) {
	for _, id := range u.Identities {
		if id.Subject == sub {
			return id, true
		}
	}
	return Identity{}, false
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
	raw, _, err := neo4j.GetRecordValue[[]any](rec, "identities")
	if err != nil {
		return User{}, err
	}
	for _, item := range raw {
		m, ok := item.(map[string]any)
		if !ok {
			return User{}, errors.New("identity projection is not a map")
		}
		u.Identities = append(u.Identities, identityFromMap(m))
	}
	sortIdentities(u.Identities)
	return u, nil
}

func identityFromMap(m map[string]any) Identity {
	str := func(k string) string { s, _ := m[k].(string); return s }
	tm := func(k string) time.Time { t, _ := m[k].(time.Time); return t.UTC() }
	verified, _ := m["emailVerified"].(bool)
	return Identity{
		Subject: str("sub"), Provider: str("provider"), Connection: str("connection"),
		Email: str("email"), EmailVerified: verified,
		CreatedAt: tm("createdAt"), LastSeenAt: tm("lastSeenAt"),
	}
}

func sortIdentities(ids []Identity) {
	slices.SortFunc(ids, func(a, b Identity) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.Subject, b.Subject)
	})
}

// nullable maps "" to a Cypher null, so coalesce keeps the stored value.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
