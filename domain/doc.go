// Package domain holds the rules of the social graph that more than one
// package needs, stated once: who asks (Viewer), what an identity provider
// says of an account (Profile) and when the graph must be brought in line with
// it (NeedsSync), the limits every input is checked against, the permissions
// a token may grant, and the errors the API answers with.
//
// It imports nothing of this module. graph, neo4jrepo, auth and httpapi
// import it; the Cypher form of NeedsSync (neo4jrepo's identity touch) is
// tested against the Go form on a table of cases.
package domain
