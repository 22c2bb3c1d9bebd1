package neo4jrepo

import (
	"fmt"
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
