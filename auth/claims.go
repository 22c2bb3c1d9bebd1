package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Claims is the verified identity of the caller, taken from an access token.
// Only Middleware and Validator build it from a token; tests build it by hand
// and put it in a context with NewContext.
type Claims struct {
	// Subject is the token's sub, the caller's stable Auth0 user id such as
	// "auth0|6553da60a54af58e29493993". It is never empty for a token that
	// passed validation.
	Subject string
	// Issuer is the token's iss, exactly as configured on the Validator.
	Issuer string
	// Audience is the token's aud, always as a list even when the token
	// carried a single string.
	Audience []string
	// Scopes is the space-separated scope claim split into its parts.
	Scopes []string
	// Permissions is Auth0's RBAC permissions claim. It is nil when the token
	// has no permissions claim at all and non-nil, possibly empty, when it has
	// one; HasPermission relies on that difference.
	Permissions []string
	// Email is the namespaced <ns>email claim, empty without a namespace or
	// when absent. Access tokens carry no plain email claim
	// (docs/auth0-behaviour.md#custom-claims).
	Email string
	// EmailVerified is the namespaced <ns>email_verified claim, nil when
	// absent. Never link accounts on an email unless this is true.
	EmailVerified *bool
	// Name is the namespaced <ns>name claim.
	Name string
	// Picture is the namespaced <ns>picture claim.
	Picture string
	// Connection is the namespaced <ns>connection claim: the Auth0
	// connection the caller signed in with (event.connection.name).
	Connection string
	// ExpiresAt is the token's exp.
	ExpiresAt time.Time
	// Token is the validated access token itself, for calls made on the
	// caller's behalf (such as /userinfo). Never log it.
	Token string
}

// HasPermission reports whether the caller holds permission p. It looks in
// Permissions when the token carried a permissions claim (Auth0 RBAC with
// "Add Permissions in the Access Token"); when it carried none, it falls back
// to Scopes, which is where Auth0 puts granted API scopes without RBAC. A
// token with an empty permissions claim therefore grants nothing, whatever
// its scopes say. A nil *Claims holds no permission.
func (c *Claims) HasPermission(p string) bool {
	if c == nil {
		return false
	}
	if c.Permissions != nil {
		return slices.Contains(c.Permissions, p)
	}
	return slices.Contains(c.Scopes, p)
}

// HasScope reports whether s is among the token's scopes. A nil *Claims has
// no scope.
func (c *Claims) HasScope(s string) bool {
	return c != nil && slices.Contains(c.Scopes, s)
}

// IDClaims is the profile carried by an ID token, which the login flow reads
// once to create or update the user; see IDTokenValidator.
type IDClaims struct {
	// Subject is the ID token's sub, the same user id access tokens carry.
	Subject string
	// Email is the email claim, present when the email scope was granted.
	Email string
	// Name is the name claim, present when the profile scope was granted.
	Name string
	// Picture is the picture claim, present when the profile scope was
	// granted.
	Picture string
	// Nickname is the nickname claim, present when the profile scope was
	// granted.
	Nickname string
	// EmailVerified is the email_verified claim, nil when absent.
	EmailVerified *bool
}

// tokenClaims is the go-jwt-middleware CustomClaims for both token kinds. It
// decodes the payload itself, because the namespaced claim names are only
// known at run time, and it records whether exp and permissions were present
// at all, which plain struct decoding cannot tell apart from zero values.
type tokenClaims struct {
	namespace string // prefix of the profile claims; "" for ID tokens' plain names
	idToken   bool   // also check azp against clientID
	clientID  string

	hasExpiry      bool
	scope          string
	permissions    []string
	hasPermissions bool
	authorizedBy   string // azp
	email          string
	emailVerified  *bool
	name           string
	picture        string
	connection     string
	nickname       string
}

// UnmarshalJSON reads the claims tokenClaims needs. A claim of the wrong JSON
// type is an error rather than being ignored: a string "true" in
// email_verified must never be read as verified, and a malformed token is
// better rejected than half understood.
func (c *tokenClaims) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("%w: %v", errTokenClaimType, err)
	}
	present := func(name string) bool {
		v, ok := raw[name]
		return ok && !bytes.Equal(v, []byte("null"))
	}
	decode := func(name string, dst any) error {
		if !present(name) {
			return nil
		}
		if err := json.Unmarshal(raw[name], dst); err != nil {
			return fmt.Errorf("%w: %s", errTokenClaimType, name)
		}
		return nil
	}

	c.hasExpiry = present("exp")
	c.hasPermissions = present("permissions")
	profile := func(name string) string { return c.namespace + name }
	if !c.idToken && c.namespace != "" {
		if err := decode(profile("connection"), &c.connection); err != nil {
			return err
		}
	}
	if c.idToken || c.namespace != "" {
		for name, dst := range map[string]any{
			profile("email"):   &c.email,
			profile("name"):    &c.name,
			profile("picture"): &c.picture,
		} {
			if err := decode(name, dst); err != nil {
				return err
			}
		}
		if present(profile("email_verified")) {
			var v bool
			if err := decode(profile("email_verified"), &v); err != nil {
				return err
			}
			c.emailVerified = &v
		}
	}
	if c.idToken {
		if err := decode("nickname", &c.nickname); err != nil {
			return err
		}
	}
	for name, dst := range map[string]any{"scope": &c.scope, "permissions": &c.permissions, "azp": &c.authorizedBy} {
		if err := decode(name, dst); err != nil {
			return err
		}
	}
	if c.hasPermissions && c.permissions == nil {
		c.permissions = []string{}
	}
	return nil
}

// Validate is called by go-jwt-middleware after the signature and the
// registered claims have been checked. It adds the checks the library leaves
// out: exp must be present, and an ID token issued to several audiences must
// name this client in azp (OpenID Connect Core §3.1.3.7).
func (c *tokenClaims) Validate(context.Context) error {
	if !c.hasExpiry {
		return errTokenNoExpiry
	}
	if c.idToken && c.authorizedBy != "" && c.authorizedBy != c.clientID {
		return errTokenAuthParty
	}
	return nil
}

// scopes splits the scope claim; it is nil when the token grants no scope.
func (c *tokenClaims) scopes() []string {
	if s := strings.Fields(c.scope); len(s) > 0 {
		return s
	}
	return nil
}
