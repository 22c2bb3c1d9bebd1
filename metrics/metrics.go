// Package metrics holds the server's Prometheus collectors in one registry:
// HTTP requests, GraphQL operations and their latency, errors per code, and
// `cypher_statements_total`, the count of every Cypher statement sent, and
// the subscriptions' sockets, running subscriptions and events.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is the registry and its collectors. Its methods are safe for
// concurrent use.
type Metrics struct {
	registry   *prometheus.Registry
	operations *prometheus.HistogramVec
	errors     *prometheus.CounterVec
	requests   *prometheus.CounterVec
	// CypherStatements counts every Cypher statement sent to Neo4j.
	CypherStatements prometheus.Counter
	live             liveCollectors
}

// New creates the collectors and registers them, with the Go runtime and
// process collectors, in a fresh registry.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		operations: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "graphql_operation_duration_seconds",
			Help:    "Latency of GraphQL operations by operation name (names beyond a fixed number are reported as other).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"operation"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "graphql_errors_total",
			Help: "GraphQL errors answered, by extensions.code.",
		}, []string{"code"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total",
			Help: "HTTP requests by route and status code.",
		}, []string{"route", "status"}),
		CypherStatements: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "cypher_statements_total",
			Help: "Cypher statements sent to Neo4j.",
		}),
		live: newLiveCollectors(),
	}
	m.registry.MustRegister(m.live.collectors()...)
	m.registry.MustRegister(m.operations, m.errors, m.requests, m.CypherStatements,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveOperation records one GraphQL operation's latency.
func (m *Metrics) ObserveOperation(name string, d time.Duration) {
	m.operations.WithLabelValues(name).Observe(d.Seconds())
}

// ObserveError counts one GraphQL error by code.
func (m *Metrics) ObserveError(code string) { m.errors.WithLabelValues(code).Inc() }

// ObserveRequest counts one HTTP request by route and status.
func (m *Metrics) ObserveRequest(route string, status int) {
	m.requests.WithLabelValues(route, http.StatusText(status)).Inc()
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}
