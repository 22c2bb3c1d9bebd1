package app

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/gqlneo/gqlneo/auth"
	"github.com/gqlneo/gqlneo/domain"
	"github.com/gqlneo/gqlneo/graph"
	"github.com/gqlneo/gqlneo/httpapi"
	"github.com/gqlneo/gqlneo/identity"
	"github.com/gqlneo/gqlneo/metrics"
	"github.com/gqlneo/gqlneo/neo4jrepo"
)

// App is the wired server: its HTTP handler and what must be closed.
type App struct {
	// Handler serves /graphql and the operational endpoints (/healthz,
	// /readyz, /metrics, the Auth0 hook); the caller puts it behind an
	// http.Server.
	Handler http.Handler
	// Metrics is what /metrics exposes, for callers that read it directly.
	Metrics *metrics.Metrics
	// DB is the repository over the App's Neo4j driver.
	DB *neo4jrepo.DB
	// Keys is the issuer's signing-key cache that validates tokens.
	Keys *auth.KeySet
}

// Close releases the Neo4j driver.
func (a *App) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = a.DB.Close(ctx)
}

// New connects to Neo4j, prepares the schema, loads the signing keys and
// builds the handler. Signing keys that cannot be loaded yet are no error
// (/readyz reports them until they load); an unreachable Neo4j is. The
// caller owns the App and must Close it.
func New(ctx context.Context, cfg *Config, opts ...Option) (*App, error) {
	o := options{}
	for _, opt := range opts {
		opt(&o)
	}
	logger := o.logger
	if logger == nil {
		logger = NewLogger(os.Stdout, cfg.LogLevel)
	}
	m := metrics.New()
	mapping, err := graph.LoadMapping()
	if err != nil {
		return nil, err
	}
	db, err := neo4jrepo.Open(neo4jrepo.Config{
		URI: cfg.Neo4jURI, Username: cfg.Neo4jUsername, Password: cfg.Neo4jPassword, Database: cfg.Neo4jDatabase,
		MaxRetryTime: cfg.RequestTimeout, ConnectTimeout: cfg.Neo4jConnectTimeout, PoolSize: cfg.Neo4jPoolSize,
		MaxInFlight: cfg.Neo4jMaxInFlight, QueueWait: cfg.Neo4jQueueWait,
		Mapping: mapping,
	}, neo4jrepo.WithStatementCounter(m.CypherStatements), neo4jrepo.WithStatementObserver(o.observe))
	if err != nil {
		return nil, fmt.Errorf("NEO4J_URI: %w", err)
	}
	startCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := db.Verify(startCtx); err != nil {
		_ = db.Close(ctx)
		return nil, fmt.Errorf("cannot reach Neo4j at NEO4J_URI=%s as NEO4J_USERNAME=%s (check the server is running and NEO4J_PASSWORD): %w", cfg.Neo4jURI, cfg.Neo4jUsername, err)
	}
	if err := db.EnsureSchema(startCtx); err != nil {
		_ = db.Close(ctx)
		return nil, fmt.Errorf("create Neo4j constraints: %w", err)
	}

	issuer := cfg.Auth0Issuer.String()
	keys := auth.NewKeySet(cfg.Auth0Issuer, auth.WithCacheTTL(cfg.JWKSCacheTTL))
	if err := keys.Load(startCtx); err != nil {
		// Not fatal: the issuer may come up later; /readyz says so meanwhile.
		logger.Warn("signing keys not loaded yet; tokens are refused until they are", "issuer", issuer, "error", err.Error())
	}
	access, err := auth.NewValidator(keys, issuer, []string{cfg.Auth0Audience},
		auth.WithClockSkew(cfg.JWTClockSkew), auth.WithClaimsNamespace(cfg.Auth0ClaimsNamespace))
	if err != nil {
		return nil, fmt.Errorf("access token validator: %w", err)
	}
	idTokens, err := auth.NewIDTokenValidator(keys, issuer, cfg.Auth0ClientID, auth.WithClockSkew(cfg.JWTClockSkew))
	if err != nil {
		return nil, fmt.Errorf("ID token validator: %w", err)
	}
	tokens := auth.NewTokenClient(cfg.Auth0Issuer, cfg.Auth0ClientID, cfg.Auth0ClientSecret, cfg.Auth0Audience,
		auth.WithRealm(cfg.Auth0Realm), auth.WithTokenTimeout(cfg.Auth0Timeout), auth.WithSignupConnection(cfg.Auth0SignupConnection))
	limiter := auth.NewLoginLimiter(
		auth.WithPerIPRate(cfg.LoginPerIPPerMinute, cfg.LoginPerIPBurst),
		auth.WithMaxFailures(cfg.LoginMaxFailures, cfg.LoginFailureWindow))

	cursorKey := cfg.CursorSecret
	if len(cursorKey) == 0 {
		cursorKey = make([]byte, 32)
		if _, err := rand.Read(cursorKey); err != nil {
			return nil, fmt.Errorf("cursor key: %w", err)
		}
		logger.Info("CURSOR_SECRET unset: pagination cursors are signed with a per-process key")
	}
	identities := identity.New(db, identity.WithUserInfo(tokens), identity.WithLogger(logger))
	resolver := &graph.Resolver{
		CursorKey: cursorKey, Mapping: mapping, Identities: identities,
		Store: db, Tokens: tokens, AccessTokens: access, IDTokens: idTokens, Limiter: limiter,
		ClientIP: httpapi.ClientIPFromContext, Logger: logger, SignupConnection: cfg.Auth0SignupConnection,
	}
	gql := graph.NewHandler(resolver, graph.HandlerConfig{
		Limits:    graph.Limits{TokenLimit: cfg.QueryTokenLimit, MaxDepth: cfg.QueryMaxDepth, MaxComplexity: cfg.QueryMaxComplexity},
		Logger:    logger,
		RequestID: httpapi.RequestIDFromContext,
		Observer:  m,
	})
	handler := httpapi.NewHandler(httpapi.Config{
		GraphQL:  gql,
		Auth:     auth.Middleware(access),
		Metrics:  m.Handler(),
		Observer: m,
		Ready: []httpapi.ReadinessCheck{
			{Name: "neo4j", Check: db.Ping},
			{Name: "signing_keys", Check: func(context.Context) error {
				if !keys.Ready() {
					return auth.ErrKeysUnavailable
				}
				return nil
			}},
		},
		HookSecret: cfg.Auth0HookSecret,
		Register: func(ctx context.Context, p domain.Profile) error {
			_, err := identities.Registered(ctx, p)
			return err
		},
		GraphiQL:       cfg.GraphiQL,
		MaxBodyBytes:   cfg.MaxBodyBytes,
		RequestTimeout: cfg.RequestTimeout,
		TrustedProxies: cfg.TrustedProxies,
		Logger:         logger,
	})
	return &App{Handler: handler, Metrics: m, DB: db, Keys: keys}, nil
}
