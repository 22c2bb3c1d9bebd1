// Command auth0 runs a local Auth0-compatible issuer for development: the fake tenant of package
// tenant on a real port, with the demo users from a users file.
//
// It is a development tool and is never linked into the API server. Run it from the repository
// root (the default users file path is relative to the working directory):
//
//	go run ./dev/auth0 [-addr 127.0.0.1:8081] [-users dev/auth0/users.json] [-dev-controls=true]
//
// Flags default to the environment variables AUTH0_DEV_ADDR, AUTH0_DEV_USERS, AUTH0_DEV_BASE_URL
// and AUTH0_DEV_CONTROLS. When the issuer is listening it prints exactly one line to standard
// output, "AUTH0 DEV ISSUER READY <issuer>", which scripts can wait for; request logs go to
// standard error and never include request bodies.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/gqlneo/gqlneo/dev/auth0/tenant"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "auth0 dev issuer:", err)
		os.Exit(1)
	}
}

// run parses the flags, serves the tenant until ctx is cancelled and then shuts down gracefully.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("auth0", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", envOr(getenv, "AUTH0_DEV_ADDR", "127.0.0.1:8081"), "listen address (env AUTH0_DEV_ADDR)")
	usersPath := fs.String("users", envOr(getenv, "AUTH0_DEV_USERS", "dev/auth0/users.json"), "users file, relative to the working directory (env AUTH0_DEV_USERS)")
	baseURL := fs.String("base-url", getenv("AUTH0_DEV_BASE_URL"), "public base URL; default http://<listen address>, with 127.0.0.1 for an unspecified host (env AUTH0_DEV_BASE_URL)")
	devControlsDefault := true
	if v := getenv("AUTH0_DEV_CONTROLS"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("AUTH0_DEV_CONTROLS=%q is not a boolean", v)
		}
		devControlsDefault = b
	}
	devControls := fs.Bool("dev-controls", devControlsDefault, "serve POST /__dev/rotate-keys, /__dev/revoke-previous, ... (env AUTH0_DEV_CONTROLS)")
	if err := fs.Parse(args); err != nil {
		return err
	}

	logger := slog.New(slog.NewTextHandler(stderr, nil))
	users, err := tenant.ReadUsersFile(*usersPath)
	if err != nil {
		return fmt.Errorf("read users (set -users or AUTH0_DEV_USERS, and run from the repository root): %w", err)
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s (set -addr or AUTH0_DEV_ADDR): %w", *addr, err)
	}
	defer ln.Close()
	if *baseURL == "" {
		*baseURL = baseURLFor(ln.Addr().(*net.TCPAddr))
	}
	t, err := tenant.New(*baseURL,
		tenant.WithUsers(users...),
		tenant.WithDevControls(*devControls),
		tenant.WithLogger(logger),
		tenant.WithBcryptCost(10),
	)
	if err != nil {
		return err
	}
	defer t.Close()

	srv := &http.Server{
		Handler:           t,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	logger.Info("fake Auth0 tenant configured",
		"client_id", tenant.DevClientID, "audience", tenant.DevAudience,
		"default_connection", tenant.DatabaseConnection, "users", len(users), "dev_controls", *devControls)
	fmt.Fprintf(stdout, "AUTH0 DEV ISSUER READY %s\n", t.Issuer())

	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	t.Close() // releases requests held by an artificial delay
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-serveErr; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func envOr(getenv func(string) string, key, fallback string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return fallback
}

// baseURLFor derives the public URL from the listening address. An unspecified host (":8081",
// "0.0.0.0:8081") becomes 127.0.0.1, because the issuer must be an address clients can reach.
func baseURLFor(a *net.TCPAddr) string {
	host := a.IP.String()
	if a.IP == nil || a.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(a.Port))
}
