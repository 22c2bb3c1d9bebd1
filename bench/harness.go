package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/gqlneo/gqlneo/bench/floor"
	"golang.org/x/sync/errgroup"
)

// shape is one benchmarked operation.
type shape struct {
	Name string
	// SLO is the p99 a sustainable step must stay under.
	SLO time.Duration
	// ThroughputGoal is the product's required multiple of the peer's max
	// sustainable rate (0: reported only).
	ThroughputGoal float64
	// FloorGoal is the product's required multiple of the floor's max
	// sustainable rate (0: none).
	FloorGoal float64
	// CPUGoal is the most CPU per request, in µs, the product may spend at
	// its max rate (0: none).
	CPUGoal float64
	// Placeholders are the paths whose values normalisation hides.
	Placeholders []string
}

const (
	shapeQ4 = "Q4_connection"
	shapeQ6 = "Q6_create_post"
	// q6TitlePrefix starts the title of every post the bench creates, so
	// they can be deleted afterwards.
	q6TitlePrefix = "bench-q6-"
	productName   = "product"
	peerName      = "peer"
	floorName     = "floor"
)

var allShapes = []shape{
	{Name: "Q1_me", SLO: 20 * time.Millisecond, ThroughputGoal: 1.5, CPUGoal: 250},
	{Name: "Q2_me_posts", SLO: 20 * time.Millisecond, ThroughputGoal: 1.5},
	{Name: "Q3_nested", SLO: 50 * time.Millisecond, ThroughputGoal: 2, FloorGoal: 0.7},
	{Name: shapeQ4, SLO: 50 * time.Millisecond, ThroughputGoal: 2},
	{Name: "Q5_feed", SLO: 50 * time.Millisecond, ThroughputGoal: 2},
	{Name: shapeQ6, SLO: 50 * time.Millisecond, ThroughputGoal: 1.5, Placeholders: []string{"data.createPost.id"}},
}

// fixedPercents are the fixed rates, in percent of the peer's max.
var fixedPercents = []int{25, 50, 75}

// caller is one user the load acts as.
type caller struct {
	Sub, Token, UUID string
	Header           http.Header
	// Cursor is each server's cursor after the caller's 40th visible post of
	// the Q4 author (page 5 of Q4).
	Cursor map[string]string
}

// harness holds what every shape's measurement shares.
type harness struct {
	o          *options
	st         *stack
	product    *httpServer
	peer       *httpServer
	callers    []*caller
	author     *caller
	authorUUID string
	docs       map[string]map[string]string // server → document name → text
	runID      string
	seq        atomic.Uint64 // unique Q6 titles
	capturer   *floor.Capturer
	replayer   *floor.Replayer
}

func newHarness(ctx context.Context, o *options, st *stack) (*harness, error) {
	rnd := make([]byte, 4)
	_, _ = rand.Read(rnd)
	h := &harness{o: o, st: st, runID: hex.EncodeToString(rnd), docs: map[string]map[string]string{}}
	h.product = newHTTPServer(productName, fmt.Sprintf("http://127.0.0.1:%d/graphql", o.ProductPort), st.product.pid(),
		fmt.Sprintf("http://127.0.0.1:%d/metrics", o.ProductPort), o.Timeout)
	if st.peer != nil {
		h.peer = newHTTPServer(peerName, fmt.Sprintf("http://127.0.0.1:%d/graphql", o.PeerPort), st.peer.pid(), "", o.Timeout)
	}
	dirs := map[string]string{productName: "bench/operations/product", peerName: "bench/peer/operations"}
	for _, srv := range h.servers() {
		h.docs[srv.Name] = map[string]string{}
		for _, name := range append(h.shapeNames(), "Q4_cursor") {
			path := filepath.Join(dirs[srv.Name], name+".graphql")
			b, err := os.ReadFile(path)
			if err != nil {
				return nil, fmt.Errorf("the %s's document for %s: %w", srv.Name, name, err)
			}
			h.docs[srv.Name][name] = string(b)
		}
	}

	log.Printf("minting %d tokens and asking the product who each caller is", o.Callers)
	h.callers = make([]*caller, o.Callers)
	for i := range h.callers {
		h.callers[i] = h.newCaller(fmt.Sprintf("gen|%d", i+1), "")
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for _, c := range h.callers {
		g.Go(func() error {
			body, _ := json.Marshal(map[string]any{"query": "{ me { id } }"})
			resp, err := h.post(gctx, h.product, body, c.Header)
			if err != nil {
				return fmt.Errorf("me of %s: %w", c.Sub, err)
			}
			var v any
			if err := decodeJSON(resp, &v); err != nil {
				return err
			}
			gidStr, _ := findString(v, "id")
			id, ok := decodeGlobalID(gidStr)
			if !ok {
				return fmt.Errorf("me of %s: no User id in %.200s", c.Sub, resp)
			}
			c.UUID = id
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}

	recs, err := st.query(ctx, `MATCH (u:User)-[:AUTHORED]->(p) RETURN u.id AS id, count(p) AS n ORDER BY n DESC, id LIMIT 1`, nil)
	if err != nil || len(recs) == 0 {
		return nil, fmt.Errorf("find the Q4 author: %v", err)
	}
	id, _ := recs[0].Get("id")
	n, _ := recs[0].Get("n")
	h.authorUUID = id.(string)
	recs, err = st.query(ctx, `MATCH (:User {id: $id})-[:HAS_IDENTITY]->(i:Identity) RETURN i.sub AS sub ORDER BY sub LIMIT 1`, map[string]any{"id": h.authorUUID})
	if err != nil || len(recs) == 0 {
		return nil, fmt.Errorf("find the Q4 author's subject: %v", err)
	}
	sub, _ := recs[0].Get("sub")
	h.author = h.newCaller(sub.(string), h.authorUUID)
	log.Printf("Q4 author: %s (%s, %d posts)", h.authorUUID, h.author.Sub, n)

	if h.wants(shapeQ4) {
		if err := h.fetchCursors(ctx); err != nil {
			return nil, err
		}
	}

	nj := floor.Neo4j{URI: st.neo4jURI, Username: neo4jUser, Password: neo4jPassword, Database: neo4jDatabase,
		PoolSize: neo4jPoolSize, MaxRetryTime: requestTimeout}
	h.capturer, err = floor.NewCapturer(ctx, floor.CaptureConfig{Neo4j: nj, Issuer: st.issuer.Issuer(), Audience: audience,
		ClaimsNamespace: claimsNS, ClientID: clientID, ClientSecret: clientSecret, CursorSecret: []byte(cursorSecret)})
	if err != nil {
		return nil, fmt.Errorf("floor capture stack: %w", err)
	}
	h.replayer, err = floor.NewReplayer(ctx, nj)
	if err != nil {
		h.capturer.Close()
		return nil, fmt.Errorf("floor driver: %w", err)
	}
	return h, nil
}

// fetchCursors asks each server, for every caller, for the cursor after the
// caller's 40th visible post of the Q4 author. A server whose cursors are
// the same for the first callers (offset cursors, as @neo4j/graphql's are)
// is not asked for the rest: they get the same cursor.
func (h *harness) fetchCursors(ctx context.Context) error {
	all := append([]*caller{h.author}, h.callers...)
	probe := min(len(all), 21)
	for _, srv := range h.servers() {
		one := func(ctx context.Context, c *caller) error {
			// A server fresh from start compiles the page-5 path on its
			// first requests (the peer's JIT can take longer than the
			// client's timeout): a timed-out request is asked again.
			var resp []byte
			var err error
			for attempt := 0; attempt < cursorAttempts; attempt++ {
				if resp, err = h.post(ctx, srv, h.body(srv.Name, "Q4_cursor", c, 0, ""), c.Header); !isTimeout(err) {
					break
				}
			}
			if err != nil {
				return fmt.Errorf("%s cursor of %s: %w", srv.Name, c.Sub, err)
			}
			var v any
			if err := decodeJSON(resp, &v); err != nil {
				return err
			}
			cur, _ := findString(v, "endCursor")
			c.setCursor(srv.Name, cur)
			return nil
		}
		fetch := func(cs []*caller) error {
			g, gctx := errgroup.WithContext(ctx)
			g.SetLimit(8)
			for _, c := range cs {
				g.Go(func() error { return one(gctx, c) })
			}
			return g.Wait()
		}
		// The first request alone, so a cold server warms up on one
		// request rather than eight at once.
		if err := one(ctx, all[0]); err != nil {
			return err
		}
		if err := fetch(all[1:probe]); err != nil {
			return err
		}
		same := true
		for _, c := range all[1:probe] {
			same = same && c.Cursor[srv.Name] == all[0].Cursor[srv.Name]
		}
		if same && all[0].Cursor[srv.Name] != "" {
			log.Printf("the %s's page-5 cursor is the same for %d callers (an offset cursor): using it for all", srv.Name, probe)
			for _, c := range all[probe:] {
				c.setCursor(srv.Name, all[0].Cursor[srv.Name])
			}
			continue
		}
		log.Printf("fetching each caller's page-5 cursor from the %s", srv.Name)
		if err := fetch(all[probe:]); err != nil {
			return err
		}
	}
	return nil
}

// overloadFactor is the multiple of the product's max sustainable rate its
// goodput is measured at.
const overloadFactor = 2

// cursorAttempts is how often fetchCursors asks for one cursor before it
// gives up on a server that keeps timing out.
const cursorAttempts = 3

// isTimeout says whether err is the HTTP client's timeout.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

var cursorMu sync.Mutex

func (c *caller) setCursor(server, cur string) {
	cursorMu.Lock()
	defer cursorMu.Unlock()
	c.Cursor[server] = cur
}

func (h *harness) newCaller(sub, id string) *caller {
	tok := h.st.issuer.AccessTokenFor(sub, nil)
	return &caller{Sub: sub, Token: tok, UUID: id, Cursor: map[string]string{},
		Header: http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + tok}}}
}

func (h *harness) close() {
	if h.capturer != nil {
		h.capturer.Close()
	}
	if h.replayer != nil {
		_ = h.replayer.Close(context.Background())
	}
}

// servers are the HTTP servers under test, product first.
func (h *harness) servers() []*httpServer {
	if h.peer == nil {
		return []*httpServer{h.product}
	}
	return []*httpServer{h.product, h.peer}
}

func (h *harness) shapeNames() []string {
	var out []string
	for _, s := range h.selectedShapes() {
		out = append(out, s.Name)
	}
	return out
}

func (h *harness) selectedShapes() []shape {
	if h.o.Shapes == "" {
		return allShapes
	}
	var out []shape
	for _, s := range allShapes {
		if h.wants(s.Name) {
			out = append(out, s)
		}
	}
	return out
}

func (h *harness) wants(name string) bool {
	if h.o.Shapes == "" {
		return true
	}
	for _, n := range strings.Split(h.o.Shapes, ",") {
		if strings.TrimSpace(n) == name {
			return true
		}
	}
	return false
}

// checkAlive fails when a server under test died.
func (h *harness) checkAlive() error {
	if !h.st.product.alive() {
		return fmt.Errorf("the product exited; see %s", h.o.logPath("product"))
	}
	if h.st.peer != nil && !h.st.peer.alive() {
		return fmt.Errorf("the peer exited; see %s", h.o.logPath("peer"))
	}
	return nil
}

// body is a request body of document doc for the server, as caller c; page
// 1 of Q4 is page 5 (after the caller's cursor), and title is Q6's.
func (h *harness) body(server, doc string, c *caller, page int, title string) []byte {
	vars := map[string]any{}
	switch doc {
	case shapeQ4, "Q4_cursor":
		if server == productName {
			vars["userId"] = base64.RawURLEncoding.EncodeToString([]byte("User:" + h.authorUUID))
		} else {
			vars["userId"] = h.authorUUID
		}
		if page == 1 && c.Cursor[server] != "" {
			vars["after"] = c.Cursor[server]
		}
	case shapeQ6:
		vars["title"] = title
		vars["body"] = "A post the benchmark created; it deletes it afterwards."
	}
	if server == peerName {
		vars["viewerId"] = c.UUID
	}
	b, _ := json.Marshal(map[string]any{"query": h.docs[server][doc], "variables": vars})
	return b
}

// pick maps a request's sequence number to a caller and a page: callers
// rotate; Q4 sends each caller's page 1 and page 5 in turn.
func pick(seq uint64, callers int, twoPages bool) (int, int) {
	if twoPages {
		return int((seq / 2) % uint64(callers)), int(seq % 2)
	}
	return int(seq % uint64(callers)), 0
}

// requests returns the load's request builder for a server and shape.
func (h *harness) requests(server string, sh shape) requestFunc {
	n := len(h.callers)
	twoPages := sh.Name == shapeQ4
	if sh.Name == shapeQ6 {
		return func(seq uint64) ([]byte, http.Header) {
			c := h.callers[seq%uint64(n)]
			return h.body(server, sh.Name, c, 0, h.q6Title(server)), c.Header
		}
	}
	pre := make([][2][]byte, n)
	for i, c := range h.callers {
		pre[i][0] = h.body(server, sh.Name, c, 0, "")
		if twoPages {
			pre[i][1] = h.body(server, sh.Name, c, 1, "")
		}
	}
	return func(seq uint64) ([]byte, http.Header) {
		ci, page := pick(seq, n, twoPages)
		return pre[ci][page], h.callers[ci].Header
	}
}

func (h *harness) q6Title(who string) string {
	return fmt.Sprintf("%s%s-%s-%d", q6TitlePrefix, h.runID, who, h.seq.Add(1))
}

// post sends one GraphQL request and returns the body of a 200 answer
// without errors.
func (h *harness) post(ctx context.Context, srv *httpServer, body []byte, hdr http.Header) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header = hdr.Clone()
	resp, err := srv.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK || hasGraphQLErrors(out) {
		return out, fmt.Errorf("HTTP %d: %.300s", resp.StatusCode, out)
	}
	return out, nil
}

// compare sends the shape to both servers for a sample of callers (and the
// Q4 author) and compares the normalised answers.
func (h *harness) compare(ctx context.Context, sh shape) (bool, string) {
	sample := []*caller{h.author}
	step := max(1, len(h.callers)/h.o.Sample)
	for i := 0; i < len(h.callers) && len(sample) <= h.o.Sample; i += step {
		sample = append(sample, h.callers[i])
	}
	pages := 1
	if sh.Name == shapeQ4 {
		pages = 2
	}
	for _, c := range sample {
		for page := range pages {
			title := h.q6Title("eq")
			pb, err := h.post(ctx, h.product, h.body(productName, sh.Name, c, page, title), c.Header)
			if err != nil {
				return false, fmt.Sprintf("%s page %d: product: %v", c.Sub, page, err)
			}
			qb, err := h.post(ctx, h.peer, h.body(peerName, sh.Name, c, page, title), c.Header)
			if err != nil {
				return false, fmt.Sprintf("%s page %d: peer: %v", c.Sub, page, err)
			}
			eq, diff, err := compareResponses(pb, qb, sh.Placeholders)
			if err != nil {
				return false, fmt.Sprintf("%s: %v", c.Sub, err)
			}
			if !eq {
				return false, fmt.Sprintf("%s page %d: %s", c.Sub, page, diff)
			}
		}
	}
	return true, ""
}

// captured is the floor's statements for a shape.
type captured struct {
	ops [][2]floor.Op
	// Q6: per caller, the captured post id and title, replaced per replay.
	oldID, oldTitle []string
	statementsPerOp float64
}

// capture learns the product's statements for the first FloorCallers callers.
func (h *harness) capture(ctx context.Context, sh shape) (*captured, error) {
	n := h.o.FloorCallers
	cp := &captured{ops: make([][2]floor.Op, n), oldID: make([]string, n), oldTitle: make([]string, n)}
	pages := 1
	if sh.Name == shapeQ4 {
		pages = 2
	}
	var stmts, ops int
	for i := range n {
		c := h.callers[i]
		for page := range pages {
			title := h.q6Title("cap")
			op, resp, err := h.capturer.Capture(ctx, c.Token, h.body(productName, sh.Name, c, page, title))
			if err != nil {
				return nil, fmt.Errorf("capture %s for %s: %w", sh.Name, c.Sub, err)
			}
			cp.ops[i][page] = op
			stmts += len(op)
			ops++
			if sh.Name == shapeQ6 {
				var v any
				_ = decodeJSON(resp, &v)
				gidStr, _ := findString(v, "id")
				id, ok := decodeGlobalID(gidStr)
				if !ok {
					return nil, fmt.Errorf("capture Q6: no post id in %.200s", resp)
				}
				cp.oldID[i], cp.oldTitle[i] = id, title
			}
		}
	}
	cp.statementsPerOp = float64(stmts) / float64(ops)
	return cp, nil
}

// floorOp replays captured operations in the load's caller rotation.
func (h *harness) floorOp(sh shape, cp *captured) func(ctx context.Context, seq uint64) error {
	n := len(cp.ops)
	twoPages := sh.Name == shapeQ4
	return func(ctx context.Context, seq uint64) error {
		ci, page := pick(seq, n, twoPages)
		op := cp.ops[ci][page]
		if sh.Name == shapeQ6 {
			op = op.WithReplacements(map[string]string{cp.oldID[ci]: uuid.NewString(), cp.oldTitle[ci]: h.q6Title(floorName)})
		}
		return h.replayer.Run(ctx, op)
	}
}

// searchResult is one rate search.
type searchResult struct {
	Max   float64     `json:"max_rps"`
	AtMax *stepStats  `json:"-"`
	Steps []stepStats `json:"steps"`
	// Skipped says why the search ran no step (its max is 0).
	Skipped string `json:"skipped,omitempty"`
	// LatencyCapMs is a saturation search's p99 bound.
	LatencyCapMs float64 `json:"latency_cap_ms,omitempty"`
}

// search finds the highest sustainable rate with step.
func (h *harness) search(ctx context.Context, who string, sh shape, start float64, pid int, step func(rate float64) stepStats) searchResult {
	s := searcher{Start: max(3, start), Factor: 3, Precision: h.o.Precision, Min: 3, Ceiling: 30000, MaxSteps: 14}
	objective := slo{P99: sh.SLO, MaxErrorRate: 0.001, MinAchieved: 0.95}
	return h.runSearch(ctx, who, "search", sh, s, objective, time.Time{}, pid, step)
}

// saturationCap is the p99 bound of a saturation step: four times the
// one-at-a-time latency (a queue that grows through the step exceeds it),
// at least twice the objective, at most 60% of the request timeout (a
// short step at an overload rate ends before its queue reaches the
// timeout, but not before it passes that).
func saturationCap(oneAtATime, objective, timeout time.Duration) time.Duration {
	return min(timeout*6/10, max(4*oneAtATime, 2*objective))
}

// saturate finds a server's saturation throughput: the highest rate, down
// to fractions of a request per second, it serves with errors < 0.1% and
// at least 95% of the rate achieved, whatever its p99 (up to
// saturationCap). known is a rate known to pass (the SLO max), 0 for none.
func (h *harness) saturate(ctx context.Context, who string, sh shape, oneAtATime time.Duration, known float64, pid int, step func(rate float64) stepStats) searchResult {
	start := 100.0
	if oneAtATime > 0 {
		start = roundRate(1 / oneAtATime.Seconds())
	}
	s := searcher{Start: start, Factor: 2, Precision: h.o.Precision, Min: 0.05, Ceiling: 30000, MaxSteps: 10, Fine: true, Known: known}
	lat := saturationCap(oneAtATime, sh.SLO, h.o.Timeout)
	objective := slo{P99: lat, MaxErrorRate: 0.001, MinAchieved: 0.95}
	res := h.runSearch(ctx, who, "satur", sh, s, objective, time.Now().Add(h.o.SaturationBudget), pid, step)
	res.LatencyCapMs = round(ms(lat), 1)
	return res
}

// runSearch runs a search's steps until it ends, ctx ends or deadline (if
// set) passes.
func (h *harness) runSearch(ctx context.Context, who, kind string, sh shape, s searcher, objective slo, deadline time.Time, pid int, step func(rate float64) stepStats) searchResult {
	var res searchResult
	for ctx.Err() == nil && (deadline.IsZero() || time.Now().Before(deadline)) {
		rate, ok := s.Next()
		if !ok {
			break
		}
		st := step(rate)
		st.OK = objective.sustainable(st)
		s.Record(rate, st.OK)
		logStep(sh.Name, who, kind, st)
		res.Steps = append(res.Steps, st)
		if st.OK && rate == s.Max() {
			res.AtMax = &res.Steps[len(res.Steps)-1]
		}
		h.pause(ctx, st.OK, pid)
	}
	res.Max = s.Max()
	if s.Known > 0 && res.Max == s.Known && len(res.Steps) == 0 {
		res.Max = 0
	}
	// AtMax points into Steps; re-point after appends moved the slice.
	for i := range res.Steps {
		if res.Steps[i].OK && res.Steps[i].Target == res.Max {
			res.AtMax = &res.Steps[i]
		}
	}
	return res
}

// pause lets queues drain between steps. After a step that failed it
// waits until the server and Neo4j are idle (a server keeps working through
// requests its clients gave up on, which would slow the next step, or the
// next server), up to a minute.
func (h *harness) pause(ctx context.Context, ok bool, pids ...int) {
	select {
	case <-ctx.Done():
		return
	case <-time.After(500 * time.Millisecond):
	}
	if ok {
		return
	}
	if h.st.neo4j != nil {
		pids = append(pids, h.st.neo4j.pid())
	}
	deadline := time.Now().Add(time.Minute)
	for ctx.Err() == nil && time.Now().Before(deadline) {
		busy := false
		before := make([]time.Duration, len(pids))
		for i, pid := range pids {
			before[i], _ = procCPU(pid)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(500 * time.Millisecond):
		}
		for i, pid := range pids {
			if after, err := procCPU(pid); err == nil && (after-before[i]).Seconds()/0.5 > 0.2 {
				busy = true
			}
		}
		if !busy {
			return
		}
	}
}

// warmUp sends requests one at a time for d (unrecorded) and returns their
// mean latency and how many failed: it warms the server and tells the rate
// search where to start without overloading a slow server.
func warmUp(ctx context.Context, d time.Duration, send func(ctx context.Context, seq uint64) error) (mean time.Duration, n, failed int, p50 time.Duration) {
	began := time.Now()
	var lats []float64
	for time.Since(began) < d && ctx.Err() == nil {
		t0 := time.Now()
		if err := send(ctx, uint64(n)); err != nil {
			failed++
		}
		lats = append(lats, float64(time.Since(t0)))
		n++
	}
	if n == 0 {
		return 0, 0, 0, 0
	}
	return time.Since(began) / time.Duration(n), n, failed, time.Duration(median(lats))
}

// startRate is where a rate search begins: half of what one request at a
// time achieves (a server on one core cannot do much more than that; the
// search ramps up when it can).
func startRate(mean time.Duration) float64 {
	if mean <= 0 {
		return 100
	}
	return math.Round(math.Min(2000, math.Max(1, 0.5/mean.Seconds())))
}

func logStep(shapeName, who, kind string, st stepStats) {
	verdict := "ok"
	if !st.OK {
		verdict = "NOT sustainable"
	}
	extra := ""
	if st.CypherPerOp >= 0 {
		extra = fmt.Sprintf(" cypher/op=%.2f", st.CypherPerOp)
	}
	if len(st.Errors) > 0 {
		extra += fmt.Sprintf(" errors=%q", st.Errors[0])
	}
	log.Printf("%s %-7s %-6s %6.4g rps: achieved %7.2f p50 %6.2fms p99 %7.2fms err %.3f%% cpu %4.0fµs/req rss %5.1fMB gen %.2f cores  %s%s",
		shapeName, who, kind, st.Target, st.Achieved, ms(st.P50), ms(st.P99), st.ErrorRate*100,
		float64(st.CPUPerReq.Nanoseconds())/1e3, st.RSSMB, st.GenCPU, verdict, extra)
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// runs is every measurement of one shape.
type runs struct {
	searches map[string][]searchResult
	// saturation is each server's saturation searches; base names what
	// the fixed rates are percentages of.
	saturation map[string][]searchResult
	base       string
	fixed      map[string]map[int][]stepStats // who → percent → repetitions
	rates      map[int]float64
	// overload is the product at twice its max sustainable rate, per
	// repetition.
	overload []stepStats
}

// measureShape compares the servers' answers, then runs the rate searches,
// the fixed rates and the floor, in A/B/A/B order.
func (h *harness) measureShape(ctx context.Context, sh shape) (*shapeResult, error) {
	log.Printf("=== %s (p99 objective %s)", sh.Name, sh.SLO)
	var equal *bool
	diff := ""
	if h.peer != nil {
		eq, d := h.compare(ctx, sh)
		equal, diff = &eq, d
		if eq {
			log.Printf("%s: responses equal", sh.Name)
		} else {
			log.Printf("%s: responses DIFFER: %s", sh.Name, d)
		}
	}
	sc := stepConfig{Warmup: h.o.Warmup, Duration: h.o.Step, MaxWorkers: h.o.MaxWorkers, SLO: sh.SLO}
	searchSC := sc
	searchSC.FailFast = true
	warmFor := 3 * h.o.Warmup
	r := &runs{searches: map[string][]searchResult{}, saturation: map[string][]searchResult{},
		fixed: map[string]map[int][]stepStats{}, rates: map[int]float64{}}
	starts := map[string]float64{}
	means, p50s := map[string]time.Duration{}, map[string]time.Duration{}
	for _, srv := range h.servers() {
		req := h.requests(srv.Name, sh)
		mean, n, failed, p50 := warmUp(ctx, warmFor, func(ctx context.Context, seq uint64) error {
			body, hdr := req(seq)
			_, err := h.post(ctx, srv, body, hdr)
			return err
		})
		starts[srv.Name], means[srv.Name], p50s[srv.Name] = startRate(mean), mean, p50
		log.Printf("%s %s warmed up: %d requests one at a time, mean %.2fms, p50 %.2fms, %d failed; search starts at %.0f rps",
			sh.Name, srv.Name, n, ms(mean), ms(p50), failed, starts[srv.Name])
	}
	for rep := 0; rep < h.o.Reps; rep++ {
		for _, srv := range h.servers() {
			// One request at a time is the least load there is: a server
			// whose p50 then already exceeds the objective sustains no rate.
			if p50s[srv.Name] > sh.SLO {
				why := fmt.Sprintf("one-at-a-time p50 %.2f ms exceeds the %s objective", ms(p50s[srv.Name]), sh.SLO)
				log.Printf("%s %s search skipped: %s", sh.Name, srv.Name, why)
				r.searches[srv.Name] = append(r.searches[srv.Name], searchResult{Skipped: why, Steps: []stepStats{}})
				continue
			}
			req := h.requests(srv.Name, sh)
			r.searches[srv.Name] = append(r.searches[srv.Name], h.search(ctx, srv.Name, sh, starts[srv.Name], srv.Pid, func(rate float64) stepStats {
				return runHTTPStep(ctx, srv, req, rate, searchSC)
			}))
		}
	}
	satSC := searchSC
	satSC.MinRequests, satSC.MaxDuration = 5, h.o.MaxSlowStep
	for rep := 0; rep < h.o.Reps; rep++ {
		for _, srv := range h.servers() {
			known := r.searches[srv.Name][rep].Max
			if known > 0 && !h.o.SaturationAll {
				continue
			}
			req := h.requests(srv.Name, sh)
			sat := satSC
			sat.SLO = saturationCap(means[srv.Name], sh.SLO, h.o.Timeout)
			r.saturation[srv.Name] = append(r.saturation[srv.Name], h.saturate(ctx, srv.Name, sh, means[srv.Name], known, srv.Pid, func(rate float64) stepStats {
				return runHTTPStep(ctx, srv, req, rate, sat)
			}))
			log.Printf("%s %s saturation throughput %.3g rps (p99 cap %.0f ms)", sh.Name, srv.Name,
				r.saturation[srv.Name][len(r.saturation[srv.Name])-1].Max, ms(sat.SLO))
		}
	}
	base, baseName := fixedRateBase(h.peer != nil, medianMax(r.searches[peerName]), medianMax(r.saturation[peerName]), medianMax(r.searches[productName]))
	r.base = baseName
	for _, pct := range fixedPercents {
		r.rates[pct] = percentRate(base, pct)
	}
	log.Printf("%s fixed rates: %v%% of %s (%.3g rps) = %.3g / %.3g / %.3g rps", sh.Name, fixedPercents, baseName, base,
		r.rates[25], r.rates[50], r.rates[75])
	// Fixed steps at slow rates are stretched to hold a few requests.
	sc.MinRequests, sc.MaxDuration = 5, h.o.MaxSlowStep
	for rep := 0; rep < h.o.Reps; rep++ {
		for _, srv := range h.servers() {
			req := h.requests(srv.Name, sh)
			for _, pct := range fixedPercents {
				st := runHTTPStep(ctx, srv, req, r.rates[pct], sc)
				st.OK = slo{P99: sh.SLO, MaxErrorRate: 0.001, MinAchieved: 0.95}.sustainable(st)
				logStep(sh.Name, srv.Name, fmt.Sprintf("%d%%", pct), st)
				addFixed(r, srv.Name, pct, st)
				h.pause(ctx, st.OK, srv.Pid)
			}
		}
	}

	if productMax := medianMax(r.searches[productName]); productMax > 0 {
		// Twice the max: admission control sheds what Neo4j cannot take in
		// time, and what it admits must still meet the objective.
		for rep := 0; rep < h.o.Reps; rep++ {
			st := runHTTPStep(ctx, h.product, h.requests(productName, sh), overloadFactor*productMax, sc)
			logStep(sh.Name, productName, fmt.Sprintf("%dx max", overloadFactor), st)
			r.overload = append(r.overload, st)
			h.pause(ctx, false, h.product.Pid)
		}
	}
	if h.o.CPUProfiles {
		rate := medianMax(r.searches[productName])
		if rate == 0 {
			rate = medianMax(r.saturation[productName])
		}
		if err := h.cpuProfile(ctx, sh, 0.75*rate, h.o.ProfileDir); err != nil {
			log.Printf("%s: no CPU profile: %v", sh.Name, err)
		}
	}

	log.Printf("%s floor: capturing the product's statements for %d callers", sh.Name, h.o.FloorCallers)
	cp, err := h.capture(ctx, sh)
	if err != nil {
		return nil, err
	}
	op := h.floorOp(sh, cp)
	mean, n, failed, _ := warmUp(ctx, warmFor, op)
	log.Printf("%s floor warmed up: %d operations one at a time, mean %.2fms, %d failed", sh.Name, n, ms(mean), failed)
	// The floor is at least as fast as the product: its search starts there.
	floorStart := max(startRate(mean), medianMax(r.searches[productName]))
	for rep := 0; rep < h.o.Reps; rep++ {
		r.searches[floorName] = append(r.searches[floorName], h.search(ctx, floorName, sh, floorStart, 0, func(rate float64) stepStats {
			return runPacedStep(ctx, op, rate, searchSC, h.o.Timeout)
		}))
		for _, pct := range h.floorPercents() {
			st := runPacedStep(ctx, op, r.rates[pct], sc, h.o.Timeout)
			st.OK = slo{P99: sh.SLO, MaxErrorRate: 0.001, MinAchieved: 0.95}.sustainable(st)
			logStep(sh.Name, floorName, fmt.Sprintf("%d%%", pct), st)
			addFixed(r, floorName, pct, st)
			h.pause(ctx, st.OK)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return summarise(sh, r, equal, diff, cp.statementsPerOp), nil
}

// floorPercents are the fixed rates the floor runs: in quick mode only the
// 25% rate that the Q1 latency goal compares, to save time.
func (h *harness) floorPercents() []int {
	if h.o.Mode == "quick" {
		return fixedPercents[:1]
	}
	return fixedPercents
}

func addFixed(r *runs, who string, pct int, st stepStats) {
	if r.fixed[who] == nil {
		r.fixed[who] = map[int][]stepStats{}
	}
	r.fixed[who][pct] = append(r.fixed[who][pct], st)
}

// fixedRateBase is what the fixed rates are percentages of: the peer's max
// sustainable rate, or when that is 0 its saturation throughput; without
// a peer, the product's max.
func fixedRateBase(havePeer bool, peerMax, peerSaturation, productMax float64) (float64, string) {
	switch {
	case !havePeer:
		return productMax, "product_max_rps"
	case peerMax > 0:
		return peerMax, "peer_max_rps"
	case peerSaturation > 0:
		return peerSaturation, "peer_saturation_rps"
	default:
		return 0, "none"
	}
}

// percentRate is pct% of base, rounded as rates are (fractions below 10 rps),
// at least 0.01 rps.
func percentRate(base float64, pct int) float64 {
	return max(0.01, roundRate(base*float64(pct)/100))
}

func medianMax(rs []searchResult) float64 {
	var xs []float64
	for _, r := range rs {
		xs = append(xs, r.Max)
	}
	return median(xs)
}

// configInfo describes how the run was set up, for the results file.
func (h *harness) configInfo() map[string]any {
	return map[string]any{
		"repetitions":                  h.o.Reps,
		"step_seconds":                 h.o.Step.Seconds(),
		"warmup_seconds":               h.o.Warmup.Seconds(),
		"callers":                      h.o.Callers,
		"floor_callers":                h.o.FloorCallers,
		"search_precision":             h.o.Precision,
		"request_timeout_s":            h.o.Timeout.Seconds(),
		"max_concurrency":              h.o.MaxWorkers,
		"api_cpu":                      h.o.APICPU,
		"load_and_floor_cpu":           h.o.LoadCPU,
		"neo4j_cpu":                    "unpinned",
		"neo4j_pool_size":              neo4jPoolSize,
		"peer":                         h.peer != nil,
		"sustainable":                  "p99 <= SLO (Q1/Q2 20 ms, others 50 ms), errors < 0.1%, achieved >= 95% of the target rate",
		"p50_p99_at":                   "the max sustainable rate (median over repetitions)",
		"cpu_us_per_req_at":            "the server's own max-sustainable-rate step (the saturation step when its max is 0), else its passing search step with the most requests; null below 300 requests and 1 s of CPU",
		"rss_mb":                       "max VmRSS sampled every 200 ms during the shape's steps at or below the server's max sustainable rate (its saturation rate when that is 0); rss_mb_all_steps: all steps",
		"saturation_rps":               "highest rate with errors < 0.1% and >= 95% achieved, p99 at most 4x the one-at-a-time latency (>= 2x the objective, <= 60% of the request timeout); searched when the max sustainable rate is 0" + map[bool]string{true: " and for every server", false: ""}[h.o.SaturationAll],
		"saturation_budget_s":          h.o.SaturationBudget.Seconds(),
		"slow_step_max_seconds":        h.o.MaxSlowStep.Seconds(),
		"q1_floor_comparison":          "p50 at 25% of the peer's max rate, product vs floor",
		"fixed_rate_percentages":       fixedPercents,
		"floor_fixed_rate_percentages": h.floorPercents(),
	}
}
