package main

import (
	"context"
	"fmt"
	"log"
	"sort"
	"time"
)

const (
	// warmRequestsPerShape is how many requests of every shape each HTTP
	// server gets, one at a time, before anything is timed: 400 of each of
	// the six shapes is 2,400 requests, the span over which an independent
	// look at the peer saw Node's JIT bring its CPU per request down by
	// 30-40%. Without it the peer's Q1, measured first, ran on code V8 had
	// not optimised yet. Neo4j's query caches and JIT warm up on the same
	// requests; the Go server needs no JIT but gets the same treatment.
	warmRequestsPerShape = 400
	// warmShapeBudget bounds one shape's warm-up on one server: the peer
	// takes 0.7-3 s per Q3 and Q5 request (the cost is in Neo4j, not in
	// JavaScript), so those stop early; the code they share with the other
	// shapes (Apollo, graphql-js, the library's translation, the driver)
	// is warm by then.
	warmShapeBudget = 30 * time.Second
)

// warmServers sends every selected shape to every HTTP server
// warmRequestsPerShape times (or for warmShapeBudget), one request at a
// time, outside any timed window. A server whose slow shapes stopped early
// gets the difference in its fast shapes, in turn, so that it too has
// served warmRequestsPerShape requests per shape in all (within another
// warmShapeBudget): the code all shapes share is what the JIT warms.
func (h *harness) warmServers(ctx context.Context) {
	shapes := h.selectedShapes()
	target := warmRequestsPerShape * len(shapes)
	for _, srv := range h.servers() {
		began := time.Now()
		cpu0, _ := procCPU(srv.Pid)
		total, failed := 0, 0
		send := func(req requestFunc, seq int) {
			body, hdr := req(uint64(seq))
			if _, err := h.post(ctx, srv, body, hdr); err != nil {
				failed++
			}
			total++
		}
		var fast []requestFunc
		for _, sh := range shapes {
			req := h.requests(srv.Name, sh)
			shapeBegan := time.Now()
			seq := 0
			for ; seq < warmRequestsPerShape && time.Since(shapeBegan) < warmShapeBudget && ctx.Err() == nil; seq++ {
				send(req, seq)
			}
			if seq == warmRequestsPerShape {
				fast = append(fast, req)
			}
		}
		topUpBegan, topUp := time.Now(), 0
		for ; len(fast) > 0 && total < target && time.Since(topUpBegan) < warmShapeBudget && ctx.Err() == nil; topUp++ {
			send(fast[topUp%len(fast)], warmRequestsPerShape+topUp/len(fast))
		}
		cpu1, _ := procCPU(srv.Pid)
		log.Printf("%s warmed up: %d requests (up to %d of each shape, %s per shape at most, then %d more of the fast shapes), %d failed, %.1f s, %.1f s CPU",
			srv.Name, total, warmRequestsPerShape, warmShapeBudget, topUp, failed, time.Since(began).Seconds(), (cpu1 - cpu0).Seconds())
	}
}

// latencyRequests is how many requests of a shape the -latency probe sends
// to each server, one at a time; latencyBudget bounds it for slow shapes.
const (
	latencyRequests = 200
	latencyBudget   = 20 * time.Second
)

// probeLatency, after the warm-up, compares each shape's answers and times
// requests one at a time on every server: p50, p90 and the server's CPU per
// request. It is the quick before/after measure for a change to a server's
// configuration (bench/peer/README.md uses it).
func (h *harness) probeLatency(ctx context.Context) error {
	type row struct {
		shape, server, equal string
		n, failed            int
		p50, p90, cpuPerOp   time.Duration
	}
	var rows []row
	for _, sh := range h.selectedShapes() {
		equal := "–"
		if h.peer != nil {
			equal = "yes"
			if eq, diff := h.compare(ctx, sh); !eq {
				equal = "NO"
				log.Printf("%s: responses DIFFER: %s", sh.Name, diff)
			} else {
				log.Printf("%s: responses equal", sh.Name)
			}
		}
		for _, srv := range h.servers() {
			req := h.requests(srv.Name, sh)
			var lats []float64
			failed := 0
			cpu0, _ := procCPU(srv.Pid)
			began := time.Now()
			for seq := 0; seq < latencyRequests && time.Since(began) < latencyBudget && ctx.Err() == nil; seq++ {
				body, hdr := req(uint64(seq))
				t0 := time.Now()
				if _, err := h.post(ctx, srv, body, hdr); err != nil {
					failed++
				}
				lats = append(lats, float64(time.Since(t0)))
			}
			cpu1, _ := procCPU(srv.Pid)
			if len(lats) == 0 {
				return ctx.Err()
			}
			sort.Float64s(lats)
			r := row{shape: sh.Name, server: srv.Name, equal: equal, n: len(lats), failed: failed,
				p50: time.Duration(median(lats)), p90: time.Duration(lats[len(lats)*9/10]),
				cpuPerOp: (cpu1 - cpu0) / time.Duration(len(lats))}
			rows = append(rows, r)
			log.Printf("%s %s: %d one at a time, p50 %.2f ms, p90 %.2f ms, CPU %.0f µs/req, %d failed",
				r.shape, r.server, r.n, ms(r.p50), ms(r.p90), float64(r.cpuPerOp.Microseconds()), r.failed)
		}
	}
	fmt.Println("| shape | server | requests | p50 ms | p90 ms | CPU µs/req | equal |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for _, r := range rows {
		fmt.Printf("| %s | %s | %d | %.2f | %.2f | %.0f | %s |\n", r.shape, r.server, r.n, ms(r.p50), ms(r.p90), float64(r.cpuPerOp.Microseconds()), r.equal)
	}
	return ctx.Err()
}
