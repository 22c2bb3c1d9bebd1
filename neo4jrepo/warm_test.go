package neo4jrepo

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestRecentStatementsKeepTheNewestDistinctOnesWithTheirLatestParameters(t *testing.T) {
	var r recentStatements
	for i := range recentStatementsMax + 5 {
		r.note(fmt.Sprintf("RETURN %d", i), map[string]any{"run": 1})
	}
	r.note("RETURN 10", map[string]any{"run": 2}) // sent again: newest, latest parameters
	got := r.newestFirst()
	if len(got) != recentStatementsMax {
		t.Fatalf("%d statements kept, want %d", len(got), recentStatementsMax)
	}
	if got[0].cypher != "RETURN 10" || got[0].params["run"] != 2 {
		t.Errorf("newest: %q %v, want RETURN 10 with its latest parameters", got[0].cypher, got[0].params)
	}
	if got[1].cypher != fmt.Sprintf("RETURN %d", recentStatementsMax+4) {
		t.Errorf("second newest: %q", got[1].cypher)
	}
	for _, s := range got {
		for i := range 5 {
			if s.cypher == fmt.Sprintf("RETURN %d", i) {
				t.Errorf("%q, among the oldest, was kept", s.cypher)
			}
		}
	}
}

func TestTheWarmUpReadmitsTrafficOnceItsFirstStatementIsPlanned(t *testing.T) {
	db, _ := mustDB(t)
	db.recent = recentStatements{} // what preparing the schema sent
	// A write too: EXPLAIN plans it without running it.
	db.recent.note("MATCH (u:User {id: $id}) RETURN u.name AS name", map[string]any{"id": "nobody"})
	db.recent.note("MERGE (t:Tag {name: $name}) RETURN t.name AS name", map[string]any{"name": "warm-up-must-not-create-" + uniqueSubject(t)})
	db.recent.note("MATCH (p:Post) WHERE p.title STARTS WITH $prefix RETURN count(p) AS n", map[string]any{"prefix": "x"})
	warmedAt := -1
	logs := &syncBuffer{}
	tried := func() int { return strings.Count(logs.String(), "warm-up: statement planned") }
	db.log = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	planned, recent := db.warm(context.Background(), func() { warmedAt = tried() })
	if planned != 3 || recent != 3 {
		t.Errorf("planned %d of %d statements, want 3 of 3", planned, recent)
	}
	if warmedAt != 1 {
		t.Errorf("traffic readmitted after %d statements were tried, want after the first", warmedAt)
	}
	if n := count(t, db, "MATCH (t:Tag) WHERE t.name STARTS WITH 'warm-up-must-not-create-' RETURN count(t) AS n", nil); n != 0 {
		t.Errorf("the warm-up ran a write: %d tags created", n)
	}

	// With no statement to plan, warm returns at once; admission then
	// readmits traffic itself.
	var nothing DB
	nothing.log = slog.New(slog.DiscardHandler)
	if planned, recent := nothing.warm(context.Background(), func() {}); planned != 0 || recent != 0 {
		t.Errorf("with no recent statement: planned %d of %d, want 0 of 0", planned, recent)
	}
}
