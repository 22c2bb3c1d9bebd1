package graph

import (
	"context"
	"log/slog"
	"time"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gqlneo/gqlneo/auth"
	"github.com/gqlneo/gqlneo/cypher"
	"github.com/gqlneo/gqlneo/domain"
	"github.com/gqlneo/gqlneo/events"
)

// Store is what the resolvers need of the graph database: the compiled root
// queries and the mutations, one statement each. Results are maps keyed by
// response key, read back with the same selection (see decode.go).
type Store interface {
	QueryMe(ctx context.Context, v domain.Viewer, sel *cypher.Selection) (map[string]any, error)
	QueryNode(ctx context.Context, v domain.Viewer, typ, id string, sel *cypher.Selection) (map[string]any, error)
	QueryTag(ctx context.Context, v domain.Viewer, name string, sel *cypher.Selection) (map[string]any, error)
	QueryFeed(ctx context.Context, v domain.Viewer, f cypher.Field) (cypher.Conn, error)
	QuerySearchUsers(ctx context.Context, v domain.Viewer, prefix string, f cypher.Field) (cypher.Conn, error)
	QueryRecommendedUsers(ctx context.Context, v domain.Viewer, first int, sel *cypher.Selection) ([]any, error)
	// PreviewRegistration answers what registering p and reading its User
	// through sel would, without storing anything.
	PreviewRegistration(ctx context.Context, p domain.Profile, sel *cypher.Selection) (map[string]any, error)

	// The mutations: one statement in one write transaction each, which
	// reads back the returned object (see cypher.ReadBack).
	UpdateProfile(ctx context.Context, v domain.Viewer, u domain.ProfileUpdate, back *cypher.ReadBack) (map[string]any, error)
	// Follow and LikePost also say whether they created the follow or like
	// (false: it existed already, and nothing happened to tell anyone).
	Follow(ctx context.Context, v domain.Viewer, target string, back *cypher.ReadBack) (r map[string]any, created bool, err error)
	Unfollow(ctx context.Context, v domain.Viewer, target string, back *cypher.ReadBack) (map[string]any, error)
	CreatePost(ctx context.Context, v domain.Viewer, p domain.NewPost, back *cypher.ReadBack) (map[string]any, error)
	DeletePost(ctx context.Context, v domain.Viewer, id string, canDeleteAny bool) error
	LikePost(ctx context.Context, v domain.Viewer, id string, back *cypher.ReadBack) (r map[string]any, created bool, err error)
	UnlikePost(ctx context.Context, v domain.Viewer, id string, back *cypher.ReadBack) (map[string]any, error)
	AddComment(ctx context.Context, v domain.Viewer, id, postID, body string, back *cypher.ReadBack) (map[string]any, error)
	DeleteComment(ctx context.Context, v domain.Viewer, id string) error
}

// Identities resolves who asks, once per operation, and records sign-ins
// and registrations (package identity).
type Identities interface {
	Ensure(ctx context.Context, claims *auth.Claims) (domain.Viewer, error)
	SignedIn(ctx context.Context, claims *auth.Claims, p domain.Profile) (domain.User, error)
	Registered(ctx context.Context, p domain.Profile) (domain.User, error)
}

// TokenIssuer is what login, refreshToken and signup need of the identity provider.
type TokenIssuer interface {
	PasswordLogin(ctx context.Context, username, password, endUserIP string) (*auth.TokenSet, error)
	Refresh(ctx context.Context, refreshToken, endUserIP string) (*auth.TokenSet, error)
	Signup(ctx context.Context, email, password, name string) (*auth.SignupResult, error)
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
	Failed(ip, username string)
	Succeeded(ip, username string)
}

// Resolver is the root resolver: the one hand-owned place where the GraphQL
// layer receives its dependencies. The app package fills it.
type Resolver struct {
	Store        Store
	Identities   Identities
	Tokens       TokenIssuer
	AccessTokens AccessTokenValidator
	IDTokens     IDTokenValidator
	Limiter      LoginLimiter
	// Mapping is the schema's graph mapping (cypher.Load over Schema()).
	Mapping *cypher.Mapping
	// CursorKey signs pagination cursors (HMAC-SHA256).
	CursorKey []byte
	// SignupConnection is the database connection signups go to.
	SignupConnection string
	// RevealExistingAccounts makes signup answer ACCOUNT_EXISTS for an email
	// that already has an account. When false (the default), such a signup
	// answers exactly like a new one (see signup).
	RevealExistingAccounts bool
	// ClientIP returns the end user's IP for the request in ctx.
	ClientIP func(ctx context.Context) string
	Logger   *slog.Logger
	// Events receives each committed write's event (nil: none published).
	Events events.Broker
	// Live is the subscription hub (nil: subscriptions answer an error).
	Live *Live
}

// Schema returns the parsed schema (schema.graphqls as gqlgen compiled it),
// for cypher.Load.
func Schema() *ast.Schema { return parsedSchema }

// SchemaSource returns the text of schema.graphqls as gqlgen compiled it
// into the server, directives and comments included: what
// GET /graphql/schema.graphqls serves.
func SchemaSource() string { return Schema().Query.Position.Src.Input }

// LoadMapping reads and checks the schema's graph mapping; the server stops
// when it does not fit (see package cypher).
func LoadMapping() (*cypher.Mapping, error) { return cypher.Load(Schema(), cypher.RootTypes...) }
