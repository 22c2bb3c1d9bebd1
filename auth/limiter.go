package auth

import (
	"hash/maphash"
	"net/netip"
	"strings"
	"sync"
	"time"
)

const (
	llDefaultPerMinute   = 30
	llDefaultBurst       = 10
	llDefaultMaxFailures = 5
	// llDefaultUserFactor sets the default per-username ceiling: this many
	// times the per-(username, IP) limit.
	llDefaultUserFactor = 10
	llDefaultWindow     = 15 * time.Minute
	llDefaultMaxTracked = 100_000
)

// LoginLimiter bounds password-guessing before Auth0 is called, so that an
// attacker is refused by this server before Auth0's brute-force protection
// (10 consecutive failures per account and IP by default) blocks the
// victim's account for that IP for up to 30 days. It applies three limits:
//
//   - a token bucket per client IP (per /64 for IPv6, since a host gets a
//     whole /64) on every login and refresh attempt;
//   - a sliding window of failed logins per (username, client IP), as
//     Auth0's brute-force protection counts them, so that an attacker who
//     fails on purpose from one address locks only that address out, never
//     the owner signing in from another;
//   - a higher ceiling of failed logins per username across all IPs, which
//     stops guessing spread over many addresses.
//
// Usernames are normalised by trimming spaces and lower-casing.
//
// Keys are kept only as salted 64-bit hashes, in memory, so usernames and
// addresses never appear in logs or dumps. Memory is bounded by
// WithMaxTracked: entries that no longer limit anything are dropped first,
// then the least recently used. It is safe for concurrent use.
//
// The per-username ceiling still lets an attacker with many addresses lock
// a known username out for the window; that is the price of stopping
// distributed guessing, and it is far milder than Auth0's 30-day block.
type LoginLimiter struct {
	mu sync.Mutex

	now         func() time.Time
	interval    time.Duration // GCRA emission interval: one attempt per interval
	burst       int
	maxFailures int // per (username, IP)
	maxPerUser  int // per username, across IPs; 0 means llDefaultUserFactor × maxFailures
	window      time.Duration
	maxTracked  int

	seed  maphash.Seed
	ips   llLRU[time.Time]   // theoretical arrival time of the next attempt
	pairs llLRU[[]time.Time] // failure times per (username, IP), ascending, at most maxFailures
	users llLRU[[]time.Time] // failure times per username, ascending, at most maxPerUser
}

// LoginLimiterOption configures a LoginLimiter.
type LoginLimiterOption func(*LoginLimiter)

// WithPerIPRate allows perMinute login and refresh attempts per minute from
// one IP address (one /64 for IPv6), with bursts of up to burst attempts.
// Values ≤ 0 are ignored. The default is 30 per minute with a burst of 10.
func WithPerIPRate(perMinute int, burst int) LoginLimiterOption {
	return func(l *LoginLimiter) {
		if perMinute > 0 {
			l.interval = time.Minute / time.Duration(perMinute)
			if l.interval <= 0 {
				l.interval = time.Nanosecond
			}
		}
		if burst > 0 {
			l.burst = burst
		}
	}
}

// WithMaxFailures refuses a username from one client IP (one /64 for IPv6)
// once that pair has n failed logins within the sliding window, until the
// oldest of them leaves the window; other IPs are not affected. Values ≤ 0
// are ignored. The default is 5 failures per 15 minutes, below Auth0's
// default brute-force threshold of 10 per account and IP, so that this
// limiter answers first.
func WithMaxFailures(n int, window time.Duration) LoginLimiterOption {
	return func(l *LoginLimiter) {
		if n > 0 {
			l.maxFailures = n
		}
		if window > 0 {
			l.window = window
		}
	}
}

// WithMaxFailuresPerUsername refuses a username from every IP once it has n
// failed logins within the window across all IPs. Values ≤ 0 are ignored.
// The default is 10 times the per-(username, IP) limit of WithMaxFailures
// (50 with the defaults); a value below that limit is raised to it.
func WithMaxFailuresPerUsername(n int) LoginLimiterOption {
	return func(l *LoginLimiter) {
		if n > 0 {
			l.maxPerUser = n
		}
	}
}

// WithMaxTracked bounds how many IP addresses, and separately how many
// usernames, and how many (username, IP) pairs, the limiter remembers, so hostile input cannot exhaust memory.
// When a table is full, entries that no longer limit anything are dropped
// first, then the least recently used. Values ≤ 0 are ignored. The default is
// 100 000 per table.
func WithMaxTracked(n int) LoginLimiterOption {
	return func(l *LoginLimiter) {
		if n > 0 {
			l.maxTracked = n
		}
	}
}

// WithClock sets the limiter's clock, for tests. A nil clock is ignored. The
// default is time.Now.
func WithClock(now func() time.Time) LoginLimiterOption {
	return func(l *LoginLimiter) {
		if now != nil {
			l.now = now
		}
	}
}

// NewLoginLimiter returns a limiter configured by opts.
func NewLoginLimiter(opts ...LoginLimiterOption) *LoginLimiter {
	l := &LoginLimiter{
		now:         time.Now,
		interval:    time.Minute / llDefaultPerMinute,
		burst:       llDefaultBurst,
		maxFailures: llDefaultMaxFailures,
		window:      llDefaultWindow,
		maxTracked:  llDefaultMaxTracked,
		seed:        maphash.MakeSeed(),
	}
	for _, opt := range opts {
		opt(l)
	}
	if l.maxPerUser == 0 {
		l.maxPerUser = llDefaultUserFactor * l.maxFailures
	}
	l.maxPerUser = max(l.maxPerUser, l.maxFailures)
	l.ips.init()
	l.pairs.init()
	l.users.init()
	return l
}

// Allow reports whether an attempt from ip for username may go to Auth0, and
// otherwise how long to wait (at least one second, in whole seconds). It
// spends one unit of the IP's budget, even when the username is refused, but
// does not count a failure: call Failed when Auth0 rejects the credentials
// and Succeeded when it accepts them. Pass username "" for a refresh, which
// is limited by IP only.
func (l *LoginLimiter) Allow(ip, username string) (retryAfter time.Duration, ok bool) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)

	ipKey := l.ipKey(ip)
	n := l.ips.get(ipKey)
	if n == nil {
		l.ips.makeRoom(l.maxTracked)
		n = l.ips.insert(ipKey, now)
	}
	// GCRA: each attempt pushes the theoretical arrival time (tat) one
	// interval further; an attempt conforms while tat stays within
	// burst intervals of now.
	tat := n.val
	if tat.Before(now) {
		tat = now
	}
	next := tat.Add(l.interval)
	if over := next.Sub(now) - time.Duration(l.burst)*l.interval; over > 0 {
		l.ips.touch(n, now)
		return llCeilSecond(over), false
	}
	n.val = next
	l.ips.touch(n, now)

	if user, has := llNormalise(username); has {
		var wait time.Duration
		if p := l.pairs.get(l.pairKey(user, ip)); p != nil {
			p.val = l.recent(p.val, now)
			if len(p.val) >= l.maxFailures {
				wait = p.val[len(p.val)-l.maxFailures].Add(l.window).Sub(now)
			}
		}
		if u := l.users.get(l.userKey(user)); u != nil {
			u.val = l.recent(u.val, now)
			if len(u.val) >= l.maxPerUser {
				wait = max(wait, u.val[len(u.val)-l.maxPerUser].Add(l.window).Sub(now))
			}
		}
		if wait > 0 {
			return llCeilSecond(wait), false
		}
	}
	return 0, true
}

// Failed records a failed login for username from ip (Auth0 answered
// invalid credentials): it counts for the pair and for the username. Other
// failures, such as an unavailable provider, should not be recorded.
func (l *LoginLimiter) Failed(ip, username string) {
	user, has := llNormalise(username)
	if !has {
		return
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	l.record(&l.pairs, l.pairKey(user, ip), l.maxFailures, now)
	l.record(&l.users, l.userKey(user), l.maxPerUser, now)
}

// record adds a failure at now to the entry key of table, keeping at most
// limit failure times.
func (l *LoginLimiter) record(table *llLRU[[]time.Time], key uint64, limit int, now time.Time) {
	n := table.get(key)
	if n == nil {
		table.makeRoom(l.maxTracked)
		n = table.insert(key, now)
	}
	times := append(l.recent(n.val, now), now)
	if len(times) > limit {
		times = append(times[:0], times[len(times)-limit:]...)
	}
	n.val = times
	table.touch(n, now)
}

// Succeeded forgets the failed logins of username from ip, as Auth0 resets
// its count for the account and IP on a successful login. The failures
// from other IPs still count towards the per-username ceiling: a success
// from one address must not reopen distributed guessing from the others.
func (l *LoginLimiter) Succeeded(ip, username string) {
	user, has := llNormalise(username)
	if !has {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := l.pairs.get(l.pairKey(user, ip)); n != nil {
		l.pairs.remove(n)
	}
}

// recent drops the failures that have left the window.
func (l *LoginLimiter) recent(times []time.Time, now time.Time) []time.Time {
	cutoff := now.Add(-l.window)
	i := 0
	for i < len(times) && !times[i].After(cutoff) {
		i++
	}
	if i == 0 {
		return times
	}
	return append(times[:0], times[i:]...)
}

// sweep drops, from the least recently touched end, entries that no longer
// limit anything: an IP whose bucket has refilled, a username whose last
// failure has left the window. Each entry is dropped once, so the cost is
// amortised O(1) per call.
func (l *LoginLimiter) sweep(now time.Time) {
	refill := time.Duration(l.burst) * l.interval
	for n := l.ips.oldest(); n != nil && !now.Before(n.touched.Add(refill)); n = l.ips.oldest() {
		l.ips.remove(n)
	}
	for _, table := range []*llLRU[[]time.Time]{&l.pairs, &l.users} {
		for n := table.oldest(); n != nil && !now.Before(n.touched.Add(l.window)); n = table.oldest() {
			table.remove(n)
		}
	}
}

func (l *LoginLimiter) ipKey(ip string) uint64 {
	return maphash.String(l.seed, llIPKey(ip))
}

func (l *LoginLimiter) userKey(user string) uint64 {
	return maphash.String(l.seed, user)
}

// pairKey keys a normalised username with the unit its IP is limited by; the
// NUL cannot occur in either, so distinct pairs never share a key text.
func (l *LoginLimiter) pairKey(user, ip string) uint64 {
	return maphash.String(l.seed, user+"\x00"+llIPKey(ip))
}

// llIPKey maps an address to the unit it is limited by: the address for
// IPv4 (including IPv4-mapped IPv6), its /64 for IPv6. Text that is not an
// address (or host:port) is used as is; it is hashed, so its length does not
// matter.
func llIPKey(ip string) string {
	ip = strings.TrimSpace(ip)
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		ap, err := netip.ParseAddrPort(ip)
		if err != nil {
			return "?" + ip
		}
		addr = ap.Addr()
	}
	addr = addr.WithZone("").Unmap()
	if addr.Is6() {
		if p, err := addr.Prefix(64); err == nil {
			return p.String()
		}
	}
	return addr.String()
}

// llNormalise trims and lower-cases a username; false means empty.
func llNormalise(username string) (string, bool) {
	u := strings.ToLower(strings.TrimSpace(username))
	return u, u != ""
}

// llCeilSecond rounds a wait up to whole seconds, at least one.
func llCeilSecond(d time.Duration) time.Duration {
	if d <= time.Second {
		return time.Second
	}
	return (d + time.Second - 1) / time.Second * time.Second
}

// llLRU is a map with an intrusive recency list: head is the most recently
// touched entry, tail the least.
type llLRU[V any] struct {
	m          map[uint64]*llNode[V]
	head, tail *llNode[V]
}

type llNode[V any] struct {
	key        uint64
	touched    time.Time
	val        V
	prev, next *llNode[V]
}

func (c *llLRU[V]) init() { c.m = make(map[uint64]*llNode[V]) }

func (c *llLRU[V]) get(key uint64) *llNode[V] { return c.m[key] }

func (c *llLRU[V]) oldest() *llNode[V] { return c.tail }

func (c *llLRU[V]) insert(key uint64, now time.Time) *llNode[V] {
	n := &llNode[V]{key: key, touched: now}
	c.m[key] = n
	c.pushFront(n)
	return n
}

func (c *llLRU[V]) touch(n *llNode[V], now time.Time) {
	n.touched = now
	if c.head == n {
		return
	}
	c.unlink(n)
	c.pushFront(n)
}

func (c *llLRU[V]) remove(n *llNode[V]) {
	c.unlink(n)
	delete(c.m, n.key)
}

// makeRoom evicts the least recently touched entries until one more fits
// within max.
func (c *llLRU[V]) makeRoom(max int) {
	for len(c.m) >= max && c.tail != nil {
		c.remove(c.tail)
	}
}

func (c *llLRU[V]) pushFront(n *llNode[V]) {
	n.prev, n.next = nil, c.head
	if c.head != nil {
		c.head.prev = n
	}
	c.head = n
	if c.tail == nil {
		c.tail = n
	}
}

func (c *llLRU[V]) unlink(n *llNode[V]) {
	if n.prev != nil {
		n.prev.next = n.next
	} else {
		c.head = n.next
	}
	if n.next != nil {
		n.next.prev = n.prev
	} else {
		c.tail = n.prev
	}
	n.prev, n.next = nil, nil
}
