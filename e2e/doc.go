// Package e2e holds the end-to-end tests: each starts the dev Auth0 issuer
// in-process and the real server, built by app.New exactly as the command
// builds it, on a loopback httptest server against the real Neo4j that
// `make test` starts (NEO4J_TEST_URI), and talks to it over HTTP only
// through the public API. The package has no code of its own; its helpers
// (startServer, testEnv, mustNeo4jEnv, …) live in testenv_test.go.
package e2e
