package domain

import (
	"slices"
	"strings"
	"time"
)

// Viewer is who asks: the identity the request's token names, resolved once
// per request (see NeedsSync). The zero Viewer is an anonymous caller.
type Viewer struct {
	// Subject is the token's `sub`; "" for anonymous callers. Statements bind
	// the caller's User through it, so a merge between two requests never
	// leaves a request reading a User that no longer exists.
	Subject string
	// Permissions are the token's RBAC permissions.
	Permissions []string
}

// Anonymous reports whether no valid token came with the request.
func (v Viewer) Anonymous() bool { return v.Subject == "" }

// Can reports whether the viewer holds permission p. Only the RBAC
// permissions claim grants one, never a scope: with RBAC off, Auth0 grants
// every API scope to every password login (docs/auth0-setup.md).
func (v Viewer) Can(p string) bool { return slices.Contains(v.Permissions, p) }

// PermissionDeleteAnyPost lets its holder delete any post they can see.
const PermissionDeleteAnyPost = "delete:any-post"

// Profile is what the identity provider says about the holder of a subject:
// from a token's claims, /userinfo, an ID token or a registration event.
// Empty strings mean "not known": they never erase stored values.
type Profile struct {
	// Subject is the account's `sub`, for example auth0|6553da60a54af58e29493993.
	Subject string
	// Connection is the Auth0 connection, when known.
	Connection    string
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

// VerifiedEmail is the normalised address when the provider vouches for it,
// else "" (an unverified email never links accounts).
func (p Profile) VerifiedEmail() string {
	if !p.EmailVerified {
		return ""
	}
	return NormaliseEmail(p.Email)
}

// NormaliseEmail is the one form in which addresses are compared and stored
// as keys: trimmed and lower-cased.
func NormaliseEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// TokenIdentity is what an access token says of its identity: its subject
// and, when the token carries them, the email and whether it is verified.
type TokenIdentity struct {
	Subject string
	// Email and EmailVerified are compared only when both are known
	// (Email != "" and EmailVerified != nil).
	Email         string
	EmailVerified *bool
}

// Identity is one identity-provider account (an Auth0 `sub`) of a User, as
// the graph stores it.
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

// NeedsSync is the identity-sync rule: the graph must be brought in line with
// the token before the request is served when the identity is not stored
// (stored is nil: a first request from a new account), or when the token
// says something about it that the graph does not know yet — a different
// address (compared as NormaliseEmail does) or a changed verification.
// Tokens that carry no email say nothing, and never force a sync.
func NeedsSync(t TokenIdentity, stored *Identity) bool {
	if stored == nil {
		return true
	}
	if t.Email == "" || t.EmailVerified == nil {
		return false
	}
	return NormaliseEmail(t.Email) != NormaliseEmail(stored.Email) || *t.EmailVerified != stored.EmailVerified
}

// User is a person in the graph as the identity store returns it. One User
// holds one or more identities.
type User struct {
	// ID is the node's unique id property (a UUID).
	ID string
	// Name, Email and Picture are empty when unknown.
	Name      string
	Email     string
	Picture   string
	CreatedAt time.Time
	// Identities are the User's identities, oldest first.
	Identities []Identity
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
