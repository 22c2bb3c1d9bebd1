// Package neo4jrepo is the only package that speaks Cypher and the only one
// that sees neo4j-go-driver types. It opens the process's single driver,
// creates the schema (constraints) idempotently at start, and offers typed
// methods that run parameterised statements in managed transactions with the
// caller's request context. Every statement sent goes through one function,
// which counts it, so the `cypher_statements_total` metric is exact.
//
// Every transaction is admitted first (at most Config.MaxInFlight at once,
// a short Config.QueueWait for a slot, then domain.ErrOverloaded) and carries
// a Neo4j transaction timeout of the time its context has left.
//
// Errors: ErrNotFound when a looked-up object does not exist, ErrOverloaded
// when the transaction was not admitted, ErrUnavailable when Neo4j cannot be
// reached or cannot serve now (a failed Bolt handshake included), a wrapped
// context.DeadlineExceeded when Neo4j's transaction timeout stopped it;
// anything else is an internal error whose text must never reach a client.
package neo4jrepo
