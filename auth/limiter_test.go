package auth

import (
	"cmp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// llFakeClock is a settable clock, safe for concurrent use.
type llFakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func llNewClock() *llFakeClock {
	return &llFakeClock{t: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *llFakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *llFakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// llStep is one action in a limiter scenario.
type llStep struct {
	advance   time.Duration // clock moves first
	failed    string        // record a failure for this username from ip (llIP when empty)
	succeeded string        // record a success for this username from ip (llIP when empty)
	allow     bool          // then call Allow(ip, user)
	ip, user  string
	wantOK    bool
	wantRetry time.Duration // checked when !wantOK
}

// llIP is the client IP of the scenarios' failures and successes unless a
// step names another.
const llIP = "203.0.113.1"

func TestLoginLimiterScenarios(t *testing.T) {
	allowN := func(n int, ip, user string) []llStep {
		steps := make([]llStep, n)
		for i := range steps {
			steps[i] = llStep{allow: true, ip: ip, user: user, wantOK: true}
		}
		return steps
	}
	failNAt := func(n int, ip, user string) []llStep {
		steps := make([]llStep, n)
		for i := range steps {
			steps[i] = llStep{failed: user, ip: ip}
		}
		return steps
	}
	failN := func(n int, user string) []llStep { return failNAt(n, llIP, user) }
	// failFrom records n failures for user, each from its own IP of
	// 198.51.100.0/24 starting at .first.
	failFrom := func(n, first int, user string) []llStep {
		steps := make([]llStep, n)
		for i := range steps {
			steps[i] = llStep{failed: user, ip: "198.51.100." + strconv.Itoa(first+i)}
		}
		return steps
	}
	concat := func(parts ...[]llStep) []llStep {
		var all []llStep
		for _, p := range parts {
			all = append(all, p...)
		}
		return all
	}
	tests := []struct {
		name  string
		opts  []LoginLimiterOption
		steps []llStep
	}{
		{
			name: "an IP that exhausts its burst is refused until a token refills",
			steps: concat(
				allowN(10, "203.0.113.1", ""),
				[]llStep{
					{allow: true, ip: "203.0.113.1", wantOK: false, wantRetry: 2 * time.Second},
					{advance: time.Second, allow: true, ip: "203.0.113.1", wantOK: false, wantRetry: time.Second},
					{advance: time.Second, allow: true, ip: "203.0.113.1", wantOK: true},
					{allow: true, ip: "203.0.113.1", wantOK: false, wantRetry: 2 * time.Second},
				},
			),
		},
		{
			name: "another IP has its own budget",
			steps: concat(
				allowN(10, "203.0.113.1", ""),
				[]llStep{
					{allow: true, ip: "203.0.113.1", wantOK: false, wantRetry: 2 * time.Second},
					{allow: true, ip: "203.0.113.2", wantOK: true},
				},
			),
		},
		{
			name: "IPv6 addresses in one /64 share a budget",
			opts: []LoginLimiterOption{WithPerIPRate(60, 2)},
			steps: []llStep{
				{allow: true, ip: "2001:db8:1:2::1", wantOK: true},
				{allow: true, ip: "2001:db8:1:2::ffff", wantOK: true},
				{allow: true, ip: "2001:db8:1:2:aaaa::9", wantOK: false, wantRetry: time.Second},
				{allow: true, ip: "2001:db8:1:3::1", wantOK: true},
			},
		},
		{
			name: "an IPv4-mapped address and a host:port share the IPv4 budget",
			opts: []LoginLimiterOption{WithPerIPRate(60, 2)},
			steps: []llStep{
				{allow: true, ip: "198.51.100.7", wantOK: true},
				{allow: true, ip: "::ffff:198.51.100.7", wantOK: true},
				{allow: true, ip: "198.51.100.7:54321", wantOK: false, wantRetry: time.Second},
			},
		},
		{
			name: "five failures from one IP refuse the username from that IP for the rest of the window",
			steps: concat(
				failN(4, "alice@example.com"),
				[]llStep{{allow: true, ip: llIP, user: "alice@example.com", wantOK: true}},
				failN(1, "alice@example.com"),
				[]llStep{
					{allow: true, ip: llIP, user: "alice@example.com", wantOK: false, wantRetry: 15 * time.Minute},
					{advance: 10 * time.Minute, allow: true, ip: llIP, user: "alice@example.com", wantOK: false, wantRetry: 5 * time.Minute},
					{allow: true, ip: llIP, user: "bob@example.com", wantOK: true},
					{advance: 5 * time.Minute, allow: true, ip: llIP, user: "alice@example.com", wantOK: true},
				},
			),
		},
		{
			name: "an attacker's failures from one IP do not refuse the owner from another",
			steps: concat(
				failN(5, "alice@example.com"),
				[]llStep{
					{allow: true, ip: llIP, user: "alice@example.com", wantOK: false, wantRetry: 15 * time.Minute},
					{allow: true, ip: "203.0.113.9", user: "alice@example.com", wantOK: true},
				},
			),
		},
		{
			name: "an IPv6 attacker's failures count for its whole /64",
			steps: concat(
				[]llStep{
					{failed: "alice", ip: "2001:db8::1"}, {failed: "alice", ip: "2001:db8::2"}, {failed: "alice", ip: "2001:db8::3"},
					{failed: "alice", ip: "2001:db8::4"}, {failed: "alice", ip: "2001:db8::5"},
					{allow: true, ip: "2001:db8::ffff", user: "alice", wantOK: false, wantRetry: 15 * time.Minute},
					{allow: true, ip: "2001:db8:0:1::1", user: "alice", wantOK: true},
				},
			),
		},
		{
			name: "failures spread over many IPs refuse the username everywhere at the per-username ceiling",
			steps: concat(
				failFrom(49, 1, "hal"),
				[]llStep{{allow: true, ip: "203.0.113.200", user: "hal", wantOK: true}},
				[]llStep{{advance: time.Minute, failed: "hal", ip: "198.51.100.250"}},
				[]llStep{
					{allow: true, ip: "203.0.113.200", user: "hal", wantOK: false, wantRetry: 14 * time.Minute},
					{advance: 14 * time.Minute, allow: true, ip: "203.0.113.200", user: "hal", wantOK: true},
				},
			),
		},
		{
			name: "a configured per-username ceiling applies across IPs",
			opts: []LoginLimiterOption{WithMaxFailures(3, time.Hour), WithMaxFailuresPerUsername(4)},
			steps: concat(
				failFrom(2, 1, "ivy"),
				failFrom(2, 10, "ivy"),
				[]llStep{{allow: true, ip: "203.0.113.5", user: "ivy", wantOK: false, wantRetry: time.Hour}},
			),
		},
		{
			name: "a per-username ceiling below the per-IP limit is raised to it",
			opts: []LoginLimiterOption{WithMaxFailures(3, time.Hour), WithMaxFailuresPerUsername(1)},
			steps: concat(
				failFrom(2, 1, "jo"),
				[]llStep{{allow: true, ip: "198.51.100.1", user: "jo", wantOK: true}},
				[]llStep{{failed: "jo", ip: "198.51.100.9"}},
				[]llStep{{allow: true, ip: "203.0.113.5", user: "jo", wantOK: false, wantRetry: time.Hour}},
			),
		},
		{
			name: "usernames are trimmed and lower-cased",
			steps: concat(
				failN(2, "Alice@Example.com"),
				failN(3, "  alice@example.COM "),
				[]llStep{{allow: true, ip: llIP, user: "ALICE@EXAMPLE.COM", wantOK: false, wantRetry: 15 * time.Minute}},
			),
		},
		{
			name: "failures older than the window no longer count",
			opts: []LoginLimiterOption{WithMaxFailures(3, time.Minute)},
			steps: []llStep{
				{failed: "carol"},
				{advance: 30 * time.Second, failed: "carol"},
				{advance: 31 * time.Second, failed: "carol"},
				{allow: true, ip: llIP, user: "carol", wantOK: true},
				{failed: "carol"},
				{allow: true, ip: llIP, user: "carol", wantOK: false, wantRetry: 29 * time.Second},
			},
		},
		{
			name: "a success resets the username's failures from that IP",
			steps: concat(
				failN(5, "dave"),
				[]llStep{
					{allow: true, ip: llIP, user: "dave", wantOK: false, wantRetry: 15 * time.Minute},
					{succeeded: " DAVE "},
					{allow: true, ip: llIP, user: "dave", wantOK: true},
				},
				failN(4, "dave"),
				[]llStep{{allow: true, ip: llIP, user: "dave", wantOK: true}},
			),
		},
		{
			name: "a success from one IP does not reset the per-username ceiling",
			opts: []LoginLimiterOption{WithMaxFailures(2, time.Hour), WithMaxFailuresPerUsername(4)},
			steps: concat(
				failFrom(3, 1, "eve"),
				[]llStep{{succeeded: "eve", ip: "203.0.113.7"}},
				failFrom(1, 20, "eve"),
				[]llStep{{allow: true, ip: "203.0.113.7", user: "eve", wantOK: false, wantRetry: time.Hour}},
			),
		},
		{
			name: "a refused username still spends the IP's budget",
			opts: []LoginLimiterOption{WithPerIPRate(60, 2), WithMaxFailures(1, time.Hour)},
			steps: []llStep{
				{failed: "erin"},
				{allow: true, ip: llIP, user: "erin", wantOK: false, wantRetry: time.Hour},
				{allow: true, ip: llIP, user: "erin", wantOK: false, wantRetry: time.Hour},
				{allow: true, ip: llIP, user: "frank", wantOK: false, wantRetry: time.Second},
			},
		},
		{
			name: "a refresh without a username is limited by IP only",
			opts: []LoginLimiterOption{WithMaxFailures(1, time.Hour)},
			steps: []llStep{
				{failed: ""},
				{allow: true, ip: "203.0.113.1", user: "", wantOK: true},
			},
		},
		{
			name: "a configured rate sets the refill interval",
			opts: []LoginLimiterOption{WithPerIPRate(6, 1)},
			steps: []llStep{
				{allow: true, ip: "203.0.113.1", wantOK: true},
				{allow: true, ip: "203.0.113.1", wantOK: false, wantRetry: 10 * time.Second},
				{advance: 9500 * time.Millisecond, allow: true, ip: "203.0.113.1", wantOK: false, wantRetry: time.Second},
				{advance: 500 * time.Millisecond, allow: true, ip: "203.0.113.1", wantOK: true},
			},
		},
		{
			name: "non-positive options keep the defaults",
			opts: []LoginLimiterOption{WithPerIPRate(0, -1), WithMaxFailures(0, 0), WithMaxTracked(0), WithClock(nil)},
			steps: concat(
				allowN(10, "203.0.113.1", ""),
				[]llStep{{allow: true, ip: "203.0.113.1", wantOK: false, wantRetry: 2 * time.Second}},
				failNAt(5, "203.0.113.2", "gina"),
				[]llStep{{allow: true, ip: "203.0.113.2", user: "gina", wantOK: false, wantRetry: 15 * time.Minute}},
			),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := llNewClock()
			l := NewLoginLimiter(append([]LoginLimiterOption{WithClock(clock.Now)}, tt.opts...)...)
			for i, s := range tt.steps {
				clock.Advance(s.advance)
				from := cmp.Or(s.ip, llIP)
				switch {
				case s.failed != "" || (!s.allow && s.succeeded == ""):
					l.Failed(from, s.failed)
				case s.succeeded != "":
					l.Succeeded(from, s.succeeded)
				}
				if !s.allow {
					continue
				}
				retry, ok := l.Allow(s.ip, s.user)
				if ok != s.wantOK {
					t.Fatalf("step %d: Allow(%q, %q) ok = %v, want %v (retry %v)", i, s.ip, s.user, ok, s.wantOK, retry)
				}
				if ok && retry != 0 {
					t.Errorf("step %d: allowed with retryAfter %v, want 0", i, retry)
				}
				if !ok {
					if retry != s.wantRetry {
						t.Errorf("step %d: retryAfter = %v, want %v", i, retry, s.wantRetry)
					}
					if retry < time.Second || retry%time.Second != 0 {
						t.Errorf("step %d: retryAfter %v is not whole seconds ≥ 1s", i, retry)
					}
				}
			}
		})
	}
}

func TestLoginLimiterBoundsMemory(t *testing.T) {
	tests := []struct {
		name      string
		advance   time.Duration
		wantIPs   int
		wantUsers int
	}{
		{
			name:      "hostile input with fresh keys never grows past the bound",
			wantIPs:   100,
			wantUsers: 100,
		},
		{
			name:    "entries that no longer limit anything are dropped as time passes",
			advance: time.Hour,
			wantIPs: 2, // the two IP keys of the last round

			wantUsers: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := llNewClock()
			l := NewLoginLimiter(WithClock(clock.Now), WithMaxTracked(100))
			for i := range 10_000 {
				clock.Advance(tt.advance)
				key := strconv.Itoa(i)
				l.Allow("10.0."+strconv.Itoa(i/256%256)+"."+strconv.Itoa(i%256), "")
				l.Allow("user-"+key, "")
				l.Failed("10.1.0.1", "user-"+key)
				l.mu.Lock()
				ips, users := len(l.ips.m), len(l.users.m)
				l.mu.Unlock()
				if ips > 100 || users > 100 {
					t.Fatalf("after %d keys: %d IPs and %d usernames tracked, bound is 100", i+1, ips, users)
				}
			}
			l.mu.Lock()
			defer l.mu.Unlock()
			// Each Allow also tracks its IP ("user-N" parses as no IP, so
			// each is its own key); the newest entries are kept.
			if got := len(l.ips.m); got != tt.wantIPs {
				t.Errorf("%d IPs tracked, want %d", got, tt.wantIPs)
			}
			if got := len(l.users.m); got != tt.wantUsers {
				t.Errorf("%d usernames tracked, want %d", got, tt.wantUsers)
			}
			// The recency list and the map agree.
			n := 0
			for node := l.ips.head; node != nil; node = node.next {
				n++
			}
			if n != len(l.ips.m) {
				t.Errorf("recency list has %d entries, map has %d", n, len(l.ips.m))
			}
		})
	}
}

func TestLoginLimiterIsSafeForConcurrentUse(t *testing.T) {
	tests := []struct {
		name    string
		workers int
		perIP   int
		burst   int
	}{
		{name: "concurrent attempts from one IP are allowed exactly the burst", workers: 32, perIP: 30, burst: 10},
		{name: "a larger burst is shared exactly under contention", workers: 64, perIP: 60, burst: 40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := llNewClock()
			l := NewLoginLimiter(WithClock(clock.Now), WithPerIPRate(tt.perIP, tt.burst), WithMaxTracked(50))
			var allowed atomic.Int64
			var wg sync.WaitGroup
			for w := range tt.workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range 20 {
						if _, ok := l.Allow("203.0.113.1", "shared"); ok {
							allowed.Add(1)
						}
						user := "u" + strconv.Itoa((w*20+i)%97)
						l.Allow("198.51.100."+strconv.Itoa(i), user)
						l.Failed("10.1.0.1", user)
						if i%5 == 0 {
							l.Succeeded("10.1.0.1", user)
						}
					}
				}()
			}
			wg.Wait()
			if got := allowed.Load(); got != int64(tt.burst) {
				t.Errorf("%d attempts allowed from one IP at one instant, want the burst %d", got, tt.burst)
			}
		})
	}
}
