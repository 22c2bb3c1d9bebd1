package neo4jrepo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/config"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/log"

	"go.opentelemetry.io/otel/trace"

	"github.com/gqlneo/gqlneo/bookmarks"
	"github.com/gqlneo/gqlneo/cypher"
)

// Config says how to reach Neo4j. The server's configuration fills it from
// the environment.
type Config struct {
	// URI is the Bolt URI, for example bolt://127.0.0.1:7687 or neo4j+s://host.
	URI string
	// Username and Password are the basic-auth credentials.
	Username string
	Password string
	// Database is the database every session names explicitly.
	Database string
	// MaxRetryTime bounds the driver's retries of a managed transaction; keep
	// it at or below the request deadline.
	MaxRetryTime time.Duration
	// ConnectTimeout bounds each attempt to get a connection for a
	// transaction: both opening one TCP connection and waiting for a free one
	// when the pool is full (the driver's SocketConnectTimeout and
	// ConnectionAcquisitionTimeout). A timed-out attempt is retried within
	// MaxRetryTime; the request's context still applies, and the earlier
	// deadline wins. Zero keeps the driver's defaults (5s to connect, 1m to
	// acquire).
	ConnectTimeout time.Duration
	// PoolSize is the maximum number of connections in the pool.
	PoolSize int
	// MaxInFlight bounds the transactions run at once (see admission);
	// zero means PoolSize (100 when that is zero too), so a transaction
	// that is admitted never waits for a pooled connection.
	MaxInFlight int
	// QueueWait is how long a transaction waits for a free slot when
	// MaxInFlight are running before it fails with domain.ErrOverloaded;
	// zero refuses at once.
	QueueWait time.Duration
	// Mapping is the schema's graph mapping the root queries and mutation
	// read-backs compile against; nil for tools that use only the identity
	// store.
	Mapping *cypher.Mapping
}

// Counter is what the repository needs of a metric: the
// `cypher_statements_total` counter. A Prometheus counter satisfies it.
type Counter interface{ Inc() }

type noCounter struct{}

func (noCounter) Inc() {}

// DB is the process's one Neo4j driver plus the database name. It is safe for
// concurrent use.
type DB struct {
	driver     neo4j.DriverWithContext
	database   string
	compiler   *cypher.Compiler
	statements Counter
	admission  *admission
	// boltLogger, when set (by this package's tests), sees the Bolt
	// messages of every managed transaction.
	boltLogger log.BoltLogger
	// observe, when set, sees every statement before it is sent.
	observe func(cypher string, params map[string]any)
	tracer  trace.Tracer
	log     *slog.Logger
	// recent feeds admission's warm-up after a Neo4j restart.
	recent recentStatements
}

// Option configures a DB.
type Option func(*DB)

// WithStatementCounter makes the DB count every Cypher statement it sends.
// Default: statements are not counted.
func WithStatementCounter(c Counter) Option {
	return func(db *DB) { db.statements = c }
}

// WithLogger makes the DB log what it decides about Neo4j as a whole: found
// down, answering again and readmitted (warning and info), each statement
// the warm-up planned (debug; the parameterised text's length, never
// values). Default: nothing is logged.
func WithLogger(l *slog.Logger) Option {
	return func(db *DB) {
		if l != nil {
			db.log = l
		}
	}
}

// WithStatementObserver calls observe with every statement and its
// parameters before the statement is sent. The benchmark's floor uses it to
// learn the exact Cypher the server generates; the server does not, since
// parameters hold personal data.
func WithStatementObserver(observe func(cypher string, params map[string]any)) Option {
	return func(db *DB) { db.observe = observe }
}

// Open creates the driver and starts watching Neo4j (see admission); call
// Verify to check the connection and credentials (the server does so at
// start), and Close to stop.
func Open(cfg Config, opts ...Option) (*DB, error) {
	driver, err := neo4j.NewDriverWithContext(cfg.URI, neo4j.BasicAuth(cfg.Username, cfg.Password, ""), cfg.driverConfig)
	if err != nil {
		return nil, fmt.Errorf("neo4jrepo: create driver: %w", err)
	}
	db := &DB{driver: driver, database: cfg.Database, statements: noCounter{}, tracer: noTracer, log: slog.New(slog.DiscardHandler),
		admission: newAdmission(cfg.maxInFlight(), cfg.QueueWait)}
	if cfg.Mapping != nil {
		db.compiler = cypher.NewCompiler(cfg.Mapping)
	}
	db.admission.warm = db.warm
	for _, opt := range opts {
		opt(db)
	}
	db.admission.log = db.log
	go db.admission.watch(db.probe)
	return db, nil
}

// driverConfig applies cfg to the driver's configuration; zero fields keep
// the driver's defaults.
func (cfg Config) driverConfig(c *config.Config) {
	if cfg.MaxRetryTime > 0 {
		c.MaxTransactionRetryTime = cfg.MaxRetryTime
	}
	if cfg.ConnectTimeout > 0 {
		// Without the acquisition timeout, a request that finds the pool full
		// would wait up to the driver's default minute (or its own deadline)
		// instead of the configured bound.
		c.SocketConnectTimeout = cfg.ConnectTimeout
		c.ConnectionAcquisitionTimeout = cfg.ConnectTimeout
	}
	if cfg.PoolSize > 0 {
		c.MaxConnectionPoolSize = cfg.PoolSize
	}
}

// maxInFlight is MaxInFlight with its default.
func (cfg Config) maxInFlight() int {
	switch {
	case cfg.MaxInFlight > 0:
		return cfg.MaxInFlight
	case cfg.PoolSize > 0:
		return cfg.PoolSize
	}
	return 100
}

// Verify checks that Neo4j is reachable and the credentials work.
func (db *DB) Verify(ctx context.Context) error {
	return classify(ctx, "verify connectivity", db.driver.VerifyConnectivity(ctx))
}

// Ping runs a trivial read on the configured database, for readiness probes.
// It takes no admission slot: readiness says whether Neo4j answers, and a
// probe refused because this server is busy would say the wrong thing. While
// admission knows Neo4j to be down, it fails at once.
func (db *DB) Ping(ctx context.Context) error {
	if db.admission.isDown() {
		return classify(ctx, "ping", errNeo4jDown)
	}
	_, err := execute(ctx, db, neo4j.AccessModeRead, false, func(tx neo4j.ManagedTransaction) (struct{}, error) {
		_, err := db.run(ctx, tx, "RETURN 1", nil)
		return struct{}{}, err
	})
	return classify(ctx, "ping", err)
}

// probe asks Neo4j for `RETURN 1` in one attempt, outside admission and
// without the driver's retries: admission's test of whether Neo4j can be
// reached at all.
func (db *DB) probe(ctx context.Context) error {
	session := db.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: db.database, AccessMode: neo4j.AccessModeRead})
	defer session.Close(ctx)
	res, err := session.Run(ctx, "RETURN 1", nil)
	if err != nil {
		return err
	}
	_, err = res.Consume(ctx)
	return err
}

// Close releases the driver's connections.
func (db *DB) Close(ctx context.Context) error {
	db.admission.close()
	return db.driver.Close(ctx)
}

// run sends one statement. It is the only place the package sends Cypher, so
// the statement counter is exact.
func (db *DB) run(ctx context.Context, tx neo4j.ManagedTransaction, cypher string, params map[string]any) (neo4j.ResultWithContext, error) {
	db.statements.Inc()
	db.recent.note(cypher, params)
	if db.observe != nil {
		db.observe(cypher, params)
	}
	t, span := startStatement(ctx, tx, db, cypher)
	res, err := tx.Run(ctx, cypher, params)
	statementSent(t, span, res, err)
	return res, err
}

// runAuto sends one statement outside a managed transaction; schema commands
// need that.
func (db *DB) runAuto(ctx context.Context, cypher string) error {
	session := db.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: db.database})
	defer session.Close(ctx)
	db.statements.Inc()
	res, err := session.Run(ctx, cypher, nil)
	if err != nil {
		return err
	}
	_, err = res.Consume(ctx)
	return err
}

// read runs work in a managed read transaction on the configured database,
// on a member that has applied the request's bookmarks (package bookmarks).
func read[T any](ctx context.Context, db *DB, work func(tx neo4j.ManagedTransaction) (T, error)) (T, error) {
	return execute(ctx, db, neo4j.AccessModeRead, true, work)
}

// write runs work in a managed write transaction on the configured database,
// after the request's bookmarks, and records the bookmark of the commit for
// the request's answer. The driver may retry work, so work must be
// idempotent.
func write[T any](ctx context.Context, db *DB, work func(tx neo4j.ManagedTransaction) (T, error)) (T, error) {
	return execute(ctx, db, neo4j.AccessModeWrite, true, work)
}

// execute runs work in a managed transaction of mode: admitted first (when
// admit), and with a Neo4j transaction timeout of the time ctx has left, so
// Neo4j stops the work when the request gives up on it. The driver's
// retries stop at ctx's deadline too (its retry loop and back-off sleeps
// watch ctx); a retried attempt keeps the first attempt's timeout, so Neo4j
// may run it past the deadline by at most the time the earlier attempts
// took.
func execute[T any](ctx context.Context, db *DB, mode neo4j.AccessMode, admit bool, work func(tx neo4j.ManagedTransaction) (T, error)) (T, error) {
	var zero T
	if admit {
		txCtx, done, err := db.admission.acquire(ctx)
		if err != nil {
			return zero, err
		}
		out, err := transaction(txCtx, db, mode, work)
		if err != nil && ctx.Err() == nil && errors.Is(context.Cause(txCtx), errNeo4jDown) {
			// Cancelled because Neo4j went down while it ran.
			err = fmt.Errorf("%w: %w", errNeo4jDown, err)
		}
		done(err)
		return out, err
	}
	return transaction(ctx, db, mode, work)
}

// transaction runs work in a managed transaction of mode, as execute
// describes. A read is first sent as an auto-commit transaction: RUN and
// PULL in one round trip to Neo4j, where a managed transaction takes three
// (BEGIN; RUN and PULL; COMMIT) — on a small read, two thirds of the
// driver's work. Only when that attempt fails as the driver would retry
// does the read go through the driver's managed transaction and its
// retries.
func transaction[T any](ctx context.Context, db *DB, mode neo4j.AccessMode, work func(tx neo4j.ManagedTransaction) (T, error)) (T, error) {
	var zero T
	var configurers []func(*neo4j.TransactionConfig)
	timeout, ok, err := txTimeout(ctx, time.Now())
	if err != nil {
		return zero, err
	}
	if ok {
		configurers = append(configurers, neo4j.WithTxTimeout(timeout))
	}
	session := db.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: db.database, AccessMode: mode, BoltLogger: db.boltLogger,
		Bookmarks: neo4j.BookmarksFromRawValues(bookmarks.After(ctx)...)})
	defer session.Close(ctx)
	if mode == neo4j.AccessModeRead {
		out, err := autoCommit(ctx, session, traced(ctx, db, "read", work), configurers)
		if err == nil || !retryable(err) || ctx.Err() != nil {
			return out, err
		}
		return neo4j.ExecuteRead(ctx, session, traced(ctx, db, "read", work), configurers...)
	}
	out, err := neo4j.ExecuteWrite(ctx, session, traced(ctx, db, "write", work), configurers...)
	if err == nil {
		bookmarks.Wrote(ctx, neo4j.BookmarksToRawValues(session.LastBookmarks()))
	}
	return out, err
}

// autoCommit runs work, whose one statement becomes an auto-commit
// transaction of session carrying configurers (the transaction timeout).
// A read's work sends one statement; a second one is refused, since it
// would not see the first one's snapshot. The statement's result is read
// to its end once work returns, as a commit would: an error after the rows
// work read (a failure on a later row) is the read's error.
func autoCommit[T any](ctx context.Context, session neo4j.SessionWithContext, work func(tx neo4j.ManagedTransaction) (T, error), configurers []func(*neo4j.TransactionConfig)) (T, error) {
	tx := &autoCommitTx{session: session, configurers: configurers}
	out, err := work(tx)
	if err == nil && tx.result != nil {
		if _, err = tx.result.Consume(ctx); err != nil {
			var zero T
			return zero, err
		}
	}
	return out, err
}

// autoCommitTx is the transaction autoCommit hands to work. Its embedded
// ManagedTransaction stays nil: work calls only Run.
type autoCommitTx struct {
	neo4j.ManagedTransaction
	session     neo4j.SessionWithContext
	configurers []func(*neo4j.TransactionConfig)
	sent        bool
	result      neo4j.ResultWithContext
}

// errSecondStatement is a read whose work sends more than one statement.
var errSecondStatement = errors.New("neo4jrepo: a read sends one statement")

// Run sends the statement as an auto-commit transaction.
func (t *autoCommitTx) Run(ctx context.Context, cypher string, params map[string]any) (neo4j.ResultWithContext, error) {
	if t.sent {
		return nil, errSecondStatement
	}
	t.sent = true
	res, err := t.session.Run(ctx, cypher, params, t.configurers...)
	t.result = res
	return res, err
}

// retryable says whether the driver would retry a managed transaction that
// failed with err: a lost connection, a transient Neo4j error, or no free
// connection in time.
func retryable(err error) bool {
	var connErr *neo4j.ConnectivityError
	var neoErr *neo4j.Neo4jError
	switch {
	case errors.As(err, &connErr):
		return true
	case errors.As(err, &neoErr):
		return neoErr.IsRetriable()
	}
	return neo4j.IsRetryable(err)
}
