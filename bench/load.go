package main

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// clockTicks is USER_HZ, the unit of utime/stime in /proc/<pid>/stat; 100
// on every Linux this runs on.
const clockTicks = 100

// stepStats is what one constant-rate step measured, over its recorded
// window (after the warm-up).
type stepStats struct {
	Target    float64       `json:"target_rps"`
	Requests  uint64        `json:"requests"`
	Achieved  float64       `json:"achieved_rps"`
	ErrorRate float64       `json:"error_rate"`
	P50       time.Duration `json:"-"`
	P99       time.Duration `json:"-"`
	// P99OK is the p99 of the successful requests only: what an admitted
	// request waited when others were refused.
	P99OK time.Duration `json:"-"`
	// CPUPerReq is the server process's user+system CPU per request, and
	// CPU the whole of it, over the recorded window (and the drain of its
	// last requests).
	CPUPerReq time.Duration `json:"-"`
	CPU       time.Duration `json:"-"`
	RSSMB     float64       `json:"rss_mb,omitempty"`
	// BytesPerResp is the mean response body size.
	BytesPerResp float64 `json:"response_bytes,omitempty"`
	// CypherPerOp is the product's statements per operation (-1: unknown).
	CypherPerOp float64 `json:"cypher_per_op,omitempty"`
	// GenCPU is the load generator's CPU use, in cores, during the window.
	GenCPU float64  `json:"generator_cpu_cores"`
	Errors []string `json:"errors,omitempty"`
	// Aborted says the step was stopped early because it could no longer
	// meet the objective (its figures cover the part that ran).
	Aborted bool `json:"aborted,omitempty"`
	OK      bool `json:"sustainable"`
}

// procCPU reads a process's utime+stime.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after the command (which may hold spaces) start after the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	// f[0] is field 3 (state); utime is field 14, stime field 15.
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}

// procRSS reads a process's VmRSS in MiB.
func procRSS(pid int) (float64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				return 0, err
			}
			return kb / 1024, nil
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", pid)
}

// stepConfig is how long a step runs.
type stepConfig struct {
	Warmup, Duration time.Duration
	// MinRequests stretches the recorded window of a slow rate to hold at
	// least this many requests, but not beyond MaxDuration (0: no stretching).
	MinRequests int
	MaxDuration time.Duration
	// MaxWorkers bounds concurrent requests (and so connections).
	MaxWorkers uint64
	// FailFast, when set, ends a step as soon as it cannot be sustainable:
	// more than 1% of its planned requests slower than SLO, or more than
	// 0.1% failed. Rate searches use it; fixed rates run to the end.
	FailFast bool
	SLO      time.Duration
}

// failFastLimits are the slow and failed counts beyond which a step at rate
// cannot meet the objective, or 0s when sc does not fail fast.
func (sc stepConfig) failFastLimits(rate float64) (slow, failed uint64) {
	if !sc.FailFast || sc.SLO <= 0 {
		return 0, 0
	}
	planned := float64(sc.plan(rate).Requests)
	return uint64(planned*0.01) + 1, uint64(planned*0.001) + 1
}

// stepPlan is when a step's requests go out: request n at n×Interval from
// the start, the first Warm of them unrecorded, then Requests recorded ones
// in the window [WindowStart, WindowEnd], whose length for rates is Window
// (Requests intervals: the boundaries fall half an interval from a request,
// so a window holds exactly Requests requests even at 0.25 rps).
type stepPlan struct {
	Interval               time.Duration
	Warm, Requests         int
	WindowStart, WindowEnd time.Duration
	Window                 time.Duration
}

// plan lays out a step at rate: Warmup×rate warm-up requests (none when
// that rounds to zero: slow rates follow a warmed-up server), and
// Duration×rate recorded ones, at least min(MinRequests, MaxDuration×rate),
// at least one.
func (sc stepConfig) plan(rate float64) stepPlan {
	iv := time.Duration(float64(time.Second) / rate)
	w := int(math.Round(sc.Warmup.Seconds() * rate))
	k := int(math.Ceil(sc.Duration.Seconds()*rate - 1e-9))
	if sc.MinRequests > 0 && sc.MaxDuration > 0 {
		k = max(k, min(sc.MinRequests, int(math.Floor(sc.MaxDuration.Seconds()*rate+1e-9))))
	}
	k = max(k, 1)
	p := stepPlan{Interval: iv, Warm: w, Requests: k, Window: time.Duration(k) * iv}
	if w > 0 {
		p.WindowStart = time.Duration(w)*iv - iv/2
	}
	p.WindowEnd = time.Duration(w+k)*iv - iv/2
	return p
}

// Total is how long the step sends requests.
func (p stepPlan) Total() time.Duration { return p.WindowEnd }

// pacer sends the plan's requests: n at n×Interval (the first at once),
// Warm+Requests of them in all.
func (p stepPlan) pacer() vegeta.Pacer { return planPacer{p} }

type planPacer struct{ p stepPlan }

func (pp planPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if hits >= uint64(pp.p.Warm+pp.p.Requests) {
		return 0, true
	}
	return time.Duration(hits)*pp.p.Interval - elapsed, false
}

func (pp planPacer) Rate(time.Duration) float64 { return float64(time.Second) / float64(pp.p.Interval) }

// collector turns a step's results into stepStats: results that started
// before the warm-up ended are not recorded (but are counted in Total).
type collector struct {
	warmEnd, windowEnd time.Time
	// slowOver, maxSlow, maxFailed: fail-fast limits (0: none).
	slowOver           time.Duration
	maxSlow, maxFailed uint64
	slow               uint64
	aborted            bool
	metrics            vegeta.Metrics
	okMetrics          vegeta.Metrics
	total              uint64
	window             uint64
	failed             uint64
	bytes              uint64
	errs               map[string]bool
}

func newCollector(began time.Time, sc stepConfig, rate float64) *collector {
	p := sc.plan(rate)
	c := &collector{warmEnd: began.Add(p.WindowStart), windowEnd: began.Add(p.WindowEnd), errs: map[string]bool{}, slowOver: sc.SLO}
	c.maxSlow, c.maxFailed = sc.failFastLimits(rate)
	return c
}

// add records one result; ok says whether it succeeded. It returns false
// when the step has already failed its objective and should stop.
func (c *collector) add(r *vegeta.Result, ok bool) bool {
	c.total++
	if r.Timestamp.Before(c.warmEnd) || r.Timestamp.After(c.windowEnd) {
		return true
	}
	if r.Latency > c.slowOver {
		c.slow++
	}
	defer func() {
		if c.maxSlow > 0 && (c.slow > c.maxSlow || c.failed > c.maxFailed) {
			c.aborted = true
		}
	}()
	c.window++
	c.bytes += r.BytesIn
	if !ok {
		c.failed++
		if len(c.errs) < 5 {
			msg := r.Error
			if msg == "" {
				msg = fmt.Sprintf("HTTP %d: %.200s", r.Code, r.Body)
			}
			c.errs[msg] = true
		}
	}
	c.metrics.Add(r)
	if ok {
		c.okMetrics.Add(r)
	}
	return !c.aborted
}

func (c *collector) stats(target float64, dur time.Duration) stepStats {
	c.metrics.Close()
	c.okMetrics.Close()
	st := stepStats{Target: target, Requests: c.window, CypherPerOp: -1, Aborted: c.aborted}
	if c.window > 0 {
		st.ErrorRate = float64(c.failed) / float64(c.window)
		st.BytesPerResp = float64(c.bytes) / float64(c.window)
	}
	st.Achieved = float64(c.window-c.failed) / dur.Seconds()
	st.P50, st.P99, st.P99OK = c.metrics.Latencies.P50, c.metrics.Latencies.P99, c.okMetrics.Latencies.P99
	for e := range c.errs {
		st.Errors = append(st.Errors, e)
	}
	return st
}

// procWatch samples a server process during a step: CPU at the start and
// end of the recorded window, and the largest RSS seen.
type procWatch struct {
	pid      int
	cpu0     time.Duration
	self0    time.Duration
	t0       time.Time
	maxRSS   atomic.Uint64 // hundredths of a MiB
	stop     chan struct{}
	stopped  sync.WaitGroup
	started  atomic.Bool
	startErr error
}

// watchProcess starts sampling pid's RSS every 200 ms and takes the window's
// first CPU reading after warm. pid 0 watches nothing.
func watchProcess(pid int, warm time.Duration) *procWatch {
	w := &procWatch{pid: pid, stop: make(chan struct{})}
	w.stopped.Add(1)
	go func() {
		defer w.stopped.Done()
		warmTimer := time.NewTimer(warm)
		defer warmTimer.Stop()
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-w.stop:
				return
			case <-warmTimer.C:
				w.t0 = time.Now()
				w.self0, _ = procCPU(os.Getpid())
				if pid > 0 {
					w.cpu0, w.startErr = procCPU(pid)
				}
				w.started.Store(true)
			case <-tick.C:
				if pid > 0 {
					if rss, err := procRSS(pid); err == nil {
						if v := uint64(rss * 100); v > w.maxRSS.Load() {
							w.maxRSS.Store(v)
						}
					}
				}
			}
		}
	}()
	return w
}

// finish stops sampling and fills the CPU, RSS and generator figures of st.
func (w *procWatch) finish(st *stepStats) {
	close(w.stop)
	w.stopped.Wait()
	if !w.started.Load() {
		return
	}
	wall := time.Since(w.t0)
	if self1, err := procCPU(os.Getpid()); err == nil && wall > 0 {
		st.GenCPU = (self1 - w.self0).Seconds() / wall.Seconds()
	}
	if w.pid <= 0 || w.startErr != nil {
		return
	}
	if cpu1, err := procCPU(w.pid); err == nil && st.Requests > 0 {
		st.CPU = cpu1 - w.cpu0
		st.CPUPerReq = st.CPU / time.Duration(st.Requests)
	}
	st.RSSMB = float64(w.maxRSS.Load()) / 100
}

// httpServer is one server under load: its GraphQL URL, its process and a
// client whose keep-alive connections persist across steps.
type httpServer struct {
	Name       string
	URL        string
	Pid        int
	MetricsURL string // the product's /metrics, "" for none
	client     *http.Client
}

func newHTTPServer(name, url string, pid int, metricsURL string, timeout time.Duration) *httpServer {
	tr := &http.Transport{
		MaxIdleConns:        4096,
		MaxIdleConnsPerHost: 4096,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &httpServer{Name: name, URL: url, Pid: pid, MetricsURL: metricsURL,
		client: &http.Client{Transport: tr, Timeout: timeout}}
}

// cypherTotal reads cypher_statements_total from the product's /metrics.
func (s *httpServer) cypherTotal(ctx context.Context) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.MetricsURL, nil)
	if err != nil {
		return 0, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "cypher_statements_total "); ok {
			return strconv.ParseFloat(strings.TrimSpace(rest), 64)
		}
	}
	return 0, fmt.Errorf("no cypher_statements_total in %s", s.MetricsURL)
}

// requestFunc builds the body and headers of request number seq.
type requestFunc func(seq uint64) (body []byte, header http.Header)

// runHTTPStep attacks srv at a constant rate for warm-up plus duration with
// vegeta and measures the recorded window.
func runHTTPStep(ctx context.Context, srv *httpServer, next requestFunc, rate float64, sc stepConfig) stepStats {
	var seq atomic.Uint64
	targeter := func(t *vegeta.Target) error {
		n := seq.Add(1) - 1
		body, hdr := next(n)
		t.Method, t.URL, t.Body, t.Header = http.MethodPost, srv.URL, body, hdr
		return nil
	}
	var cypher0 float64 = -1
	if srv.MetricsURL != "" {
		if v, err := srv.cypherTotal(ctx); err == nil {
			cypher0 = v
		}
	}
	atk := vegeta.NewAttacker(vegeta.Client(srv.client), vegeta.Workers(8), vegeta.MaxWorkers(sc.MaxWorkers))
	plan := sc.plan(rate)
	began := time.Now()
	col := newCollector(began, sc, rate)
	watch := watchProcess(srv.Pid, plan.WindowStart)
	stopWatch := context.AfterFunc(ctx, func() { atk.Stop() })
	defer stopWatch()
	for r := range atk.Attack(targeter, plan.pacer(), plan.Total()+plan.Interval, srv.Name) {
		ok := r.Error == "" && r.Code == http.StatusOK && !hasGraphQLErrors(r.Body)
		if !ok && r.Error == "" && r.Code == http.StatusOK {
			r.Error = fmt.Sprintf("GraphQL errors: %.200s", r.Body)
		}
		if !col.add(r, ok) {
			atk.Stop()
		}
		r.Body = nil
	}
	st := col.stats(rate, plan.Window)
	watch.finish(&st)
	if cypher0 >= 0 && col.total > 0 {
		if v, err := srv.cypherTotal(ctx); err == nil {
			st.CypherPerOp = (v - cypher0) / float64(col.total)
		}
	}
	return st
}

// runPacedStep calls op at a constant rate, paced by vegeta's pacer, for
// warm-up plus duration, timing each call as a vegeta.Result. The floor
// uses it; no server process is watched, only the generator's own CPU.
func runPacedStep(ctx context.Context, op func(ctx context.Context, seq uint64) error, rate float64, sc stepConfig, timeout time.Duration) stepStats {
	plan := sc.plan(rate)
	pacer := plan.pacer()
	results := make(chan *vegeta.Result, 1024)
	ticks := make(chan uint64)
	var workers sync.WaitGroup
	worker := func() {
		defer workers.Done()
		for n := range ticks {
			opCtx, cancel := context.WithTimeout(ctx, timeout)
			t0 := time.Now()
			err := op(opCtx, n)
			cancel()
			r := &vegeta.Result{Attack: "floor", Seq: n, Timestamp: t0, Latency: time.Since(t0), Code: http.StatusOK}
			if err != nil {
				r.Code, r.Error = 0, err.Error()
			}
			results <- r
		}
	}
	began := time.Now()
	col := newCollector(began, sc, rate)
	watch := watchProcess(0, plan.WindowStart)
	done := make(chan struct{})
	var abort atomic.Bool
	go func() {
		defer close(done)
		for r := range results {
			if !col.add(r, r.Error == "") {
				abort.Store(true)
			}
		}
	}()
	nWorkers := uint64(8)
	workers.Add(int(nWorkers))
	for range nWorkers {
		go worker()
	}
	total := plan.Total() + plan.Interval
	var count uint64
loop:
	for {
		elapsed := time.Since(began)
		if elapsed > total || ctx.Err() != nil || abort.Load() {
			break
		}
		wait, stop := pacer.Pace(elapsed, count)
		if stop {
			break
		}
		time.Sleep(wait)
		select {
		case ticks <- count:
		default:
			if nWorkers < sc.MaxWorkers {
				nWorkers++
				workers.Add(1)
				go worker()
			}
			select {
			case ticks <- count:
			case <-ctx.Done():
				break loop
			}
		}
		count++
	}
	close(ticks)
	workers.Wait()
	close(results)
	<-done
	st := col.stats(rate, plan.Window)
	watch.finish(&st)
	return st
}
