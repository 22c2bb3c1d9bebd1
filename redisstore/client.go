package redisstore

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/redis/go-redis/v9"
)

// keyPrefix namespaces every key this server writes, so a Redis shared with
// other software keeps them apart.
const keyPrefix = "gqlneo:"

// Defaults applied when REDIS_URL's query does not set them. They are short
// on purpose: each Redis call sits on a request's path, and an unreachable
// Redis must cost a request milliseconds, not the driver's default seconds.
const (
	defaultDialTimeout  = 500 * time.Millisecond
	defaultReadTimeout  = 500 * time.Millisecond
	defaultWriteTimeout = 500 * time.Millisecond
	defaultMaxRetries   = 1
)

// Store is a connection pool to one Redis plus the secret that turns
// personal data into key names. It is safe for concurrent use.
type Store struct {
	client *redis.Client
	secret []byte
	// timeout bounds calls made without a request context (the login
	// limiter's interface has none).
	timeout time.Duration
}

// Open parses rawURL (redis:// or rediss://, with go-redis' query
// parameters such as dial_timeout, read_timeout, max_retries) and returns a
// Store. It does not contact Redis; Ping does. keySecret (at least 32 bytes)
// derives key names from personal data; every replica must use the same one.
func Open(rawURL string, keySecret []byte) (*Store, error) {
	if len(keySecret) < 32 {
		return nil, errors.New("redisstore: the key secret must be at least 32 bytes")
	}
	opts, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	timeout := opts.ReadTimeout + opts.WriteTimeout + opts.DialTimeout
	if opts.ReadTimeout <= 0 || opts.WriteTimeout <= 0 || opts.DialTimeout <= 0 {
		timeout = 3 * time.Second // a timeout the URL disabled still gets a bound here
	}
	return &Store{client: redis.NewClient(opts), secret: keySecret, timeout: timeout}, nil
}

// ParseURL checks a Redis URL and returns the client options it means, with
// this package's short timeouts where the URL sets none. Errors never echo
// the URL, which may hold a password.
func ParseURL(rawURL string) (*redis.Options, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, errors.New("not a URL; use e.g. redis://127.0.0.1:6379/0 or rediss://:password@host:6380/0")
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return nil, fmt.Errorf("scheme %q is not supported; use redis:// or rediss:// (TLS)", u.Scheme)
	}
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		// go-redis' message names the bad part, never the password.
		return nil, fmt.Errorf("%v", err)
	}
	q := u.Query()
	if !q.Has("dial_timeout") {
		opts.DialTimeout = defaultDialTimeout
	}
	if !q.Has("read_timeout") {
		opts.ReadTimeout = defaultReadTimeout
	}
	if !q.Has("write_timeout") {
		opts.WriteTimeout = defaultWriteTimeout
	}
	if !q.Has("max_retries") {
		opts.MaxRetries = defaultMaxRetries
	}
	if !q.Has("dialer_retries") {
		opts.DialerRetries = defaultMaxRetries
	}
	return opts, nil
}

// LibraryLogsTo sends the Redis client library's own messages (it reports
// failed dials itself, in plain text on stderr) to logger at debug level, so
// the process writes JSON only; this package logs each failure that matters
// at its own level. The library's logger is process-wide.
func LibraryLogsTo(logger *slog.Logger) {
	redis.SetLogger(libraryLogger{logger})
}

type libraryLogger struct{ logger *slog.Logger }

func (l libraryLogger) Printf(ctx context.Context, format string, v ...any) {
	l.logger.DebugContext(ctx, "redis client: "+fmt.Sprintf(format, v...))
}

// Ping checks that Redis answers, for readiness probes and the start.
func (s *Store) Ping(ctx context.Context) error {
	return s.client.Ping(ctx).Err()
}

// Close releases the connections.
func (s *Store) Close() error { return s.client.Close() }

// key names a piece of personal data: kind, then the HMAC of the value, so
// equal values meet on every replica and Redis never holds the value.
func (s *Store) key(kind, value string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return keyPrefix + kind + ":" + hex.EncodeToString(m.Sum(nil)[:16])
}

// detached returns a context bounded by the store's timeout, for calls made
// by interfaces that carry no request context.
func (s *Store) detached() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), s.timeout)
}
