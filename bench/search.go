package main

import (
	"math"
	"time"
)

// slo is a shape's service-level objective: a step is sustainable when its
// p99 is at most P99, fewer than MaxErrorRate of its requests failed, and it
// achieved at least MinAchieved of the target rate.
type slo struct {
	P99          time.Duration
	MaxErrorRate float64
	MinAchieved  float64
}

// sustainable reports whether a step met the SLO at its target rate.
func (s slo) sustainable(st stepStats) bool {
	if st.Requests == 0 || st.Aborted {
		return false
	}
	return st.P99 <= s.P99 && st.ErrorRate < s.MaxErrorRate && st.Achieved >= s.MinAchieved*st.Target
}

// searcher finds the highest sustainable constant rate: it ramps up by
// Factor from Start while steps pass, then bisects (geometrically) between
// the highest passing and the lowest failing rate until they are within
// Precision of each other. When the first step fails it ramps down instead.
// Rates are whole requests per second between Min and Ceiling, or, when
// Fine is set, rounded to two significant digits (so 0.25 rps is a rate).
type searcher struct {
	Start, Factor, Precision, Min, Ceiling float64
	// MaxSteps bounds the number of steps; 0 means no bound.
	MaxSteps int
	// Fine allows fractional rates (two significant digits) down to Min.
	Fine bool
	// Known is a rate already known to pass: the search ramps up from it
	// instead of trying Start.
	Known float64

	lo, hi float64 // highest passing, lowest failing; 0 = none yet
	steps  int
}

// Next returns the next rate to try, or false when the search is over.
func (s *searcher) Next() (float64, bool) {
	if s.MaxSteps > 0 && s.steps >= s.MaxSteps {
		return 0, false
	}
	if s.lo == 0 && s.Known > 0 {
		s.lo = s.Known
	}
	var next float64
	switch {
	case s.lo == 0 && s.hi == 0:
		next = s.Start
	case s.hi == 0:
		if s.lo >= s.Ceiling {
			return 0, false
		}
		next = math.Min(s.lo*s.Factor, s.Ceiling)
	case s.lo == 0:
		next = s.hi / s.Factor
		if next < s.Min {
			return 0, false
		}
	default:
		if s.hi/s.lo <= s.Precision {
			return 0, false
		}
		next = math.Sqrt(s.lo * s.hi)
	}
	if s.Fine {
		next = roundRate(next)
		if next < s.Min {
			return 0, false
		}
	} else {
		next = math.Round(next)
	}
	if next <= 0 || (!s.Fine && next < 1) || next == s.lo || next == s.hi {
		return 0, false
	}
	return next, true
}

// roundRate rounds a rate to whole requests per second from 10 up and to
// two significant digits below (2.37 → 2.4, 0.416 → 0.42).
func roundRate(r float64) float64 {
	if r <= 0 || math.IsNaN(r) || math.IsInf(r, 0) {
		return 0
	}
	if r >= 10 {
		return math.Round(r)
	}
	p := math.Pow(10, 1-math.Floor(math.Log10(r)))
	return math.Round(r*p) / p
}

// Record notes the outcome of a step at rate.
func (s *searcher) Record(rate float64, ok bool) {
	s.steps++
	if ok {
		if rate > s.lo {
			s.lo = rate
		}
		return
	}
	if s.hi == 0 || rate < s.hi {
		s.hi = rate
	}
}

// Max is the highest rate found sustainable so far (0 when none was).
func (s *searcher) Max() float64 { return s.lo }

// median returns the median of xs (the mean of the middle two for an even
// count), or 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// spread is (max-min)/median of xs: how far repetitions disagree, as a
// fraction of the median (0 for fewer than two values or a zero median).
func spread(xs []float64) float64 {
	if len(xs) < 2 {
		return 0
	}
	lo, hi := xs[0], xs[0]
	for _, x := range xs {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	m := median(xs)
	if m == 0 {
		return 0
	}
	return (hi - lo) / m
}
