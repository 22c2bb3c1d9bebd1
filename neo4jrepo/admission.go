package neo4jrepo

import (
	"context"
	"time"

	"github.com/gqlneo/gqlneo/domain"
)

// admission bounds the transactions the server runs on Neo4j at once.
// A slow or freshly restarted Neo4j (whose first run of each statement
// plans it, slowly) otherwise takes every request that arrives: they wait
// in the driver's pool, past their deadlines, while Neo4j still runs what
// they abandoned, and the queue never drains. With a bound, a request that
// finds every slot busy waits at most a short time and is then refused at
// once with domain.ErrOverloaded, so the work in flight finishes and the
// server recovers as fast as Neo4j does.
type admission struct {
	slots chan struct{}
	wait  time.Duration
}

func newAdmission(maxInFlight int, wait time.Duration) *admission {
	return &admission{slots: make(chan struct{}, maxInFlight), wait: wait}
}

// acquire takes a slot, waiting at most a.wait (and never past ctx's
// deadline) for one to free up; the caller must call release once done.
func (a *admission) acquire(ctx context.Context) (release func(), err error) {
	select {
	case a.slots <- struct{}{}:
		return a.release, nil
	default:
	}
	if a.wait <= 0 {
		return nil, domain.ErrOverloaded
	}
	timer := time.NewTimer(a.wait)
	defer timer.Stop()
	select {
	case a.slots <- struct{}{}:
		return a.release, nil
	case <-timer.C:
		return nil, domain.ErrOverloaded
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (a *admission) release() { <-a.slots }

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
