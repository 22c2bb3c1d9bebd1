package cypher

import "fmt"

// The root statements. Each compiles the caller's whole selection into one
// statement that starts from a unique-index seek (or a range seek for
// search), binds `viewer` through the Identity.sub index, and returns one
// value `r`: a map, a list of maps, or a connection map. subject is the
// caller's token subject ("" for anonymous callers).

// RootTypes are the types the root statements return; Load starts from them.
var RootTypes = []string{"User", "Post", "Comment", "Tag"}

// Me reads the caller's own User; no row when the subject has no User.
func (c *Compiler) Me(subject string, sel *Selection) (Statement, error) {
	b := c.builder(subject)
	proj, err := b.project("User", "viewer", sel)
	if err != nil {
		return Statement{}, err
	}
	return b.statement("MATCH (:Identity {sub: $sub})<-[:HAS_IDENTITY]-(viewer:User)\nRETURN " + proj + " AS r"), nil
}

// NodeTypes are the types Node reads by id.
var NodeTypes = map[string]bool{"User": true, "Post": true, "Comment": true}

// Node reads the object of type typ (User, Post or Comment) with the given
// id; no row when it does not exist or the caller may not see it (the two
// are indistinguishable).
func (c *Compiler) Node(subject, typ, id string, sel *Selection) (Statement, error) {
	b := c.builder(subject)
	proj, err := b.project(typ, "x", sel)
	if err != nil {
		return Statement{}, err
	}
	idParam := b.param(id)
	switch typ {
	case "User":
		return b.statement("MATCH (x:User {id: " + idParam + "})\n" + viewerMatch + "\nRETURN " + proj + " AS r"), nil
	case "Post":
		return b.statement("MATCH (x:Post {id: " + idParam + "})\n" + viewerMatch + "\nWITH x, viewer WHERE " + Visible("x") + "\nRETURN " + proj + " AS r"), nil
	case "Comment":
		return b.statement("MATCH (x:Comment {id: " + idParam + "})-[:ON]->(cp:Post)\n" + viewerMatch + "\nWITH x, viewer, cp WHERE " + Visible("cp") + "\nRETURN " + proj + " AS r"), nil
	}
	return Statement{}, fmt.Errorf("cypher: no statement reads a %s by id", typ)
}

// Tag reads the tag named name; no row when it does not exist or none of
// its posts is visible to the caller, so a tag never reveals a hidden post.
func (c *Compiler) Tag(subject, name string, sel *Selection) (Statement, error) {
	b := c.builder(subject)
	proj, err := b.project("Tag", "x", sel)
	if err != nil {
		return Statement{}, err
	}
	return b.statement("MATCH (x:Tag {name: " + b.param(name) + "})\n" + viewerMatch +
		"\nWITH x, viewer WHERE EXISTS { MATCH (x)<-[:TAGGED]-(tp:Post) WHERE " + Visible("tp") + " }\nRETURN " + proj + " AS r"), nil
}

// Feed reads a page of posts by the people the caller follows and the
// caller's own, newest first, visible to the caller; no row when the caller
// has no User.
func (c *Compiler) Feed(subject string, f Field) (Statement, error) {
	b := c.builder(subject)
	page, err := b.page("(viewer)-[:FOLLOWS*0..1]->(:User)-[:AUTHORED]->(fp:Post)", "fp", "Post", epochNanos("fp.createdAt"), Visible("fp"), f)
	if err != nil {
		return Statement{}, err
	}
	return b.statement("MATCH (viewer:User)-[:HAS_IDENTITY]->(:Identity {sub: $sub})\nRETURN " + page + " AS r"), nil
}

// SearchUsers reads a page of users whose lower-cased name starts with
// prefix (already lower-cased), newest first.
func (c *Compiler) SearchUsers(subject, prefix string, f Field) (Statement, error) {
	b := c.builder(subject)
	page, err := b.page("(su:User) WHERE su.nameLower STARTS WITH "+b.param(prefix), "su", "User", epochNanos("su.createdAt"), "", f)
	if err != nil {
		return Statement{}, err
	}
	return b.statement(viewerMatch + "\nRETURN " + page + " AS r"), nil
}

// RecommendedUsers reads up to first users followed by the caller's follows,
// not the caller and not yet followed, ranked by how many of the caller's
// follows follow them (id breaks ties), as {list: [...]}; no row when the
// caller has no User.
func (c *Compiler) RecommendedUsers(subject string, first int, sel *Selection) (Statement, error) {
	b := c.builder(subject)
	proj, err := b.project("User", "ru", sel)
	if err != nil {
		return Statement{}, err
	}
	return b.statement("MATCH (viewer:User)-[:HAS_IDENTITY]->(:Identity {sub: $sub})\n" +
		"OPTIONAL MATCH (viewer)-[:FOLLOWS]->(:User)-[:FOLLOWS]->(ru:User) WHERE ru <> viewer AND NOT EXISTS { (viewer)-[:FOLLOWS]->(ru) }\n" +
		"WITH viewer, ru, count(ru) AS mutual ORDER BY mutual DESC, ru.id DESC LIMIT " + b.param(int64(first)) + "\n" +
		"WITH viewer, [x IN collect(ru) | x] AS users\n" +
		"RETURN {list: [ru IN users | " + proj + "]} AS r"), nil
}

// ReadBack is the object a mutation answers, read after the write in the
// same statement through the caller's compiled selection: Type "User",
// "Post" or "Comment" with ID, or Type "Me" for the caller's own User.
type ReadBack struct {
	Type string
	ID   string
	Sel  *Selection
}

// ReadBack compiles the read of back as the caller subject sees it.
func (c *Compiler) ReadBack(subject string, back ReadBack) (Statement, error) {
	switch {
	case back.Type == "Me":
		return c.Me(subject, back.Sel)
	case NodeTypes[back.Type]:
		return c.Node(subject, back.Type, back.ID, back.Sel)
	}
	return Statement{}, fmt.Errorf("cypher: cannot read back a %s", back.Type)
}
