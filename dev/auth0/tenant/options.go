package tenant

import (
	"crypto/rsa"
	"log/slog"
	"slices"
	"time"
)

// Option configures a Tenant at construction.
type Option func(*config)

// PostLoginAction emulates a post-login Action: it returns the custom claims to add to an access
// token issued to user for audience. It runs on password logins and refresh-token exchanges.
// Claims that collide with claims the tenant sets itself (iss, sub, aud, scope, permissions, ...)
// are dropped silently, as Auth0 does.
type PostLoginAction func(user User, audience string) map[string]any

type config struct {
	users             []User
	connections       []Connection
	clients           []Client
	apis              []API
	defaultConnection string
	defaultAudience   string
	threshold         int
	namespace         string
	action            PostLoginAction
	now               func() time.Time
	keys              []*rsa.PrivateKey
	bcryptCost        int
	devControls       bool
	logger            *slog.Logger
}

func defaultConfig() config {
	return config{
		users:             DemoUsers(),
		connections:       DefaultConnections(),
		clients:           []Client{DevClient()},
		apis:              []API{DevAPI()},
		defaultConnection: DatabaseConnection,
		threshold:         DefaultBruteForceThreshold,
		namespace:         DevNamespace,
		now:               time.Now,
		bcryptCost:        4, // bcrypt.MinCost; see WithBcryptCost.
		logger:            slog.New(slog.DiscardHandler),
	}
}

// WithUsers replaces the initial users. Default: DemoUsers(). Users given with a plaintext Password
// are hashed; users referring to an unknown connection make New fail.
func WithUsers(users ...User) Option {
	return func(c *config) { c.users = slices.Clone(users) }
}

// WithConnections replaces the connections. Default: DefaultConnections(), that is the database
// connection "Username-Password-Authentication" and the social connection "google-oauth2".
func WithConnections(connections ...Connection) Option {
	return func(c *config) { c.connections = slices.Clone(connections) }
}

// WithClients replaces the applications. Default: DevClient(). The first client is the one
// AccessTokenFor and IDTokenFor issue tokens to.
func WithClients(clients ...Client) Option {
	return func(c *config) { c.clients = slices.Clone(clients) }
}

// WithAPIs replaces the APIs. Default: DevAPI(). The first API is the audience of AccessTokenFor
// unless a default audience is set.
func WithAPIs(apis ...API) Option {
	return func(c *config) { c.apis = slices.Clone(apis) }
}

// WithDefaultConnection sets the tenant's Default Directory, the connection the plain password grant
// authenticates against. An empty name leaves it unset, and password grants then fail with 500
// server_error as on a real tenant. Default: "Username-Password-Authentication".
func WithDefaultConnection(name string) Option {
	return func(c *config) { c.defaultConnection = name }
}

// WithDefaultAudience sets the tenant's Default Audience, used when a token request names none.
// Default: unset, so requests without an audience get an opaque token valid only for /userinfo.
func WithDefaultAudience(audience string) Option {
	return func(c *config) { c.defaultAudience = audience }
}

// WithBruteForceThreshold sets how many consecutive failed logins for one identifier from one IP
// address block further attempts with 429 too_many_attempts. Default: 10, Auth0's default.
func WithBruteForceThreshold(n int) Option {
	return func(c *config) { c.threshold = n }
}

// WithNamespace sets the namespace of the claims the default post-login Action adds, for example
// "https://api.dev.local/" gives "https://api.dev.local/email". Default: DevNamespace.
func WithNamespace(namespace string) Option {
	return func(c *config) { c.namespace = namespace }
}

// WithPostLoginAction replaces the default post-login Action, ProfileClaimsAction(namespace). A nil
// action adds no claims.
func WithPostLoginAction(action PostLoginAction) Option {
	return func(c *config) {
		if action == nil {
			action = func(User, string) map[string]any { return nil }
		}
		c.action = action
	}
}

// WithClock sets the clock used for token times, brute-force windows and rate limits.
// Default: time.Now.
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.now = now }
}

// WithKeys supplies RSA keys to use, in order, for the initial current key, the initial next key and
// later rotations; fresh RSA-2048 keys are generated once they run out. Generating a key takes
// about 100 ms, so test suites that start many tenants can generate a few keys once and share
// them. Keys must be at least 2048 bits. Default: none, every key is generated.
func WithKeys(keys ...*rsa.PrivateKey) Option {
	return func(c *config) { c.keys = slices.Clone(keys) }
}

// WithBcryptCost sets the bcrypt cost used to hash plaintext passwords given to WithUsers, AddUser
// and sign-ups. Default: 4, bcrypt's minimum, because the hashes live only in this process's
// memory and tests should not spend time on them; users read from a file keep their own hashes.
func WithBcryptCost(cost int) Option {
	return func(c *config) { c.bcryptCost = cost }
}

// WithDevControls enables the HTTP control endpoints under /__dev/ (key rotation, revocation,
// brute-force reset). Default: disabled; the dev binary enables it.
func WithDevControls(enabled bool) Option {
	return func(c *config) { c.devControls = enabled }
}

// WithLogger sets the logger for one line per request (method, path, status, duration) and for
// control actions. Request bodies, passwords and tokens are never logged. Default: discard.
func WithLogger(logger *slog.Logger) Option {
	return func(c *config) {
		if logger == nil {
			logger = slog.New(slog.DiscardHandler)
		}
		c.logger = logger
	}
}
