package redisstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gqlneo/gqlneo/redisstore"
	"github.com/gqlneo/gqlneo/redisstore/redistest"
)

func TestMain(m *testing.M) {
	redisstore.LibraryLogsTo(slog.New(slog.DiscardHandler))
	os.Exit(m.Run())
}

var testSecret = []byte("0123456789abcdef0123456789abcdef")

// mustOpen opens a Store on srv that is closed when the test ends.
func mustOpen(tb testing.TB, srv *redistest.Server) *redisstore.Store {
	tb.Helper()
	s, err := redisstore.Open(srv.URL, testSecret)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	if err := s.Ping(context.Background()); err != nil {
		tb.Fatalf("ping: %v", err)
	}
	return s
}

func TestOpenRefusesBadURLsWithoutEchoingThem(t *testing.T) {
	for name, raw := range map[string]string{
		"http scheme":       "http://secret-pass@127.0.0.1:6379",
		"not a URL":         "::secret-pass",
		"unknown parameter": "redis://:secret-pass@127.0.0.1:6379/0?bogus=1",
		"bad database":      "redis://:secret-pass@127.0.0.1:6379/x",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := redisstore.Open(raw, testSecret)
			if err == nil {
				t.Fatal("accepted")
			}
			if strings.Contains(err.Error(), "secret-pass") {
				t.Fatalf("error leaks the password: %v", err)
			}
		})
	}
	if _, err := redisstore.Open("redis://127.0.0.1:6379/0", []byte("short")); err == nil {
		t.Fatal("a short key secret was accepted")
	}
}

func TestLoginLimiterIsSharedByEveryInstanceOnTheSameRedis(t *testing.T) {
	srv := redistest.Start(t)
	cfg := redisstore.LimiterConfig{PerMinute: 30, Burst: 10, MaxFailures: 5, Window: time.Minute}
	a := redisstore.NewLoginLimiter(mustOpen(t, srv), cfg, nil)
	b := redisstore.NewLoginLimiter(mustOpen(t, srv), cfg, nil)
	replicas := []*redisstore.LoginLimiter{a, b}

	t.Run("the IP's burst is spent across replicas", func(t *testing.T) {
		for i := range 10 {
			if _, ok := replicas[i%2].Allow("198.51.100.7", ""); !ok {
				t.Fatalf("attempt %d refused within the burst", i+1)
			}
		}
		retry, ok := replicas[0].Allow("198.51.100.7", "")
		if ok {
			t.Fatal("the 11th attempt was allowed")
		}
		if retry < time.Second || retry > 2*time.Second {
			t.Fatalf("retry after %s, want the next unit's 2s", retry)
		}
		if _, ok := replicas[1].Allow("198.51.100.8", ""); !ok {
			t.Fatal("another IP was refused")
		}
	})
	t.Run("an IPv6 /64 is one unit", func(t *testing.T) {
		for i := range 10 {
			if _, ok := replicas[i%2].Allow(fmt.Sprintf("2001:db8:1:2::%x", i+1), ""); !ok {
				t.Fatalf("attempt %d refused", i+1)
			}
		}
		if _, ok := a.Allow("2001:db8:1:2:ffff::1", ""); ok {
			t.Fatal("the /64 passed its burst")
		}
	})
	t.Run("failures of a username and IP count across replicas, other IPs are unaffected, success forgets them", func(t *testing.T) {
		const attacker = "203.0.113.66"
		for i := range 5 {
			if _, ok := replicas[i%2].Allow(attacker, "Victim@Example.com "); !ok {
				t.Fatalf("attempt %d refused before 5 failures", i+1)
			}
			replicas[(i+1)%2].Failed(attacker, " victim@example.com")
		}
		retry, ok := b.Allow(attacker, "VICTIM@example.com")
		if ok {
			t.Fatal("the username and IP passed 5 failures")
		}
		if retry < 55*time.Second || retry > time.Minute {
			t.Fatalf("retry after %s, want about the window", retry)
		}
		if _, ok := a.Allow("198.51.100.77", "victim@example.com"); !ok {
			t.Fatal("the owner's own IP was refused for the attacker's failures")
		}
		a.Succeeded(attacker, "victim@example.com")
		if _, ok := b.Allow(attacker, "victim@example.com"); !ok {
			t.Fatal("refused after a success")
		}
	})
	t.Run("failures of a username from many IPs reach its ceiling on every IP", func(t *testing.T) {
		for i := range 50 {
			replicas[i%2].Failed(fmt.Sprintf("192.0.2.%d", i+1), "spread@example.com")
		}
		if _, ok := a.Allow("198.51.100.99", "spread@example.com"); ok {
			t.Fatal("50 failures across IPs did not reach the per-username ceiling of 50")
		}
	})
}

func TestLoginLimiterRefusesWhenRedisIsDown(t *testing.T) {
	srv := redistest.Start(t)
	l := redisstore.NewLoginLimiter(mustOpen(t, srv), redisstore.LimiterConfig{}, nil)
	if _, ok := l.Allow("198.51.100.9", "someone@example.com"); !ok {
		t.Fatal("refused while Redis is up")
	}
	srv.Stop()
	start := time.Now()
	retry, ok := l.Allow("198.51.100.9", "someone@example.com")
	if ok {
		t.Fatal("allowed while Redis is down")
	}
	if retry != redisstore.UnavailableRetry {
		t.Fatalf("retry %s, want %s", retry, redisstore.UnavailableRetry)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("refusing took %s; a down Redis must cost little", d)
	}
	l.Failed("198.51.100.9", "someone@example.com") // logged and dropped, no panic
	l.Succeeded("198.51.100.9", "someone@example.com")
}

func TestCacheKeepsValuesUnderDigestedKeys(t *testing.T) {
	srv := redistest.Start(t)
	s := mustOpen(t, srv)
	c := redisstore.NewCache(s, "userinfo")
	ctx := context.Background()
	if _, ok, err := c.Get(ctx, "auth0|a"); ok || err != nil {
		t.Fatalf("miss: ok %v err %v", ok, err)
	}
	if err := c.Set(ctx, "auth0|a", []byte(`{"Email":"a@example.com"}`), time.Minute); err != nil {
		t.Fatal(err)
	}
	v, ok, err := redisstore.NewCache(mustOpen(t, srv), "userinfo").Get(ctx, "auth0|a")
	if err != nil || !ok || string(v) != `{"Email":"a@example.com"}` {
		t.Fatalf("another store reads %q %v %v", v, ok, err)
	}
	if _, ok, _ := redisstore.NewCache(s, "other").Get(ctx, "auth0|a"); ok {
		t.Fatal("kinds share keys")
	}
	if err := c.Set(ctx, "auth0|b", []byte("x"), 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond)
	if _, ok, _ := c.Get(ctx, "auth0|b"); ok {
		t.Fatal("an entry outlived its TTL")
	}
	srv.Stop()
	if _, ok, err := c.Get(ctx, "auth0|a"); ok || err == nil {
		t.Fatalf("Redis down: ok %v err %v, want an error", ok, err)
	}
}

func digest(q string) string {
	sum := sha256.Sum256([]byte(q))
	return hex.EncodeToString(sum[:])
}

func TestQueryCacheSharesBoundedPersistedQueries(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	a := redisstore.NewQueryCache(mustOpen(t, srv), time.Minute, 64, nil)
	b := redisstore.NewQueryCache(mustOpen(t, srv), time.Minute, 64, nil)

	q := "{ me { id name } }"
	if _, ok := b.Get(ctx, digest(q)); ok {
		t.Fatal("hit before Add")
	}
	a.Add(ctx, digest(q), q)
	if got, ok := b.Get(ctx, digest(q)); !ok || got != q {
		t.Fatalf("registered on a, b reads %q %v", got, ok)
	}

	big := "{ " + strings.Repeat("me { id } ", 10) + "}"
	a.Add(ctx, digest(big), big)
	if _, ok := b.Get(ctx, digest(big)); ok {
		t.Fatal("a query over the byte bound was stored")
	}

	for _, key := range []string{"", "not-a-digest", strings.ToUpper(digest(q)), digest(q) + "0"} {
		a.Add(ctx, key, q)
		if _, ok := b.Get(ctx, key); ok {
			t.Fatalf("key %q is not a digest but was used", key)
		}
	}

	short := redisstore.NewQueryCache(mustOpen(t, srv), 50*time.Millisecond, 64, nil)
	q2 := "{ __typename }"
	short.Add(ctx, digest(q2), q2)
	time.Sleep(150 * time.Millisecond)
	if _, ok := short.Get(ctx, digest(q2)); ok {
		t.Fatal("an entry outlived its TTL")
	}

	srv.Stop()
	if _, ok := b.Get(ctx, digest(q)); ok {
		t.Fatal("Redis down: Get hit")
	}
	a.Add(ctx, digest(q), q) // logged and dropped
}
