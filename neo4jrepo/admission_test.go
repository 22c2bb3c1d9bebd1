package neo4jrepo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/gqlneo/gqlneo/domain"
)

func TestAdmissionRefusesAtOnceBeyondItsBoundAfterTheQueueWait(t *testing.T) {
	a := newAdmission(2, 50*time.Millisecond)
	ctx := context.Background()
	r1, err1 := a.acquire(ctx)
	r2, err2 := a.acquire(ctx)
	if err1 != nil || err2 != nil {
		t.Fatalf("the first two slots: %v, %v", err1, err2)
	}
	start := time.Now()
	if _, err := a.acquire(ctx); !errors.Is(err, domain.ErrOverloaded) {
		t.Fatalf("a third transaction: %v, want domain.ErrOverloaded", err)
	}
	if waited := time.Since(start); waited < 40*time.Millisecond || waited > time.Second {
		t.Errorf("refused after %s; the queue wait is 50ms", waited)
	}
	// A slot freed during the wait is taken.
	go func() { time.Sleep(10 * time.Millisecond); r1() }()
	r3, err := a.acquire(ctx)
	if err != nil {
		t.Fatalf("a slot freed during the wait: %v", err)
	}
	r2()
	r3()
	// A deadline that passes while waiting is the deadline, not overload.
	r4, _ := a.acquire(ctx)
	r5, _ := a.acquire(ctx)
	defer r4()
	defer r5()
	short, cancel := context.WithTimeout(ctx, 5*time.Millisecond)
	defer cancel()
	if _, err := newAdmission(0, time.Second).acquire(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a deadline passing in the queue: %v, want context.DeadlineExceeded", err)
	}
	if _, err := newAdmission(1, 0).acquireTwice(ctx); !errors.Is(err, domain.ErrOverloaded) {
		t.Errorf("no queue wait: %v, want domain.ErrOverloaded at once", err)
	}
}

// acquireTwice takes a slot and then asks for another.
func (a *admission) acquireTwice(ctx context.Context) (func(), error) {
	release, err := a.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	return a.acquire(ctx)
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

// beginLogger records the BEGIN messages the driver sends.
type beginLogger struct {
	mu     sync.Mutex
	begins []string
}

func (l *beginLogger) LogClientMessage(_ string, msg string, args ...any) {
	if strings.HasPrefix(msg, "BEGIN") {
		l.mu.Lock()
		l.begins = append(l.begins, fmt.Sprintf(msg, args...))
		l.mu.Unlock()
	}
}

func (l *beginLogger) LogServerMessage(string, string, ...any) {}

var txTimeoutRe = regexp.MustCompile(`"tx_timeout":(\d+)`)

func TestEveryTransactionCarriesTheRequestsRemainingDeadlineToNeo4j(t *testing.T) {
	db, _ := mustDB(t)
	logger := &beginLogger{}
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
	if len(logger.begins) != 3 {
		t.Fatalf("%d BEGIN messages, want 3: %q", len(logger.begins), logger.begins)
	}
	// A read and a write under a 20s deadline: Neo4j is told to stop each at
	// the deadline, so it drops work the request has abandoned.
	for _, begin := range logger.begins[:2] {
		m := txTimeoutRe.FindStringSubmatch(begin)
		if m == nil {
			t.Fatalf("BEGIN without tx_timeout: %s", begin)
		}
		ms, _ := strconv.Atoi(m[1])
		if ms <= 0 || ms > 20000 {
			t.Errorf("tx_timeout %dms; want at most the 20s the request had: %s", ms, begin)
		}
	}
	// No deadline (start-up, tools): Neo4j's own default.
	if strings.Contains(logger.begins[2], "tx_timeout") {
		t.Errorf("a transaction without a deadline carries a timeout: %s", logger.begins[2])
	}
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
