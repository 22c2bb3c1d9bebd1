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
	url := fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/profile?seconds=%d", h.o.DebugPort, cpuProfileSeconds)
	pctx, cancel := context.WithTimeout(ctx, (cpuProfileSeconds+20)*time.Second)
	defer cancel()
	hreq, err := http.NewRequestWithContext(pctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(hreq)
	if err != nil {
		return fmt.Errorf("profile %s: %w", sh.Name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("profile %s: HTTP %d", sh.Name, resp.StatusCode)
	}
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	// Still under load: where the product's memory is (the RSS goal).
	mem, err := h.memorySnapshot(pctx, sh, dir)
	if err != nil {
		return err
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
		out, err := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", mode, "-nodecount=30", "bin/server", pprofPath).Output()
		if err != nil {
			return fmt.Errorf("pprof %s: %w", sh.Name, err)
		}
		text = append(text, out...)
		text = append(text, '\n')
	}
	log.Printf("%s: CPU profile in %s", sh.Name, pprofPath)
	if err := os.WriteFile(filepath.Join(dir, sh.Name+".mem.txt"), []byte(fmt.Sprintf("# %s: the product's memory at %.0f rps, at the end of its CPU profile\n", sh.Name, rate)+mem), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, sh.Name+".txt"), append([]byte(header), text...), 0o644)
}

// memorySnapshot reads, from the product under load, what holds its
// memory: VmRSS, the Go runtime's own account of it (the MemStats lines
// of the debug heap profile: heap in use, idle and released, goroutine
// stacks, runtime overhead), the number of goroutines, and the heap
// profile's top allocation sites by bytes in use (written as
// <dir>/<shape>.heap.pprof). It returns them as text.
func (h *harness) memorySnapshot(ctx context.Context, sh shape, dir string) (string, error) {
	get := func(path string) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/%s", h.o.DebugPort, path), nil)
		if err != nil {
			return nil, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, fmt.Errorf("%s profile of %s: %w", path, sh.Name, err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("%s profile of %s: HTTP %d", path, sh.Name, resp.StatusCode)
		}
		return io.ReadAll(resp.Body)
	}
	rss, err := procRSS(h.product.Pid)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# VmRSS %.1f MB\n", rss)
	goroutines, err := get("goroutine?debug=1")
	if err != nil {
		return "", err
	}
	first, _, _ := strings.Cut(string(goroutines), "\n")
	fmt.Fprintf(&b, "# %s\n", first)
	stats, err := get("heap?debug=1")
	if err != nil {
		return "", err
	}
	if _, runtimeStats, ok := strings.Cut(string(stats), "# runtime.MemStats\n"); ok {
		for _, line := range strings.Split(runtimeStats, "\n") {
			for _, name := range []string{"Sys", "HeapAlloc", "HeapSys", "HeapIdle", "HeapInuse", "HeapReleased", "Stack", "MSpan", "MCache", "BuckHashSys", "GCSys", "OtherSys", "NextGC", "NumGC"} {
				if strings.HasPrefix(line, "# "+name+" = ") {
					b.WriteString(line + "\n")
				}
			}
		}
	}
	heap, err := get("heap")
	if err != nil {
		return "", err
	}
	heapPath := filepath.Join(dir, sh.Name+".heap.pprof")
	if err := os.WriteFile(heapPath, heap, 0o644); err != nil {
		return "", err
	}
	top, err := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", "-sample_index=inuse_space", "-nodecount=25", "bin/server", heapPath).Output()
	if err != nil {
		return "", fmt.Errorf("pprof %s: %w", heapPath, err)
	}
	fmt.Fprintf(&b, "# go tool pprof -top -sample_index=inuse_space bin/server %s\n\n%s", heapPath, top)
	return b.String(), nil
}
