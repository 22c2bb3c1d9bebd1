package graph

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/gqlneo/gqlneo/cypher"
	"github.com/gqlneo/gqlneo/domain"
	"github.com/gqlneo/gqlneo/events"
)

// The live hub: every Subscription field of this replica registers here,
// and one loop reads the broker's events. For each event it finds the
// subscriptions the event may concern, groups them by compiled statement
// (the same selection compiles to the same text and parameters), and runs
// one statement per group for all its subscribers (cypher.Compiler.Live):
// visibility and the selection are evaluated in Neo4j per subscriber, and a
// subscriber without a row hears nothing. Deliveries never block the loop:
// a subscription whose queue is full is ended (a slow consumer), counted.

// LiveStore runs a live statement for many subscribers (neo4jrepo.DB.Live).
type LiveStore interface {
	Live(ctx context.Context, st cypher.Statement, subjects []string, event map[string]any) (map[string]map[string]any, error)
}

// LiveObserver receives the hub's counts, for metrics.
type LiveObserver interface {
	SocketOpened()
	SocketClosed()
	SubscriptionStarted()
	SubscriptionEnded()
	EventDelivered()
	EventDropped()
}

type noLiveObserver struct{}

func (noLiveObserver) SocketOpened()        {}
func (noLiveObserver) SocketClosed()        {}
func (noLiveObserver) SubscriptionStarted() {}
func (noLiveObserver) SubscriptionEnded()   {}
func (noLiveObserver) EventDelivered()      {}
func (noLiveObserver) EventDropped()        {}

// LiveConfig bounds the hub.
type LiveConfig struct {
	// PerUser caps one subject's subscriptions on this replica, over all its
	// connections.
	PerUser int
	// Queue is how many events one subscription may have waiting to be
	// written before it is ended as a slow consumer.
	Queue int
	// StatementTimeout bounds each event's statement.
	StatementTimeout time.Duration
}

// Live is the replica's subscription hub. Start it with Run.
type Live struct {
	broker   events.Broker
	store    LiveStore
	compiler *cypher.Compiler
	cfg      LiveConfig
	obs      LiveObserver
	logger   *slog.Logger

	mu      sync.Mutex
	next    uint64
	subs    map[uint64]*liveSub
	perUser map[string]int
}

// NewLive returns a hub reading events from broker and running statements
// compiled against mapping on store. obs may be nil.
func NewLive(broker events.Broker, store LiveStore, mapping *cypher.Mapping, cfg LiveConfig, obs LiveObserver, logger *slog.Logger) *Live {
	if obs == nil {
		obs = noLiveObserver{}
	}
	if cfg.Queue <= 0 {
		cfg.Queue = 1
	}
	if cfg.StatementTimeout <= 0 {
		cfg.StatementTimeout = 10 * time.Second
	}
	return &Live{broker: broker, store: store, compiler: cypher.NewCompiler(mapping), cfg: cfg, obs: obs, logger: logger,
		subs: map[uint64]*liveSub{}, perUser: map[string]int{}}
}

// liveSub is one running Subscription field.
type liveSub struct {
	kind    cypher.LiveKind
	subject string
	postID  string // postActivity only
	st      cypher.Statement
	group   string

	mu      sync.Mutex
	closed  bool
	deliver func(m map[string]any) bool // false: the queue is full
	end     func(slow bool)             // closes the output; called once, under mu
}

// Run reads the broker's events until ctx ends.
func (l *Live) Run(ctx context.Context) error {
	ch, err := l.broker.Subscribe(ctx)
	if err != nil {
		return err
	}
	for e := range ch {
		l.handle(ctx, e)
	}
	return nil
}

// kindsOf are the subscriptions an event may concern.
func kindsOf(k events.Kind) []cypher.LiveKind {
	switch k {
	case events.PostCreated:
		return []cypher.LiveKind{cypher.LiveFeed}
	case events.PostLiked, events.CommentAdded:
		return []cypher.LiveKind{cypher.LivePostActivity, cypher.LiveNotification}
	case events.UserFollowed:
		return []cypher.LiveKind{cypher.LiveNotification}
	}
	return nil
}

// eventParams are the $ev_* parameters of e: the ids, and kind as the
// GraphQL enum value of PostActivityKind or NotificationKind.
func eventParams(e events.Event) map[string]any {
	p := map[string]any{"ev_actor": e.Actor, "ev_at": e.At.UTC()}
	if e.PostID != "" {
		p["ev_post"] = e.PostID
	}
	if e.CommentID != "" {
		p["ev_comment"] = e.CommentID
	}
	if e.UserID != "" {
		p["ev_user"] = e.UserID
	}
	switch e.Kind {
	case events.PostLiked:
		p["ev_kind"] = "LIKED"
	case events.CommentAdded:
		p["ev_kind"] = "COMMENTED"
	case events.UserFollowed:
		p["ev_kind"] = "FOLLOWED"
	}
	return p
}

// liveGroup is the subscriptions of one event that share a statement.
type liveGroup struct {
	st       cypher.Statement
	subjects []string
	subs     []*liveSub
}

func (l *Live) handle(ctx context.Context, e events.Event) {
	for _, kind := range kindsOf(e.Kind) {
		groups := l.groups(kind, e)
		for _, g := range groups {
			l.run(ctx, e, g)
		}
	}
}

// groups collects the subscriptions of kind that e may concern, by statement.
func (l *Live) groups(kind cypher.LiveKind, e events.Event) map[string]*liveGroup {
	l.mu.Lock()
	defer l.mu.Unlock()
	groups := map[string]*liveGroup{}
	seen := map[string]map[string]bool{}
	for _, s := range l.subs {
		if s.kind != kind || (kind == cypher.LivePostActivity && s.postID != e.PostID) {
			continue
		}
		g := groups[s.group]
		if g == nil {
			g = &liveGroup{st: s.st}
			groups[s.group] = g
			seen[s.group] = map[string]bool{}
		}
		g.subs = append(g.subs, s)
		if !seen[s.group][s.subject] {
			seen[s.group][s.subject] = true
			g.subjects = append(g.subjects, s.subject)
		}
	}
	return groups
}

// run reads e for one group in one statement and delivers each row.
func (l *Live) run(ctx context.Context, e events.Event, g *liveGroup) {
	ctx, cancel := context.WithTimeout(ctx, l.cfg.StatementTimeout)
	defer cancel()
	rows, err := l.store.Live(ctx, g.st, g.subjects, eventParams(e))
	if err != nil {
		// The event is lost for this group; the subscriptions go on.
		l.logger.Error("live event", "kind", string(e.Kind), "subscribers", len(g.subjects), "error", err.Error())
		return
	}
	for _, s := range g.subs {
		m, ok := rows[s.subject]
		if !ok {
			continue
		}
		s.mu.Lock()
		switch {
		case s.closed:
		case s.deliver(m):
			l.obs.EventDelivered()
		default:
			l.obs.EventDropped()
			l.endLocked(s, true)
		}
		s.mu.Unlock()
	}
}

// register adds s, unless its subject is at the per-user limit.
func (l *Live) register(s *liveSub) (uint64, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.perUser[s.subject] >= l.cfg.PerUser {
		return 0, false
	}
	l.perUser[s.subject]++
	l.next++
	l.subs[l.next] = s
	l.obs.SubscriptionStarted()
	return l.next, true
}

// unregister removes the subscription id; twice is once.
func (l *Live) unregister(id uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.subs[id]
	if !ok {
		return
	}
	delete(l.subs, id)
	if l.perUser[s.subject]--; l.perUser[s.subject] <= 0 {
		delete(l.perUser, s.subject)
	}
	l.obs.SubscriptionEnded()
}

// endLocked closes s's output once; s.mu is held.
func (l *Live) endLocked(s *liveSub, slow bool) {
	if s.closed {
		return
	}
	s.closed = true
	s.end(slow)
}

// groupKey is the statement's identity: its text and its parameters (page
// sizes and cursors of the selection).
func groupKey(st cypher.Statement) (string, error) {
	p, err := json.Marshal(st.Params)
	if err != nil {
		return "", err
	}
	return st.Cypher + "\x00" + string(p), nil
}

// subscribeLive registers the current field's subscription of kind for v
// and returns its channel, which closes when ctx ends or the subscriber is
// too slow. decode turns a row into the field's model.
func subscribeLive[T any](ctx context.Context, l *Live, v domain.Viewer, kind cypher.LiveKind, postID string, sel *cypher.Selection, decode func(map[string]any) T) (<-chan T, error) {
	st, err := l.compiler.Live(kind, sel)
	if err != nil {
		return nil, err
	}
	group, err := groupKey(st)
	if err != nil {
		return nil, err
	}
	conn := liveConnFromContext(ctx)
	if !conn.acquire() {
		return nil, errTooManySubscriptions
	}
	out := make(chan T, l.cfg.Queue)
	s := &liveSub{kind: kind, subject: v.Subject, postID: postID, st: st, group: group}
	s.deliver = func(m map[string]any) bool {
		select {
		case out <- decode(m):
			return true
		default:
			return false
		}
	}
	s.end = func(slow bool) {
		if slow {
			conn.slowConsumer(ctx)
		}
		close(out)
	}
	id, ok := l.register(s)
	if !ok {
		conn.release()
		return nil, errTooManySubscriptions
	}
	go func() {
		<-ctx.Done()
		l.unregister(id)
		conn.release()
		s.mu.Lock()
		l.endLocked(s, false)
		s.mu.Unlock()
	}()
	return out, nil
}
