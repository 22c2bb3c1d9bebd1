package neo4jrepo

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/gqlneo/gqlneo/domain"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// userReturn is the projection every user-returning statement ends with.
const userReturn = `
RETURN u.id AS id, u.name AS name, u.email AS email, u.picture AS picture, u.createdAt AS createdAt,
       [(u)-[:HAS_IDENTITY]->(x:Identity) | x {.sub, .provider, .connection, .email, .emailVerified, .createdAt, .lastSeenAt}] AS identities`

const userBySubjectCypher = `
MATCH (:Identity {sub: $sub})<-[:HAS_IDENTITY]-(u:User)` + userReturn

// UserBySubject returns the User holding the identity with the token subject
// sub, with its identities, or domain.ErrNotFound. It is one read statement.
func (db *DB) UserBySubject(ctx context.Context, sub string) (domain.User, error) {
	u, err := read(ctx, db, func(tx neo4j.ManagedTransaction) (domain.User, error) {
		res, err := db.run(ctx, tx, userBySubjectCypher, map[string]any{"sub": sub})
		if err != nil {
			return domain.User{}, err
		}
		return singleUser(ctx, res)
	})
	return u, classify(ctx, "user by subject", err)
}

func isConstraintViolation(err error) bool {
	var neoErr *neo4j.Neo4jError
	return errors.As(err, &neoErr) && neoErr.Code == "Neo.ClientError.Schema.ConstraintValidationFailed"
}

func singleUser(ctx context.Context, res neo4j.ResultWithContext) (domain.User, error) {
	if !res.Next(ctx) {
		if err := res.Err(); err != nil {
			return domain.User{}, err
		}
		return domain.User{}, domain.ErrNotFound
	}
	return userFromRecord(res.Record())
}

func userFromRecord(rec *neo4j.Record) (domain.User, error) {
	id, _, err := neo4j.GetRecordValue[string](rec, "id")
	if err != nil {
		return domain.User{}, err
	}
	createdAt, _, err := neo4j.GetRecordValue[time.Time](rec, "createdAt")
	if err != nil {
		return domain.User{}, err
	}
	u := domain.User{ID: id, CreatedAt: createdAt.UTC()}
	for key, dst := range map[string]*string{"name": &u.Name, "email": &u.Email, "picture": &u.Picture} {
		v, isNil, err := neo4j.GetRecordValue[string](rec, key)
		if err != nil && !isNil {
			return domain.User{}, err
		}
		*dst = v
	}
	raw, _, err := neo4j.GetRecordValue[[]any](rec, "identities")
	if err != nil {
		return domain.User{}, err
	}
	for _, item := range raw {
		m, ok := item.(map[string]any)
		if !ok {
			return domain.User{}, errors.New("identity projection is not a map")
		}
		u.Identities = append(u.Identities, identityFromMap(m))
	}
	sortIdentities(u.Identities)
	return u, nil
}

func identityFromMap(m map[string]any) domain.Identity {
	str := func(k string) string { s, _ := m[k].(string); return s }
	tm := func(k string) time.Time { t, _ := m[k].(time.Time); return t.UTC() }
	verified, _ := m["emailVerified"].(bool)
	return domain.Identity{
		Subject: str("sub"), Provider: str("provider"), Connection: str("connection"),
		Email: str("email"), EmailVerified: verified,
		CreatedAt: tm("createdAt"), LastSeenAt: tm("lastSeenAt"),
	}
}

func sortIdentities(ids []domain.Identity) {
	slices.SortFunc(ids, func(a, b domain.Identity) int {
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
