// Package redisstore keeps the state that replicas of the server must share
// on one Redis: the login limiter's counters (so N replicas do not allow N
// times the attempts), the /userinfo answers (Auth0 allows 5 calls a minute
// per user, whichever replica makes them) and persisted queries (a hash
// registered on one replica is found on the others). It is the only package
// that sees the Redis client.
//
// Each use fails in its own documented way when Redis is unreachable: the
// login limiter refuses (an attacker must never pass because the counters
// are gone), the caches answer "not cached" so callers fall back to the
// source. Keys that would reveal personal data (client IPs, usernames,
// subjects) are stored as HMAC-SHA256 digests under a secret every replica
// shares, so a dump of Redis names nobody.
package redisstore
