// Command server is the GraphQL API: gqlgen over Neo4j with Auth0 access
// tokens. This file only wires: config → driver → neo4jrepo → auth → graph →
// http.Server, with graceful shutdown. Configuration is read from the
// environment (see README.md).
package main

//go:generate go tool gqlgen generate

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gqlneo/gqlneo/auth"
	"github.com/gqlneo/gqlneo/domain"
	"github.com/gqlneo/gqlneo/graph"
	"github.com/gqlneo/gqlneo/httpapi"
	"github.com/gqlneo/gqlneo/identity"
	"github.com/gqlneo/gqlneo/metrics"
	"github.com/gqlneo/gqlneo/neo4jrepo"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

// run loads the configuration, builds the app and serves until ctx ends.
func run(ctx context.Context, getenv func(string) string, logOut io.Writer) error {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return err
	}
	logger := newLogger(logOut, cfg.LogLevel)
	app, err := newApp(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer app.Close()

	srv := &http.Server{
		Addr:              cfg.HTTPAddr,
		Handler:           app.Handler,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("HTTP_ADDR: cannot listen on %s: %w", cfg.HTTPAddr, err)
	}
	logger.Info("listening", "addr", "http://"+ln.Addr().String(), "graphiql", cfg.GraphiQL)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if cfg.DebugAddr != "" {
		debug := &http.Server{Handler: httpapi.DebugHandler(), ReadHeaderTimeout: cfg.ReadHeaderTimeout}
		dl, err := net.Listen("tcp", cfg.DebugAddr)
		if err != nil {
			return fmt.Errorf("DEBUG_ADDR: cannot listen on %s: %w", cfg.DebugAddr, err)
		}
		logger.Info("serving pprof", "addr", "http://"+dl.Addr().String()+"/debug/pprof/")
		go func() { _ = debug.Serve(dl) }()
		defer debug.Close()
	}

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(httpapi.LogHandler{Handler: slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})})
}

// app is the wired server: its HTTP handler and what must be closed.
type app struct {
	Handler http.Handler
	Metrics *metrics.Metrics
	DB      *neo4jrepo.DB
	Keys    *auth.KeySet
}

// Close releases the Neo4j driver.
func (a *app) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = a.DB.Close(ctx)
}

// newApp connects to Neo4j, prepares the schema, loads the signing keys and
// builds the handler. End-to-end tests call it with their own configuration.
func newApp(ctx context.Context, cfg *Config, logger *slog.Logger) (*app, error) {
	m := metrics.New()
	mapping, err := graph.LoadMapping()
	if err != nil {
		return nil, err
	}
	db, err := neo4jrepo.Open(neo4jrepo.Config{
		URI: cfg.Neo4jURI, Username: cfg.Neo4jUsername, Password: cfg.Neo4jPassword, Database: cfg.Neo4jDatabase,
		MaxRetryTime: cfg.RequestTimeout, ConnectTimeout: cfg.Neo4jConnectTimeout, PoolSize: cfg.Neo4jPoolSize,
		Mapping: mapping,
	}, neo4jrepo.WithStatementCounter(m.CypherStatements))
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
	return &app{Handler: handler, Metrics: m, DB: db, Keys: keys}, nil
}
