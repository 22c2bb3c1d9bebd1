package neo4jrepo

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/gqlneo/gqlneo/domain"
)

// Recovery settings of admission (see there). They are not configuration:
// they describe how fast this server re-admits work to a Neo4j that has
// just come back, and the soak (docs/reliability.md) is how they were
// chosen.
const (
	// watchInterval is how often Neo4j is probed while it answers, and
	// downInterval while it does not.
	watchInterval = 500 * time.Millisecond
	downInterval  = 250 * time.Millisecond
	// probeTimeout bounds one probe.
	probeTimeout = 2 * time.Second
	// recoveryStart is how many transactions a Neo4j that has just come
	// back runs at once; the bound doubles after each run of that many
	// answers, up to the configured maximum.
	recoveryStart = 4
	// warmBudget bounds the warm-up of a Neo4j that has just come back;
	// traffic returns once its first statement is planned.
	warmBudget = 3 * time.Second
	// recoveryWait is how long a transaction may wait for a slot during
	// slow start (never more than half its time left, never less than the
	// configured wait): the first runs of statements the warm-up had not
	// reached hold the few slots for up to seconds while Neo4j plans them,
	// and the transactions behind them are answered in milliseconds once
	// those plans exist — refusing them after the usual short wait turns a
	// second of planning into seconds of 503s.
	recoveryWait = 2 * time.Second
)

// errNeo4jDown is the refusal of every transaction while Neo4j cannot be
// reached: the server answers at once instead of sending the transaction
// into the driver's retries.
var errNeo4jDown = fmt.Errorf("neo4j cannot be reached: %w", domain.ErrUnavailable)

// admission decides which transactions run on Neo4j, and when.
//
// Bound: at most limit transactions run at once. A transaction that finds
// every slot busy waits at most wait (and never past its deadline) and is
// then refused with domain.ErrOverloaded, so a slow Neo4j is not handed
// work its callers will abandon. During slow start (below) it may wait
// longer: see waitLocked.
//
// Down: a watcher probes Neo4j (`RETURN 1`, one attempt, outside admission
// and without the driver's retries) every watchInterval. When a probe, and
// a second one at once, cannot reach Neo4j at all, Neo4j is down: every
// transaction is refused at once (errNeo4jDown, SERVICE_UNAVAILABLE with
// Retry-After), and the transactions in flight are cancelled — the driver
// would keep each in its back-off retries until the request's deadline,
// holding its slot, and then send them all at once to the restarted Neo4j.
// A probe that merely times out, or waits for a pooled connection, proves
// nothing and changes nothing. The watcher is what notices: a transaction's
// own failure surfaces only when the driver's retries give up.
//
// Recovery: when a probe reaches Neo4j again, warm (when set) has it plan
// the statements the server uses, within warmBudget; once the first one is
// planned (by far the slowest: Neo4j's JVM is cold), recoveryStart
// transactions are admitted at once while the warm-up goes on, and twice as
// many after each run of that many answers, up to the configured maximum: a
// cold Neo4j plans each statement on its first run, and a hundred first runs
// at once take far longer than a few. Meanwhile the others queue for up to
// recoveryWait rather than the usual short wait (waitLocked).
type admission struct {
	max  int
	wait time.Duration
	// warm prepares a Neo4j that has just come back, calls warmed when
	// traffic may return, and says how many of how many statements it
	// planned; may be nil.
	warm func(ctx context.Context, warmed func()) (planned, recent int)
	// log hears when Neo4j is found down and when traffic is readmitted.
	log  *slog.Logger
	stop chan struct{}

	mu       sync.Mutex
	limit    int
	inFlight int
	waiters  []chan error
	down     bool
	// downSince is when Neo4j was last found down.
	downSince time.Time
	// stopWarm cancels the warm-up under way, if any: Neo4j found down
	// again, or the watcher stopped.
	stopWarm context.CancelFunc
	closed   bool
	// successes counts the transactions that succeeded since limit last
	// grew, while limit is below max.
	successes int
	// running holds the cancel function of each admitted transaction.
	running map[*ticket]struct{}
}

// ticket is one admitted transaction.
type ticket struct{ cancel context.CancelCauseFunc }

func newAdmission(maxInFlight int, wait time.Duration) *admission {
	return &admission{max: maxInFlight, limit: maxInFlight, wait: wait, log: slog.New(slog.DiscardHandler), stop: make(chan struct{}), running: map[*ticket]struct{}{}}
}

// acquire admits a transaction under ctx, waiting at most a.wait for a slot.
// The transaction must run under the returned context, which is cancelled
// with errNeo4jDown as its cause when Neo4j is found down, and must call done
// with its outcome once finished.
func (a *admission) acquire(ctx context.Context) (context.Context, func(error), error) {
	a.mu.Lock()
	switch {
	case a.down:
		a.mu.Unlock()
		return nil, nil, errNeo4jDown
	case a.inFlight < a.limit && len(a.waiters) == 0:
		a.inFlight++
		return a.admitLocked(ctx)
	case a.wait <= 0:
		a.mu.Unlock()
		return nil, nil, domain.ErrOverloaded
	}
	wait := a.waitLocked(ctx, time.Now())
	ready := make(chan error, 1)
	a.waiters = append(a.waiters, ready)
	a.mu.Unlock()

	timer := time.NewTimer(wait)
	defer timer.Stop()
	var refused error
	select {
	case answer := <-ready:
		if answer != nil {
			return nil, nil, answer
		}
		a.mu.Lock()
		return a.admitLocked(ctx)
	case <-timer.C:
		refused = domain.ErrOverloaded
	case <-ctx.Done():
		refused = ctx.Err()
	}
	a.mu.Lock()
	if a.dropWaiterLocked(ready) {
		a.mu.Unlock()
		return nil, nil, refused
	}
	// Answered just as the wait ended.
	if answer := <-ready; answer != nil {
		a.mu.Unlock()
		return nil, nil, answer
	}
	return a.admitLocked(ctx)
}

// waitLocked is how long a transaction started now under ctx may wait for a
// slot: the configured wait, or during slow start (limit below max) up to
// recoveryWait but at most half the time ctx has left, so that it is
// refused as overloaded, not timed out, when no slot comes.
func (a *admission) waitLocked(ctx context.Context, now time.Time) time.Duration {
	if a.limit >= a.max {
		return a.wait
	}
	wait := recoveryWait
	if deadline, ok := ctx.Deadline(); ok {
		wait = min(wait, deadline.Sub(now)/2)
	}
	return max(wait, a.wait)
}

// admitLocked registers a transaction whose slot is counted in inFlight, and
// unlocks a.mu.
func (a *admission) admitLocked(ctx context.Context) (context.Context, func(error), error) {
	defer a.mu.Unlock()
	if a.down {
		a.inFlight--
		return nil, nil, errNeo4jDown
	}
	txCtx, cancel := context.WithCancelCause(ctx)
	t := &ticket{cancel: cancel}
	a.running[t] = struct{}{}
	return txCtx, func(err error) { a.done(t, err) }, nil
}

// dropWaiterLocked removes ready from the queue; false means it had been
// granted (or refused) already.
func (a *admission) dropWaiterLocked(ready chan error) bool {
	for i, w := range a.waiters {
		if w == ready {
			a.waiters = append(a.waiters[:i], a.waiters[i+1:]...)
			return true
		}
	}
	return false
}

// done ends an admitted transaction with its outcome.
func (a *admission) done(t *ticket, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.inFlight--
	delete(a.running, t)
	t.cancel(nil)
	if answered(err) && a.limit < a.max {
		a.successes++
		if a.successes >= a.limit {
			a.limit, a.successes = min(2*a.limit, a.max), 0
		}
	}
	a.grantLocked()
}

// grantLocked hands free slots to the waiting transactions, oldest first.
func (a *admission) grantLocked() {
	for !a.down && a.inFlight < a.limit && len(a.waiters) > 0 {
		a.inFlight++
		a.waiters[0] <- nil
		a.waiters = a.waiters[1:]
	}
}

// watch probes Neo4j until close, marking it down and readmitting traffic
// as admission describes. probe asks Neo4j whether it answers.
func (a *admission) watch(probe func(context.Context) error) {
	try := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
		defer cancel()
		return probe(ctx)
	}
	for {
		interval := watchInterval
		if a.isDown() {
			interval = downInterval
		}
		select {
		case <-a.stop:
			return
		case <-time.After(interval):
		}
		err := try()
		switch {
		case a.isDown():
			if err == nil {
				a.readmit()
			}
		case unreachable(err):
			// Twice: a first failure may only have found a pooled
			// connection that a restart left dead (the driver then
			// drops the server's idle connections).
			if err := try(); unreachable(err) {
				a.mu.Lock()
				a.markDownLocked()
				a.mu.Unlock()
				a.log.Warn("neo4j cannot be reached: refusing transactions until it answers", "error", err.Error())
			}
		}
	}
}

// markDownLocked refuses every waiting transaction and cancels the running
// ones.
func (a *admission) markDownLocked() {
	a.down, a.downSince = true, time.Now()
	if a.stopWarm != nil {
		a.stopWarm()
	}
	for _, w := range a.waiters {
		w <- errNeo4jDown
	}
	a.waiters = nil
	for t := range a.running {
		t.cancel(errNeo4jDown)
	}
}

// readmit warms Neo4j and admits traffic again, recoveryStart at once,
// once the warm-up's first statement is planned. The rest of the warm-up
// runs on its own, so the watcher goes back to probing: if Neo4j goes away
// again meanwhile, markDownLocked stops the warm-up and refuses traffic.
func (a *admission) readmit() {
	answered := time.Now()
	opened := make(chan struct{})
	open := sync.OnceFunc(func() {
		defer close(opened)
		a.mu.Lock()
		defer a.mu.Unlock()
		if a.closed {
			return
		}
		a.down = false
		a.limit, a.successes = min(recoveryStart, a.max), 0
		a.grantLocked()
		a.log.Info("neo4j answers again: readmitting transactions in slow start",
			"unreachable_for", answered.Sub(a.downSince).Round(time.Millisecond).String(),
			"warming_for", time.Since(answered).Round(time.Millisecond).String())
	})
	if a.warm == nil {
		open()
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), warmBudget)
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		cancel()
		return
	}
	a.stopWarm = cancel
	a.mu.Unlock()
	go func() {
		defer cancel()
		// Readmits when warm returns without having called open (no
		// statement to try, or the budget spent before the first).
		defer open()
		planned, recent := a.warm(ctx, open)
		a.log.Info("neo4j warm-up over", "took", time.Since(answered).Round(time.Millisecond).String(),
			"statements_planned", planned, "recent_statements", recent)
	}()
	<-opened
}

// isDown reports whether Neo4j is known to be down.
func (a *admission) isDown() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.down
}

// close stops the watcher.
func (a *admission) close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.closed {
		a.closed = true
		close(a.stop)
		if a.stopWarm != nil {
			a.stopWarm()
		}
	}
}

// txTimeout is the Neo4j transaction timeout for a transaction started
// now under ctx: the time left before ctx's deadline, rounded up to Bolt's
// millisecond (a zero would mean "no timeout" to Neo4j), so Neo4j itself
// stops work the request has abandoned. ok is false when ctx has no
// deadline (start-up and tools; Neo4j's own default applies); err is the
// context's error when the deadline has already passed.
func txTimeout(ctx context.Context, now time.Time) (timeout time.Duration, ok bool, err error) {
	deadline, has := ctx.Deadline()
	if !has {
		return 0, false, nil
	}
	left := deadline.Sub(now)
	if left <= 0 {
		return 0, false, context.DeadlineExceeded
	}
	return left.Truncate(time.Millisecond) + time.Millisecond, true, nil
}
