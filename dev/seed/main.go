package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if err != errUsage { // the bare errUsage has nothing to add to the usage
			fmt.Fprintln(os.Stderr, "seed:", err)
		}
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// errUsage marks a command line that could not be understood; the usage has
// been printed already.
var errUsage = errors.New("usage")

const usage = `Usage: go run ./dev/seed <command> [flags]

Commands:
  demo             load the small demo graph for the dev issuer's demo users (idempotent)
  generate         load a large deterministic graph for tests and benchmarks (idempotent)
  reset-generated  delete what generate loaded under -prefix
  counts           print node and relationship counts

Connection flags (every command):
  -uri       Bolt URI (env NEO4J_URI, default bolt://127.0.0.1:7687)
  -user      user name (env NEO4J_USERNAME, default neo4j)
  -password  password (env NEO4J_PASSWORD; when both are unset and the URI is
             loopback, the dev launcher's password dev-password is used)
  -database  database (env NEO4J_DATABASE, default neo4j)

Run "go run ./dev/seed <command> -h" for a command's own flags.
`

// run is the whole program; main only adds the process's context, streams
// and exit status.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	cmd, args := args[0], args[1:]
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	conn := addConnFlags(fs, getenv)
	var action func(ctx context.Context, s *store) error
	switch cmd {
	case "demo":
		action = func(ctx context.Context, s *store) error { return runDemo(ctx, s) }
	case "generate":
		cfg := defaultGenConfig()
		fs.StringVar(&cfg.Prefix, "prefix", cfg.Prefix, "prefix of generated subjects (<prefix>|<n>), tag names and ids")
		fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "random seed: the same flags always give the same graph")
		fs.IntVar(&cfg.Users, "users", cfg.Users, "number of users, each with an Identity")
		fs.IntVar(&cfg.Posts, "posts", cfg.Posts, "number of posts, Zipf-distributed over users")
		fs.IntVar(&cfg.Follows, "follows", cfg.Follows, "number of follows, Zipf-distributed over followed users")
		fs.IntVar(&cfg.Likes, "likes", cfg.Likes, "number of likes, Zipf-distributed over visible posts")
		fs.IntVar(&cfg.Comments, "comments", cfg.Comments, "number of comments, Zipf-distributed over visible posts")
		fs.IntVar(&cfg.Tags, "tags", cfg.Tags, "number of tags, Zipf-distributed usage, 0-3 per post")
		batch := fs.Int("batch", 5000, "rows per write transaction")
		dryRun := fs.Bool("dry-run", false, "generate and describe the graph, but do not connect to Neo4j")
		if err := fs.Parse(args); err != nil {
			return parseErr(err)
		}
		if *batch < 1 {
			return fmt.Errorf("-batch %d: must be at least 1", *batch)
		}
		g, err := generateAndDescribe(cfg, stdout)
		if err != nil || *dryRun {
			return err
		}
		action = func(ctx context.Context, s *store) error { return runGenerate(ctx, s, cfg, g, *batch) }
	case "reset-generated":
		prefix := fs.String("prefix", "gen", "prefix that generate used")
		if err := fs.Parse(args); err != nil {
			return parseErr(err)
		}
		if !prefixPattern.MatchString(*prefix) {
			return fmt.Errorf("-prefix %q: not a prefix generate accepts", *prefix)
		}
		action = func(ctx context.Context, s *store) error {
			start := time.Now()
			fmt.Fprintf(s.out, "deleting generated data with prefix %q\n", *prefix)
			t, err := s.resetGenerated(ctx, *prefix)
			if err != nil {
				return err
			}
			fmt.Fprintf(s.out, "reset done in %.1fs: -%d nodes, -%d relationships\n", time.Since(start).Seconds(), t.nodesDeleted, t.relsDeleted)
			return nil
		}
	case "counts":
		action = func(ctx context.Context, s *store) error {
			cs, err := s.counts(ctx)
			if err == nil {
				printCounts(s.out, cs)
			}
			return err
		}
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
	}
	if !fs.Parsed() {
		if err := fs.Parse(args); err != nil {
			return parseErr(err)
		}
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}

	password, source, err := resolvePassword(conn.password, getenv("NEO4J_PASSWORD"), conn.uri)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "seed: %s as %s, database %s, password from %s\n", conn.uri, conn.user, conn.database, source)
	driver, err := neo4j.NewDriverWithContext(conn.uri, neo4j.BasicAuth(conn.user, password, ""))
	if err != nil {
		return fmt.Errorf("-uri %q: %w", conn.uri, err)
	}
	defer driver.Close(context.WithoutCancel(ctx))
	if err := driver.VerifyConnectivity(ctx); err != nil {
		return fmt.Errorf("cannot reach Neo4j at %s as %s (is it running? is the password right?): %w", conn.uri, conn.user, err)
	}
	s := &store{driver: driver, database: conn.database, out: stdout}
	return action(ctx, s)
}

func parseErr(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return fmt.Errorf("%w: %v", errUsage, err)
}

// connFlags are the connection settings every command takes.
type connFlags struct {
	uri, user, password, database string
}

func addConnFlags(fs *flag.FlagSet, getenv func(string) string) *connFlags {
	c := &connFlags{}
	fs.StringVar(&c.uri, "uri", envOr(getenv, "NEO4J_URI", "bolt://127.0.0.1:7687"), "Bolt URI (env NEO4J_URI)")
	fs.StringVar(&c.user, "user", envOr(getenv, "NEO4J_USERNAME", "neo4j"), "user name (env NEO4J_USERNAME)")
	// No default shown: the environment's password must not appear in -h.
	fs.StringVar(&c.password, "password", "", "password (env NEO4J_PASSWORD; dev-password when unset and the URI is loopback)")
	fs.StringVar(&c.database, "database", envOr(getenv, "NEO4J_DATABASE", "neo4j"), "database (env NEO4J_DATABASE)")
	return c
}

func envOr(getenv func(string) string, name, def string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return def
}

// devPassword is the password the dev Neo4j launcher (dev/neo4j/run.sh)
// gives user neo4j. It is public and only ever used for a loopback URI.
const devPassword = "dev-password"

// resolvePassword picks the password from the flag, else the environment,
// else — only for a Neo4j on this machine — the dev launcher's default. It
// says where the password came from, never what it is (except the public
// dev default).
func resolvePassword(flagValue, envValue, uri string) (password, source string, err error) {
	switch {
	case flagValue != "":
		return flagValue, "-password", nil
	case envValue != "":
		return envValue, "NEO4J_PASSWORD", nil
	case isLoopback(uri):
		return devPassword, "the dev launcher's default dev-password (NEO4J_PASSWORD unset, loopback URI)", nil
	}
	return "", "", fmt.Errorf("NEO4J_PASSWORD is required for %s: set it or pass -password (only a loopback URI falls back to %s)", uri, devPassword)
}

// isLoopback reports whether uri names this machine: localhost or a
// loopback address.
func isLoopback(uri string) bool {
	u, err := url.Parse(uri)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func runDemo(ctx context.Context, s *store) error {
	start := time.Now()
	if err := s.ensureSchema(ctx); err != nil {
		return err
	}
	fmt.Fprintln(s.out, "demo users:")
	_, t, err := s.loadDemo(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out, "demo loaded in %.1fs: %s\ncounts:\n", time.Since(start).Seconds(), t)
	cs, err := s.counts(ctx)
	if err != nil {
		return err
	}
	printCounts(s.out, cs)
	return nil
}

// generateAndDescribe builds the graph and prints its shape.
func generateAndDescribe(cfg genConfig, w io.Writer) (graph, error) {
	start := time.Now()
	g, err := generate(cfg)
	if err != nil {
		return graph{}, err
	}
	st := describe(g)
	fmt.Fprintf(w, "generated prefix=%s seed=%d in %.1fs: %d users, %d posts, %d follows, %d likes, %d comments, %d tags\n",
		cfg.Prefix, cfg.Seed, time.Since(start).Seconds(), len(g.Users), len(g.Posts), len(g.Follows), len(g.Likes), len(g.Comments), len(g.Tags))
	fmt.Fprintf(w, "  posts per user: max %d (%s), mean %.1f, %d users without posts\n", st.maxPosts, st.maxPostsSub, st.meanPosts, st.noPosts)
	fmt.Fprintf(w, "  followers: max %d (%s), mean %.1f; following: max %d\n", st.maxFollowers, st.maxFollowersSub, st.meanFollowers, st.maxFollowing)
	fmt.Fprintf(w, "  visibility: %.1f%% public, %.1f%% followers, %.1f%% private\n", st.visibility[visPublic], st.visibility[visFollowers], st.visibility[visPrivate])
	return g, nil
}

func runGenerate(ctx context.Context, s *store, cfg genConfig, g graph, batch int) error {
	start := time.Now()
	if err := s.ensureSchema(ctx); err != nil {
		return err
	}
	t, err := s.loadGenerated(ctx, cfg.Prefix, g, batch)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out, "loaded in %.1fs: %s\n", time.Since(start).Seconds(), t)
	return nil
}
