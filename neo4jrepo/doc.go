// Package neo4jrepo is the only package that speaks Cypher and the only one
// that sees neo4j-go-driver types. It opens the process's single driver,
// creates the schema (constraints) idempotently at start, and offers typed
// methods that run parameterised statements in managed transactions with the
// caller's request context. Every statement sent goes through one function,
// which counts it, so the `cypher_statements_total` metric is exact.
//
// Errors: ErrNotFound when a looked-up object does not exist, ErrUnavailable
// when Neo4j cannot be reached within the caller's deadline; anything else is
// an internal error whose text must never reach a client.
package neo4jrepo
