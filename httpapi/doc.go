// Package httpapi is the HTTP edge around the GraphQL handler: routes
// (/graphql, GraphiQL at /, /healthz, /readyz, /metrics), request ids, JSON
// access logs, panic recovery, the body limit, the request deadline, and the
// end user's IP (from the connection, or X-Forwarded-For behind trusted
// proxies only). It knows nothing of GraphQL, JWTs or Neo4j: app.New hands
// it the handlers and checks it serves.
package httpapi
