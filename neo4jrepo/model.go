package neo4jrepo

// The graph's relationship types. They come from code, never from input; the
// identity merge moves exactly these (userRelationships) and refuses to
// delete a User that still has any other relationship, so nothing is lost.
const (
	relHasIdentity = "HAS_IDENTITY" // (:User)-[:HAS_IDENTITY]->(:Identity)
	relFollows     = "FOLLOWS"      // (:User)-[:FOLLOWS]->(:User)
	relAuthored    = "AUTHORED"     // (:User)-[:AUTHORED]->(:Post)
	relLikes       = "LIKES"        // (:User)-[:LIKES]->(:Post)
	relWrote       = "WROTE"        // (:User)-[:WROTE]->(:Comment)
)

// userRelationships are the relationship types that start at a User and end
// at something that is not a User; a merge moves them as they are.
var userRelationships = []string{relHasIdentity, relAuthored, relLikes, relWrote}
