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
// (GCRA) per client IP (per /64 for IPv6) and a sliding window of failed
// logins per username. Each check is one Lua script, so concurrent replicas
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
	window      time.Duration
	logger      *slog.Logger
}

// LimiterConfig holds the limits, with auth.LoginLimiter's meaning.
type LimiterConfig struct {
	// PerMinute and Burst bound attempts per IP.
	PerMinute, Burst int
	// MaxFailures failed logins within Window refuse the username.
	MaxFailures int
	Window      time.Duration
}

// NewLoginLimiter returns a limiter over s. Non-positive values in cfg take
// auth.LoginLimiter's defaults (30 a minute, burst 10, 5 failures per 15
// minutes). logger receives Redis failures; nil discards them.
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
	if l.logger == nil {
		l.logger = slog.New(slog.DiscardHandler)
	}
	return l
}

// allowScript spends one unit of KEYS[1]'s bucket and, when KEYS[2] is
// given, checks its failures. It answers {1, 0} when allowed, else {0, wait
// in microseconds}. Times are microseconds of Redis' clock.
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
if #KEYS > 1 then
  local maxf = tonumber(ARGV[3])
  local window = tonumber(ARGV[4])
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
  local n = redis.call('ZCARD', KEYS[2])
  if n >= maxf then
    local oldest = redis.call('ZRANGE', KEYS[2], n - maxf, n - maxf, 'WITHSCORES')
    return {0, tonumber(oldest[2]) + window - now}
  end
end
return {1, 0}
`)

// failScript records one failure of KEYS[1] at Redis' time, keeps at most
// ARGV[2] of them within the window ARGV[1] (microseconds) and lets the key
// expire with the window. ARGV[3] makes the member unique.
var failScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[1])
local maxf = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
if n > maxf then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, n - maxf - 1) end
redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000))
return n
`)

// Allow reports whether an attempt from ip for username may go to the
// identity provider, with auth.LoginLimiter's contract; username "" (a
// refresh) is limited by IP only. Redis unreachable: refused.
func (l *LoginLimiter) Allow(ip, username string) (time.Duration, bool) {
	ctx, cancel := l.store.detached()
	defer cancel()
	keys := []string{l.store.key("login:ip", auth.LimitKeyIP(ip))}
	if user, ok := auth.LimitKeyUsername(username); ok {
		keys = append(keys, l.store.key("login:user", user))
	}
	res, err := allowScript.Run(ctx, l.store.client, keys,
		l.interval.Microseconds(), l.burst, l.maxFailures, l.window.Microseconds()).Int64Slice()
	if err != nil || len(res) != 2 {
		l.unavailable(ctx, "allow", err)
		return UnavailableRetry, false
	}
	if res[0] == 1 {
		return 0, true
	}
	return ceilSecond(time.Duration(res[1]) * time.Microsecond), false
}

// Failed records a failed login for username.
func (l *LoginLimiter) Failed(username string) {
	user, ok := auth.LimitKeyUsername(username)
	if !ok {
		return
	}
	ctx, cancel := l.store.detached()
	defer cancel()
	var nonce [8]byte
	_, _ = rand.Read(nonce[:])
	err := failScript.Run(ctx, l.store.client, []string{l.store.key("login:user", user)},
		l.window.Microseconds(), l.maxFailures, hex.EncodeToString(nonce[:])).Err()
	if err != nil {
		l.unavailable(ctx, "failed", err)
	}
}

// Succeeded forgets the failed logins of username.
func (l *LoginLimiter) Succeeded(username string) {
	user, ok := auth.LimitKeyUsername(username)
	if !ok {
		return
	}
	ctx, cancel := l.store.detached()
	defer cancel()
	if err := l.store.client.Del(ctx, l.store.key("login:user", user)).Err(); err != nil {
		l.unavailable(ctx, "succeeded", err)
	}
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
