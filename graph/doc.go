// Package graph is the GraphQL layer: the gqlgen executable schema generated
// from schema.graphqls, its resolvers, the @authenticated directive, the HTTP
// transport, the limits on documents (depth, cost, provider fields),
// persisted queries (persisted.go: automatic persisted queries in a
// byte-bounded cache, or trusted documents from a manifest), and the error
// edge — the one place where errors become stable `extensions.code`
// values.
//
// A root field resolves the viewer once per operation (Identities.Ensure),
// walks its selection into a cypher.Selection guided by the schema's graph
// mapping (selection.go), has the Store run the one compiled statement, and
// decodes the result into typed models (decode.go); child resolvers only
// read what was fetched. The package declares the small interfaces it
// consumes (Store, Identities, TokenIssuer, ...); app.New is the only place
// that knows both sides. Resolvers never see the JWT middleware or any
// Neo4j driver type.
package graph
