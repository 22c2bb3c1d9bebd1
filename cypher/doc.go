// Package cypher compiles a GraphQL selection into one Cypher statement.
//
// What each field of a stored type means in the graph is declared once, in
// the schema, with the directives @relationship, @count, @viewerRelationship
// and @selfOnly (a field without one is the node property of the same name).
// Load reads them from the parsed schema into a Mapping and checks every
// field against its type, so a field without a mapping, or a mapping that
// does not fit its field, stops the server at start with a message naming
// the field. The GraphQL layer walks an operation into a Selection (this
// package's intermediate representation) using the same Mapping; the
// Compiler turns a Selection into a Statement whose result is keyed by
// response key (alias), and the same Mapping tells the GraphQL layer how to
// read it back.
//
// Every string the compiler emits comes from this package or from the
// checked schema: labels and relationship types are validated identifiers
// from the schema (which is code), response keys are validated GraphQL names
// and quoted, and every value (ids, cursors, page sizes, the viewer's
// subject) is a $parameter. The package sends nothing: neo4jrepo runs the
// statements.
package cypher
