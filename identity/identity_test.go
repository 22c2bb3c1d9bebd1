package identity

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gqlneo/gqlneo/auth"
	"github.com/gqlneo/gqlneo/domain"
	"github.com/gqlneo/gqlneo/neo4jrepo"
)

// fakeStore answers Touch from a table of stored identities, as the graph would.
type fakeStore struct {
	stored  map[string]domain.Identity
	touches int
	syncs   []domain.Profile
	err     error
}

func (f *fakeStore) Touch(_ context.Context, t domain.TokenIdentity, _ time.Duration) (bool, error) {
	f.touches++
	if f.err != nil {
		return false, f.err
	}
	id, ok := f.stored[t.Subject]
	if !ok {
		return true, nil
	}
	return domain.NeedsSync(t, &id), nil
}

func (f *fakeStore) SyncIdentity(_ context.Context, p domain.Profile, _ neo4jrepo.SyncMode) (domain.User, error) {
	f.syncs = append(f.syncs, p)
	f.stored[p.Subject] = domain.Identity{Subject: p.Subject, Email: p.Email, EmailVerified: p.EmailVerified}
	return domain.User{ID: "u-" + p.Subject, Identities: []domain.Identity{f.stored[p.Subject]}}, nil
}

func TestEnsure(t *testing.T) {
	yes := true
	ctx := context.Background()
	claims := func(email string) *auth.Claims {
		c := &auth.Claims{Subject: "auth0|1", Permissions: []string{"delete:any-post"}}
		if email != "" {
			c.Email, c.EmailVerified = email, &yes
		}
		return c
	}
	t.Run("a first request syncs once, and the next ones cost nothing", func(t *testing.T) {
		store := &fakeStore{stored: map[string]domain.Identity{}}
		s := New(store)
		for range 3 {
			v, err := s.Ensure(ctx, claims("ann@example.com"))
			if err != nil || v.Subject != "auth0|1" || !v.Can(domain.PermissionDeleteAnyPost) {
				t.Fatalf("Ensure = %+v, %v", v, err)
			}
		}
		if store.touches != 1 || len(store.syncs) != 1 || store.syncs[0].Email != "ann@example.com" {
			t.Errorf("%d touches, syncs %+v; want 1 and one sync with the token's profile", store.touches, store.syncs)
		}
	})
	t.Run("a token saying the same in other case is the same state", func(t *testing.T) {
		store := &fakeStore{stored: map[string]domain.Identity{}}
		s := New(store)
		_, _ = s.Ensure(ctx, claims("ann@example.com"))
		_, _ = s.Ensure(ctx, claims(" ANN@example.com"))
		if store.touches != 1 {
			t.Errorf("%d touches, want 1", store.touches)
		}
	})
	t.Run("a token with news is asked about and synced", func(t *testing.T) {
		store := &fakeStore{stored: map[string]domain.Identity{}}
		s := New(store)
		_, _ = s.Ensure(ctx, claims("ann@example.com"))
		_, _ = s.Ensure(ctx, claims("ann@new.example"))
		if store.touches != 2 || len(store.syncs) != 2 {
			t.Errorf("%d touches, %d syncs; want 2 and 2", store.touches, len(store.syncs))
		}
	})
	t.Run("after the seen period the graph is asked again", func(t *testing.T) {
		store := &fakeStore{stored: map[string]domain.Identity{}}
		s := New(store, WithSeenFor(10*time.Millisecond))
		_, _ = s.Ensure(ctx, claims(""))
		time.Sleep(30 * time.Millisecond)
		_, _ = s.Ensure(ctx, claims(""))
		if store.touches != 2 || len(store.syncs) != 1 {
			t.Errorf("%d touches, %d syncs; want 2 and 1", store.touches, len(store.syncs))
		}
	})
	t.Run("identities seen together are asked about again spread over the second half of the period", func(t *testing.T) {
		const period = time.Minute
		distinct := map[time.Duration]bool{}
		for range 1000 {
			d := askAgainAfter(period)
			if d < period/2 || d >= period {
				t.Fatalf("asked again after %s; want within [%s, %s)", d, period/2, period)
			}
			distinct[d] = true
		}
		if len(distinct) < 900 {
			t.Errorf("%d distinct delays in 1000: the re-asks are not spread", len(distinct))
		}
	})
	t.Run("a store failure is returned and nothing is remembered", func(t *testing.T) {
		store := &fakeStore{stored: map[string]domain.Identity{}, err: domain.ErrUnavailable}
		s := New(store)
		if _, err := s.Ensure(ctx, claims("")); !errors.Is(err, domain.ErrUnavailable) {
			t.Fatalf("err = %v", err)
		}
		store.err = nil
		_, _ = s.Ensure(ctx, claims(""))
		if store.touches != 2 {
			t.Errorf("%d touches, want 2: a failed Ensure must not be remembered", store.touches)
		}
	})
	t.Run("a sign-in makes the new token's first request free", func(t *testing.T) {
		store := &fakeStore{stored: map[string]domain.Identity{}}
		s := New(store)
		c := claims("ann@example.com")
		if _, err := s.SignedIn(ctx, c, ProfileFromClaims(c)); err != nil {
			t.Fatal(err)
		}
		_, _ = s.Ensure(ctx, c)
		if store.touches != 0 {
			t.Errorf("%d touches after a sign-in, want 0", store.touches)
		}
	})
}
