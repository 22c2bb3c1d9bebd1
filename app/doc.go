// Package app is the server as a value: it reads the configuration from the
// environment (LoadConfig) and wires config → driver → neo4jrepo → auth →
// graph → httpapi into one http.Handler (New). The command in the
// repository's root serves that handler with timeouts and graceful
// shutdown; the end-to-end tests (e2e/) and the benchmark's floor
// (bench/floor) build the very same App in-process instead of copying the
// wiring. App owns the Neo4j driver, so whoever calls New calls Close.
package app
