package tenant

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Grant types accepted by the /oauth/token endpoint.
const (
	// GrantPassword is the standard Resource Owner Password grant; it authenticates against the
	// tenant's default connection (Auth0's "Default Directory").
	GrantPassword = "password"
	// GrantPasswordRealm is Auth0's extension grant that names the connection in the realm parameter.
	GrantPasswordRealm = "http://auth0.com/oauth/grant-type/password-realm"
	// GrantRefreshToken exchanges a refresh token for a new access token.
	GrantRefreshToken = "refresh_token"
)

// Defaults that describe the development tenant. They are public on purpose: the fake is a
// development tool and these values are the contract between it, the API server's configuration
// and the end-to-end tests.
const (
	// DatabaseConnection is the name Auth0 gives a new tenant's database connection.
	DatabaseConnection = "Username-Password-Authentication"
	// GoogleConnection is the name of Auth0's Google social connection.
	GoogleConnection = "google-oauth2"
	// DevClientID is the client_id of the default confidential application.
	DevClientID = "dev-client"
	// DevClientSecret is the client_secret of the default confidential application.
	DevClientSecret = "dev-client-secret"
	// DevAudience is the identifier of the default API.
	DevAudience = "https://api.dev.local/"
	// DevNamespace is the default namespace of the claims added by the post-login Action.
	DevNamespace = "https://api.dev.local/"
	// DemoPassword is the password of every demo user.
	DemoPassword = "demo-pass-123"
	// DefaultBruteForceThreshold is Auth0's default number of consecutive failed logins, per user
	// and IP address, after which the account is blocked for that IP.
	DefaultBruteForceThreshold = 10
	// DefaultTokenLifetime is the access token lifetime Auth0 gives a new API.
	DefaultTokenLifetime = 24 * time.Hour
	// IDTokenLifetime is Auth0's default ID token lifetime.
	IDTokenLifetime = 10 * time.Hour
)

// StrategyAuth0 is the strategy of database connections; their users get subjects "auth0|<id>".
const StrategyAuth0 = "auth0"

// Connection is an identity provider configured in the tenant.
type Connection struct {
	// Name is the connection name, used as realm on password-realm grants and on sign-up.
	Name string
	// Strategy is "auth0" for a database connection, which is the only kind that accepts sign-ups,
	// or the provider for social connections (for example "google-oauth2"). It is also the prefix of
	// the subjects generated for the connection's users.
	Strategy string
}

// IsDatabase reports whether c is a database connection.
func (c Connection) IsDatabase() bool { return c.Strategy == StrategyAuth0 }

// User is one identity in one connection. Two identities that share an email address in different
// connections are two users with two subjects, exactly as in Auth0.
type User struct {
	// UserID is the subject, "<provider>|<id>", for example "auth0|5f7c8ec7c33c6c004bbafe82".
	// AddUser generates one when it is empty.
	UserID string `json:"user_id"`
	// Connection is the name of the connection the identity belongs to.
	Connection string `json:"connection"`
	// Email is the identity's email address; logins match it case-insensitively.
	Email string `json:"email"`
	// Username is an optional second login identifier.
	Username string `json:"username,omitempty"`
	// EmailVerified reports whether the provider vouches for Email.
	EmailVerified bool `json:"email_verified"`
	// Name is the full name.
	Name string `json:"name"`
	// Nickname defaults to the local part of Email, as Auth0 does.
	Nickname string `json:"nickname,omitempty"`
	// Picture defaults to a gravatar-style URL derived from Email.
	Picture string `json:"picture,omitempty"`
	// Blocked marks a user blocked by an administrator; logins fail with 401 "user is blocked".
	Blocked bool `json:"blocked"`
	// MFARequired makes password logins answer 403 mfa_required.
	MFARequired bool `json:"mfa_required"`
	// Permissions are the user's RBAC permissions on the APIs, for example "delete:any-post".
	Permissions []string `json:"permissions"`
	// PasswordHash is the bcrypt hash of the password. Users without one cannot log in with a password.
	PasswordHash string `json:"password_hash,omitempty"`
	// Password, when set, is hashed into PasswordHash when the user is added; it is never stored or
	// serialised.
	Password string `json:"-"`
	// UpdatedAt is reported as the profile's updated_at; it defaults to the time the user was added.
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// Client is an application registered in the tenant.
type Client struct {
	// ID is the client_id.
	ID string
	// Secret is the client_secret. An empty secret makes a public client, which authenticates with
	// its client_id alone and whose auth0-forwarded-for header is ignored, as in Auth0.
	Secret string
	// GrantTypes lists the enabled grants. Enabling GrantPassword also enables GrantPasswordRealm, as
	// the Auth0 dashboard does.
	GrantTypes []string
}

// API is a resource server (an Auth0 "API") that access tokens can be issued for.
type API struct {
	// Identifier is the audience.
	Identifier string
	// Scopes are the permissions the API defines, for example "read:posts".
	Scopes []string
	// RBAC restricts granted scopes to the user's permissions.
	RBAC bool
	// AddPermissions adds the user's permissions for this API as the "permissions" claim; it has an
	// effect only with RBAC.
	AddPermissions bool
	// AllowOfflineAccess allows refresh tokens for this API.
	AllowOfflineAccess bool
	// TokenLifetime is the access token lifetime; zero means DefaultTokenLifetime.
	TokenLifetime time.Duration
}

func (a API) lifetime() time.Duration {
	if a.TokenLifetime <= 0 {
		return DefaultTokenLifetime
	}
	return a.TokenLifetime
}

// DevClient returns the default application: confidential, with the password, password-realm and
// refresh-token grants enabled.
func DevClient() Client {
	return Client{
		ID:         DevClientID,
		Secret:     DevClientSecret,
		GrantTypes: []string{GrantPassword, GrantPasswordRealm, GrantRefreshToken},
	}
}

// DevAPI returns the default API: RBAC with permissions in the token and offline access allowed.
func DevAPI() API {
	return API{
		Identifier:         DevAudience,
		Scopes:             []string{"read:posts", "write:posts", "delete:any-post"},
		RBAC:               true,
		AddPermissions:     true,
		AllowOfflineAccess: true,
		TokenLifetime:      DefaultTokenLifetime,
	}
}

// DefaultConnections returns the database connection and the Google social connection.
func DefaultConnections() []Connection {
	return []Connection{
		{Name: DatabaseConnection, Strategy: StrategyAuth0},
		{Name: GoogleConnection, Strategy: GoogleConnection},
	}
}

// DemoUsers returns the demo users that dev/auth0/users.json also holds, with the plaintext
// DemoPassword instead of a hash so that tests can add them cheaply. Regular users get the
// permissions "read:posts" and "write:posts"; bob is also a moderator with "delete:any-post".
func DemoUsers() []User {
	member := []string{"read:posts", "write:posts"}
	moderator := []string{"read:posts", "write:posts", "delete:any-post"}
	db := func(id, email, name string, perms []string) User {
		return User{
			UserID: "auth0|" + id, Connection: DatabaseConnection, Email: email, EmailVerified: true,
			Name: name, Permissions: slices.Clone(perms), Password: DemoPassword,
		}
	}
	alice := db("64f1a2b3c4d5e6f708192a3b", "alice@example.com", "Alice Liddell", member)
	bob := db("64f1a2b3c4d5e6f708192a3c", "bob@example.com", "Bob Moderator", moderator)
	carol := db("64f1a2b3c4d5e6f708192a3d", "carol@example.com", "Carol", member)
	blocked := db("64f1a2b3c4d5e6f708192a3e", "blocked@example.com", "Blocked User", member)
	blocked.Blocked = true
	mfa := db("64f1a2b3c4d5e6f708192a3f", "mfa@example.com", "MFA User", member)
	mfa.MFARequired = true
	dana := db("64f1a2b3c4d5e6f708192a40", "dana@example.com", "Dana Scully", member)
	danaGoogle := dana
	danaGoogle.UserID, danaGoogle.Connection = "google-oauth2|104581920374650912345", GoogleConnection
	danaGoogle.Permissions = slices.Clone(member)
	erin := db("64f1a2b3c4d5e6f708192a41", "erin@example.com", "Erin Example", member)
	erinGoogle := erin
	erinGoogle.UserID, erinGoogle.Connection = "google-oauth2|104581920374650912346", GoogleConnection
	erinGoogle.EmailVerified = false
	erinGoogle.Permissions = slices.Clone(member)

	users := []User{alice, bob, carol, blocked, mfa, dana, danaGoogle, erin, erinGoogle}
	for i := range users {
		users[i].fillDefaults(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	}
	return users
}

// fillDefaults sets the profile fields Auth0 derives when a user is created.
func (u *User) fillDefaults(now time.Time) {
	if u.Nickname == "" {
		u.Nickname, _, _ = strings.Cut(u.Email, "@")
	}
	if u.Name == "" {
		u.Name = u.Email
	}
	if u.Picture == "" {
		u.Picture = gravatarURL(u.Email, u.Name)
	}
	if u.UpdatedAt.IsZero() {
		u.UpdatedAt = now.UTC()
	}
}

// gravatarURL imitates the picture Auth0 assigns: a gravatar of the email with a fallback avatar
// built from the initials.
func gravatarURL(email, name string) string {
	sum := md5.Sum([]byte(strings.ToLower(strings.TrimSpace(email))))
	initials := ""
	for _, w := range strings.Fields(name) {
		initials += strings.ToLower(w[:1])
		if len(initials) == 2 {
			break
		}
	}
	if initials == "" {
		initials = "u"
	}
	fallback := url.QueryEscape(fmt.Sprintf("https://cdn.auth0.com/avatars/%s.png", initials))
	return "https://s.gravatar.com/avatar/" + hex.EncodeToString(sum[:]) + "?s=480&r=pg&d=" + fallback
}

// public returns a copy of u that is safe to hand out: no password material.
func (u User) public() User {
	u.Password = ""
	u.PasswordHash = ""
	u.Permissions = slices.Clone(u.Permissions)
	return u
}
