// Command bench is the benchmark harness: it compares the product (the Go
// server, bin/server), the peer (@neo4j/graphql on Apollo, bench/peer/) and
// the floor (the product's own Cypher sent straight through the driver,
// bench/floor/) on the same machine and the same Neo4j, and writes
// bench/results/<mode>.json and the generated part of docs/benchmarks.md.
//
//	go -C bench run . -mode quick   # make bench-quick: one repetition, short steps
//	go -C bench run . -mode full    # make bench: three A/B/A/B repetitions, 4 s steps
//
// The harness is a module of its own (bench/go.mod), so the product's
// go.mod carries no load generator. It works from the repository root
// whichever directory it is started in; relative paths in flags are
// relative to that root.
//
// It starts everything it needs on its own ports (Neo4j 7697 with its store
// in bench/.data/neo4j, the dev issuer 7698, the product 7699, the peer
// 7700), loads the generated dataset once, and stops what it started on
// exit, error or Ctrl-C.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gqlneo/gqlneo/bench/reporoot"
)

// options are the command's flags.
type options struct {
	Mode                                         string
	Neo4jPort, IssuerPort, ProductPort, PeerPort int
	// DebugPort serves the product's pprof profiles (DEBUG_ADDR).
	DebugPort int
	// CPUProfiles, when set, profiles the product's CPU per shape at 75%
	// of its max sustainable rate into ProfileDir.
	CPUProfiles bool
	ProfileDir  string
	Neo4jURI    string
	NoPeer      bool
	// Latency only compares the answers and times one request at a time
	// per shape and server, after the warm-up; no rate searches.
	Latency                       bool
	Shapes                        string
	DataDir, OutDir, DocPath      string
	APICPU, LoadCPU               string
	Reps                          int
	Step, Warmup                  time.Duration
	Callers, FloorCallers, Sample int
	Precision                     float64
	MaxWorkers                    uint64
	Timeout                       time.Duration
	// SaturationAll searches every server's saturation throughput, not
	// only of those that sustain no rate within the objective.
	SaturationAll bool
	// SaturationBudget bounds one saturation search; MaxSlowStep bounds the
	// stretched window of a slow step.
	SaturationBudget, MaxSlowStep time.Duration
}

func (o *options) logDir() string             { return filepath.Join(o.DataDir, "logs") }
func (o *options) logPath(name string) string { return filepath.Join(o.logDir(), name+".log") }

func parseFlags(args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.StringVar(&o.Mode, "mode", "quick", "quick (1 repetition, 3 s steps) or full (3 A/B/A/B repetitions, 4 s steps, CPU and memory profiles)")
	fs.IntVar(&o.Neo4jPort, "neo4j-port", 7697, "Bolt port of the bench's own Neo4j")
	fs.IntVar(&o.IssuerPort, "issuer-port", 7698, "port of the in-process dev issuer")
	fs.IntVar(&o.ProductPort, "product-port", 7699, "port of the product")
	fs.IntVar(&o.PeerPort, "peer-port", 7700, "port of the peer")
	fs.IntVar(&o.DebugPort, "debug-port", 7701, "loopback port of the product's pprof profiles")
	cpuProfiles := fs.String("cpu-profiles", "", "profile the product's CPU per shape at 75% of its max rate: on (default full) or off (default quick)")
	fs.StringVar(&o.ProfileDir, "profile-dir", "bench/profiles/cpu", "directory of the CPU profiles (<shape>.pprof and <shape>.txt)")
	fs.StringVar(&o.Neo4jURI, "neo4j-uri", "", "development: use this Neo4j (password dev-password, with the generated dataset) instead of starting one")
	fs.BoolVar(&o.NoPeer, "no-peer", false, "development: measure the product and the floor only")
	fs.BoolVar(&o.Latency, "latency", false, "development: after the warm-up, compare answers and time requests one at a time per shape and server (p50, p90, CPU per request); no rate searches, no results file")
	fs.StringVar(&o.Shapes, "shapes", "", "development: comma-separated shapes to run (default all)")
	fs.StringVar(&o.DataDir, "data", "bench/.data", "Neo4j store and logs")
	fs.StringVar(&o.OutDir, "out", "bench/results", "directory of <mode>.json")
	fs.StringVar(&o.DocPath, "doc", "docs/benchmarks.md", "document whose generated section is rewritten")
	fs.StringVar(&o.APICPU, "api-cpu", "1", "taskset CPU list of the product and the peer (empty: unpinned)")
	fs.StringVar(&o.LoadCPU, "load-cpu", "0", "taskset CPU list of this process: load generator, floor, issuer (empty: unpinned)")
	fs.IntVar(&o.Reps, "reps", 0, "repetitions (default: quick 1, full 3)")
	fs.DurationVar(&o.Step, "step", 0, "recorded duration of one constant-rate step (default: quick 3s, full 4s)")
	fs.DurationVar(&o.Warmup, "warmup", 0, "unrecorded warm-up at the start of each step (default: 1s)")
	fs.IntVar(&o.Callers, "callers", 1000, "callers whose tokens rotate (subjects gen|1..gen|N)")
	fs.IntVar(&o.FloorCallers, "floor-callers", 0, "callers whose statements the floor captures and rotates (default: quick 200, full all)")
	fs.IntVar(&o.Sample, "sample", 20, "callers (plus the Q4 author) whose answers are compared")
	fs.Float64Var(&o.Precision, "precision", 0, "rate search stops when highest passing and lowest failing rates are within this ratio (default: quick 1.2, full 1.1)")
	fs.Uint64Var(&o.MaxWorkers, "max-workers", 512, "most concurrent requests of the load generator")
	fs.DurationVar(&o.Timeout, "timeout", 5*time.Second, "request timeout")
	saturation := fs.String("saturation", "", "whose saturation throughput to search: unsustainable (servers whose max within the objective is 0; the default) or all")
	fs.DurationVar(&o.SaturationBudget, "saturation-budget", 0, "time bound of one saturation search (default: quick 60s, full 90s)")
	fs.DurationVar(&o.MaxSlowStep, "max-slow-step", 0, "longest recorded window of a slow-rate step stretched to hold 5 requests (default: quick 15s, full 20s)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	full := o.Mode == "full"
	if o.Mode != "quick" && !full {
		return nil, fmt.Errorf("-mode must be quick or full, not %q", o.Mode)
	}
	pick := func(quick, fullV time.Duration) time.Duration {
		if full {
			return fullV
		}
		return quick
	}
	switch *saturation {
	case "", "unsustainable":
	case "all":
		o.SaturationAll = true
	default:
		return nil, fmt.Errorf("-saturation must be unsustainable or all, not %q", *saturation)
	}
	switch *cpuProfiles {
	case "":
		o.CPUProfiles = full
	case "on", "off":
		o.CPUProfiles = *cpuProfiles == "on"
	default:
		return nil, fmt.Errorf("-cpu-profiles must be on or off, not %q", *cpuProfiles)
	}
	if o.SaturationBudget == 0 {
		o.SaturationBudget = pick(time.Minute, 90*time.Second)
	}
	if o.MaxSlowStep == 0 {
		o.MaxSlowStep = pick(15*time.Second, 20*time.Second)
	}
	if o.Reps == 0 {
		o.Reps = map[bool]int{false: 1, true: 3}[full]
	}
	if o.Step == 0 {
		o.Step = pick(3*time.Second, 4*time.Second)
	}
	if o.Warmup == 0 {
		o.Warmup = time.Second
	}
	if o.FloorCallers == 0 {
		o.FloorCallers = map[bool]int{false: 200, true: o.Callers}[full]
	}
	o.FloorCallers = min(o.FloorCallers, o.Callers)
	if o.Precision == 0 {
		o.Precision = map[bool]float64{false: 1.2, true: 1.1}[full]
	}
	return o, nil
}

func main() {
	log.SetFlags(log.Ltime)
	log.SetPrefix("bench: ")
	if _, err := reporoot.Chdir(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		log.Printf("error: %v", err)
		stop()
		os.Exit(1)
	}
}

// run starts the stack, measures every shape and writes the results.
func run(ctx context.Context, o *options) error {
	started := time.Now()
	if err := os.MkdirAll(o.logDir(), 0o755); err != nil {
		return err
	}
	st := &stack{opts: o}
	defer st.close()
	if err := st.start(ctx); err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		n, err := st.deleteBenchPosts(cctx)
		if err != nil {
			log.Printf("warning: deleting the posts Q6 created: %v", err)
			return
		}
		log.Printf("deleted %d posts created by the run", n)
	}()
	// Posts a previous, interrupted run left behind.
	if n, err := st.deleteBenchPosts(ctx); err != nil {
		return err
	} else if n > 0 {
		log.Printf("deleted %d posts left by an earlier run", n)
	}
	pinSelf(o.LoadCPU)

	h, err := newHarness(ctx, o, st)
	if err != nil {
		return err
	}
	defer h.close()

	// Both servers (and Neo4j) are warmed on every shape before any timed
	// window, so the first shape measured is not the one that pays for
	// Node's JIT.
	h.warmServers(ctx)
	if o.Latency {
		return h.probeLatency(ctx)
	}

	res := &results{Machine: machineInfo(ctx, st), Date: started.UTC().Format(time.RFC3339), Mode: o.Mode,
		Shapes: map[string]*shapeResult{}, Config: h.configInfo()}
	for _, sh := range h.selectedShapes() {
		if err := ctx.Err(); err != nil {
			return err
		}
		r, err := h.measureShape(ctx, sh)
		if err != nil {
			return fmt.Errorf("%s: %w", sh.Name, err)
		}
		res.Shapes[sh.Name] = r
		if err := h.checkAlive(); err != nil {
			return err
		}
	}
	res.Goals = evaluateGoals(res)
	res.WallSeconds = round(time.Since(started).Seconds(), 0)
	path := filepath.Join(o.OutDir, o.Mode+".json")
	if err := writeJSON(path, res); err != nil {
		return err
	}
	log.Printf("wrote %s", path)
	if err := writeDoc(o.DocPath, res); err != nil {
		return err
	}
	log.Printf("updated %s; wall time %s", o.DocPath, time.Since(started).Round(time.Second))
	return nil
}

// pinSelf pins every thread of this process (the load generator, the floor
// and the issuer) to cpus; threads created later inherit it.
func pinSelf(cpus string) {
	if cpus == "" {
		return
	}
	out, err := exec.Command("taskset", "-a", "-p", "-c", cpus, strconv.Itoa(os.Getpid())).CombinedOutput()
	if err != nil {
		log.Printf("warning: could not pin the load generator to CPU %s: %v: %s", cpus, err, strings.TrimSpace(string(out)))
		return
	}
	log.Printf("load generator pinned to CPU %s", cpus)
}
