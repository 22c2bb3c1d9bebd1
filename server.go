// Command server is the GraphQL API: gqlgen over Neo4j with Auth0 access
// tokens. This file only serves: it reads the configuration from the
// environment (app.LoadConfig; see README.md), builds the app (app.New wires
// config → driver → neo4jrepo → auth → graph), and puts its handler behind
// an http.Server with timeouts, an optional debug listener and graceful
// shutdown.
package main

//go:generate go tool gqlgen generate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/gqlneo/gqlneo/app"
	"github.com/gqlneo/gqlneo/httpapi"
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
	cfg, err := app.LoadConfig(getenv)
	if err != nil {
		return err
	}
	logger := app.NewLogger(logOut, cfg.LogLevel)
	a, err := app.New(ctx, cfg, app.WithLogger(logger))
	if err != nil {
		return err
	}
	defer a.Close()

	srv := &http.Server{
		Addr:              cfg.HTTPAddr,
		Handler:           a.Handler,
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
