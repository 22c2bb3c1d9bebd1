package graph

import (
	"context"
	"log/slog"
	"time"

	"github.com/gqlneo/gqlneo/auth"
	"github.com/gqlneo/gqlneo/neo4jrepo"
)

// Store is what the resolvers need of the graph database.
type Store interface {
	// UserBySubject returns the User holding the identity sub, or neo4jrepo.ErrNotFound.
	UserBySubject(ctx context.Context, sub string) (neo4jrepo.User, error)
	// SyncIdentity provisions, links, merges or updates the User of p.Subject.
	SyncIdentity(ctx context.Context, p neo4jrepo.Profile, mode neo4jrepo.SyncMode) (neo4jrepo.User, error)

	// The compiled root queries: one statement each.
	QueryMe(ctx context.Context, v neo4jrepo.Viewer, sel *neo4jrepo.Selection) (map[string]any, error)
	QueryNode(ctx context.Context, v neo4jrepo.Viewer, typ, id string, sel *neo4jrepo.Selection) (map[string]any, error)
	QueryTag(ctx context.Context, v neo4jrepo.Viewer, name string, sel *neo4jrepo.Selection) (map[string]any, error)
	QueryFeed(ctx context.Context, v neo4jrepo.Viewer, f neo4jrepo.Field) (neo4jrepo.Conn, error)
	QuerySearchUsers(ctx context.Context, v neo4jrepo.Viewer, prefix string, f neo4jrepo.Field) (neo4jrepo.Conn, error)
	QueryRecommendedUsers(ctx context.Context, v neo4jrepo.Viewer, first int, sel *neo4jrepo.Selection) ([]map[string]any, error)

	// The mutations: one statement in one write transaction each, which
	// reads back the returned object (see neo4jrepo.ReadBack).
	// neo4jrepo.ErrViewerNotReady: nothing was written; sync the identity first.
	UpdateProfile(ctx context.Context, v neo4jrepo.Viewer, u neo4jrepo.ProfileUpdate, back *neo4jrepo.ReadBack) (map[string]any, error)
	Follow(ctx context.Context, v neo4jrepo.Viewer, target string, back *neo4jrepo.ReadBack) (map[string]any, error)
	Unfollow(ctx context.Context, v neo4jrepo.Viewer, target string, back *neo4jrepo.ReadBack) (map[string]any, error)
	CreatePost(ctx context.Context, v neo4jrepo.Viewer, p neo4jrepo.NewPost, back *neo4jrepo.ReadBack) (map[string]any, error)
	DeletePost(ctx context.Context, v neo4jrepo.Viewer, id string, canDeleteAny bool) error
	LikePost(ctx context.Context, v neo4jrepo.Viewer, id string, back *neo4jrepo.ReadBack) (map[string]any, error)
	UnlikePost(ctx context.Context, v neo4jrepo.Viewer, id string, back *neo4jrepo.ReadBack) (map[string]any, error)
	AddComment(ctx context.Context, v neo4jrepo.Viewer, id, postID, body string, back *neo4jrepo.ReadBack) (map[string]any, error)
	DeleteComment(ctx context.Context, v neo4jrepo.Viewer, id string) error
}

// TokenIssuer is what login and refreshToken need of the identity provider.
type TokenIssuer interface {
	PasswordLogin(ctx context.Context, username, password, endUserIP string) (*auth.TokenSet, error)
	Refresh(ctx context.Context, refreshToken, endUserIP string) (*auth.TokenSet, error)
	Signup(ctx context.Context, email, password, name string) (*auth.SignupResult, error)
	UserInfo(ctx context.Context, accessToken string) (*auth.UserInfo, error)
}

// AccessTokenValidator validates access tokens (the same validator the HTTP
// middleware uses).
type AccessTokenValidator interface {
	Validate(ctx context.Context, token string) (*auth.Claims, error)
}

// IDTokenValidator validates OpenID Connect ID tokens issued to this client.
type IDTokenValidator interface {
	Validate(ctx context.Context, idToken string) (*auth.IDClaims, error)
}

// LoginLimiter bounds sign-in attempts before the identity provider is called.
type LoginLimiter interface {
	Allow(ip, username string) (retryAfter time.Duration, ok bool)
	Failed(username string)
	Succeeded(username string)
}

// Resolver is the root resolver: the one hand-owned place where the GraphQL
// layer receives its dependencies. server.go fills it.
type Resolver struct {
	Store        Store
	Tokens       TokenIssuer
	AccessTokens AccessTokenValidator
	IDTokens     IDTokenValidator
	Limiter      LoginLimiter
	// CursorKey signs pagination cursors (HMAC-SHA256).
	CursorKey []byte
	// SignupConnection is the database connection signups go to.
	SignupConnection string
	// ClientIP returns the end user's IP for the request in ctx.
	ClientIP func(ctx context.Context) string
	Logger   *slog.Logger

	profiles profileCache
}
