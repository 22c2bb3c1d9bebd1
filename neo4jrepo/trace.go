package neo4jrepo

import (
	"context"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// tracerName names the spans this package makes.
const tracerName = "github.com/gqlneo/gqlneo/neo4jrepo"

// WithTracerProvider makes the DB start a span for every Cypher statement,
// a child of the span in the statement's context (the GraphQL operation's):
// the database, whether the transaction reads or writes, the statement
// text (parameterised, so it holds no value), the Neo4j member that
// answered and the update counters. Parameter values are never recorded.
// Default: no spans.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(db *DB) {
		if tp != nil {
			db.tracer = tp.Tracer(tracerName)
		}
	}
}

var noTracer = noop.NewTracerProvider().Tracer(tracerName)

// tracedTx is the transaction the package's work functions receive: the
// driver's, plus what the spans of its statements need. A retried
// transaction gets a new one, so each attempt has its own spans.
type tracedTx struct {
	neo4j.ManagedTransaction
	db    *DB
	mode  string // "read" or "write"
	spans []statementSpan
}

type statementSpan struct {
	span   trace.Span
	result neo4j.ResultWithContext
}

// traced wraps work so its statements are traced; see tracedTx.
func traced[T any](ctx context.Context, db *DB, mode string, work func(tx neo4j.ManagedTransaction) (T, error)) func(tx neo4j.ManagedTransaction) (T, error) {
	return func(tx neo4j.ManagedTransaction) (T, error) {
		t := &tracedTx{ManagedTransaction: tx, db: db, mode: mode}
		out, err := work(t)
		t.finish(ctx, err)
		return out, err
	}
}

// startStatement starts the span of one statement sent through tx; the
// span ends when the transaction's work returns (finish), or now when the
// statement failed to start.
func startStatement(ctx context.Context, tx neo4j.ManagedTransaction, db *DB, cypher string) (*tracedTx, trace.Span) {
	t, ok := tx.(*tracedTx)
	mode := "unknown"
	if ok {
		mode = t.mode
	}
	_, span := db.tracer.Start(ctx, "cypher "+mode, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(
			attribute.String("db.system.name", "neo4j"),
			attribute.String("db.namespace", db.database),
			attribute.String("db.operation.name", mode),
			attribute.String("db.query.text", cypher),
		))
	return t, span
}

// statementSent records the outcome of tx.Run on span.
func statementSent(t *tracedTx, span trace.Span, res neo4j.ResultWithContext, err error) {
	if err != nil {
		span.SetStatus(codes.Error, "statement refused")
		span.End()
		return
	}
	if t == nil || !span.IsRecording() {
		span.End()
		return
	}
	t.spans = append(t.spans, statementSpan{span: span, result: res})
}

// finish ends the spans of the transaction's statements with their
// counters. Consuming a result the work has not read to its end discards
// the rest, as committing would.
func (t *tracedTx) finish(ctx context.Context, workErr error) {
	for _, s := range t.spans {
		summary, err := s.result.Consume(ctx)
		if err == nil && summary != nil {
			c := summary.Counters()
			s.span.SetAttributes(
				attribute.String("server.address", summary.Server().Address()),
				attribute.Int("neo4j.counters.nodes_created", c.NodesCreated()),
				attribute.Int("neo4j.counters.nodes_deleted", c.NodesDeleted()),
				attribute.Int("neo4j.counters.relationships_created", c.RelationshipsCreated()),
				attribute.Int("neo4j.counters.relationships_deleted", c.RelationshipsDeleted()),
				attribute.Int("neo4j.counters.properties_set", c.PropertiesSet()),
				attribute.Int("neo4j.counters.labels_added", c.LabelsAdded()),
			)
		}
		if workErr != nil {
			s.span.SetStatus(codes.Error, "transaction failed")
		}
		s.span.End()
	}
	t.spans = nil
}
