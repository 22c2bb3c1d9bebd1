package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"
)

// results is bench/results/<mode>.json.
type results struct {
	Machine     map[string]any          `json:"machine"`
	Date        string                  `json:"date"`
	Mode        string                  `json:"mode"`
	Shapes      map[string]*shapeResult `json:"shapes"`
	Goals       []goal                  `json:"goals"`
	Config      map[string]any          `json:"config"`
	WallSeconds float64                 `json:"wall_seconds"`
}

// serverResult is one server's figures for a shape. Pointers are null when
// not measured (the peer's statements, or a server that was not run).
type serverResult struct {
	MaxRPS          *float64 `json:"max_rps"`
	P50ms           *float64 `json:"p50_ms"`
	P99ms           *float64 `json:"p99_ms"`
	P99msAt75PctPee *float64 `json:"p99_ms_at_75pct_peer"`
	CypherPerOp     *float64 `json:"cypher_per_op"`
	CPUusPerReq     *float64 `json:"cpu_us_per_req"`
	RSSMB           *float64 `json:"rss_mb"`
	// RSSMBSustainable is the largest RSS over sustainable steps only
	// (overloaded search steps queue hundreds of requests).
	RSSMBSustainable *float64 `json:"rss_mb_sustainable,omitempty"`
	// RSSMBAllSteps is the largest RSS over all steps, overload included
	// (RSSMB covers steps at or below the max sustainable rate).
	RSSMBAllSteps *float64 `json:"rss_mb_all_steps,omitempty"`
	// SaturationRPS is the highest rate served with errors < 0.1% and 95%
	// achieved, p99 aside (null: not searched).
	SaturationRPS *float64 `json:"saturation_rps"`
	// CPUSampleRPS and CPUSampleRequests say which step CPUusPerReq is from.
	CPUSampleRPS      *float64 `json:"cpu_sample_rps,omitempty"`
	CPUSampleRequests *float64 `json:"cpu_sample_requests,omitempty"`
}

// floorResult is the floor's figures for a shape.
type floorResult struct {
	MaxRPS *float64 `json:"max_rps"`
	P50ms  *float64 `json:"p50_ms"`
	P99ms  *float64 `json:"p99_ms"`
}

// fixedRate is every runner's figures at one fixed rate (medians over
// repetitions).
type fixedRate struct {
	Percent int                       `json:"percent_of_peer_max"`
	RPS     float64                   `json:"rps"`
	Base    string                    `json:"base,omitempty"`
	By      map[string]map[string]any `json:"by"`
}

// shapeResult is one shape in the results file.
type shapeResult struct {
	Product        serverResult         `json:"product"`
	Peer           serverResult         `json:"peer"`
	Floor          floorResult          `json:"floor"`
	ResponsesEqual *bool                `json:"responses_equal"`
	EqualityDiff   string               `json:"equality_difference,omitempty"`
	Spread         map[string]float64   `json:"spread"`
	MaxRPSRuns     map[string][]float64 `json:"max_rps_runs"`
	FixedRates     []fixedRate          `json:"fixed_rates"`
	ResponseBytes  map[string]float64   `json:"response_bytes"`
	// FloorStatementsPerOp is how many statements the product sent per
	// operation while the floor captured them.
	FloorStatementsPerOp float64                   `json:"floor_statements_per_op"`
	Searches             map[string][]searchResult `json:"searches"`
	// SaturationSearches are the saturation-throughput searches.
	SaturationSearches map[string][]searchResult `json:"saturation_searches,omitempty"`
	// FixedRateBase is what the fixed rates are percentages of:
	// peer_max_rps, peer_saturation_rps, product_max_rps (no peer) or none.
	FixedRateBase string `json:"fixed_rate_base"`
	// Overload is the product offered twice its max sustainable rate.
	Overload *overloadResult `json:"overload,omitempty"`
}

// overloadResult is the product's goodput when offered twice its max
// sustainable rate (medians over repetitions): what admission control keeps
// serving when it sheds the rest.
type overloadResult struct {
	OfferedRPS float64 `json:"offered_rps"`
	// GoodputRPS is the successful answers per second; GoodputOfMax is it
	// over the max sustainable rate.
	GoodputRPS   *float64 `json:"goodput_rps"`
	GoodputOfMax *float64 `json:"goodput_of_max"`
	// P99OKms is the p99 of the successful (admitted) requests.
	P99OKms   *float64    `json:"p99_ok_ms"`
	ErrorRate *float64    `json:"error_rate"`
	Steps     []stepStats `json:"steps"`
}

func round(x float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(x*p) / p
}

func ptr(x float64, places int) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	v := round(x, places)
	return &v
}

// medianOf takes the median of f over steps; NaN when there are none.
func medianOf(steps []stepStats, f func(stepStats) float64) float64 {
	var xs []float64
	for _, s := range steps {
		if v := f(s); !math.IsNaN(v) {
			xs = append(xs, v)
		}
	}
	if len(xs) == 0 {
		return math.NaN()
	}
	return median(xs)
}

func atMaxSteps(rs []searchResult) []stepStats {
	var out []stepStats
	for _, r := range rs {
		if r.AtMax != nil {
			out = append(out, *r.AtMax)
		}
	}
	return out
}

// Enough for a CPU-per-request figure: /proc counts CPU in 10 ms ticks.
const (
	cpuMinRequests = 300
	cpuMinCPU      = time.Second
)

// cpuSample picks the step a CPU-per-request figure comes from: the first
// of preferred, else the passing step of others with the most requests,
// provided it has at least cpuMinRequests requests or cpuMinCPU of CPU.
func cpuSample(preferred *stepStats, others []stepStats) (stepStats, bool) {
	enough := func(s stepStats) bool {
		return s.CPUPerReq > 0 && (s.Requests >= cpuMinRequests || s.CPU >= cpuMinCPU)
	}
	if preferred != nil && enough(*preferred) {
		return *preferred, true
	}
	var best stepStats
	found := false
	for _, s := range others {
		if s.OK && enough(s) && (!found || s.Requests > best.Requests) {
			best, found = s, true
		}
	}
	return best, found
}

// maxRSSWithin is the largest RSS of steps at rates up to limit (NaN when
// there are none).
func maxRSSWithin(steps []stepStats, limit float64) float64 {
	out := math.NaN()
	for _, s := range steps {
		if s.Target <= limit && s.RSSMB > 0 && (math.IsNaN(out) || s.RSSMB > out) {
			out = s.RSSMB
		}
	}
	return out
}

func p50(s stepStats) float64 { return ms(s.P50) }
func p99(s stepStats) float64 { return ms(s.P99) }

// summarise turns a shape's measurements into its results entry.
func summarise(sh shape, r *runs, equal *bool, diff string, floorStmts float64) *shapeResult {
	out := &shapeResult{ResponsesEqual: equal, EqualityDiff: diff, Spread: map[string]float64{},
		MaxRPSRuns: map[string][]float64{}, ResponseBytes: map[string]float64{}, Searches: r.searches,
		FloorStatementsPerOp: round(floorStmts, 2), SaturationSearches: r.saturation, FixedRateBase: r.base}
	server := func(who string) serverResult {
		rs, ok := r.searches[who]
		if !ok {
			return serverResult{}
		}
		var maxes []float64
		for _, s := range rs {
			maxes = append(maxes, s.Max)
		}
		out.MaxRPSRuns[who] = maxes
		out.Spread[who+"_max_rps"] = round(spread(maxes), 3)
		at := atMaxSteps(rs)
		f75 := r.fixed[who][75]
		sat := r.saturation[who]
		res := serverResult{
			MaxRPS:          ptr(median(maxes), 1),
			P50ms:           ptr(medianOf(at, p50), 3),
			P99ms:           ptr(medianOf(at, p99), 3),
			P99msAt75PctPee: ptr(medianOf(f75, p99), 3),
		}
		if len(sat) > 0 {
			res.SaturationRPS = ptr(medianMax(sat), 3)
		}
		// CPU per request: per repetition, at the server's own max (the
		// saturation max when the max within the objective is 0).
		var cpu, cpuRPS, cpuReqs []float64
		for i, s := range rs {
			preferred := s.AtMax
			others := append([]stepStats(nil), s.Steps...)
			if i < len(sat) {
				if preferred == nil {
					preferred = sat[i].AtMax
				}
				others = append(others, sat[i].Steps...)
			}
			if st, ok := cpuSample(preferred, others); ok {
				cpu = append(cpu, float64(st.CPUPerReq.Nanoseconds())/1e3)
				cpuRPS = append(cpuRPS, st.Target)
				cpuReqs = append(cpuReqs, float64(st.Requests))
			}
		}
		if len(cpu) > 0 {
			res.CPUusPerReq = ptr(median(cpu), 1)
			res.CPUSampleRPS = ptr(median(cpuRPS), 3)
			res.CPUSampleRequests = ptr(median(cpuReqs), 0)
		}
		var all []stepStats
		for _, s := range rs {
			all = append(all, s.Steps...)
		}
		for _, s := range sat {
			all = append(all, s.Steps...)
		}
		for _, pct := range fixedPercents {
			all = append(all, r.fixed[who][pct]...)
		}
		rss, rssOK := 0.0, 0.0
		for _, s := range all {
			rss = math.Max(rss, s.RSSMB)
			if s.OK {
				rssOK = math.Max(rssOK, s.RSSMB)
			}
		}
		limit := median(maxes)
		if limit == 0 && len(sat) > 0 {
			limit = medianMax(sat)
		}
		res.RSSMB = ptr(maxRSSWithin(all, limit), 1)
		res.RSSMBAllSteps = ptr(rss, 1)
		res.RSSMBSustainable = ptr(rssOK, 1)
		if who == productName {
			res.CypherPerOp = ptr(medianOf(all, func(s stepStats) float64 {
				if s.CypherPerOp < 0 || s.Requests == 0 {
					return math.NaN()
				}
				return s.CypherPerOp
			}), 3)
		}
		out.ResponseBytes[who] = round(medianOf(f75, func(s stepStats) float64 { return s.BytesPerResp }), 0)
		return res
	}
	out.Product = server(productName)
	out.Peer = server(peerName)
	if len(r.overload) > 0 && out.Product.MaxRPS != nil && *out.Product.MaxRPS > 0 {
		good := medianOf(r.overload, func(s stepStats) float64 { return s.Achieved })
		out.Overload = &overloadResult{OfferedRPS: r.overload[0].Target, GoodputRPS: ptr(good, 1),
			GoodputOfMax: ptr(good / *out.Product.MaxRPS, 3),
			P99OKms:      ptr(medianOf(r.overload, func(s stepStats) float64 { return ms(s.P99OK) }), 3),
			ErrorRate:    ptr(medianOf(r.overload, func(s stepStats) float64 { return s.ErrorRate }), 4),
			Steps:        r.overload}
	}
	if fr, ok := r.searches[floorName]; ok {
		var maxes []float64
		for _, s := range fr {
			maxes = append(maxes, s.Max)
		}
		out.MaxRPSRuns[floorName] = maxes
		out.Spread[floorName+"_max_rps"] = round(spread(maxes), 3)
		at := atMaxSteps(fr)
		out.Floor = floorResult{MaxRPS: ptr(median(maxes), 1), P50ms: ptr(medianOf(at, p50), 3), P99ms: ptr(medianOf(at, p99), 3)}
	}
	for _, pct := range fixedPercents {
		fr := fixedRate{Percent: pct, RPS: r.rates[pct], Base: r.base, By: map[string]map[string]any{}}
		for _, who := range []string{productName, peerName, floorName} {
			steps := r.fixed[who][pct]
			if len(steps) == 0 {
				continue
			}
			m := map[string]any{
				"p50_ms":       ptr(medianOf(steps, p50), 3),
				"p99_ms":       ptr(medianOf(steps, p99), 3),
				"achieved_rps": ptr(medianOf(steps, func(s stepStats) float64 { return s.Achieved }), 1),
				"error_rate":   ptr(medianOf(steps, func(s stepStats) float64 { return s.ErrorRate }), 5),
				"sustainable":  allOK(steps),
			}
			if who != floorName {
				m["cpu_us_per_req"] = ptr(medianOf(steps, func(s stepStats) float64 { return float64(s.CPUPerReq.Nanoseconds()) / 1e3 }), 1)
				m["requests"] = ptr(medianOf(steps, func(s stepStats) float64 { return float64(s.Requests) }), 0)
				m["rss_mb"] = ptr(medianOf(steps, func(s stepStats) float64 { return s.RSSMB }), 1)
			}
			m["generator_cpu_cores"] = ptr(medianOf(steps, func(s stepStats) float64 { return s.GenCPU }), 2)
			fr.By[who] = m
		}
		out.FixedRates = append(out.FixedRates, fr)
	}
	return out
}

func allOK(steps []stepStats) bool {
	for _, s := range steps {
		if !s.OK {
			return false
		}
	}
	return true
}

// MarshalJSON renders a step with its durations in milliseconds.
func (s stepStats) MarshalJSON() ([]byte, error) {
	type plain stepStats
	return json.Marshal(struct {
		plain
		P50ms     float64 `json:"p50_ms"`
		P99ms     float64 `json:"p99_ms"`
		P99OKms   float64 `json:"p99_ok_ms"`
		CPUusPReq float64 `json:"cpu_us_per_req,omitempty"`
	}{plain(s), round(ms(s.P50), 3), round(ms(s.P99), 3), round(ms(s.P99OK), 3), round(float64(s.CPUPerReq.Nanoseconds())/1e3, 1)})
}

// goal is one of the goals with its verdict.
type goal struct {
	Shape  string `json:"shape,omitempty"`
	Goal   string `json:"goal"`
	Target string `json:"target"`
	Actual string `json:"actual"`
	Met    *bool  `json:"met"` // null: could not be judged, or report only
	// Note qualifies the verdict (e.g. why it is met).
	Note string `json:"note,omitempty"`
	// RatioToPeerSaturation is the product's max over the peer's
	// saturation throughput, context when the peer sustains no rate.
	RatioToPeerSaturation *float64 `json:"ratio_to_peer_saturation,omitempty"`
	Margin                string   `json:"margin,omitempty"`
	Value                 *float64 `json:"value,omitempty"`
}

func boolp(b bool) *bool { return &b }

func derefOr(p *float64, or float64) float64 {
	if p == nil {
		return or
	}
	return *p
}

// evaluateGoals judges the goals from the results.
func evaluateGoals(res *results) []goal {
	var out []goal
	names := make([]string, 0, len(res.Shapes))
	for n := range res.Shapes {
		names = append(names, n)
	}
	sort.Strings(names)
	var shapeByName = map[string]shape{}
	for _, s := range allShapes {
		shapeByName[s.Name] = s
	}
	maxRSS := 0.0
	for _, n := range names {
		r := res.Shapes[n]
		sh := shapeByName[n]
		pm, qm := r.Product.MaxRPS, r.Peer.MaxRPS
		g := goal{Shape: n, Goal: "max sustainable throughput vs the peer"}
		if sh.ThroughputGoal > 0 {
			g.Target = fmt.Sprintf(">= %.1fx the peer", sh.ThroughputGoal)
		} else {
			g.Target = "report only"
		}
		if pm != nil && qm != nil && *qm == 0 {
			g.Actual = fmt.Sprintf("the peer sustains no rate within the objective; the product %.0f rps", *pm)
			if qs := r.Peer.SaturationRPS; qs != nil && *qs > 0 {
				g.RatioToPeerSaturation = ptr(*pm / *qs, 1)
				g.Actual += fmt.Sprintf(", %.1fx the peer's saturation throughput (%.3g rps, p99 aside)", *pm / *qs, *qs)
			}
			if sh.ThroughputGoal > 0 {
				g.Met = boolp(*pm > 0)
				if *pm > 0 {
					g.Note = "peer sustains no rate within the SLO"
				}
			}
		} else if pm != nil && qm != nil && *qm > 0 {
			ratio := *pm / *qm
			g.Value = ptr(ratio, 2)
			g.Actual = fmt.Sprintf("%.2fx (%.0f vs %.0f rps)", ratio, *pm, *qm)
			if sh.ThroughputGoal > 0 {
				g.Met = boolp(ratio >= sh.ThroughputGoal)
				g.Margin = fmt.Sprintf("%+.2fx", ratio-sh.ThroughputGoal)
			}
		} else {
			g.Actual = "not measured"
		}
		out = append(out, g)

		g = goal{Shape: n, Goal: "p99 at 75% of the peer's max rate", Target: "<= half the peer's"}
		if r.FixedRateBase == "peer_saturation_rps" {
			g.Goal = "p99 at 75% of the peer's saturation throughput (it sustains no rate within the objective)"
		}
		if a, b := r.Product.P99msAt75PctPee, r.Peer.P99msAt75PctPee; a != nil && b != nil && *b > 0 {
			g.Value = ptr(*a / *b, 3)
			g.Actual = fmt.Sprintf("%.2f ms vs %.2f ms (%.2fx)", *a, *b, *a / *b)
			g.Met = boolp(*a <= *b/2)
			g.Margin = fmt.Sprintf("%+.2f ms against half the peer's", *b/2-*a)
		} else {
			g.Actual = "not measured"
		}
		out = append(out, g)

		g = goal{Shape: n, Goal: "Cypher statements per operation", Target: "exactly 1"}
		if c := r.Product.CypherPerOp; c != nil {
			g.Value = c
			g.Actual = fmt.Sprintf("%.3f statements per operation", *c)
			g.Met = boolp(math.Abs(*c-1) < 0.01)
			if !*g.Met {
				g.Margin = fmt.Sprintf("%+.2f statements", *c-1)
			}
		} else {
			g.Actual = "not measured"
		}
		out = append(out, g)

		g = goal{Shape: n, Goal: "goodput offered twice the max rate", Target: fmt.Sprintf(">= 90%% of the max, admitted p99 <= %s", sh.SLO)}
		if o := r.Overload; o != nil && o.GoodputOfMax != nil && o.P99OKms != nil {
			g.Value = o.GoodputOfMax
			g.Actual = fmt.Sprintf("%.0f%% of the max (%.0f of %.0f rps offered answered ok), admitted p99 %.1f ms, %.1f%% refused",
				100**o.GoodputOfMax, *o.GoodputRPS, o.OfferedRPS, *o.P99OKms, 100*derefOr(o.ErrorRate, 0))
			g.Met = boolp(*o.GoodputOfMax >= 0.9 && *o.P99OKms <= ms(sh.SLO))
			g.Margin = fmt.Sprintf("%+.0f points, %+.1f ms", 100*(*o.GoodputOfMax-0.9), ms(sh.SLO)-*o.P99OKms)
		} else {
			g.Actual = "not measured"
		}
		out = append(out, g)

		if sh.FloorGoal > 0 {
			g = goal{Shape: n, Goal: "max sustainable throughput vs the floor", Target: fmt.Sprintf(">= %.1fx the floor", sh.FloorGoal)}
			if pm, fm := r.Product.MaxRPS, r.Floor.MaxRPS; pm != nil && fm != nil && *fm > 0 {
				ratio := *pm / *fm
				g.Value = ptr(ratio, 2)
				g.Actual = fmt.Sprintf("%.2fx (%.0f vs %.0f rps)", ratio, *pm, *fm)
				g.Met = boolp(ratio >= sh.FloorGoal)
				g.Margin = fmt.Sprintf("%+.2fx", ratio-sh.FloorGoal)
			} else {
				g.Actual = "not measured"
			}
			out = append(out, g)
		}
		if sh.CPUGoal > 0 {
			g = goal{Shape: n, Goal: "product CPU per request at its max rate", Target: fmt.Sprintf("<= %.0f µs", sh.CPUGoal)}
			if c := r.Product.CPUusPerReq; c != nil {
				g.Value = c
				g.Actual = fmt.Sprintf("%.0f µs", *c)
				g.Met = boolp(*c <= sh.CPUGoal)
				g.Margin = fmt.Sprintf("%+.0f µs", sh.CPUGoal-*c)
			} else {
				g.Actual = "not measured"
			}
			out = append(out, g)
		}

		if n == "Q1_me" {
			g = goal{Shape: n, Goal: "me p50 vs the floor (full JWT verification)", Target: "within 0.15 ms"}
			var fp50, pp50 *float64
			for _, fr := range r.FixedRates {
				if fr.Percent == 25 {
					if m := fr.By[productName]; m != nil {
						pp50, _ = m["p50_ms"].(*float64)
					}
					if m := fr.By[floorName]; m != nil {
						fp50, _ = m["p50_ms"].(*float64)
					}
				}
			}
			if fp50 != nil && pp50 != nil {
				d := *pp50 - *fp50
				g.Value = ptr(d, 3)
				g.Actual = fmt.Sprintf("+%.3f ms (%.3f vs %.3f ms at 25%% of the peer's max)", d, *pp50, *fp50)
				g.Met = boolp(d <= 0.15)
				g.Margin = fmt.Sprintf("%+.3f ms", 0.15-d)
			} else {
				g.Actual = "not measured"
			}
			out = append(out, g)
		}
		if r.Product.RSSMB != nil {
			maxRSS = math.Max(maxRSS, *r.Product.RSSMB)
		}
	}
	out = append(out, goal{Goal: "product RSS under load (max over all shapes)", Target: "<= 60 MB",
		Actual: fmt.Sprintf("%.1f MB", maxRSS), Met: boolp(maxRSS > 0 && maxRSS <= 60), Value: ptr(maxRSS, 1),
		Margin: fmt.Sprintf("%+.1f MB", 60-maxRSS)})
	return out
}

// machineInfo describes the machine and the runtimes.
func machineInfo(ctx context.Context, st *stack) map[string]any {
	m := map[string]any{"cores": runtime.NumCPU(), "os": runtime.GOOS + "/" + runtime.GOARCH, "go": runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m["cpu"] = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb float64
		fmt.Sscanf(strings.SplitN(string(b), "\n", 2)[0], "MemTotal: %f kB", &kb)
		m["mem_gib"] = round(kb/1024/1024, 1)
	}
	run := func(name string, args ...string) string {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		out, err := exec.CommandContext(cctx, name, args...).CombinedOutput()
		if err != nil {
			return ""
		}
		return strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
	}
	m["node"] = run("node", "--version")
	m["java"] = run("java", "-version")
	m["kernel"] = run("uname", "-r")
	if recs, err := st.query(ctx, "CALL dbms.components() YIELD name, versions, edition RETURN name + ' ' + versions[0] + ' ' + edition AS v", nil); err == nil && len(recs) > 0 {
		v, _ := recs[0].Get("v")
		m["neo4j"] = v
	}
	if b, err := os.ReadFile("bench/peer/package.json"); err == nil {
		var pkg struct {
			Dependencies map[string]string `json:"dependencies"`
		}
		if json.Unmarshal(b, &pkg) == nil {
			m["peer_packages"] = pkg.Dependencies
		}
	}
	return m
}

func writeJSON(path string, v any) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

const (
	docBegin = "<!-- results:begin -->"
	docEnd   = "<!-- results:end -->"
)

// writeDoc rewrites the generated section of the benchmarks document,
// creating the document when it is missing.
func writeDoc(path string, res *results) error {
	old, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		old = []byte("# Benchmarks\n\nHow the Go server compares with `@neo4j/graphql` on Apollo (the peer) and with its own Cypher sent\n" +
			"straight through the driver (the floor). Run `make bench` (full) or `make bench-quick`; the harness is\n" +
			"`bench/`, the raw figures are in `bench/results/`. The section between the markers is generated.\n\n" +
			docBegin + "\n" + docEnd + "\n")
	} else if err != nil {
		return err
	}
	out, err := replaceSection(string(old), renderResults(res))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, []byte(out), 0o644)
}

// replaceSection puts body between the markers of doc.
func replaceSection(doc, body string) (string, error) {
	i := strings.Index(doc, docBegin)
	j := strings.Index(doc, docEnd)
	if i < 0 || j < i {
		return "", fmt.Errorf("the markers %s and %s are missing or out of order", docBegin, docEnd)
	}
	return doc[:i+len(docBegin)] + "\n" + body + doc[j:], nil
}

func fmtNum(p *float64, format string) string {
	if p == nil {
		return "–"
	}
	return fmt.Sprintf(format, *p)
}

// renderResults renders the results table and the goal verdicts.
func renderResults(res *results) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "\n_Generated by `go -C bench run . -mode %s` on %s (%v cores, %s; %v, Node %v, %v). Wall time %.0f s._\n\n",
		res.Mode, res.Date, res.Machine["cores"], res.Machine["cpu"], res.Machine["go"], res.Machine["node"], res.Machine["neo4j"], res.WallSeconds)
	fmt.Fprintf(&b, "Max rps: highest constant rate with p99 under the shape's objective (Q1/Q2 20 ms, others 50 ms), under 0.1%% errors\n"+
		"and at least 95%% of the rate achieved; p50/p99 are at that rate. A server whose one-at-a-time p50 already exceeds\n"+
		"the objective is not searched (max 0). Sat rps (saturation throughput): highest rate, fractions of 1 rps included,\n"+
		"served with under 0.1%% errors and 95%% achieved whatever the p99 (capped at 4x the one-at-a-time latency, at least 2x\n"+
		"the objective, at most 60%% of the request timeout); searched for a server whose max is 0 (– where not searched). Fixed rates\n"+
		"are 25/50/75%% of the peer's max, or of its saturation throughput when its max is 0 (`fixed_rate_base` in the JSON);\n"+
		"p99 @75%% is at the 75%% one; slow fixed and saturation steps are stretched to hold up to 5 requests.\n"+
		"CPU: the server process's user+system time (/proc, 10 ms ticks) over the requests of its own max-rate step (the\n"+
		"saturation step when its max is 0), else of its passing search step with the most requests; – below 300 requests\n"+
		"and 1 s of CPU. RSS: largest VmRSS (sampled every 200 ms) during steps at or below the server's max rate (its\n"+
		"saturation rate when the max is 0); `rss_mb_all_steps` in the JSON includes the overload steps. The API servers\n"+
		"run on CPU %v, the load generator and the floor on CPU %v, Neo4j unpinned. Medians of %v repetition(s).\n\n",
		res.Config["api_cpu"], res.Config["load_and_floor_cpu"], res.Config["repetitions"])
	b.WriteString("| shape | max rps product / peer / floor | sat rps product / peer | p50 ms product / peer / floor | p99 ms product / peer / floor | p99 ms @75% product / peer | Cypher/op | CPU µs/req product / peer | RSS MB product / peer | bytes product / peer | equal |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
	names := make([]string, 0, len(res.Shapes))
	for n := range res.Shapes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		r := res.Shapes[n]
		eq := "–"
		if r.ResponsesEqual != nil {
			eq = map[bool]string{true: "yes", false: "**no**"}[*r.ResponsesEqual]
		}
		fmt.Fprintf(&b, "| %s | %s / %s / %s | %s / %s | %s / %s / %s | %s / %s / %s | %s / %s | %s | %s / %s | %s / %s | %.0f / %.0f | %s |\n", n,
			fmtNum(r.Product.MaxRPS, "%.0f"), fmtNum(r.Peer.MaxRPS, "%.0f"), fmtNum(r.Floor.MaxRPS, "%.0f"),
			fmtNum(r.Product.SaturationRPS, "%.3g"), fmtNum(r.Peer.SaturationRPS, "%.3g"),
			fmtNum(r.Product.P50ms, "%.2f"), fmtNum(r.Peer.P50ms, "%.2f"), fmtNum(r.Floor.P50ms, "%.2f"),
			fmtNum(r.Product.P99ms, "%.2f"), fmtNum(r.Peer.P99ms, "%.2f"), fmtNum(r.Floor.P99ms, "%.2f"),
			fmtNum(r.Product.P99msAt75PctPee, "%.2f"), fmtNum(r.Peer.P99msAt75PctPee, "%.2f"),
			fmtNum(r.Product.CypherPerOp, "%.2f"),
			fmtNum(r.Product.CPUusPerReq, "%.0f"), fmtNum(r.Peer.CPUusPerReq, "%.0f"),
			fmtNum(r.Product.RSSMB, "%.1f"), fmtNum(r.Peer.RSSMB, "%.1f"),
			r.ResponseBytes[productName], r.ResponseBytes[peerName], eq)
	}
	b.WriteString("\n**Goals**\n\n")
	for _, g := range res.Goals {
		verdict := "reported"
		if g.Met != nil {
			verdict = map[bool]string{true: "met", false: "**missed**"}[*g.Met]
		}
		prefix := ""
		if g.Shape != "" {
			prefix = g.Shape + ": "
		}
		margin := ""
		if g.Margin != "" {
			margin = " (margin " + g.Margin + ")"
		}
		if g.Note != "" {
			verdict += " (" + g.Note + ")"
		}
		fmt.Fprintf(&b, "- %s%s, target %s: %s — %s%s\n", prefix, g.Goal, g.Target, verdict, g.Actual, margin)
	}
	for _, n := range names {
		if d := res.Shapes[n].EqualityDiff; d != "" {
			fmt.Fprintf(&b, "\n%s: answers differ: `%s`\n", n, strings.ReplaceAll(d, "`", "'"))
		}
	}
	b.WriteString("\n")
	return b.String()
}
