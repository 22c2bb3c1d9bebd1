package neo4jrepo

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// recentStatementsMax bounds the statements recentStatements keeps.
const recentStatementsMax = 32

// recentStatements remembers the last distinct statements the server sent,
// each with the parameters of its latest run, so that a Neo4j that comes
// back after a restart can plan them before traffic returns (admission's
// recovery). The parameters stay in memory only; nothing logs them.
type recentStatements struct {
	mu     sync.Mutex
	clock  uint64
	byText map[string]*recentStatement
}

type recentStatement struct {
	cypher string
	params map[string]any
	used   uint64
}

// note records a statement about to be sent.
func (r *recentStatements) note(cypher string, params map[string]any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.clock++
	if s, ok := r.byText[cypher]; ok {
		s.params, s.used = params, r.clock
		return
	}
	if r.byText == nil {
		r.byText = map[string]*recentStatement{}
	}
	if len(r.byText) >= recentStatementsMax {
		var oldest *recentStatement
		for _, s := range r.byText {
			if oldest == nil || s.used < oldest.used {
				oldest = s
			}
		}
		delete(r.byText, oldest.cypher)
	}
	r.byText[cypher] = &recentStatement{cypher: cypher, params: params, used: r.clock}
}

// newestFirst lists the statements, the most recently sent first.
func (r *recentStatements) newestFirst() []recentStatement {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]recentStatement, 0, len(r.byText))
	for _, s := range r.byText {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].used > out[j].used })
	return out
}

// warm has Neo4j plan the recently sent statements, newest first and one at
// a time, until ctx ends: EXPLAIN plans a statement (and caches the plan)
// without running it, so it is safe for writes. Failures are ignored; a
// statement not planned now is planned on its first run, as without a
// warm-up. One at a time, because a cold Neo4j plans two statements at once
// no faster, and a statement cut off at the budget is planned for nothing.
//
// It calls warmed once the first statement has been tried (admission
// readmits traffic anyway when warm returns): the first statement a
// restarted Neo4j plans costs seconds (its JVM is cold), the next ones a
// fraction of a second each, so traffic can be readmitted from then on
// while the rest are planned. It says how many of the recent statements it
// planned; each one's planning time is logged at debug level.
func (db *DB) warm(ctx context.Context, warmed func()) (planned, recent int) {
	statements := db.recent.newestFirst()
	for i, s := range statements {
		if ctx.Err() != nil {
			break
		}
		start := time.Now()
		session := db.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: db.database, AccessMode: neo4j.AccessModeWrite})
		res, err := session.Run(ctx, "EXPLAIN "+s.cypher, s.params)
		if err == nil {
			_, err = res.Consume(ctx)
		}
		_ = session.Close(ctx)
		if err == nil {
			planned++
		}
		db.log.Debug("warm-up: statement planned", "ok", err == nil, "took", time.Since(start).Round(time.Millisecond).String(), "cypher_bytes", len(s.cypher))
		if i == 0 {
			warmed()
		}
	}
	return planned, len(statements)
}
