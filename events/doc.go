// Package events carries what happened in the graph from the replica that
// wrote it to every replica that serves live subscriptions. A mutation
// publishes its Event after its transaction has committed, never from
// inside the (retried) transaction, so a rolled-back or failed write
// publishes nothing. An Event names what changed (ids and the actor's
// subject), never what any subscriber may see of it: each replica reads
// that from the graph, per subscriber, when it delivers.
//
// Broker is the seam: Memory is the in-process broker of a single replica
// (the default, nothing to install); a broker over a shared bus (Redis, for
// several replicas) implements the same two methods.
package events
