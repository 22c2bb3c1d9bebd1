package main

import (
	"math"
	"strings"
	"testing"
	"time"
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

func TestCPUSample(t *testing.T) {
	atMax := stepStats{Target: 300, Requests: 900, CPUPerReq: time.Millisecond, CPU: 900 * time.Millisecond, OK: true}
	small := stepStats{Target: 1, Requests: 3, CPUPerReq: 10 * time.Millisecond, CPU: 30 * time.Millisecond, OK: true}
	big := stepStats{Target: 200, Requests: 600, CPUPerReq: time.Millisecond, CPU: 600 * time.Millisecond, OK: true}
	busy := stepStats{Target: 0.5, Requests: 5, CPUPerReq: 300 * time.Millisecond, CPU: 1500 * time.Millisecond, OK: true}
	failed := stepStats{Target: 900, Requests: 2000, CPUPerReq: time.Millisecond, CPU: 2 * time.Second}
	tests := []struct {
		name      string
		preferred *stepStats
		others    []stepStats
		want      float64
		ok        bool
	}{
		{"the max-rate step is used when it has enough requests", &atMax, []stepStats{big}, 300, true},
		{"a max-rate step with few requests gives way to the passing step with most requests", &small, []stepStats{small, big}, 200, true},
		{"a second of CPU is enough even with few requests", &busy, nil, 0.5, true},
		{"failed steps are not used", &small, []stepStats{failed}, 0, false},
		{"no step with enough requests gives no figure", nil, []stepStats{small}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := cpuSample(tt.preferred, tt.others)
			if ok != tt.ok || (ok && got.Target != tt.want) {
				t.Fatalf("cpuSample = %v at %v rps, want %v at %v rps", ok, got.Target, tt.ok, tt.want)
			}
		})
	}
}

func TestMaxRSSWithin(t *testing.T) {
	steps := []stepStats{{Target: 10, RSSMB: 40}, {Target: 100, RSSMB: 50}, {Target: 300, RSSMB: 90}}
	tests := []struct {
		name  string
		limit float64
		want  float64
	}{
		{"steps above the max sustainable rate are left out", 100, 50},
		{"every step counts when all are within the rate", 300, 90},
		{"no step within the rate gives no figure", 5, math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := maxRSSWithin(steps, tt.limit)
			if got != tt.want && !(math.IsNaN(got) && math.IsNaN(tt.want)) {
				t.Fatalf("maxRSSWithin(%v) = %v, want %v", tt.limit, got, tt.want)
			}
		})
	}
}

func TestFixedRateBase(t *testing.T) {
	tests := []struct {
		name                      string
		havePeer                  bool
		peerMax, peerSat, prodMax float64
		want                      float64
		wantName                  string
	}{
		{"the peer's max is the base when it sustains a rate", true, 93, 0, 378, 93, "peer_max_rps"},
		{"the peer's saturation throughput is the base when its max is 0", true, 0, 0.4, 340, 0.4, "peer_saturation_rps"},
		{"without a peer the product's max is the base", false, 0, 0, 378, 378, "product_max_rps"},
		{"a peer that serves nothing leaves no base", true, 0, 0, 378, 0, "none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, name := fixedRateBase(tt.havePeer, tt.peerMax, tt.peerSat, tt.prodMax)
			if got != tt.want || name != tt.wantName {
				t.Fatalf("fixedRateBase = %v, %s; want %v, %s", got, name, tt.want, tt.wantName)
			}
		})
	}
}

func TestPercentRate(t *testing.T) {
	tests := []struct {
		name string
		base float64
		pct  int
		want float64
	}{
		{"percentages of a fast base are whole rates", 93, 75, 70},
		{"percentages of a slow base keep fractions", 0.42, 25, 0.11},
		{"a zero base gives the smallest rate", 0, 50, 0.01},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentRate(tt.base, tt.pct); math.Abs(got-tt.want) > 1e-9 {
				t.Fatalf("percentRate(%v, %d) = %v, want %v", tt.base, tt.pct, got, tt.want)
			}
		})
	}
}

func TestThroughputGoalWhenThePeerSustainsNothing(t *testing.T) {
	pm, qm, qs := 340.0, 0.0, 0.4
	res := &results{Shapes: map[string]*shapeResult{"Q5_feed": {
		Product: serverResult{MaxRPS: &pm}, Peer: serverResult{MaxRPS: &qm, SaturationRPS: &qs}}}}
	g := evaluateGoals(res)[0]
	if g.Met == nil || !*g.Met || g.Note != "peer sustains no rate within the SLO" {
		t.Fatalf("goal = %+v, want met with the note", g)
	}
	if g.RatioToPeerSaturation == nil || *g.RatioToPeerSaturation != 850 {
		t.Fatalf("ratio to the peer's saturation = %v, want 850", g.RatioToPeerSaturation)
	}
	if !strings.Contains(renderResults(&results{Machine: map[string]any{}, Config: map[string]any{}, Goals: []goal{g}}), "met (peer sustains no rate within the SLO)") {
		t.Fatalf("the rendered verdict lacks the note")
	}
}
