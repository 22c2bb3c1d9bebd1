// Command soak runs the server as a separate process (bin/server, built by
// `make build`) against a Neo4j and a dev Auth0 issuer of its own, all on
// loopback, and drives it for about ten minutes: legitimate traffic (three
// demo users log in once, then a mix of me, feed, user, createPost and
// likePost at about 20 requests a second) mixed with hostile documents
// (a fragment bomb over __type, distinct 35 KB documents of 1,600 aliases,
// oversized bodies, garbage), with Neo4j killed (SIGKILL) and restarted in
// the middle. It then prints a report (docs/reliability.md reads one):
// answers by code, legitimate latency before, during and after the outage,
// the recovery time (Neo4j ready to the first N successes in a row), the
// server's resident memory, and acknowledged writes against what Neo4j
// holds.
//
//	go run ./dev/soak [-neo4j-port 7791] [-before 2m] [-hostile 3m] [-kill-after 1m] [-after 3m]
//
// Run it from the repository root (`make soak` does).
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

type options struct {
	neo4jPort                         int
	before, hostile, killAfter, after time.Duration
	rate                              float64
	hostileRate                       float64
	recoveryRun                       int
	env                               []string
	skip                              map[string]bool
}

func run() error {
	var o options
	flag.IntVar(&o.neo4jPort, "neo4j-port", 7791, "Bolt port of the soak's own Neo4j")
	flag.DurationVar(&o.before, "before", 2*time.Minute, "legitimate traffic alone, before the hostile traffic")
	flag.DurationVar(&o.hostile, "hostile", 3*time.Minute, "legitimate and hostile traffic together")
	flag.DurationVar(&o.killAfter, "kill-after", time.Minute, "when, into the hostile period, Neo4j is killed and restarted")
	flag.DurationVar(&o.after, "after", 3*time.Minute, "legitimate traffic alone, after the hostile traffic")
	flag.Float64Var(&o.rate, "rate", 20, "legitimate requests per second (open loop)")
	flag.Float64Var(&o.hostileRate, "hostile-rate", 5, "hostile requests per second (open loop)")
	flag.IntVar(&o.recoveryRun, "recovery-run", 10, "successes in a row that count as recovered")
	skip := flag.String("skip", "", "hostile kinds to leave out, comma-separated: fragment-bomb, aliases-35KB, oversized-2MB, garbage")
	flag.Parse()
	o.skip = map[string]bool{}
	for _, k := range strings.Split(*skip, ",") {
		o.skip[strings.TrimSpace(k)] = true
	}
	// Server settings to try (e.g. NEO4J_MAX_IN_FLIGHT=8) pass through as
	// SOAK_<VARIABLE>=value.
	for _, kv := range os.Environ() {
		if rest, ok := strings.CutPrefix(kv, "SOAK_"); ok {
			o.env = append(o.env, rest)
		}
	}

	work, err := os.MkdirTemp("", "gqlneo-soak-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	var procs []*proc
	defer func() {
		for i := len(procs) - 1; i >= 0; i-- {
			procs[i].stop()
		}
	}()

	fmt.Fprintf(os.Stderr, "soak: starting Neo4j on 127.0.0.1:%d (store %s)…\n", o.neo4jPort, work)
	neo, err := start(work, "neo4j", "NEO4J READY", 5*time.Minute, nil, "dev/neo4j/run.sh", "--port", strconv.Itoa(o.neo4jPort), "--data", work+"/neo4j")
	if err != nil {
		return err
	}
	procs = append(procs, neo)
	issuerPort, serverPort := freePort(), freePort()
	issuer, err := start(work, "issuer", "AUTH0 DEV ISSUER READY", time.Minute, nil, "bin/auth0-dev", "-addr", fmt.Sprintf("127.0.0.1:%d", issuerPort), "-users", "dev/auth0/users.json")
	if err != nil {
		return err
	}
	procs = append(procs, issuer)
	base := fmt.Sprintf("http://127.0.0.1:%d", serverPort)
	env := append([]string{
		"NEO4J_URI=" + fmt.Sprintf("bolt://127.0.0.1:%d", o.neo4jPort), "NEO4J_PASSWORD=dev-password",
		"AUTH0_DOMAIN=" + fmt.Sprintf("http://127.0.0.1:%d", issuerPort), "AUTH0_AUDIENCE=https://api.dev.local/",
		"AUTH0_CLIENT_ID=dev-client", "AUTH0_CLIENT_SECRET=dev-client-secret", "AUTH0_CLAIMS_NAMESPACE=https://api.dev.local/",
		"HTTP_ADDR=" + fmt.Sprintf("127.0.0.1:%d", serverPort), "LOG_LEVEL=debug", "PATH=" + os.Getenv("PATH"),
	}, o.env...)
	// A Neo4j just started on a busy machine may take longer than the
	// server's 30 s to create its constraints; the server then exits, and
	// is started again, as a supervisor would.
	var server *proc
	for try := 1; ; try++ {
		server, err = start(work, "server", "", 0, env, "bin/server")
		if err != nil {
			return err
		}
		if err = waitReady(base, 3*time.Minute, server); err == nil {
			break
		}
		server.stop()
		if try == 3 {
			logs, _ := os.ReadFile(work + "/server.log")
			return fmt.Errorf("%w; the server's log:\n%s", err, logs)
		}
		fmt.Fprintf(os.Stderr, "soak: the server did not become ready (%v); starting it again\n", err)
	}
	procs = append(procs, server)
	fmt.Fprintf(os.Stderr, "soak: server pid %d on %s; server settings %v\n", server.cmd.Process.Pid, base, o.env)

	s := &soak{o: o, base: base, serverLog: work + "/server.log", runID: strconv.FormatInt(time.Now().Unix(), 36), client: &http.Client{Timeout: 30 * time.Second}}
	if err := s.login(); err != nil {
		return err
	}
	return s.drive(neo, server, work)
}

// proc is a child process in its own process group, with its output in a
// log file.
type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
}

func start(dir, name, readyLine string, wait time.Duration, env []string, argv ...string) (*proc, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if env != nil {
		cmd.Env = env
	}
	logf, err := os.OpenFile(fmt.Sprintf("%s/%s.log", dir, name), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	cmd.Stderr = logf
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, done: make(chan struct{})}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		once := sync.Once{}
		for sc.Scan() {
			fmt.Fprintln(logf, sc.Text())
			if readyLine != "" && strings.HasPrefix(sc.Text(), readyLine) {
				once.Do(func() { close(ready) })
			}
		}
	}()
	go func() { _ = cmd.Wait(); close(p.done); logf.Close() }()
	if readyLine == "" {
		return p, nil
	}
	select {
	case <-ready:
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("%s exited before it was ready (log: %s/%s.log)", name, dir, name)
	case <-time.After(wait):
		p.stop()
		return nil, fmt.Errorf("%s not ready after %s", name, wait)
	}
}

func (p *proc) kill() {
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
}

func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.kill()
	}
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitReady(base string, d time.Duration, p *proc) error {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return errors.New("the server exited")
		default:
		}
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("the server's /readyz did not answer 200 within %s", d)
}

// rssKB reads the resident set size of pid from /proc.
func rssKB(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return n
		}
	}
	return 0
}

// answer is one request's outcome.
type answer struct {
	sent    time.Time
	latency time.Duration
	legit   bool
	op      string
	outcome string // "ok", an extensions.code, "HTTP_<status>" or "TRANSPORT"
	status  int
}

type soak struct {
	o     options
	base  string
	runID string
	// serverLog is the server's log: the report quotes what it says about
	// Neo4j (found down, the warm-up, readmitted).
	serverLog string
	client    *http.Client
	tokens    []string
	userID    []string
	posts     []string // ids of posts created, for likePost

	mu      sync.Mutex
	answers []answer
	acked   map[string]bool // createPost titles acknowledged
	unknown int             // createPost answered with an error (outcome unknown to the client)
	seq     int
}

func (s *soak) post(body []byte, token string) (status int, hdr http.Header, raw []byte, err error) {
	req, err := http.NewRequest(http.MethodPost, s.base+"/graphql", bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	raw, err = io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, raw, err
}

type gqlAnswer struct {
	Data   map[string]json.RawMessage `json:"data"`
	Errors []struct {
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func gqlBody(query string, vars map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return b
}

func (s *soak) login() error {
	for _, email := range []string{"alice@example.com", "bob@example.com", "carol@example.com"} {
		if err := s.loginAs(email); err != nil {
			return err
		}
	}
	return nil
}

// loginAs logs email in, retrying for a while: a fresh Neo4j plans its
// first statements slowly.
func (s *soak) loginAs(email string) error {
	var last error
	for try := 0; try < 10; try++ {
		if last = s.loginOnce(email); last == nil {
			return nil
		}
		time.Sleep(5 * time.Second)
	}
	return last
}

func (s *soak) loginOnce(email string) error {
	{
		_, _, raw, err := s.post(gqlBody(`mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken user { id } } }`,
			map[string]any{"u": email, "p": "demo-pass-123"}), "")
		if err != nil {
			return err
		}
		var out struct {
			Data struct {
				Login struct {
					AccessToken string
					User        struct{ ID string }
				}
			}
		}
		if err := json.Unmarshal(raw, &out); err != nil || out.Data.Login.AccessToken == "" {
			return fmt.Errorf("login %s: %s", email, raw)
		}
		s.tokens = append(s.tokens, out.Data.Login.AccessToken)
		s.userID = append(s.userID, out.Data.Login.User.ID)
	}
	return nil
}

// outcome names an answer — "ok", its first error's code, HTTP_<status>
// for a body that is not JSON, or TRANSPORT — and returns it decoded.
func outcome(status int, raw []byte, err error) (string, gqlAnswer) {
	var out gqlAnswer
	switch {
	case err != nil:
		return "TRANSPORT", out
	case json.Unmarshal(raw, &out) != nil:
		return fmt.Sprintf("HTTP_%d", status), out
	case len(out.Errors) > 0:
		code, _ := out.Errors[0].Extensions["code"].(string)
		return code, out
	}
	return "ok", out
}

// legit sends one request of the legitimate mix.
func (s *soak) legit(n int) {
	token := s.tokens[n%len(s.tokens)]
	var op, query string
	var vars map[string]any
	title := ""
	switch k := n % 20; {
	case k < 6:
		op, query = "me", `{ me { id name email } }`
	case k < 12:
		op, query = "feed", `{ feed(first: 10) { edges { node { id title author { name } likeCount } } } }`
	case k < 15:
		op, query = "user", `query($id: ID!) { user(id: $id) { id name } }`
		vars = map[string]any{"id": s.userID[(n/20)%len(s.userID)]}
	case k < 18:
		s.mu.Lock()
		s.seq++
		title = fmt.Sprintf("soak-%s-%d", s.runID, s.seq)
		s.mu.Unlock()
		op, query = "createPost", `mutation($in: CreatePostInput!) { createPost(input: $in) { id } }`
		vars = map[string]any{"in": map[string]any{"title": title, "body": "soak"}}
	default:
		s.mu.Lock()
		id := ""
		if len(s.posts) > 0 {
			id = s.posts[n%len(s.posts)]
		}
		s.mu.Unlock()
		if id == "" {
			op, query = "me", `{ me { id } }`
		} else {
			op, query = "likePost", `mutation($id: ID!) { likePost(id: $id) { id } }`
			vars = map[string]any{"id": id}
		}
	}
	start := time.Now()
	status, _, raw, err := s.post(gqlBody(query, vars), token)
	a := answer{sent: start, latency: time.Since(start), legit: true, op: op, status: status}
	var out gqlAnswer
	a.outcome, out = outcome(status, raw, err)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers = append(s.answers, a)
	if title != "" {
		var created struct{ ID string }
		if a.outcome == "ok" && json.Unmarshal(out.Data["createPost"], &created) == nil && created.ID != "" {
			s.acked[title] = true
			if len(s.posts) < 200 {
				s.posts = append(s.posts, created.ID)
			}
		} else {
			s.unknown++
		}
	}
}

// hostile sends one hostile request of kind n%4.
func (s *soak) hostile(n int) {
	var body []byte
	var op string
	switch n % 4 {
	case 0:
		op, body = "fragment-bomb", gqlBody(fragmentBomb(12, 5), nil)
	case 1:
		op, body = "aliases-35KB", gqlBody(aliasDocument(n, 1600), nil)
	case 2:
		op, body = "oversized-2MB", gqlBody(`{ __typename }`+strings.Repeat(" ", 2<<20), nil)
	default:
		op, body = "garbage", []byte(fmt.Sprintf(`{"query": "{ me { id %d`, n)+string([]byte{0xff, 0xfe, '{', '[', '"'}))
	}
	if s.o.skip[op] {
		return
	}
	start := time.Now()
	status, _, raw, err := s.post(body, "")
	a := answer{sent: start, latency: time.Since(start), op: op, status: status}
	a.outcome, _ = outcome(status, raw, err)
	s.mu.Lock()
	s.answers = append(s.answers, a)
	s.mu.Unlock()
}

// fragmentBomb nests named fragments: each of levels fragments repeats the
// next under width aliases of ofType, over __type.
func fragmentBomb(levels, width int) string {
	var b strings.Builder
	b.WriteString(`{ __type(name: "Query") { ...F0 } }`)
	for i := 0; i < levels; i++ {
		fmt.Fprintf(&b, " fragment F%d on __Type { name", i)
		for a := 0; a < width; a++ {
			if i+1 < levels {
				fmt.Fprintf(&b, " a%d: ofType { ...F%d }", a, i+1)
			} else {
				fmt.Fprintf(&b, " a%d: ofType { name }", a)
			}
		}
		b.WriteString(" }")
	}
	return b.String()
}

// aliasDocument is a distinct document of n aliases of __typename (about
// 22 bytes each), so no parse cache can hold them all.
func aliasDocument(seed, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "query Q%d {", seed)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, " x%d_%d: __typename", seed, i)
	}
	b.WriteString(" }")
	return b.String()
}

// every calls f(i) at rate per second in its own goroutine (open loop:
// slow answers do not slow the arrivals) until ctx ends.
func every(ctx context.Context, wg *sync.WaitGroup, rate float64, f func(int)) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Duration(float64(time.Second) / rate))
		defer t.Stop()
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				wg.Add(1)
				go func() { defer wg.Done(); f(i) }()
			}
		}
	}()
}

func (s *soak) drive(neo, server *proc, work string) error {
	s.acked = map[string]bool{}
	pid := server.cmd.Process.Pid
	o := s.o
	begin := time.Now()
	var rssMu sync.Mutex
	rssMax := 0
	sample := func() int {
		kb := rssKB(pid)
		rssMu.Lock()
		if kb > rssMax {
			rssMax = kb
		}
		rssMu.Unlock()
		return kb
	}
	stopSampling := make(chan struct{})
	go func() {
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stopSampling:
				return
			case <-t.C:
				sample()
			}
		}
	}()

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	every(ctx, &wg, o.rate, s.legit)
	fmt.Fprintf(os.Stderr, "soak: legitimate traffic for %s…\n", o.before)
	time.Sleep(o.before)
	rssIdle := sample()

	hctx, hcancel := context.WithCancel(ctx)
	var hwg sync.WaitGroup
	every(hctx, &hwg, o.hostileRate, s.hostile)
	fmt.Fprintf(os.Stderr, "soak: hostile traffic too for %s; Neo4j killed after %s…\n", o.hostile, o.killAfter)
	time.Sleep(o.killAfter)
	killed := time.Now()
	neo.kill()
	fmt.Fprintln(os.Stderr, "soak: Neo4j killed; restarting…")
	neo2, err := start(work, "neo4j", "NEO4J READY", 5*time.Minute, nil, "dev/neo4j/run.sh", "--port", strconv.Itoa(o.neo4jPort), "--data", work+"/neo4j")
	if err != nil {
		hcancel()
		cancel()
		return err
	}
	defer neo2.stop()
	ready := time.Now()
	fmt.Fprintf(os.Stderr, "soak: Neo4j ready again %s after the kill\n", ready.Sub(killed).Round(time.Second))
	readyzOK := time.Time{}
	go func() {
		for time.Since(ready) < 5*time.Minute {
			if resp, err := http.Get(s.base + "/readyz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					readyzOK = time.Now()
					return
				}
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	if rest := o.hostile - time.Since(killed) - o.killAfter; rest > 0 {
		time.Sleep(rest)
	}
	hcancel()
	hwg.Wait()
	hostileEnd := time.Now()
	fmt.Fprintf(os.Stderr, "soak: hostile traffic over; legitimate traffic for %s…\n", o.after)
	rssAfter := 0
	if o.after > time.Minute {
		time.Sleep(time.Minute)
		rssAfter = sample()
		time.Sleep(o.after - time.Minute)
	} else {
		time.Sleep(o.after)
		rssAfter = sample()
	}
	cancel()
	wg.Wait()
	close(stopSampling)

	found, dups, err := s.countWrites(o.neo4jPort)
	if err != nil {
		return err
	}
	s.report(begin, killed, ready, readyzOK, hostileEnd, rssIdle, rssMax, rssAfter, found, dups)
	return nil
}

// countWrites counts the soak's posts in Neo4j: how many acknowledged
// titles are there, and how many titles are there more than once.
func (s *soak) countWrites(port int) (found, duplicated int, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	driver, err := neo4j.NewDriverWithContext(fmt.Sprintf("bolt://127.0.0.1:%d", port), neo4j.BasicAuth("neo4j", "dev-password", ""))
	if err != nil {
		return 0, 0, err
	}
	defer driver.Close(ctx)
	res, err := neo4j.ExecuteQuery(ctx, driver,
		`MATCH (p:Post) WHERE p.title STARTS WITH $prefix RETURN p.title AS title, count(*) AS n`,
		map[string]any{"prefix": "soak-" + s.runID + "-"}, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase("neo4j"))
	if err != nil {
		return 0, 0, err
	}
	for _, rec := range res.Records {
		title, _, _ := neo4j.GetRecordValue[string](rec, "title")
		n, _, _ := neo4j.GetRecordValue[int64](rec, "n")
		if s.acked[title] {
			found++
		}
		if n > 1 {
			duplicated++
		}
	}
	return found, duplicated, nil
}

func pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[int(float64(len(ds)-1)*p)]
}

// timelineSeconds is how many seconds after Neo4j's ready line the report
// shows second by second.
const timelineSeconds = 12

func (s *soak) report(begin, killed, ready, readyzOK, hostileEnd time.Time, rssIdle, rssMax, rssAfter, found, dups int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sort.Slice(s.answers, func(i, j int) bool { return s.answers[i].sent.Before(s.answers[j].sent) })
	// Recovery: the first run of recoveryRun legitimate successes sent
	// after Neo4j was ready.
	var recovered time.Time
	run := 0
	for _, a := range s.answers {
		if !a.legit || a.sent.Before(ready) {
			continue
		}
		if a.outcome != "ok" {
			run = 0
			continue
		}
		if run++; run == s.o.recoveryRun && recovered.IsZero() {
			recovered = a.sent
		}
	}
	phase := func(a answer) string {
		switch {
		case a.sent.Before(killed):
			return "before"
		case recovered.IsZero() || a.sent.Before(recovered):
			return "during"
		}
		return "after"
	}
	codes := map[string]map[string]int{}
	lat := map[string][]time.Duration{}
	legitN := map[string]int{}
	legitOK := map[string]int{}
	internal := 0
	for _, a := range s.answers {
		kind := "hostile"
		if a.legit {
			kind = "legitimate"
			p := phase(a)
			legitN[p]++
			if a.outcome == "ok" {
				legitOK[p]++
				lat[p] = append(lat[p], a.latency)
			}
		}
		key := kind + " " + a.op
		if codes[key] == nil {
			codes[key] = map[string]int{}
		}
		codes[key][fmt.Sprintf("%s (%d)", a.outcome, a.status)]++
		if a.outcome == "INTERNAL_SERVER_ERROR" || a.status == http.StatusInternalServerError {
			internal++
		}
	}
	fmt.Printf("## Soak run %s (%s)\n\n", s.runID, begin.UTC().Format(time.RFC3339))
	fmt.Printf("server settings: %v; legitimate %.0f req/s, hostile %.0f req/s (kinds left out: %s)\n\n", s.o.env, s.o.rate, s.o.hostileRate, flag.Lookup("skip").Value)
	fmt.Printf("| phase | legitimate answers | ok | p50 (ok) | p99 (ok) |\n|---|---|---|---|---|\n")
	for _, p := range []string{"before", "during", "after"} {
		fmt.Printf("| %s | %d | %d | %s | %s |\n", p, legitN[p], legitOK[p], pct(lat[p], 0.5).Round(time.Millisecond), pct(lat[p], 0.99).Round(time.Millisecond))
	}
	fmt.Printf("\n| requests | answer (HTTP status) | count |\n|---|---|---|\n")
	keys := make([]string, 0, len(codes))
	for k := range codes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		outs := make([]string, 0, len(codes[k]))
		for c := range codes[k] {
			outs = append(outs, c)
		}
		sort.Strings(outs)
		for _, c := range outs {
			fmt.Printf("| %s | %s | %d |\n", k, c, codes[k][c])
		}
	}
	fmt.Printf("\n- INTERNAL_SERVER_ERROR or HTTP 500 answers: %d\n", internal)
	fmt.Printf("- Neo4j killed at +%s, ready again at +%s (%s later)\n", killed.Sub(begin).Round(time.Second), ready.Sub(begin).Round(time.Second), ready.Sub(killed).Round(time.Second))
	if recovered.IsZero() {
		fmt.Printf("- recovery: never (%d legitimate successes in a row were not seen after Neo4j was ready)\n", s.o.recoveryRun)
	} else {
		fmt.Printf("- recovery (Neo4j ready → first of %d legitimate successes in a row): %s\n", s.o.recoveryRun, recovered.Sub(ready).Round(100*time.Millisecond))
	}
	fmt.Printf("\nLegitimate answers by the second they were sent, from Neo4j's ready line (the recovery's timeline):\n\n")
	fmt.Printf("| second | answers |\n|---|---|\n")
	for sec := -2; sec < timelineSeconds; sec++ {
		from, to := ready.Add(time.Duration(sec)*time.Second), ready.Add(time.Duration(sec+1)*time.Second)
		outs := map[string]int{}
		for _, a := range s.answers {
			if a.legit && !a.sent.Before(from) && a.sent.Before(to) {
				outs[fmt.Sprintf("%s (%d)", a.outcome, a.status)]++
			}
		}
		names := make([]string, 0, len(outs))
		for o := range outs {
			names = append(names, fmt.Sprintf("%s × %d", o, outs[o]))
		}
		sort.Strings(names)
		fmt.Printf("| %+d | %s |\n", sec, strings.Join(names, ", "))
	}
	fmt.Println()
	if readyzOK.IsZero() {
		fmt.Printf("- /readyz: not 200 within 5 minutes of Neo4j being ready\n")
	} else {
		fmt.Printf("- /readyz 200 again %s after Neo4j was ready\n", readyzOK.Sub(ready).Round(100*time.Millisecond))
	}
	s.quoteServerOnNeo4j(ready)
	fmt.Printf("- server RSS: idle (before hostile traffic) %.1f MB, max %.1f MB, a minute after the hostile traffic ended %.1f MB\n",
		float64(rssIdle)/1024, float64(rssMax)/1024, float64(rssAfter)/1024)
	fmt.Printf("- writes: %d createPost acknowledged, %d of them found in Neo4j (lost: %d), titles stored more than once: %d; %d createPost answered with an error (not acknowledged)\n",
		len(s.acked), found, len(s.acked)-found, dups, s.unknown)
}

// quoteServerOnNeo4j prints the server's own log lines about Neo4j as a
// whole (package neo4jrepo's admission and warm-up; the soak runs the
// server at debug level, which logs nothing per request), each with its
// time from Neo4j's ready line.
func (s *soak) quoteServerOnNeo4j(ready time.Time) {
	f, err := os.Open(s.serverLog)
	if err != nil {
		fmt.Printf("- the server's log: %v\n", err)
		return
	}
	defer f.Close()
	fmt.Printf("- the server on Neo4j (its log, time from Neo4j's ready line):\n")
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		var line struct {
			Time time.Time `json:"time"`
			Msg  string    `json:"msg"`
		}
		if json.Unmarshal(sc.Bytes(), &line) != nil || !(strings.HasPrefix(line.Msg, "neo4j ") || strings.HasPrefix(line.Msg, "warm-up")) {
			continue
		}
		fmt.Printf("  - %+.1fs %s\n", line.Time.Sub(ready).Seconds(), sc.Text())
	}
}
