// Package identity resolves who a request is, once: Ensure turns a validated
// token into the domain.Viewer every resolver uses, provisioning the caller's
// User, syncing what the token says of the identity, or merging Users, as
// domain.NeedsSync requires. Signing in (login, refreshToken) and
// registrations (signup, the post-user-registration hook) go through the
// same Service, so the graph learns of an identity in one place.
//
// An identity found in step with its token is remembered for a while
// (WithSeenFor), so ordinary requests cost no statement beyond their own;
// the first request after that while costs one, which also records the
// identity's lastSeenAt — at most once per period. The while is drawn
// between half and all of the period for each identity, so identities first
// seen together (every client of a fresh deploy) are not all asked about
// again in the same second.
package identity

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/gqlneo/gqlneo/auth"
	"github.com/gqlneo/gqlneo/domain"
	"github.com/gqlneo/gqlneo/neo4jrepo"
)

// Store is what the service needs of the identity store.
type Store interface {
	// Touch decides domain.NeedsSync in the graph and, when no sync is
	// needed, records the identity as seen (at most once per throttle).
	Touch(ctx context.Context, t domain.TokenIdentity, throttle time.Duration) (needsSync bool, err error)
	// SyncIdentity provisions, links, merges or updates the User of p.Subject.
	SyncIdentity(ctx context.Context, p domain.Profile, mode neo4jrepo.SyncMode) (domain.User, error)
}

// UserInfo fetches a profile from the identity provider's /userinfo.
type UserInfo interface {
	UserInfo(ctx context.Context, accessToken string) (*auth.UserInfo, error)
}

// Service resolves identities. It is safe for concurrent use.
type Service struct {
	store    Store
	userInfo UserInfo
	logger   *slog.Logger
	seenFor  time.Duration
	// seen maps an identity found in step to when to ask the graph again.
	seen     *lru.Cache[string, time.Time]
	profiles profileCache
}

// Option configures a Service.
type Option func(*Service)

// WithSeenFor sets how often an identity's lastSeenAt is written at most;
// an identity found in step with its token is trusted without asking the
// graph again for between half and all of it. Default: 5 minutes.
func WithSeenFor(d time.Duration) Option { return func(s *Service) { s.seenFor = d } }

// WithUserInfo sets where profiles of tokens without an email claim come
// from. Default: none (such identities are provisioned without a profile).
func WithUserInfo(u UserInfo) Option { return func(s *Service) { s.userInfo = u } }

// WithLogger sets the logger. Default: slog.Default().
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.logger = l } }

// seenCapacity bounds the identities remembered as in step.
const seenCapacity = 50_000

// New returns a Service over store.
func New(store Store, opts ...Option) *Service {
	s := &Service{store: store, logger: slog.Default(), seenFor: 5 * time.Minute}
	for _, opt := range opts {
		opt(s)
	}
	s.profiles.logger = s.logger
	s.seen, _ = lru.New[string, time.Time](seenCapacity) // the size is a positive constant
	return s
}

// askAgainAfter is how long an identity found in step now is trusted: drawn
// between half and all of seenFor, so that identities seen together are
// asked about again spread over time.
func askAgainAfter(seenFor time.Duration) time.Duration {
	half := seenFor / 2
	if half <= 0 {
		return seenFor
	}
	return half + rand.N(seenFor-half)
}

// remember trusts key's identity for askAgainAfter.
func (s *Service) remember(key string) {
	s.seen.Add(key, time.Now().Add(askAgainAfter(s.seenFor)))
}

// Ensure returns the viewer of a validated token after making the graph
// agree with it: a first request provisions (or links) the User, a token
// that says something new of its identity syncs it (and may merge Users).
// Costs no statement while the identity is remembered as in step; otherwise
// one, plus the sync when one is needed.
func (s *Service) Ensure(ctx context.Context, claims *auth.Claims) (domain.Viewer, error) {
	v := domain.Viewer{Subject: claims.Subject, Permissions: claims.Permissions}
	t := tokenIdentity(claims)
	key := seenKey(t)
	if until, ok := s.seen.Get(key); ok && time.Now().Before(until) {
		return v, nil
	}
	needsSync, err := s.store.Touch(ctx, t, s.seenFor)
	if err != nil {
		return domain.Viewer{}, err
	}
	if needsSync {
		if _, err := s.store.SyncIdentity(ctx, s.profileFor(ctx, claims), neo4jrepo.SyncSeen); err != nil {
			return domain.Viewer{}, err
		}
	}
	s.remember(key)
	return v, nil
}

// SignedIn records a sign-in: the profile the provider's tokens carry,
// synced into the graph. claims are the new access token's, so its first
// request needs no statement of its own.
func (s *Service) SignedIn(ctx context.Context, claims *auth.Claims, p domain.Profile) (domain.User, error) {
	u, err := s.store.SyncIdentity(ctx, p, neo4jrepo.SyncSeen)
	if err != nil {
		return domain.User{}, err
	}
	if id, ok := u.IdentityOf(claims.Subject); ok && !domain.NeedsSync(tokenIdentity(claims), &id) {
		s.remember(seenKey(tokenIdentity(claims)))
	}
	return u, nil
}

// Registered records a new account (signup, or the registration hook): its
// identity and User are created when missing; the same event twice changes
// nothing.
func (s *Service) Registered(ctx context.Context, p domain.Profile) (domain.User, error) {
	return s.store.SyncIdentity(ctx, p, neo4jrepo.SyncRegistered)
}

func tokenIdentity(c *auth.Claims) domain.TokenIdentity {
	return domain.TokenIdentity{Subject: c.Subject, Email: c.Email, EmailVerified: c.EmailVerified}
}

// seenKey names what a token says of its identity, in the form NeedsSync
// compares it: tokens that say the same share a key.
func seenKey(t domain.TokenIdentity) string {
	key := t.Subject + "\x00"
	if t.Email != "" && t.EmailVerified != nil {
		key += domain.NormaliseEmail(t.Email) + "\x00" + strconv.FormatBool(*t.EmailVerified)
	}
	return key
}

// ProfileFromClaims is what a token's claims say of its identity.
func ProfileFromClaims(c *auth.Claims) domain.Profile {
	p := domain.Profile{Subject: c.Subject, Connection: c.Connection, Email: c.Email, Name: c.Name, Picture: c.Picture}
	if c.EmailVerified != nil {
		p.EmailVerified = *c.EmailVerified
	}
	return p
}

// profileFor builds an identity's profile: from the token's claims when
// they carry an email, else from /userinfo. A /userinfo failure is logged
// and the User is provisioned without a profile; the next login fills it.
func (s *Service) profileFor(ctx context.Context, claims *auth.Claims) domain.Profile {
	p := ProfileFromClaims(claims)
	if p.Email != "" || claims.Token == "" || s.userInfo == nil {
		return p
	}
	info, err := s.profiles.get(ctx, claims.Subject, func(ctx context.Context) (*auth.UserInfo, error) {
		return s.userInfo.UserInfo(ctx, claims.Token)
	})
	if err != nil {
		s.logger.WarnContext(ctx, "userinfo failed; provisioning without a profile", "error", err.Error())
		return p
	}
	if info.Subject != "" && info.Subject != claims.Subject {
		s.logger.ErrorContext(ctx, "userinfo answered for another subject; ignoring it")
		return p
	}
	p.Email, p.Name, p.Picture = info.Email, first(info.Name, info.Nickname), info.Picture
	if info.EmailVerified != nil {
		p.EmailVerified = *info.EmailVerified
	}
	return p
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
