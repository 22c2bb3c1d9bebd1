package cypher

import "time"

// Selection is what a GraphQL selection asks of one object of a stored
// type, in this package's terms: the GraphQL layer builds it from the
// operation (fragments, aliases and arguments already resolved), and the
// Compiler turns it into Cypher. Field names are looked up in the Mapping;
// an unknown name is an error, never Cypher.
type Selection struct {
	Fields []Field
}

// Field is one selected field of an object.
type Field struct {
	// Key is the response key (the alias, or the name): the key of the
	// field's value in the result.
	Key string
	// Name is the schema field name.
	Name string
	// Page is set for connection fields.
	Page *Page
	// Sub is the selection of the related object (for connections, of the node).
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

// DecodeConn reads a compiled connection value.
func DecodeConn(v any) Conn {
	var c Conn
	m, _ := v.(map[string]any)
	if m == nil {
		return c
	}
	c.Total, _ = m["total"].(int64)
	list, _ := m["items"].([]any)
	c.Items = make([]ConnItem, 0, len(list))
	for _, item := range list {
		it, _ := item.(map[string]any)
		k, _ := it["k"].(int64)
		id, _ := it["id"].(string)
		node, _ := it["node"].(map[string]any)
		c.Items = append(c.Items, ConnItem{Cursor: Cursor{Time: time.Unix(0, k).UTC(), ID: id}, Node: node})
	}
	return c
}
