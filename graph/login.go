package graph

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/gqlneo/gqlneo/auth"
	"github.com/gqlneo/gqlneo/domain"
	"github.com/gqlneo/gqlneo/graph/model"
	"github.com/gqlneo/gqlneo/identity"
)

// login exchanges credentials for tokens, bounded by the limiter before the
// identity provider is called.
func (r *Resolver) login(ctx context.Context, username, password string) (*model.AuthPayload, error) {
	username = strings.TrimSpace(username)
	if err := domain.Email("username", username); err != nil {
		return nil, err
	}
	if err := domain.Password("password", password); err != nil {
		return nil, err
	}
	ip := r.ClientIP(ctx)
	if retry, ok := r.Limiter.Allow(ip, username); !ok {
		return nil, &auth.RateLimitedError{RetryAfter: retry}
	}
	tokens, err := r.Tokens.PasswordLogin(ctx, username, password, ip)
	if err != nil {
		if errors.Is(err, auth.ErrInvalidCredentials) {
			r.Limiter.Failed(ip, username)
		}
		return nil, r.providerError(ctx, err)
	}
	r.Limiter.Succeeded(ip, username)
	return r.signedIn(ctx, tokens)
}

// refresh exchanges a refresh token for new tokens.
func (r *Resolver) refresh(ctx context.Context, refreshToken string) (*model.AuthPayload, error) {
	switch {
	case strings.TrimSpace(refreshToken) == "":
		return nil, domain.Invalid("refreshToken", "The refresh token is empty.")
	case len(refreshToken) > domain.MaxRefreshTokenBytes:
		return nil, domain.Invalid("refreshToken", "The refresh token is longer than %d bytes.", domain.MaxRefreshTokenBytes)
	}
	ip := r.ClientIP(ctx)
	if retry, ok := r.Limiter.Allow(ip, ""); !ok {
		return nil, &auth.RateLimitedError{RetryAfter: retry}
	}
	tokens, err := r.Tokens.Refresh(ctx, refreshToken, ip)
	if err != nil {
		return nil, r.providerError(ctx, err)
	}
	return r.signedIn(ctx, tokens)
}

// providerError logs identity-provider answers that mean this server is
// misconfigured (the presenter then answers INTERNAL_SERVER_ERROR); known
// answers pass through to the presenter unchanged.
func (r *Resolver) providerError(ctx context.Context, err error) error {
	var pe *auth.ProviderError
	if errors.As(err, &pe) {
		r.Logger.ErrorContext(ctx, "identity provider refused the token request; check AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET, AUTH0_AUDIENCE, AUTH0_REALM and the application's grant types",
			"status", pe.Status, "auth0_error", pe.Code, "auth0_description", pe.Description)
		return errMisconfigured
	}
	return err
}

// signedIn validates what the provider returned with this server's own
// validators, syncs the profile into the graph and builds the payload. A
// token this server would refuse means the tenant and the configuration
// disagree: one clear log line, not a mystery 401 on the next request.
func (r *Resolver) signedIn(ctx context.Context, tokens *auth.TokenSet) (*model.AuthPayload, error) {
	claims, err := r.AccessTokens.Validate(ctx, tokens.AccessToken)
	if err != nil {
		reason := auth.ReasonInvalidToken
		var te *auth.TokenError
		if errors.As(err, &te) {
			reason = te.Reason
		}
		r.Logger.ErrorContext(ctx, "the identity provider issued an access token this server rejects; check AUTH0_DOMAIN, AUTH0_AUDIENCE and that the API signs with RS256",
			"reason", reason)
		return nil, errMisconfigured
	}
	profile := identity.ProfileFromClaims(claims)
	if tokens.IDToken != "" {
		id, err := r.IDTokens.Validate(ctx, tokens.IDToken)
		if err != nil {
			r.Logger.ErrorContext(ctx, "the identity provider issued an ID token this server rejects; check AUTH0_DOMAIN and AUTH0_CLIENT_ID", "error", err.Error())
			return nil, errMisconfigured
		}
		if id.Subject != claims.Subject {
			r.Logger.ErrorContext(ctx, "the ID token and the access token name different subjects")
			return nil, errMisconfigured
		}
		profile.Email, profile.Name, profile.Picture = first(id.Email, profile.Email), first(id.Name, profile.Name), first(id.Picture, profile.Picture)
		if id.EmailVerified != nil {
			profile.EmailVerified = *id.EmailVerified
		}
	}
	user, err := r.Identities.SignedIn(ctx, claims, profile)
	if err != nil {
		return nil, err
	}
	payload := &model.AuthPayload{
		AccessToken: tokens.AccessToken,
		TokenType:   "Bearer",
		ExpiresIn:   tokens.ExpiresIn,
		UserID:      user.ID,
		Subject:     claims.Subject,
	}
	payload.IDToken = optional(tokens.IDToken)
	payload.RefreshToken = optional(tokens.RefreshToken)
	payload.Scope = optional(tokens.Scope)
	return payload, nil
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// signup creates the Auth0 account, then its User in the graph at once.
func (r *Resolver) signup(ctx context.Context, email, password string, name *string) (*model.User, error) {
	email = strings.TrimSpace(email)
	displayName := ""
	if name != nil {
		displayName = strings.TrimSpace(*name)
	}
	if err := domain.Email("email", email); err != nil {
		return nil, err
	}
	if err := domain.Password("password", password); err != nil {
		return nil, err
	}
	if err := domain.Text("name", displayName, 0, domain.MaxNameRunes); err != nil {
		return nil, err
	}
	ip := r.ClientIP(ctx)
	if retry, ok := r.Limiter.Allow(ip, email); !ok {
		return nil, &auth.RateLimitedError{RetryAfter: retry}
	}
	res, err := r.Tokens.Signup(ctx, email, password, displayName)
	if errors.Is(err, auth.ErrAccountExists) && !r.RevealExistingAccounts {
		return r.signupLookalike(ctx, email, displayName)
	}
	if err != nil {
		var invalid *auth.InvalidSignupError
		if errors.As(err, &invalid) {
			return nil, domain.Invalid(invalid.Field, "%s", signupMessage(invalid))
		}
		return nil, r.providerError(ctx, err)
	}
	user, err := r.Identities.Registered(ctx, domain.Profile{
		Subject: res.Subject(), Connection: r.SignupConnection,
		Email: first(res.Email, email), EmailVerified: res.EmailVerified, Name: displayName,
	})
	if err != nil {
		return nil, err
	}
	return r.compiledUser(ctx, user.ID, res.Subject())
}

// signupLookalike answers a signup for an email that already has an account
// as a new signup answers: the User a fresh account would get (a new id, the
// given email and name, no followers or posts), read through the caller's
// selection from a registration that is rolled back, so that signup does not
// tell anyone which addresses have accounts. Auth0 answers such a signup with
// the generic invalid_signup for the same reason. Nothing is stored and the
// owner's account is untouched; the id answered resolves to nothing later.
func (r *Resolver) signupLookalike(ctx context.Context, email, name string) (*model.User, error) {
	var raw [12]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, err
	}
	sel, err := r.rootSelection(ctx, "User")
	if err != nil {
		return nil, err
	}
	m, err := r.Store.PreviewRegistration(ctx, domain.Profile{
		Subject: "auth0|" + hex.EncodeToString(raw[:]), Connection: r.SignupConnection,
		Email: email, EmailVerified: false, Name: name,
	}, sel)
	if err != nil {
		return nil, err
	}
	return r.decode("User", m, sel).(*model.User), nil
}

// signupMessage is a client-safe message for a refused signup field.
func signupMessage(e *auth.InvalidSignupError) string {
	switch e.Field {
	case "password":
		return "The password is too weak: use at least 8 characters with three of lower case, upper case, digits and symbols."
	case "email":
		return "The email address is not valid."
	case "name":
		return "The name is not valid."
	}
	return "The sign-up details are not valid."
}
