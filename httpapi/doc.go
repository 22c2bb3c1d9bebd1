// Package httpapi is the HTTP edge of the server: everything between the
// listener and the GraphQL handler that has nothing to do with GraphQL.
//
// NewHandler (handler.go) builds the server's one http.Handler. Its routes are
// /graphql, GET /graphql/schema.graphqls (the SDL, schema.go), GET /healthz (the process runs), GET /readyz (runs the given
// ReadinessChecks and answers 503 naming any that fail), GET /metrics,
// GraphiQL at / when enabled (package graphiql: the page and its embedded
// files under /graphiql/assets/, nothing from the web), and
// POST /hooks/auth0/user-registered. Every
// request first gets a request id (requestid.go: the caller's X-Request-Id
// when well-formed, else a new one, echoed in the answer and added to every
// log record by LogHandler), then a JSON access log line and a request count,
// then panic recovery that answers INTERNAL_SERVER_ERROR with the id. A
// /graphql request then meets the CORS policy (cors.go: preflights answered
// for the configured origins, no credentials), then gets its deadline (REQUEST_TIMEOUT), the body limit
// (413 REQUEST_TOO_LARGE), the end user's IP (clientip.go: the connection's
// address, or X-Forwarded-For read from the right only when the connection
// comes from a trusted proxy) and the auth wrapper it was handed, in that
// order. hooks.go serves the post-user-registration hook: a bearer shared
// secret compared in constant time, a strictly validated body of at most
// 64 KiB, and the idempotent RegisterFunc it was handed; with no secret
// configured the route answers 404. DebugHandler (debug.go) serves pprof
// profiles for the separate, loopback-only DEBUG_ADDR listener, never on the
// API's routes.
//
// It knows nothing of GraphQL, JWTs or Neo4j: app.New hands it
// the GraphQL handler, the JWT middleware, the readiness checks and the
// function that stores a registration, and reads the request id and client
// IP back through RequestIDFromContext and ClientIPFromContext.
package httpapi
