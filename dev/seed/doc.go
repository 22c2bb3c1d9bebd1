// Command seed fills the Neo4j behind the gqlneo server with data, for people
// trying the API and for tests and benchmarks that need volume:
//
//	go run ./dev/seed demo                 # small hand-written graph for the dev issuer's demo users
//	go run ./dev/seed generate [-users N …] # large deterministic graph, users with subjects gen|<n>
//	go run ./dev/seed reset-generated       # delete what generate loaded
//	go run ./dev/seed counts                # nodes per label, relationships per type
//
// Both loaders are idempotent: they MERGE on ids and set every property to a
// fixed value, so a second run changes nothing. demo attaches its data to the
// User a demo person already has when they logged in before the seed, and
// otherwise creates that User with a fixed id. generate is a pure function of
// its flags (math/rand/v2, PCG, -seed) with timestamps in the year before
// 2026-11-01; users get Identities `<prefix>|<n>`, so a test can mint their
// tokens with the dev tenant's AccessTokenFor. Loading uses batched
// `UNWIND $rows` statements in managed write transactions. demo and generate
// first create the server's constraints and indexes if they are missing, so
// they work on a database the server has never seen.
//
// The password comes from -password or NEO4J_PASSWORD; only for a loopback
// URI does it fall back to the dev launcher's public dev-password.
package main
