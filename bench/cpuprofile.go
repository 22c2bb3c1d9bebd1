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
	return os.WriteFile(filepath.Join(dir, sh.Name+".txt"), append([]byte(header), text...), 0o644)
}
