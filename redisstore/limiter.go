package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gqlneo/gqlneo/auth"
)

// UnavailableRetry is the wait a refused attempt announces when Redis cannot
// be asked: short, since the outage may be brief, and never zero.
const UnavailableRetry = 5 * time.Second

// LoginLimiter is the login limiter of auth.LoginLimiter with its counters
// on Redis, so that every replica spends the same budget: a token bucket
// (GCRA) per client IP (per /64 for IPv6), a sliding window of failed
// logins per (username, IP) and a higher ceiling of failures per username
// across all IPs. Each check is one Lua script, so concurrent replicas
// cannot both take the last unit, and every key expires once it no longer
// limits anything. Time is Redis' own clock, so replicas' clocks may drift.
//
// When Redis cannot be asked, Allow refuses (with UnavailableRetry): a
// limiter that let attempts through while its counters are out of reach is
// what an attacker would aim for, and Auth0 blocks an account for 30 days
// past its own threshold. Failed and Succeeded log and drop what they could
// not write.
type LoginLimiter struct {
	store       *Store
	interval    time.Duration
	burst       int
	maxFailures int
	maxPerUser  int
	window      time.Duration
	logger      *slog.Logger
}

// LimiterConfig holds the limits, with auth.LoginLimiter's meaning.
type LimiterConfig struct {
	// PerMinute and Burst bound attempts per IP.
	PerMinute, Burst int
	// MaxFailures failed logins within Window refuse the username from
	// that IP; MaxFailuresPerUsername refuse it from every IP.
	MaxFailures            int
	MaxFailuresPerUsername int
	Window                 time.Duration
}

// NewLoginLimiter returns a limiter over s. Non-positive values in cfg take
// auth.LoginLimiter's defaults (30 a minute, burst 10, 5 failures per
// username and IP per 15 minutes, ten times that per username).
// logger receives Redis failures; nil discards them.
func NewLoginLimiter(s *Store, cfg LimiterConfig, logger *slog.Logger) *LoginLimiter {
	l := &LoginLimiter{store: s, interval: 2 * time.Second, burst: 10, maxFailures: 5, window: 15 * time.Minute, logger: logger}
	if cfg.PerMinute > 0 {
		l.interval = max(time.Minute/time.Duration(cfg.PerMinute), time.Microsecond)
	}
	if cfg.Burst > 0 {
		l.burst = cfg.Burst
	}
	if cfg.MaxFailures > 0 {
		l.maxFailures = cfg.MaxFailures
	}
	if cfg.Window > 0 {
		l.window = cfg.Window
	}
	l.maxPerUser = max(cfg.MaxFailuresPerUsername, l.maxFailures)
	if cfg.MaxFailuresPerUsername <= 0 {
		l.maxPerUser = 10 * l.maxFailures
	}
	if l.logger == nil {
		l.logger = slog.New(slog.DiscardHandler)
	}
	return l
}

// allowScript spends one unit of KEYS[1]'s bucket and, when KEYS[2] (the
// username and IP's failures) and KEYS[3] (the username's) are given,
// checks them against ARGV[3] and ARGV[4]. It answers {1, 0} when allowed,
// else {0, wait in microseconds}. Times are microseconds of Redis' clock.
var allowScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local nxt = tat + interval
local over = nxt - now - burst * interval
if over > 0 then return {0, over} end
redis.call('SET', KEYS[1], string.format('%d', nxt), 'PX', math.ceil((nxt - now) / 1000) + 1)
local window = tonumber(ARGV[5])
local wait = 0
for i = 2, #KEYS do
  local maxf = tonumber(ARGV[i + 1])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  local n = redis.call('ZCARD', KEYS[i])
  if n >= maxf then
    local oldest = redis.call('ZRANGE', KEYS[i], n - maxf, n - maxf, 'WITHSCORES')
    local w = tonumber(oldest[2]) + window - now
    if w > wait then wait = w end
  end
end
if wait > 0 then return {0, wait} end
return {1, 0}
`)

// failScript records one failure at Redis' time in each of KEYS, keeping
// at most ARGV[i+2] of them in KEYS[i] within the window ARGV[1]
// (microseconds), and lets each key expire with the window. ARGV[2] makes
// the member unique.
var failScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[1])
for i = 1, #KEYS do
  local maxf = tonumber(ARGV[i + 2])
  redis.call('ZADD', KEYS[i], now, ARGV[2])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  local n = redis.call('ZCARD', KEYS[i])
  if n > maxf then redis.call('ZREMRANGEBYRANK', KEYS[i], 0, n - maxf - 1) end
  redis.call('PEXPIRE', KEYS[i], math.ceil(window / 1000))
end
return 1
`)

// Allow reports whether an attempt from ip for username may go to the
// identity provider, with auth.LoginLimiter's contract; username "" (a
// refresh) is limited by IP only. Redis unreachable: refused.
func (l *LoginLimiter) Allow(ip, username string) (time.Duration, bool) {
	ctx, cancel := l.store.detached()
	defer cancel()
	keys := []string{l.store.key("login:ip", auth.LimitKeyIP(ip))}
	if user, ok := auth.LimitKeyUsername(username); ok {
		keys = append(keys, l.pairKey(user, ip), l.store.key("login:user", user))
	}
	res, err := allowScript.Run(ctx, l.store.client, keys,
		l.interval.Microseconds(), l.burst, l.maxFailures, l.maxPerUser, l.window.Microseconds()).Int64Slice()
	if err != nil || len(res) != 2 {
		l.unavailable(ctx, "allow", err)
		return UnavailableRetry, false
	}
	if res[0] == 1 {
		return 0, true
	}
	return ceilSecond(time.Duration(res[1]) * time.Microsecond), false
}

// Failed records a failed login for username from ip: it counts for the
// pair and for the username.
func (l *LoginLimiter) Failed(ip, username string) {
	user, ok := auth.LimitKeyUsername(username)
	if !ok {
		return
	}
	ctx, cancel := l.store.detached()
	defer cancel()
	var nonce [8]byte
	_, _ = rand.Read(nonce[:])
	err := failScript.Run(ctx, l.store.client, []string{l.pairKey(user, ip), l.store.key("login:user", user)},
		l.window.Microseconds(), hex.EncodeToString(nonce[:]), l.maxFailures, l.maxPerUser).Err()
	if err != nil {
		l.unavailable(ctx, "failed", err)
	}
}

// Succeeded forgets the failed logins of username from ip; the failures
// from other IPs still count towards the per-username ceiling, as in
// auth.LoginLimiter.
func (l *LoginLimiter) Succeeded(ip, username string) {
	user, ok := auth.LimitKeyUsername(username)
	if !ok {
		return
	}
	ctx, cancel := l.store.detached()
	defer cancel()
	if err := l.store.client.Del(ctx, l.pairKey(user, ip)).Err(); err != nil {
		l.unavailable(ctx, "succeeded", err)
	}
}

// pairKey is the key of a normalised username's failures from ip's unit;
// the NUL cannot occur in either part.
func (l *LoginLimiter) pairKey(user, ip string) string {
	return l.store.key("login:pair", user+"\x00"+auth.LimitKeyIP(ip))
}

func (l *LoginLimiter) unavailable(ctx context.Context, step string, err error) {
	msg := "no answer"
	if err != nil {
		msg = err.Error()
	}
	l.logger.ErrorContext(ctx, "login limiter: Redis unavailable; sign-in attempts are refused until it answers (REDIS_URL)", "step", step, "error", msg)
}

// ceilSecond rounds a wait up to whole seconds, at least one, as
// auth.LoginLimiter announces it.
func ceilSecond(d time.Duration) time.Duration {
	if d <= time.Second {
		return time.Second
	}
	return (d + time.Second - 1) / time.Second * time.Second
}
