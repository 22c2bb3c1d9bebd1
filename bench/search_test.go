package main

import (
	"math"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// runSearch drives a searcher against a server whose true capacity is
// capacity rps, and returns the rates tried and the maximum found.
func runSearch(s *searcher, capacity float64) ([]float64, float64) {
	var tried []float64
	for {
		rate, ok := s.Next()
		if !ok {
			return tried, s.Max()
		}
		tried = append(tried, rate)
		s.Record(rate, rate <= capacity)
	}
}

func TestSearcher(t *testing.T) {
	tests := []struct {
		name     string
		s        searcher
		capacity float64
		wantMin  float64 // the maximum found is within [wantMin, capacity]
		maxSteps int
	}{
		{
			name:     "a capacity above the start is found within the precision",
			s:        searcher{Start: 100, Factor: 3, Precision: 1.1, Min: 5, Ceiling: 100000},
			capacity: 2345, wantMin: 2345 / 1.1, maxSteps: 10,
		},
		{
			name:     "a capacity below the start is found by ramping down",
			s:        searcher{Start: 100, Factor: 3, Precision: 1.1, Min: 5, Ceiling: 100000},
			capacity: 20, wantMin: 20 / 1.1, maxSteps: 10,
		},
		{
			name:     "a server that sustains nothing ends at zero",
			s:        searcher{Start: 100, Factor: 3, Precision: 1.1, Min: 5, Ceiling: 100000},
			capacity: 0, wantMin: 0, maxSteps: 5,
		},
		{
			name:     "a capacity above the ceiling ends at the ceiling",
			s:        searcher{Start: 100, Factor: 3, Precision: 1.1, Min: 5, Ceiling: 1000},
			capacity: 1e9, wantMin: 1000, maxSteps: 4,
		},
		{
			name:     "the step bound ends the search early",
			s:        searcher{Start: 100, Factor: 2, Precision: 1.01, Min: 5, Ceiling: 100000, MaxSteps: 3},
			capacity: 5000, wantMin: 400, maxSteps: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.s
			tried, got := runSearch(&s, tt.capacity)
			if len(tried) > tt.maxSteps {
				t.Fatalf("%d steps (%v), want at most %d", len(tried), tried, tt.maxSteps)
			}
			if got < tt.wantMin || (got > tt.capacity && tt.capacity < tt.s.Ceiling) {
				t.Fatalf("max = %v after %v, want within [%v, %v]", got, tried, tt.wantMin, tt.capacity)
			}
		})
	}
}

func TestSLOSustainable(t *testing.T) {
	s := slo{P99: 20 * time.Millisecond, MaxErrorRate: 0.001, MinAchieved: 0.95}
	ok := stepStats{Target: 100, Requests: 500, Achieved: 99, P99: 10 * time.Millisecond}
	tests := []struct {
		name string
		st   stepStats
		want bool
	}{
		{"a fast, clean step at the target rate is sustainable", ok, true},
		{"a p99 above the objective is not sustainable", func() stepStats { x := ok; x.P99 = 21 * time.Millisecond; return x }(), false},
		{"an error rate of 0.1% is not sustainable", func() stepStats { x := ok; x.ErrorRate = 0.001; return x }(), false},
		{"achieving less than 95% of the target is not sustainable", func() stepStats { x := ok; x.Achieved = 94; return x }(), false},
		{"a step without requests is not sustainable", stepStats{Target: 100}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.sustainable(tt.st); got != tt.want {
				t.Fatalf("sustainable = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMedianAndSpread(t *testing.T) {
	tests := []struct {
		name      string
		xs        []float64
		med, sprd float64
	}{
		{"no values have a zero median", nil, 0, 0},
		{"one value is its own median with no spread", []float64{4}, 4, 0},
		{"an odd count takes the middle value", []float64{3, 1, 2}, 2, 1},
		{"an even count averages the middle two", []float64{4, 1, 3, 2}, 2.5, 1.2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := median(tt.xs); got != tt.med {
				t.Fatalf("median = %v, want %v", got, tt.med)
			}
			if got := spread(tt.xs); got != tt.sprd {
				t.Fatalf("spread = %v, want %v", got, tt.sprd)
			}
		})
	}
}

func TestCollectorFailFast(t *testing.T) {
	began := time.Now()
	sc := stepConfig{Duration: time.Second, FailFast: true, SLO: 20 * time.Millisecond}
	tests := []struct {
		name      string
		sc        stepConfig
		latencies []time.Duration
		failures  int
		wantGoOn  bool
	}{
		{"fast successes keep a step going", sc, []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond}, 0, true},
		{"more slow requests than 1% of the plan end a step", sc, []time.Duration{time.Second, time.Second, time.Second, time.Second}, 0, false},
		{"more failures than 0.1% of the plan end a step", sc, []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond}, 3, false},
		{"a step that does not fail fast never ends early", stepConfig{Duration: time.Second, SLO: 20 * time.Millisecond}, []time.Duration{time.Second, time.Second, time.Second, time.Second}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCollector(began, tt.sc, 100) // 100 planned requests: limits 2 slow, 1 failed
			goOn := true
			for i, l := range tt.latencies {
				r := &vegeta.Result{Timestamp: began.Add(time.Millisecond), Latency: l, Code: 200}
				goOn = c.add(r, i >= tt.failures)
			}
			goOn = goOn && c.add(&vegeta.Result{Timestamp: began.Add(time.Millisecond), Latency: time.Millisecond, Code: 200}, true)
			if goOn != tt.wantGoOn {
				t.Fatalf("go on = %v, want %v", goOn, tt.wantGoOn)
			}
			if st := c.stats(100, time.Second); st.Aborted == tt.wantGoOn {
				t.Fatalf("aborted = %v", st.Aborted)
			}
		})
	}
}

func TestStartRate(t *testing.T) {
	tests := []struct {
		name string
		mean time.Duration
		want float64
	}{
		{"a 2 ms request starts the search at 250 rps", 2 * time.Millisecond, 250},
		{"a 500 ms request starts it at 1 rps", 500 * time.Millisecond, 1},
		{"a very slow request still starts at 1 rps", 10 * time.Second, 1},
		{"a very fast request starts at most at 2000 rps", time.Microsecond, 2000},
		{"no measurement starts at 100 rps", 0, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := startRate(tt.mean); got != tt.want {
				t.Fatalf("startRate(%s) = %v, want %v", tt.mean, got, tt.want)
			}
		})
	}
}

func TestFineSearcher(t *testing.T) {
	tests := []struct {
		name     string
		s        searcher
		capacity float64
		wantMin  float64
		maxSteps int
	}{
		{
			name:     "a capacity below one request per second is found as a fraction",
			s:        searcher{Start: 0.41, Factor: 2, Precision: 1.2, Min: 0.05, Ceiling: 30000, MaxSteps: 10, Fine: true},
			capacity: 0.5, wantMin: 0.5 / 1.2, maxSteps: 10,
		},
		{
			name:     "a fine search ramps down below one request per second",
			s:        searcher{Start: 2, Factor: 2, Precision: 1.2, Min: 0.05, Ceiling: 30000, MaxSteps: 10, Fine: true},
			capacity: 0.3, wantMin: 0.3 / 1.2, maxSteps: 10,
		},
		{
			name:     "a fine search stops at its minimum",
			s:        searcher{Start: 0.2, Factor: 2, Precision: 1.2, Min: 0.05, Ceiling: 30000, MaxSteps: 10, Fine: true},
			capacity: 0, wantMin: 0, maxSteps: 3,
		},
		{
			name:     "a known passing rate is ramped up from, not retried",
			s:        searcher{Start: 1, Factor: 2, Precision: 1.2, Min: 0.05, Ceiling: 30000, MaxSteps: 10, Fine: true, Known: 100},
			capacity: 150, wantMin: 150 / 1.2, maxSteps: 4,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.s
			tried, got := runSearch(&s, tt.capacity)
			if len(tried) > tt.maxSteps {
				t.Fatalf("%d steps (%v), want at most %d", len(tried), tried, tt.maxSteps)
			}
			if got < tt.wantMin || got > math.Max(tt.capacity, tt.s.Known) {
				t.Fatalf("max = %v after %v, want within [%v, %v]", got, tried, tt.wantMin, tt.capacity)
			}
			for _, r := range tried {
				if r == tt.s.Known {
					t.Fatalf("the known rate %v was tried again: %v", r, tried)
				}
			}
		})
	}
}

func TestRoundRate(t *testing.T) {
	tests := []struct {
		name string
		in   float64
		want float64
	}{
		{"rates from 10 up are whole", 123.4, 123},
		{"rates below 10 keep two significant digits", 2.37, 2.4},
		{"fractions of a request per second keep two significant digits", 0.4163, 0.42},
		{"small fractions keep two significant digits", 0.0583, 0.058},
		{"zero stays zero", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := roundRate(tt.in); math.Abs(got-tt.want) > 1e-9 {
				t.Fatalf("roundRate(%v) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestStepPlan(t *testing.T) {
	tests := []struct {
		name                string
		sc                  stepConfig
		rate                float64
		warm, reqs          int
		windowStart, window time.Duration
	}{
		{"a fast rate records duration×rate requests after warm-up×rate",
			stepConfig{Warmup: time.Second, Duration: 3 * time.Second}, 100, 100, 300, 995 * time.Millisecond, 3 * time.Second},
		{"a quarter of a request per second without stretching still records one request",
			stepConfig{Warmup: time.Second, Duration: 3 * time.Second}, 0.25, 0, 1, 0, 4 * time.Second},
		{"a slow rate is stretched to hold five requests",
			stepConfig{Warmup: time.Second, Duration: 3 * time.Second, MinRequests: 5, MaxDuration: 15 * time.Second}, 0.5, 1, 5, time.Second, 10 * time.Second},
		{"stretching stops at the longest window",
			stepConfig{Warmup: time.Second, Duration: 3 * time.Second, MinRequests: 5, MaxDuration: 15 * time.Second}, 0.2, 0, 3, 0, 15 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.sc.plan(tt.rate)
			if p.Warm != tt.warm || p.Requests != tt.reqs || p.WindowStart != tt.windowStart || p.Window != tt.window {
				t.Fatalf("plan = %+v, want warm %d, requests %d, window start %s, window %s", p, tt.warm, tt.reqs, tt.windowStart, tt.window)
			}
			// Exactly Requests of the paced requests fall in the window.
			pc := p.pacer()
			var in int
			for n := uint64(0); ; n++ {
				wait, stop := pc.Pace(0, n)
				if stop {
					break
				}
				if wait >= p.WindowStart && wait <= p.WindowEnd {
					in++
				}
			}
			if in != p.Requests {
				t.Fatalf("%d paced requests in the window, want %d", in, p.Requests)
			}
		})
	}
}
