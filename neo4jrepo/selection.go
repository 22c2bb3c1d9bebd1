package neo4jrepo

import "time"

// Selection is what a GraphQL selection asks of one object, in code-owned
// terms: the GraphQL layer builds it from the operation (fields, aliases,
// fragments and arguments already resolved), and the compiler turns it into
// one Cypher statement. Field names are checked against a fixed table; an
// unknown name is an error, never Cypher.
type Selection struct {
	Fields []Field
}

// Field is one selected field of an object.
type Field struct {
	// Key is the response key (the alias, or the name). Results of nested
	// fields are returned under NestedKey(i) and mapped back by position.
	Key string
	// Name is the schema field name.
	Name string
	// Page is set for connection fields.
	Page *Page
	// Sub is the selection of the nested object (for connections, of the node).
	Sub *Selection
}

// Page is a connection's arguments and what is selected of it.
type Page struct {
	First int
	After *Cursor
	// Total is true when totalCount is selected.
	Total bool
}

// Cursor is a decoded, verified position in a connection: its sort key and
// the id that breaks ties.
type Cursor struct {
	Time time.Time
	ID   string
}

// Viewer is who asks: the token subject, or "" for anonymous callers.
type Viewer struct {
	Subject string
	// Email and EmailVerified, when Email is not empty and EmailVerified not
	// nil, are what the caller's token says of its identity. A mutation then
	// writes only when the stored Identity says exactly the same; otherwise it
	// changes nothing and answers ErrViewerNotReady, so the caller can sync
	// the identity first. Queries ignore them.
	Email         string
	EmailVerified *bool
}

// Conn is a fetched connection page: up to First+1 items (the extra one only
// tells that a next page exists) and the total when asked.
type Conn struct {
	Items []ConnItem
	Total int64
}

// ConnItem is one node of a connection with its sort position.
type ConnItem struct {
	Cursor Cursor
	Node   map[string]any
}
