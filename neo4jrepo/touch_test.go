package neo4jrepo

import (
	"context"
	"testing"
	"time"

	"github.com/gqlneo/gqlneo/domain"
)

// The Cypher form of the identity-sync rule (touchCypher) against the Go
// form (domain.NeedsSync), on the same table of stored identities and tokens.
func TestTouchDecidesTheSyncRuleAsDomainNeedsSyncDoes(t *testing.T) {
	db, _ := mustDB(t)
	ctx := context.Background()
	yes, no := true, false
	cases := []struct {
		name     string
		stored   *domain.Profile // nil: no identity stored
		email    string
		verified *bool
	}{
		{"no identity stored", nil, "", nil},
		{"no email in the token", &domain.Profile{Email: "a@example.com", EmailVerified: true}, "", nil},
		{"an email without a verification claim", &domain.Profile{Email: "a@example.com", EmailVerified: true}, "b@example.com", nil},
		{"the same address and verification", &domain.Profile{Email: "a@example.com", EmailVerified: true}, "a@example.com", &yes},
		{"the address in capitals with spaces", &domain.Profile{Email: "a@example.com", EmailVerified: true}, "  A@EXAMPLE.com ", &yes},
		{"a stored address in capitals", &domain.Profile{Email: "A@Example.com", EmailVerified: false}, "a@example.com", &no},
		{"a changed address", &domain.Profile{Email: "a@example.com", EmailVerified: true}, "c@example.com", &yes},
		{"a withdrawn verification", &domain.Profile{Email: "a@example.com", EmailVerified: true}, "a@example.com", &no},
		{"a new verification", &domain.Profile{Email: "a@example.com"}, "a@example.com", &yes},
		{"an address where none was stored", &domain.Profile{}, "a@example.com", &no},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sub := uniqueSubject(t)
			var stored *domain.Identity
			if tc.stored != nil {
				p := *tc.stored
				p.Subject = sub
				u := mustSync(t, db, p)
				id, ok := u.IdentityOf(sub)
				if !ok {
					t.Fatal("the identity was not stored")
				}
				stored = &id
			}
			token := domain.TokenIdentity{Subject: sub, Email: tc.email, EmailVerified: tc.verified}
			got, err := db.Touch(ctx, token, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if want := domain.NeedsSync(token, stored); got != want {
				t.Errorf("Cypher says needs sync = %v, domain.NeedsSync says %v", got, want)
			}
		})
	}
}

func TestTouchRecordsLastSeenAtAtMostOncePerPeriod(t *testing.T) {
	db, counter := mustDB(t)
	ctx := context.Background()
	sub := uniqueSubject(t)
	mustSync(t, db, domain.Profile{Subject: sub})
	seen := func() time.Time {
		u, err := db.UserBySubject(ctx, sub)
		if err != nil {
			t.Fatal(err)
		}
		id, _ := u.IdentityOf(sub)
		return id.LastSeenAt
	}
	first := seen()
	time.Sleep(10 * time.Millisecond)
	before := counter.n.Load()
	if _, err := db.Touch(ctx, domain.TokenIdentity{Subject: sub}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := counter.n.Load() - before; got != 1 {
		t.Errorf("Touch sent %d statements, want 1", got)
	}
	if !seen().Equal(first) {
		t.Error("lastSeenAt was written within the throttle period")
	}
	if _, err := db.Touch(ctx, domain.TokenIdentity{Subject: sub}, time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if !seen().After(first) {
		t.Error("lastSeenAt was not written once the period had passed")
	}
}
