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
	"github.com/gqlneo/gqlneo/events"
	"github.com/gqlneo/gqlneo/graph"
	"github.com/gqlneo/gqlneo/httpapi"
	"github.com/gqlneo/gqlneo/identity"
	"github.com/gqlneo/gqlneo/metrics"
	"github.com/gqlneo/gqlneo/neo4jrepo"
	"github.com/gqlneo/gqlneo/redisstore"
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
	// Shared is the Redis store replicas share (REDIS_URL); nil when unset.
	Shared *redisstore.Store

	stopLive    context.CancelFunc
	stopTracing func(context.Context) error
}

// persistedQueryTTL is how long a shared persisted query lives in Redis
// unless used again; clients resend a document the cache has forgotten.
const persistedQueryTTL = 24 * time.Hour

// Close stops the subscription hub, releases the Neo4j driver and the Redis
// connections, and flushes the spans not yet exported.
func (a *App) Close() {
	if a.stopLive != nil {
		a.stopLive()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if a.stopTracing != nil {
		_ = a.stopTracing(ctx)
	}
	_ = a.DB.Close(ctx)
	if a.Shared != nil {
		_ = a.Shared.Close()
	}
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
	tp, stopTracing, err := tracing(ctx, cfg, o)
	if err != nil {
		return nil, err
	}
	repoOpts := []neo4jrepo.Option{neo4jrepo.WithStatementCounter(m.CypherStatements), neo4jrepo.WithStatementObserver(o.observe), neo4jrepo.WithLogger(logger)}
	if tp != nil {
		repoOpts = append(repoOpts, neo4jrepo.WithTracerProvider(tp))
	}
	db, err := neo4jrepo.Open(neo4jrepo.Config{
		URI: cfg.Neo4jURI, Username: cfg.Neo4jUsername, Password: cfg.Neo4jPassword, Database: cfg.Neo4jDatabase,
		MaxRetryTime: cfg.RequestTimeout, ConnectTimeout: cfg.Neo4jConnectTimeout, PoolSize: cfg.Neo4jPoolSize,
		MaxInFlight: cfg.Neo4jMaxInFlight, QueueWait: cfg.Neo4jQueueWait,
		Mapping: mapping,
	}, repoOpts...)
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
	var limiter graph.LoginLimiter = auth.NewLoginLimiter(
		auth.WithPerIPRate(cfg.LoginPerIPPerMinute, cfg.LoginPerIPBurst),
		auth.WithMaxFailures(cfg.LoginMaxFailures, cfg.LoginFailureWindow),
		auth.WithMaxFailuresPerUsername(cfg.LoginMaxFailuresPerUsername))
	identityOpts := []identity.Option{identity.WithUserInfo(tokens), identity.WithLogger(logger)}
	var shared *redisstore.Store
	if cfg.RedisURL != "" {
		shared, err = openShared(startCtx, cfg, logger)
		if err != nil {
			_ = db.Close(ctx)
			return nil, err
		}
		limiter = redisstore.NewLoginLimiter(shared, redisstore.LimiterConfig{
			PerMinute: cfg.LoginPerIPPerMinute, Burst: cfg.LoginPerIPBurst,
			MaxFailures: cfg.LoginMaxFailures, MaxFailuresPerUsername: cfg.LoginMaxFailuresPerUsername, Window: cfg.LoginFailureWindow,
		}, logger)
		identityOpts = append(identityOpts, identity.WithSharedProfiles(redisstore.NewCache(shared, "userinfo")))
	}

	cursorKey := cfg.CursorSecret
	if len(cursorKey) == 0 {
		cursorKey = make([]byte, 32)
		if _, err := rand.Read(cursorKey); err != nil {
			return nil, fmt.Errorf("cursor key: %w", err)
		}
		logger.Info("CURSOR_SECRET unset: pagination cursors are signed with a per-process key")
	}
	broker := o.broker
	if broker == nil && shared != nil {
		broker = redisstore.NewBroker(shared, logger)
	}
	if broker == nil {
		broker = events.NewMemory()
	}
	live := graph.NewLive(broker, db, mapping, graph.LiveConfig{
		PerUser: cfg.SubscriptionsPerUser, Queue: cfg.SubscriptionQueue, StatementTimeout: cfg.RequestTimeout,
	}, m, logger)
	identities := identity.New(db, identityOpts...)
	resolver := &graph.Resolver{
		CursorKey: cursorKey, Mapping: mapping, Identities: identities,
		Store: db, Tokens: tokens, AccessTokens: access, IDTokens: idTokens, Limiter: limiter,
		ClientIP: httpapi.ClientIPFromContext, Logger: logger, SignupConnection: cfg.Auth0SignupConnection,
		Events: broker, Live: live,
		RevealExistingAccounts: cfg.SignupRevealsExistingAccounts,
	}
	persisted := graph.PersistedQueries{Mode: cfg.PersistedQueries, Manifest: cfg.PersistedManifest, CacheBytes: cfg.PersistedCacheBytes}
	if shared != nil {
		// A document is never longer than a request body; Redis' own maxmemory
		// policy bounds the whole (docs/scaling.md).
		persisted.Cache = redisstore.NewQueryCache(shared, persistedQueryTTL, int(cfg.MaxBodyBytes), logger)
	}
	gql := graph.NewHandler(resolver, graph.HandlerConfig{
		Limits: graph.Limits{TokenLimit: cfg.QueryTokenLimit, MaxDepth: cfg.QueryMaxDepth, MaxComplexity: cfg.QueryMaxComplexity,
			MaxWidth: cfg.QueryMaxWidth, MaxResponseFields: cfg.QueryMaxResponseFields},
		Logger:    logger,
		RequestID: httpapi.RequestIDFromContext,
		Observer:  m,
		Live: graph.LiveTransportConfig{
			InitTimeout: cfg.WSInitTimeout, PingInterval: cfg.WSPingInterval,
			PerConnection: cfg.SubscriptionsPerConnection, PerIP: cfg.WSConnectionsPerIP,
			Revalidate: cfg.SubscriptionRevalidate, ClockSkew: cfg.JWTClockSkew, SSEKeepAlive: cfg.WSPingInterval,
		},
		LiveObserver: m,
		Persisted:    persisted,
		Tracer:       tp,
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
		Schema:         graph.SchemaSource(),
		CORS:           httpapi.CORS{AllowedOrigins: cfg.CORSAllowedOrigins, MaxAge: cfg.CORSMaxAge},
		MaxBodyBytes:   cfg.MaxBodyBytes,
		RequestTimeout: cfg.RequestTimeout,
		TrustedProxies: cfg.TrustedProxies,
		Logger:         logger,
		Tracer:         tp,
	})
	liveCtx, stopLive := context.WithCancel(context.WithoutCancel(ctx))
	go func() { _ = live.Run(liveCtx) }()
	return &App{Handler: handler, Metrics: m, DB: db, Keys: keys, Shared: shared, stopLive: stopLive, stopTracing: stopTracing}, nil
}
