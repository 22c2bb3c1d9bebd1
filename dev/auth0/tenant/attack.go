package tenant

import (
	"math"
	"strings"
	"time"
)

// bruteForceBlock is how long Auth0 keeps a brute-force block unless the user is unblocked.
const bruteForceBlock = 30 * 24 * time.Hour

// failureCount counts consecutive failed logins for one identifier from one IP address.
type failureCount struct {
	n    int
	last time.Time
}

// bruteForceKey identifies the subject of brute-force protection: the identifier within a connection,
// from one IP. Auth0 counts per user account and IP; the identifier stands in for the account so
// that unknown identifiers are treated like known ones and do not reveal which accounts exist.
func bruteForceKey(connection, identifier, ip string) string {
	return connection + "\x00" + strings.ToLower(identifier) + "\x00" + ip
}

func (t *Tenant) bruteForceBlocked(key string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	f, ok := t.failures[key]
	if !ok {
		return false
	}
	if t.now().Sub(f.last) > bruteForceBlock {
		delete(t.failures, key)
		return false
	}
	return f.n >= t.threshold
}

func (t *Tenant) recordFailure(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.failures[key]
	f.n++
	f.last = t.now()
	t.failures[key] = f
}

func (t *Tenant) resetFailures(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.failures, key)
}

// ResetBruteForce lifts every brute-force block and forgets all failed-login counts, as the
// unblock link in Auth0's email does for one user.
func (t *Tenant) ResetBruteForce() {
	t.mu.Lock()
	defer t.mu.Unlock()
	clear(t.failures)
}

// Rate limit of /userinfo: Auth0 allows a burst of 10 and then 5 requests per minute per user ID.
const (
	userinfoBurst     = 10
	userinfoPerMinute = 5
)

// bucket is a token bucket for one subject.
type bucket struct {
	tokens float64
	at     time.Time
}

// take refills b to now and takes one token. It returns whether a token was available, the tokens
// left and when the bucket will be full again.
func (b *bucket) take(now time.Time) (ok bool, remaining int, reset time.Time) {
	perSecond := float64(userinfoPerMinute) / 60
	b.tokens = math.Min(userinfoBurst, b.tokens+now.Sub(b.at).Seconds()*perSecond)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		ok = true
	}
	missing := userinfoBurst - b.tokens
	reset = now.Add(time.Duration(missing / perSecond * float64(time.Second)))
	return ok, int(b.tokens), reset
}

// SetUserinfoRateLimit turns the /userinfo rate limit on or off. When on, which is the default,
// each subject gets a burst of 10 requests and then 5 per minute, and further requests are
// answered 429, as on Auth0's public cloud.
func (t *Tenant) SetUserinfoRateLimit(enabled bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.userinfoLimited = enabled
	clear(t.userinfoBuckets)
}
