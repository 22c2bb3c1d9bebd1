// Package floor is the benchmark's floor: the exact Cypher the product
// sends for an operation, learned by running the product's own stack
// in-process with a statement observer (Capturer), then replayed straight
// through neo4j-go-driver with no HTTP, no GraphQL and no JWT (Replayer).
// The gap between the product and the floor is what the API layer costs.
package floor

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"time"

	"github.com/gqlneo/gqlneo/app"
	"github.com/gqlneo/gqlneo/auth"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/config"
)

// Statement is one Cypher statement the product sent, with its parameters
// and whether it ran in a write transaction.
type Statement struct {
	Cypher string
	Params map[string]any
	Write  bool
}

// Op is the statements of one GraphQL operation, in the order sent.
type Op []Statement

// writeClause recognises statements that must run in a write transaction.
var writeClause = regexp.MustCompile(`\b(MERGE|CREATE|SET|DELETE|REMOVE)\b`)

// isWrite reports whether cypher writes (and so ran in ExecuteWrite).
func isWrite(cypher string) bool { return writeClause.MatchString(cypher) }

// WithReplacements returns a copy of op in which every top-level string
// parameter equal to a key of repl is replaced by its value. The floor uses
// it to give each replayed createPost a new id and title, as the product
// chooses a new id per request.
func (op Op) WithReplacements(repl map[string]string) Op {
	out := make(Op, len(op))
	for i, st := range op {
		params := make(map[string]any, len(st.Params))
		for k, v := range st.Params {
			if s, ok := v.(string); ok {
				if r, ok := repl[s]; ok {
					v = r
				}
			}
			params[k] = v
		}
		out[i] = Statement{Cypher: st.Cypher, Params: params, Write: st.Write}
	}
	return out
}

// Neo4j says how the floor and the capture stack reach Neo4j: the product's
// settings.
type Neo4j struct {
	URI, Username, Password, Database string
	PoolSize                          int
	// MaxRetryTime is the product's REQUEST_TIMEOUT (its driver retry bound).
	MaxRetryTime time.Duration
}

// CaptureConfig configures the in-process product stack.
type CaptureConfig struct {
	Neo4j Neo4j
	// Issuer is the token issuer URL with a trailing slash; its JWKS must be
	// reachable.
	Issuer, Audience, ClaimsNamespace, ClientID, ClientSecret string
	// CursorSecret must be the running product's, so cursors it issued work.
	CursorSecret []byte
}

// Capturer runs the product's stack, built by app.New exactly as the server
// builds it, on an httptest server and records the statements each request
// sends through app.WithStatementObserver. Requests are captured one at a
// time, so statements are attributed exactly.
type Capturer struct {
	srv *httptest.Server
	app *app.App

	mu       sync.Mutex // serialises Capture
	recMu    sync.Mutex
	recorded []Statement
}

// NewCapturer connects to Neo4j, loads the issuer's keys and starts the
// in-process stack. It fails when the issuer's keys cannot be loaded, since
// every captured request carries a token.
func NewCapturer(ctx context.Context, cfg CaptureConfig) (*Capturer, error) {
	env := map[string]string{
		"NEO4J_URI":              cfg.Neo4j.URI,
		"NEO4J_USERNAME":         cfg.Neo4j.Username,
		"NEO4J_PASSWORD":         cfg.Neo4j.Password,
		"NEO4J_DATABASE":         cfg.Neo4j.Database,
		"AUTH0_DOMAIN":           cfg.Issuer,
		"AUTH0_AUDIENCE":         cfg.Audience,
		"AUTH0_CLAIMS_NAMESPACE": cfg.ClaimsNamespace,
		"AUTH0_CLIENT_ID":        cfg.ClientID,
		"AUTH0_CLIENT_SECRET":    cfg.ClientSecret,
		"CURSOR_SECRET":          string(cfg.CursorSecret),
		"GRAPHIQL_ENABLED":       "false",
	}
	if cfg.Neo4j.PoolSize > 0 {
		env["NEO4J_POOL_SIZE"] = fmt.Sprint(cfg.Neo4j.PoolSize)
	}
	if cfg.Neo4j.MaxRetryTime > 0 {
		// The product's REQUEST_TIMEOUT bounds its driver retries too. The
		// write timeout only has to be longer; nothing here serves with it.
		env["REQUEST_TIMEOUT"] = cfg.Neo4j.MaxRetryTime.String()
		env["HTTP_WRITE_TIMEOUT"] = (2 * cfg.Neo4j.MaxRetryTime).String()
	}
	appCfg, err := app.LoadConfig(func(k string) string { return env[k] })
	if err != nil {
		return nil, fmt.Errorf("capture stack: %w", err)
	}
	c := &Capturer{}
	a, err := app.New(ctx, appCfg, app.WithLogger(slog.New(slog.DiscardHandler)), app.WithStatementObserver(c.observe))
	if err != nil {
		return nil, err
	}
	if !a.Keys.Ready() {
		a.Close()
		return nil, fmt.Errorf("load signing keys from %s: %w", cfg.Issuer, auth.ErrKeysUnavailable)
	}
	c.app = a
	c.srv = httptest.NewServer(a.Handler)
	return c, nil
}

func (c *Capturer) observe(cypher string, params map[string]any) {
	c.recMu.Lock()
	defer c.recMu.Unlock()
	c.recorded = append(c.recorded, Statement{Cypher: cypher, Params: params, Write: isWrite(cypher)})
}

// Capture sends one GraphQL request body with the caller's token and returns
// the statements it caused and the response body. A non-200 answer or a
// response with errors is an error.
func (c *Capturer) Capture(ctx context.Context, token string, body []byte) (Op, []byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.recMu.Lock()
	c.recorded = nil
	c.recMu.Unlock()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.srv.URL+"/graphql", bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.srv.Client().Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusOK || bytes.Contains(out, []byte(`"errors":`)) {
		return nil, out, fmt.Errorf("capture: HTTP %d: %.300s", resp.StatusCode, out)
	}
	c.recMu.Lock()
	op := Op(append([]Statement(nil), c.recorded...))
	c.recMu.Unlock()
	if len(op) == 0 {
		return nil, out, fmt.Errorf("capture: the request sent no statement")
	}
	return op, out, nil
}

// Close stops the in-process stack.
func (c *Capturer) Close() {
	if c.srv != nil {
		c.srv.Close()
	}
	if c.app != nil {
		c.app.Close()
	}
}

// Replayer sends captured operations straight through the driver, as the
// product's repository does: one session per statement, a read as one
// auto-commit transaction, a write in ExecuteWrite, on the same database
// with the same pool size, consuming every record.
type Replayer struct {
	driver   neo4j.DriverWithContext
	database string
}

// NewReplayer creates the floor's driver and checks it can connect.
func NewReplayer(ctx context.Context, n Neo4j) (*Replayer, error) {
	driver, err := neo4j.NewDriverWithContext(n.URI, neo4j.BasicAuth(n.Username, n.Password, ""), func(c *config.Config) {
		if n.MaxRetryTime > 0 {
			c.MaxTransactionRetryTime = n.MaxRetryTime
		}
		c.SocketConnectTimeout = 5 * time.Second
		if n.PoolSize > 0 {
			c.MaxConnectionPoolSize = n.PoolSize
		}
	})
	if err != nil {
		return nil, err
	}
	if err := driver.VerifyConnectivity(ctx); err != nil {
		_ = driver.Close(ctx)
		return nil, err
	}
	return &Replayer{driver: driver, database: n.Database}, nil
}

// Run replays one operation.
func (r *Replayer) Run(ctx context.Context, op Op) error {
	for _, st := range op {
		if err := r.runOne(ctx, st); err != nil {
			return err
		}
	}
	return nil
}

func (r *Replayer) runOne(ctx context.Context, st Statement) error {
	if !st.Write {
		session := r.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: r.database, AccessMode: neo4j.AccessModeRead})
		defer session.Close(ctx)
		res, err := session.Run(ctx, st.Cypher, st.Params)
		if err != nil {
			return err
		}
		_, err = res.Collect(ctx)
		return err
	}
	session := r.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: r.database, AccessMode: neo4j.AccessModeWrite})
	defer session.Close(ctx)
	_, err := session.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		res, err := tx.Run(ctx, st.Cypher, st.Params)
		if err != nil {
			return nil, err
		}
		return res.Collect(ctx)
	})
	return err
}

// Close releases the driver.
func (r *Replayer) Close(ctx context.Context) error { return r.driver.Close(ctx) }
