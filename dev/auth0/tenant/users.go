package tenant

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// Errors returned by the user methods of Tenant.
var (
	// ErrUserNotFound means no user has the given subject.
	ErrUserNotFound = errors.New("tenant: user not found")
	// ErrUserExists means the subject, or the email or username within the connection, is taken.
	ErrUserExists = errors.New("tenant: user already exists")
)

// AddUser adds u and returns it as stored, without password material. An empty UserID is generated
// ("auth0|<24 hex>" for database connections, "<strategy>|<21 digits>" otherwise); a plaintext
// Password is hashed with the configured bcrypt cost; Nickname, Picture and UpdatedAt get Auth0's
// defaults. It fails with ErrUserExists if the subject, or the email or username within the
// connection, is taken, and with an error if the connection is unknown.
func (t *Tenant) AddUser(u User) (User, error) {
	if u.Email == "" && u.Username == "" {
		return User{}, errors.New("tenant: a user needs an email or a username")
	}
	if u.Password != "" {
		hash, err := bcrypt.GenerateFromPassword([]byte(u.Password), t.bcryptCost)
		if err != nil {
			return User{}, fmt.Errorf("tenant: hash password: %w", err)
		}
		u.PasswordHash, u.Password = string(hash), ""
	}
	u.Permissions = slices.Clone(u.Permissions)

	t.mu.Lock()
	defer t.mu.Unlock()
	conn, ok := t.connections[u.Connection]
	if !ok {
		return User{}, fmt.Errorf("tenant: user %q: unknown connection %q", u.Email, u.Connection)
	}
	if u.UserID == "" {
		u.UserID = newUserID(conn)
	}
	if _, taken := t.users[u.UserID]; taken {
		return User{}, fmt.Errorf("%w: %s", ErrUserExists, u.UserID)
	}
	if (u.Email != "" && t.findLocked(u.Connection, u.Email) != nil) ||
		(u.Username != "" && t.findLocked(u.Connection, u.Username) != nil) {
		return User{}, fmt.Errorf("%w: %s in %s", ErrUserExists, u.Email, u.Connection)
	}
	u.fillDefaults(t.now())
	t.users[u.UserID] = &userRecord{User: u}
	return u.public(), nil
}

// newUserID returns a fresh subject for a user of conn.
func newUserID(conn Connection) string {
	if conn.IsDatabase() {
		return "auth0|" + randomHex(12)
	}
	n, err := rand.Int(rand.Reader, new(big.Int).Exp(big.NewInt(10), big.NewInt(21), nil))
	if err != nil {
		panic(fmt.Sprintf("tenant: random: %v", err))
	}
	return fmt.Sprintf("%s|%021d", conn.Strategy, n)
}

func randomHex(nbytes int) string {
	b := make([]byte, nbytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails; it crashes the program instead.
	return hex.EncodeToString(b)
}

// findLocked returns the user of connection whose email or username equals identifier, ignoring
// case. Callers hold t.mu.
func (t *Tenant) findLocked(connection, identifier string) *userRecord {
	for _, u := range t.users {
		if u.Connection != connection {
			continue
		}
		if strings.EqualFold(u.Email, identifier) || (u.Username != "" && strings.EqualFold(u.Username, identifier)) {
			return u
		}
	}
	return nil
}

// User returns the user with subject sub, without password material.
func (t *Tenant) User(sub string) (User, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	u, ok := t.users[sub]
	if !ok {
		return User{}, false
	}
	return u.public(), true
}

// UserByEmail returns the user of connection with the given email, ignoring case.
func (t *Tenant) UserByEmail(connection, email string) (User, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	u := t.findLocked(connection, email)
	if u == nil {
		return User{}, false
	}
	return u.public(), true
}

// Users returns all users sorted by subject, without password material.
func (t *Tenant) Users() []User {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]User, 0, len(t.users))
	for _, u := range t.users {
		out = append(out, u.public())
	}
	slices.SortFunc(out, func(a, b User) int { return strings.Compare(a.UserID, b.UserID) })
	return out
}

// DeleteUser removes the user. Its refresh tokens then fail with Auth0's "user who doesn't exist
// anymore" error and its tokens stop working at /userinfo.
func (t *Tenant) DeleteUser(sub string) error {
	return t.updateUser(sub, func(*userRecord) {}, true)
}

// SetBlocked blocks or unblocks the user, as an administrator does in the dashboard.
func (t *Tenant) SetBlocked(sub string, blocked bool) error {
	return t.updateUser(sub, func(u *userRecord) { u.Blocked = blocked }, false)
}

// SetEmailVerified marks the user's email verified or not, as clicking the verification link does.
// Tokens issued afterwards carry the new value.
func (t *Tenant) SetEmailVerified(sub string, verified bool) error {
	return t.updateUser(sub, func(u *userRecord) { u.EmailVerified = verified; u.UpdatedAt = t.now().UTC() }, false)
}

// SetMFARequired makes the user's password logins answer 403 mfa_required, or stops doing so.
func (t *Tenant) SetMFARequired(sub string, required bool) error {
	return t.updateUser(sub, func(u *userRecord) { u.MFARequired = required }, false)
}

// SetPermissions replaces the user's RBAC permissions.
func (t *Tenant) SetPermissions(sub string, permissions ...string) error {
	return t.updateUser(sub, func(u *userRecord) { u.Permissions = slices.Clone(permissions) }, false)
}

// SetPasswordLeaked makes the user's correct-password logins answer 401 password_leaked, as
// breached-password detection does, or stops doing so.
func (t *Tenant) SetPasswordLeaked(sub string, leaked bool) error {
	return t.updateUser(sub, func(u *userRecord) { u.passwordLeaked = leaked }, false)
}

// SetAccessDenied makes the post-login Action deny the user's logins and refresh-token exchanges
// with 403 access_denied and reason as error_description, as api.access.deny(reason) does. An
// empty reason lifts the denial.
func (t *Tenant) SetAccessDenied(sub, reason string) error {
	return t.updateUser(sub, func(u *userRecord) { u.denyReason = reason }, false)
}

func (t *Tenant) updateUser(sub string, change func(*userRecord), remove bool) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	u, ok := t.users[sub]
	if !ok {
		return fmt.Errorf("%w: %s", ErrUserNotFound, sub)
	}
	if remove {
		delete(t.users, sub)
		delete(t.profiles, sub)
		return nil
	}
	change(u)
	return nil
}
