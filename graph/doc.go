// Package graph is the GraphQL layer: the gqlgen executable schema generated
// from schema.graphqls, its resolvers, the schema directives, the HTTP
// transport, the limits on documents, and the error edge — the one place
// where errors become stable `extensions.code` values.
//
// The package declares the small interfaces it consumes (Store, TokenIssuer,
// ...); server.go is the only place that knows both sides. Resolvers read the
// caller's identity through the auth package's context accessors and never
// see the JWT middleware or any Neo4j driver type.
package graph
