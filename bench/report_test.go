package main

import (
	"strings"
	"testing"
)

func TestReplaceSection(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		want    string
		wantErr bool
	}{
		{
			name: "the text between the markers is replaced and the prose around them kept",
			doc:  "# B\nintro\n" + docBegin + "\nold table\n" + docEnd + "\nreading\n",
			want: "# B\nintro\n" + docBegin + "\nNEW\n" + docEnd + "\nreading\n",
		},
		{
			name: "empty markers are filled",
			doc:  docBegin + docEnd,
			want: docBegin + "\nNEW\n" + docEnd,
		},
		{name: "a document without markers is an error", doc: "# B\n", wantErr: true},
		{name: "markers out of order are an error", doc: docEnd + docBegin, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := replaceSection(tt.doc, "NEW\n")
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if !tt.wantErr && got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPick(t *testing.T) {
	tests := []struct {
		name     string
		seq      uint64
		twoPages bool
		caller   int
		page     int
	}{
		{"one-page shapes rotate callers every request", 7, false, 7, 0},
		{"one-page shapes wrap around the callers", 1003, false, 3, 0},
		{"two-page shapes send page 1 first", 10, true, 5, 0},
		{"two-page shapes send page 5 to the same caller next", 11, true, 5, 1},
		{"two-page shapes wrap around the callers", 2001, true, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, p := pick(tt.seq, 1000, tt.twoPages)
			if c != tt.caller || p != tt.page {
				t.Fatalf("pick(%d) = %d, %d; want %d, %d", tt.seq, c, p, tt.caller, tt.page)
			}
		})
	}
}

func TestEvaluateGoals(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	res := &results{Shapes: map[string]*shapeResult{
		"Q1_me": {
			Product: serverResult{MaxRPS: f(3000), P99msAt75PctPee: f(2), CypherPerOp: f(1), RSSMB: f(40)},
			Peer:    serverResult{MaxRPS: f(1000), P99msAt75PctPee: f(10)},
			FixedRates: []fixedRate{{Percent: 25, By: map[string]map[string]any{
				productName: {"p50_ms": f(0.9)}, floorName: {"p50_ms": f(0.7)},
			}}},
		},
		"Q3_nested": {
			Product: serverResult{MaxRPS: f(150), P99msAt75PctPee: f(30), CypherPerOp: f(1), RSSMB: f(70)},
			Peer:    serverResult{MaxRPS: f(100), P99msAt75PctPee: f(40)},
		},
	}}
	verdicts := map[string]bool{}
	for _, g := range evaluateGoals(res) {
		if g.Met != nil {
			verdicts[g.Shape+" "+g.Goal] = *g.Met
		}
	}
	tests := []struct {
		name string
		key  string
		want bool
	}{
		{"three times the peer's rate meets a 1.5x goal", "Q1_me max sustainable throughput vs the peer", true},
		{"1.5 times the peer's rate misses a 2x goal", "Q3_nested max sustainable throughput vs the peer", false},
		{"a fifth of the peer's p99 meets the half goal", "Q1_me p99 at 75% of the peer's max rate", true},
		{"three quarters of the peer's p99 misses the half goal", "Q3_nested p99 at 75% of the peer's max rate", false},
		{"0.2 ms over the floor misses the 0.15 ms goal", "Q1_me me p50 vs the floor (full JWT verification)", false},
		{"one statement per operation meets its goal", "Q1_me Cypher statements per operation", true},
		{"70 MB in any shape misses the RSS goal", " product RSS under load (max over all shapes)", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := verdicts[tt.key]
			if !ok {
				t.Fatalf("no verdict %q in %v", tt.key, verdicts)
			}
			if got != tt.want {
				t.Fatalf("%s: met = %v, want %v", tt.key, got, tt.want)
			}
		})
	}
	if !strings.Contains(renderResults(&results{Shapes: res.Shapes, Goals: evaluateGoals(res), Machine: map[string]any{}, Config: map[string]any{}}), "**missed**") {
		t.Fatal("the rendered document does not show a missed goal")
	}
}
