package app

import (
	"io"
	"log/slog"

	"go.opentelemetry.io/otel/trace"

	"github.com/gqlneo/gqlneo/events"
	"github.com/gqlneo/gqlneo/httpapi"
)

// Option changes how New builds the App.
type Option func(*options)

// options are what Option sets; New fills the defaults.
type options struct {
	logger  *slog.Logger
	observe func(cypher string, params map[string]any)
	broker  events.Broker
	tracer  trace.TracerProvider
}

// WithTracerProvider sends the App's spans (HTTP request → GraphQL operation
// → Cypher statement) to tp instead of the OTLP exporter that
// OTEL_EXPORTER_OTLP_ENDPOINT configures; tests pass an SDK provider with an
// in-memory exporter. The caller owns tp. The default is the exporter when
// the endpoint is set, else no spans.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(o *options) { o.tracer = tp }
}

// WithLogger makes the App log to logger. The default is JSON to standard
// output at cfg.LogLevel, as NewLogger(os.Stdout, cfg.LogLevel) builds it.
func WithLogger(logger *slog.Logger) Option {
	return func(o *options) { o.logger = logger }
}

// WithStatementObserver calls observe with every Cypher statement and its
// parameters before the statement is sent (neo4jrepo.WithStatementObserver).
// It exists for tools such as the benchmark's floor, which learns the exact
// Cypher the server sends; the server itself sets none, since parameters
// hold personal data. The default is no observer.
func WithStatementObserver(observe func(cypher string, params map[string]any)) Option {
	return func(o *options) { o.observe = observe }
}

// NewLogger returns the server's logger: JSON lines to w at level (debug,
// info, warn or error; anything else is info), with the request id of the
// record's context added by httpapi.LogHandler.
func NewLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(httpapi.LogHandler{Handler: slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})})
}

// WithBroker makes the App publish and read events through b (a broker
// shared by several replicas). The default is an in-process
// events.NewMemory(), which serves a single replica.
func WithBroker(b events.Broker) Option {
	return func(o *options) { o.broker = b }
}
