package neo4jrepo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/config"

	"github.com/gqlneo/gqlneo/domain"
)

func TestAdmissionRefusesAtOnceBeyondItsBoundAfterTheQueueWait(t *testing.T) {
	a := newAdmission(2, 50*time.Millisecond)
	ctx := context.Background()
	_, d1, err1 := a.acquire(ctx)
	_, d2, err2 := a.acquire(ctx)
	if err1 != nil || err2 != nil {
		t.Fatalf("the first two slots: %v, %v", err1, err2)
	}
	start := time.Now()
	if _, _, err := a.acquire(ctx); !errors.Is(err, domain.ErrOverloaded) {
		t.Fatalf("a third transaction: %v, want domain.ErrOverloaded", err)
	}
	if waited := time.Since(start); waited < 40*time.Millisecond || waited > time.Second {
		t.Errorf("refused after %s; the queue wait is 50ms", waited)
	}
	// A slot freed during the wait is taken.
	go func() { time.Sleep(10 * time.Millisecond); d1(nil) }()
	_, d3, err := a.acquire(ctx)
	if err != nil {
		t.Fatalf("a slot freed during the wait: %v", err)
	}
	d2(nil)
	d3(nil)
	// A deadline that passes while waiting is the deadline, not overload.
	_, d4, _ := a.acquire(ctx)
	_, d5, _ := a.acquire(ctx)
	defer d4(nil)
	defer d5(nil)
	short, cancel := context.WithTimeout(ctx, 5*time.Millisecond)
	defer cancel()
	if _, _, err := a.acquire(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a deadline passing in the queue: %v, want context.DeadlineExceeded", err)
	}
	one := newAdmission(1, 0)
	_, d6, _ := one.acquire(ctx)
	defer d6(nil)
	if _, _, err := one.acquire(ctx); !errors.Is(err, domain.ErrOverloaded) {
		t.Errorf("no queue wait: %v, want domain.ErrOverloaded at once", err)
	}
}

// fakeNeo4j is a probe whose answer the test sets, and a warm-up that
// counts its calls.
type fakeNeo4j struct {
	mu     sync.Mutex
	answer error
	probes int
	warms  int
}

func (f *fakeNeo4j) set(err error) { f.mu.Lock(); f.answer = err; f.mu.Unlock() }
func (f *fakeNeo4j) probe(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.probes++
	return f.answer
}
func (f *fakeNeo4j) probed() int { f.mu.Lock(); defer f.mu.Unlock(); return f.probes }
func (f *fakeNeo4j) warm(_ context.Context, warmed func()) (int, int) {
	f.mu.Lock()
	f.warms++
	f.mu.Unlock()
	warmed()
	return 3, 5
}
func (f *fakeNeo4j) warmed() int { f.mu.Lock(); defer f.mu.Unlock(); return f.warms }

// watched is an admission of max slots watching neo.
func watched(max int, wait time.Duration, neo *fakeNeo4j) *admission {
	a := newAdmission(max, wait)
	a.warm = neo.warm
	go a.watch(neo.probe)
	return a
}

// eventually polls cond for up to 5s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("still not %s after 5s", what)
		}
	}
}

func TestAnUnreachableNeo4jIsRefusedAtOnceAndReadmittedSlowlyOnceItAnswers(t *testing.T) {
	neo := &fakeNeo4j{}
	a := watched(64, 100*time.Millisecond, neo)
	defer a.close()
	logs := &syncBuffer{}
	a.mu.Lock()
	a.log = slog.New(slog.NewTextHandler(logs, nil))
	a.mu.Unlock()
	ctx := context.Background()

	// Neo4j goes away while a transaction runs: the watcher's probes
	// cannot reach it, the running transaction is cancelled with
	// errNeo4jDown, and new ones are refused at once.
	running, dRunning, err := a.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	neo.set(&neo4j.ConnectivityError{Inner: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}})
	eventually(t, "cancelled", func() bool { return running.Err() != nil })
	if !errors.Is(context.Cause(running), errNeo4jDown) {
		t.Errorf("the running transaction's cause: %v", context.Cause(running))
	}
	dRunning(running.Err())
	start := time.Now()
	if _, _, err := a.acquire(ctx); !errors.Is(err, domain.ErrUnavailable) {
		t.Fatalf("a transaction while Neo4j is down: %v, want domain.ErrUnavailable", err)
	}
	if waited := time.Since(start); waited > 50*time.Millisecond {
		t.Errorf("refused after %s, not at once", waited)
	}

	// Neo4j answers again: warmed once, then recoveryStart at a time,
	// twice as many after each run of that many answers.
	neo.set(nil)
	var dones []func(error)
	eventually(t, "admitting again", func() bool {
		_, d, err := a.acquire(ctx)
		if err == nil {
			dones = append(dones, d)
		}
		return err == nil
	})
	if n := neo.warmed(); n != 1 {
		t.Errorf("%d warm-ups, want 1", n)
	}
	for len(dones) < recoveryStart {
		_, d, err := a.acquire(ctx)
		if err != nil {
			t.Fatalf("transaction %d of the first %d: %v", len(dones)+1, recoveryStart, err)
		}
		dones = append(dones, d)
	}
	// The next one waits longer than the configured 100ms, but at most
	// half its time left: refused as overloaded after ~600ms of its 1.2s
	// (not timed out: the margin holds on a loaded machine).
	short, cancel := context.WithTimeout(ctx, 1200*time.Millisecond)
	defer cancel()
	start = time.Now()
	if _, _, err := a.acquire(short); !errors.Is(err, domain.ErrOverloaded) {
		t.Fatalf("transaction %d right after recovery: %v, want domain.ErrOverloaded", recoveryStart+1, err)
	}
	if waited := time.Since(start); waited < 550*time.Millisecond || waited > 1150*time.Millisecond {
		t.Errorf("refused after %s during slow start; want half its 1.2s left", waited)
	}
	// Without a deadline it waits up to recoveryWait, and takes a slot
	// freed after longer than the configured wait.
	go func() { time.Sleep(300 * time.Millisecond); dones[0](nil) }()
	_, d, err := a.acquire(ctx)
	if err != nil {
		t.Fatalf("a slot freed 300ms into the wait during slow start: %v", err)
	}
	dones[0] = d
	// The log says both turns, and what the warm-up did.
	for _, want := range []string{`level=WARN msg="neo4j cannot be reached: refusing transactions until it answers" error="ConnectivityError: dial tcp: connection refused"`,
		`level=INFO msg="neo4j answers again: readmitting transactions in slow start" unreachable_for=`,
		`level=INFO msg="neo4j warm-up over" took=`, `statements_planned=3 recent_statements=5`} {
		eventually(t, "logged: "+want, func() bool { return strings.Contains(logs.String(), want) })
	}
	for i, d := range dones {
		if i == 0 {
			d(domain.ErrNotFound) // an answer too
		} else {
			d(nil)
		}
	}
	dones = nil
	for range 2 * recoveryStart {
		_, d, err := a.acquire(ctx)
		if err != nil {
			t.Fatalf("after %d answers, %d at once: %v", recoveryStart, len(dones)+1, err)
		}
		dones = append(dones, d)
	}
	for _, d := range dones {
		d(nil)
	}
}

func TestAProbeThatProvesNothingChangesNothing(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer error
	}{
		{"A probe that times out proves nothing.", context.DeadlineExceeded},
		{"A probe that waits for a pooled connection proves nothing.", &neo4j.ConnectivityError{Inner: errors.New("Timeout while waiting for connection")}},
		{"A probe that answers leaves the bound as it was.", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			neo := &fakeNeo4j{answer: tc.answer}
			a := watched(8, 0, neo)
			defer a.close()
			eventually(t, "probed twice", func() bool { return neo.probed() >= 2 })
			for i := range 8 {
				if _, _, err := a.acquire(context.Background()); err != nil {
					t.Fatalf("transaction %d of 8: %v", i+1, err)
				}
			}
			if n := neo.warmed(); n != 0 {
				t.Errorf("warmed %d times", n)
			}
		})
	}
}

func TestOnlyAnUnreachableNeo4jIsDown(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"A refused connection is unreachable.", &neo4j.ConnectivityError{Inner: refused}, true},
		{"A connection closed by Neo4j is unreachable.", &neo4j.ConnectivityError{Inner: io.EOF}, true},
		{"Retries that ran out on a refused connection are unreachable.", &neo4j.TransactionExecutionLimit{Errors: []error{&neo4j.ConnectivityError{Inner: refused}}}, true},
		{"A failed Bolt handshake is unreachable.", errors.New("none of the server offered Bolt versions are supported"), true},
		{"A routing table that cannot be fetched is unreachable.", &neo4j.ConnectivityError{Inner: errors.New("Unable to retrieve routing table from 127.0.0.1:7687: EOF")}, true},
		{"A full pool is busy, not unreachable.", &neo4j.ConnectivityError{Inner: errors.New("Timeout while waiting for connection")}, false},
		{"A deadline is slow, not unreachable.", context.DeadlineExceeded, false},
		{"A transient error is not unreachable.", &neo4j.Neo4jError{Code: "Neo.TransientError.Transaction.DeadlockDetected"}, false},
		{"A missing node is an answer.", domain.ErrNotFound, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := unreachable(tc.err); got != tc.want {
				t.Errorf("unreachable(%v) = %v", tc.err, got)
			}
		})
	}
}

func TestTxTimeoutIsTheTimeLeftRoundedUpToAMillisecond(t *testing.T) {
	now := time.Now()
	ctx, cancel := context.WithDeadline(context.Background(), now.Add(1500*time.Microsecond))
	defer cancel()
	if d, ok, err := txTimeout(ctx, now); !ok || err != nil || d != 2*time.Millisecond {
		t.Errorf("1.5ms left: %s, %v, %v; want 2ms", d, ok, err)
	}
	if d, ok, err := txTimeout(ctx, now.Add(1499*time.Microsecond)); !ok || err != nil || d != time.Millisecond {
		t.Errorf("1µs left: %s, %v, %v; want 1ms, never 0 (no timeout to Neo4j)", d, ok, err)
	}
	if _, _, err := txTimeout(ctx, now.Add(time.Second)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a passed deadline: %v", err)
	}
	if _, ok, err := txTimeout(context.Background(), now); ok || err != nil {
		t.Errorf("no deadline: %v, %v; want Neo4j's default", ok, err)
	}
}

// slowCypher runs for far longer than any test's deadline unless Neo4j
// stops it; the marker finds it in SHOW TRANSACTIONS.
const slowCypher = `UNWIND range(1, 2000000000) AS x WITH x WHERE x % 7 = 123456 RETURN count(x) AS n /* slow-test-marker */`

// txLogger records the messages that open a transaction: BEGIN, and a RUN
// outside one (an auto-commit transaction, whose metadata the RUN carries;
// a RUN inside a transaction carries none). It records COMMITs too.
type txLogger struct {
	mu      sync.Mutex
	opened  []string
	commits int
}

func (l *txLogger) LogClientMessage(_ string, msg string, args ...any) {
	line := fmt.Sprintf(msg, args...)
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case strings.HasPrefix(line, "BEGIN"), strings.HasPrefix(line, "RUN") && !strings.HasSuffix(line, " {}"):
		l.opened = append(l.opened, line)
	case strings.HasPrefix(line, "COMMIT"):
		l.commits++
	}
}

func (l *txLogger) LogServerMessage(string, string, ...any) {}

var txTimeoutRe = regexp.MustCompile(`"tx_timeout":(\d+)`)

func TestEveryTransactionCarriesTheRequestsRemainingDeadlineToNeo4j(t *testing.T) {
	db, _ := mustDB(t)
	logger := &txLogger{}
	db.boltLogger = logger
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := db.UserBySubject(ctx, uniqueSubject(t)); !errors.Is(err, domain.ErrNotFound) {
		t.Fatal(err)
	}
	if _, err := db.Touch(ctx, domain.TokenIdentity{Subject: uniqueSubject(t)}, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UserBySubject(context.Background(), uniqueSubject(t)); !errors.Is(err, domain.ErrNotFound) {
		t.Fatal(err)
	}
	logger.mu.Lock()
	defer logger.mu.Unlock()
	if len(logger.opened) != 3 {
		t.Fatalf("%d transactions opened, want 3: %q", len(logger.opened), logger.opened)
	}
	// A read and a write under a 20s deadline: Neo4j is told to stop each at
	// the deadline, so it drops work the request has abandoned.
	for _, open := range logger.opened[:2] {
		m := txTimeoutRe.FindStringSubmatch(open)
		if m == nil {
			t.Fatalf("transaction without tx_timeout: %s", open)
		}
		ms, _ := strconv.Atoi(m[1])
		if ms <= 0 || ms > 20000 {
			t.Errorf("tx_timeout %dms; want at most the 20s the request had: %s", ms, open)
		}
	}
	// No deadline (start-up, tools): Neo4j's own default.
	if strings.Contains(logger.opened[2], "tx_timeout") {
		t.Errorf("a transaction without a deadline carries a timeout: %s", logger.opened[2])
	}
}

func TestAReadIsOneAutoCommitStatementAndAWriteAManagedTransaction(t *testing.T) {
	db, _ := mustDB(t)
	logger := &txLogger{}
	db.boltLogger = logger
	ctx := context.Background()
	if _, err := db.UserBySubject(ctx, uniqueSubject(t)); !errors.Is(err, domain.ErrNotFound) {
		t.Fatal(err)
	}
	logger.mu.Lock()
	if len(logger.opened) != 1 || !strings.HasPrefix(logger.opened[0], "RUN") || logger.commits != 0 {
		t.Errorf("a read opened %q and committed %d times; want one auto-commit RUN", logger.opened, logger.commits)
	}
	logger.opened, logger.commits = nil, 0
	logger.mu.Unlock()

	if _, err := db.Touch(ctx, domain.TokenIdentity{Subject: uniqueSubject(t)}, time.Minute); err != nil {
		t.Fatal(err)
	}
	logger.mu.Lock()
	defer logger.mu.Unlock()
	if len(logger.opened) != 1 || !strings.HasPrefix(logger.opened[0], "BEGIN") || logger.commits != 1 {
		t.Errorf("a write opened %q and committed %d times; want BEGIN … COMMIT", logger.opened, logger.commits)
	}
}

func TestAReadOnAConnectionNeo4jClosedIsRetriedInAManagedTransaction(t *testing.T) {
	mustDB(t) // the schema
	ctx := context.Background()
	// A DB with a driver of its own, named so that only its connections are
	// closed (other packages' tests share this Neo4j), and no watcher: its
	// probes would open a fresh connection between the kill and the read.
	agent := "neo4jrepo-test-" + uniqueSubject(t)
	driver, err := neo4j.NewDriverWithContext(os.Getenv("NEO4J_TEST_URI"), neo4j.BasicAuth("neo4j", os.Getenv("NEO4J_TEST_PASSWORD"), ""),
		func(c *config.Config) { c.UserAgent = agent })
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(Config{URI: os.Getenv("NEO4J_TEST_URI"), Username: "neo4j", Password: os.Getenv("NEO4J_TEST_PASSWORD"), Database: "neo4j", Mapping: mustMapping(t)},
		func(db *DB) {
			_ = db.driver.Close(ctx)
			db.driver = driver
			db.admission.close() // before Open starts the watcher, which then stops at once
		})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	// One read leaves its connection idle in the pool; Neo4j then closes it.
	if _, err := db.UserBySubject(ctx, uniqueSubject(t)); !errors.Is(err, domain.ErrNotFound) {
		t.Fatal(err)
	}
	if killed := killBoltConnections(t, agent); killed == 0 {
		t.Fatal("no connection of this driver to close")
	}
	logger := &txLogger{}
	db.boltLogger = logger
	if _, err := db.UserBySubject(ctx, uniqueSubject(t)); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("a read after its pooled connection was closed: %v; want it retried to an answer", err)
	}
	logger.mu.Lock()
	defer logger.mu.Unlock()
	if len(logger.opened) == 0 || !strings.HasPrefix(logger.opened[len(logger.opened)-1], "BEGIN") {
		t.Errorf("transactions opened: %q; want the failed auto-commit RUN retried as a managed transaction", logger.opened)
	}
}

// killBoltConnections has Neo4j close the Bolt connections of drivers
// calling themselves agent, through a driver of its own, and says how many.
func killBoltConnections(t *testing.T, agent string) int {
	t.Helper()
	ctx := context.Background()
	driver, err := neo4j.NewDriverWithContext(os.Getenv("NEO4J_TEST_URI"), neo4j.BasicAuth("neo4j", os.Getenv("NEO4J_TEST_PASSWORD"), ""))
	if err != nil {
		t.Fatal(err)
	}
	defer driver.Close(ctx)
	res, err := neo4j.ExecuteQuery(ctx, driver, `CALL dbms.listConnections() YIELD connectionId, userAgent
		WHERE userAgent = $agent RETURN collect(connectionId) AS ids`, map[string]any{"agent": agent}, neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatal(err)
	}
	ids, _ := res.Records[0].Get("ids")
	if _, err := neo4j.ExecuteQuery(ctx, driver, `CALL dbms.killConnections($ids)`, map[string]any{"ids": ids}, neo4j.EagerResultTransformer); err != nil {
		t.Fatal(err)
	}
	// Neo4j closes them asynchronously: wait (up to 5 s) until it lists
	// none, or the next statement may still find its connection open.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		res, err := neo4j.ExecuteQuery(ctx, driver, `CALL dbms.listConnections() YIELD userAgent
			WHERE userAgent = $agent RETURN count(*) AS open`, map[string]any{"agent": agent}, neo4j.EagerResultTransformer)
		if err != nil {
			t.Fatal(err)
		}
		if open, _ := res.Records[0].Get("open"); open == int64(0) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Neo4j still lists the killed connections after 5s")
		}
	}
	return len(ids.([]any))
}

func TestABusyDatabaseRefusesTheNextStatementAsOverloaded(t *testing.T) {
	uri, password := os.Getenv("NEO4J_TEST_URI"), os.Getenv("NEO4J_TEST_PASSWORD")
	db, err := Open(Config{URI: uri, Username: "neo4j", Password: password, Database: "neo4j", MaxRetryTime: 5 * time.Second,
		MaxInFlight: 1, QueueWait: 100 * time.Millisecond, Mapping: mustMapping(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	busy, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	started := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = read(busy, db, func(tx neo4j.ManagedTransaction) (int64, error) {
			close(started)
			_, err := db.single(busy, tx, slowCypher, nil)
			return 0, err
		})
	}()
	<-started
	ctx, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	start := time.Now()
	_, err = db.UserBySubject(ctx, "auth0|overload-test")
	if !errors.Is(err, domain.ErrOverloaded) {
		t.Fatalf("err = %v, want domain.ErrOverloaded", err)
	}
	if waited := time.Since(start); waited > time.Second {
		t.Errorf("refused after %s; the queue wait is 100ms", waited)
	}
	// Readiness takes no slot: the busy server still says Neo4j answers.
	if err := db.Ping(ctx); err != nil {
		t.Errorf("Ping while every slot is busy: %v", err)
	}
	<-done
	after, cancel3 := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel3()
	if _, err := db.UserBySubject(after, "auth0|overload-test"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("after the slot is free: %v, want domain.ErrNotFound", err)
	}
}

// syncBuffer is a bytes.Buffer safe for a logger and a test at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}
func (b *syncBuffer) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.buf.String() }

func TestNeo4jLostAgainDuringTheWarmUpIsFoundDownAndStopsIt(t *testing.T) {
	neo := &fakeNeo4j{}
	a := newAdmission(64, 100*time.Millisecond)
	warmStopped := make(chan struct{})
	a.warm = func(ctx context.Context, warmed func()) (int, int) {
		warmed() // the first statement planned: traffic returns
		<-ctx.Done()
		close(warmStopped)
		return 1, 2
	}
	go a.watch(neo.probe)
	defer a.close()
	ctx := context.Background()
	refused := &neo4j.ConnectivityError{Inner: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}

	neo.set(refused)
	eventually(t, "down", a.isDown)
	neo.set(nil)
	eventually(t, "readmitting", func() bool { return !a.isDown() })
	// The warm-up goes on (for up to warmBudget); the watcher does not wait
	// for it.
	neo.set(refused)
	eventually(t, "down again while the warm-up runs", a.isDown)
	if _, _, err := a.acquire(ctx); !errors.Is(err, domain.ErrUnavailable) {
		t.Errorf("a transaction after Neo4j went away again: %v, want domain.ErrUnavailable", err)
	}
	select {
	case <-warmStopped:
	case <-time.After(warmBudget / 6):
		t.Error("the warm-up went on after Neo4j was found down again")
	}
}

func TestAWarmUpThatPlansNothingStillReadmits(t *testing.T) {
	neo := &fakeNeo4j{}
	a := newAdmission(8, 0)
	a.warm = func(context.Context, func()) (int, int) { return 0, 0 } // nothing to plan
	go a.watch(neo.probe)
	defer a.close()
	neo.set(&neo4j.ConnectivityError{Inner: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}})
	eventually(t, "down", a.isDown)
	neo.set(nil)
	eventually(t, "readmitting", func() bool { return !a.isDown() })
}
