package graph

import (
	"context"
	"errors"
	"strings"

	"github.com/gqlneo/gqlneo/auth"
	"github.com/gqlneo/gqlneo/neo4jrepo"
)

// viewer returns the caller's User. A known identity costs one read. The
// first request from a new subject provisions (or links) its User; a request
// whose token says the identity's email is now verified while the graph
// does not know it yet syncs (and may merge Users). Profile data comes from
// the token's namespaced claims, else from one cached /userinfo call.
func (r *Resolver) viewer(ctx context.Context) (neo4jrepo.User, error) {
	claims, ok := auth.ClaimsFromContext(ctx)
	if !ok {
		return neo4jrepo.User{}, errUnauthenticated
	}
	user, err := r.Store.UserBySubject(ctx, claims.Subject)
	switch {
	case errors.Is(err, neo4jrepo.ErrNotFound):
		return r.Store.SyncIdentity(ctx, r.profileFor(ctx, claims), neo4jrepo.SyncSeen)
	case err != nil:
		return neo4jrepo.User{}, err
	}
	if claims.Email != "" && claims.EmailVerified != nil {
		id, _ := user.IdentityOf(claims.Subject)
		if *claims.EmailVerified != id.EmailVerified || !strings.EqualFold(claims.Email, id.Email) {
			return r.Store.SyncIdentity(ctx, profileFromClaims(claims), neo4jrepo.SyncSeen)
		}
	}
	return user, nil
}

// profileFor builds a new identity's profile: from the token's claims when
// they carry an email, else from /userinfo. A /userinfo failure is logged
// and the User is provisioned without a profile; the next login fills it.
func (r *Resolver) profileFor(ctx context.Context, claims *auth.Claims) neo4jrepo.Profile {
	p := profileFromClaims(claims)
	if p.Email != "" || claims.Token == "" || r.Tokens == nil {
		return p
	}
	info, err := r.profiles.get(ctx, claims.Subject, func(ctx context.Context) (*auth.UserInfo, error) {
		return r.Tokens.UserInfo(ctx, claims.Token)
	})
	if err != nil {
		r.Logger.WarnContext(ctx, "userinfo failed; provisioning without a profile", "error", err.Error())
		return p
	}
	if info.Subject != "" && info.Subject != claims.Subject {
		r.Logger.ErrorContext(ctx, "userinfo answered for another subject; ignoring it")
		return p
	}
	p.Email, p.Name, p.Picture = info.Email, first(info.Name, info.Nickname), info.Picture
	if info.EmailVerified != nil {
		p.EmailVerified = *info.EmailVerified
	}
	return p
}

func profileFromClaims(c *auth.Claims) neo4jrepo.Profile {
	p := neo4jrepo.Profile{Subject: c.Subject, Connection: c.Connection, Email: c.Email, Name: c.Name, Picture: c.Picture}
	if c.EmailVerified != nil {
		p.EmailVerified = *c.EmailVerified
	}
	return p
}
