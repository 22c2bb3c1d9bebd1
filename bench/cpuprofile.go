package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// cpuProfileSeconds is how long the product is profiled per shape.
const cpuProfileSeconds = 10

// cpuProfile records a Go CPU profile of the product serving sh at rate and
// writes it to <dir>/<shape>.pprof, with the top of its cumulative and flat
// listings in <shape>.txt: where the product's CPU per request goes, for
// docs/benchmarks.md.
func (h *harness) cpuProfile(ctx context.Context, sh shape, rate float64, dir string) error {
	if rate <= 0 {
		return fmt.Errorf("no rate to profile %s at", sh.Name)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	req := h.requests(productName, sh)
	sc := stepConfig{Warmup: 2 * time.Second, Duration: (cpuProfileSeconds + 2) * time.Second, MaxWorkers: h.o.MaxWorkers, SLO: sh.SLO}
	done := make(chan stepStats, 1)
	go func() { done <- runHTTPStep(ctx, h.product, req, rate, sc) }()
	// Start profiling once the step's warm-up has passed.
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(sc.Warmup + time.Second):
	}
	pctx, cancel := context.WithTimeout(ctx, (cpuProfileSeconds+20)*time.Second)
	defer cancel()
	raw, err := h.debugProfile(pctx, fmt.Sprintf("profile?seconds=%d", cpuProfileSeconds))
	if err != nil {
		return fmt.Errorf("%s: %w", sh.Name, err)
	}
	// Still under load: where the product's memory is (the RSS goal).
	mem, heapPath, err := h.memorySnapshot(pctx, sh, dir)
	if err != nil {
		return fmt.Errorf("%s: %w", sh.Name, err)
	}
	st := <-done
	logStep(sh.Name, productName, "profile", st)
	pprofPath := filepath.Join(dir, sh.Name+".pprof")
	if err := os.WriteFile(pprofPath, raw, 0o644); err != nil {
		return err
	}
	header := fmt.Sprintf("# %s: Go CPU profile of the product over %d s at %.0f rps (achieved %.1f rps, p99 %.1f ms, %.0f µs CPU per request)\n"+
		"# go tool pprof -top bin/server %s\n\n", sh.Name, cpuProfileSeconds, rate, st.Achieved, ms(st.P99), float64(st.CPUPerReq.Microseconds()), pprofPath)
	var text []byte
	for _, mode := range []string{"-cum", "-flat"} {
		out, err := pprofTop(ctx, pprofPath, mode, "-nodecount=30")
		if err != nil {
			return err
		}
		text = append(text, out...)
		text = append(text, '\n')
	}
	log.Printf("%s: CPU profile in %s", sh.Name, pprofPath)
	top, err := pprofTop(ctx, heapPath, "-sample_index=inuse_space", "-nodecount=25")
	if err != nil {
		return err
	}
	memText := fmt.Sprintf("# %s: the product's memory at %.0f rps, at the end of its CPU profile\n%s"+
		"# go tool pprof -top -sample_index=inuse_space bin/server %s\n\n%s", sh.Name, rate, mem, heapPath, top)
	if err := os.WriteFile(filepath.Join(dir, sh.Name+".mem.txt"), []byte(memText), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, sh.Name+".txt"), append([]byte(header), text...), 0o644)
}

// debugProfile fetches path (e.g. "heap", "profile?seconds=10") from the
// product's pprof endpoint.
func (h *harness) debugProfile(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/%s", h.o.DebugPort, path), nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("pprof %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("pprof %s: HTTP %d", path, resp.StatusCode)
	}
	return io.ReadAll(resp.Body)
}

// pprofTop is `go tool pprof -top` of the profile at path, with flags.
func pprofTop(ctx context.Context, path string, flags ...string) ([]byte, error) {
	args := append(append([]string{"tool", "pprof", "-top"}, flags...), "bin/server", path)
	out, err := exec.CommandContext(ctx, "go", args...).Output()
	if err != nil {
		return nil, fmt.Errorf("pprof %s: %w", path, err)
	}
	return out, nil
}

// memoryStats are the runtime.MemStats lines of the debug heap profile that
// memorySnapshot keeps: heap in use, idle and released, goroutine stacks,
// runtime overhead, the collector's next goal.
var memoryStats = []string{"Sys", "HeapAlloc", "HeapSys", "HeapIdle", "HeapInuse", "HeapReleased", "Stack", "MSpan", "MCache", "BuckHashSys", "GCSys", "OtherSys", "NextGC", "NumGC"}

// memorySnapshot reads, from the product under load, what holds its
// memory: VmRSS, the number of goroutines and the Go runtime's own account
// (memoryStats), as text, and writes its heap profile to
// <dir>/<shape>.heap.pprof, whose path it returns.
func (h *harness) memorySnapshot(ctx context.Context, sh shape, dir string) (text, heapPath string, err error) {
	rss, err := procRSS(h.product.Pid)
	if err != nil {
		return "", "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# VmRSS %.1f MB\n", rss)
	goroutines, err := h.debugProfile(ctx, "goroutine?debug=1")
	if err != nil {
		return "", "", err
	}
	first, _, _ := strings.Cut(string(goroutines), "\n")
	fmt.Fprintf(&b, "# %s\n", first)
	stats, err := h.debugProfile(ctx, "heap?debug=1")
	if err != nil {
		return "", "", err
	}
	_, runtimeStats, _ := strings.Cut(string(stats), "# runtime.MemStats\n")
	for _, line := range strings.Split(runtimeStats, "\n") {
		for _, name := range memoryStats {
			if strings.HasPrefix(line, "# "+name+" = ") {
				b.WriteString(line + "\n")
			}
		}
	}
	heap, err := h.debugProfile(ctx, "heap")
	if err != nil {
		return "", "", err
	}
	heapPath = filepath.Join(dir, sh.Name+".heap.pprof")
	if err := os.WriteFile(heapPath, heap, 0o644); err != nil {
		return "", "", err
	}
	return b.String(), heapPath, nil
}
