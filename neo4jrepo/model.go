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
	relHasEmail    = "HAS_EMAIL"    // (:User)-[:HAS_EMAIL]->(:VerifiedEmail)
)

// labelVerifiedEmail is the node of one verified address, unique by its
// address (constraint verified_email_address) and owned by exactly one User
// through relHasEmail: a User may own several addresses, an address one User.
const labelVerifiedEmail = "VerifiedEmail"

// userRelationships are the relationship types that start at a User and end
// at something that is not a User; a merge moves them as they are.
var userRelationships = []string{relHasIdentity, relHasEmail, relAuthored, relLikes, relWrote}
