package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gqlneo/gqlneo/dev/auth0/tenant"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// proc is a child process the harness started, in its own process group so
// stopping it stops what it started too.
type proc struct {
	name   string
	cmd    *exec.Cmd
	logf   *os.File
	exited chan struct{}
	err    error
}

// startProc starts args[0] with env added to the harness's environment,
// logging stdout and stderr to logPath. When ready is not empty it waits
// (up to timeout) for a stdout line containing it.
func startProc(ctx context.Context, name, logPath string, env []string, ready string, timeout time.Duration, args ...string) (*proc, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, logf: logf, exited: make(chan struct{})}
	readyCh := make(chan struct{})
	var once sync.Once
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		var mu sync.Mutex
		for sc.Scan() {
			line := sc.Text()
			mu.Lock()
			fmt.Fprintln(logf, line)
			mu.Unlock()
			if ready != "" && strings.Contains(line, ready) {
				once.Do(func() { close(readyCh) })
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	if ready == "" {
		return p, nil
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-readyCh:
		return p, nil
	case <-p.exited:
		return nil, fmt.Errorf("%s exited before it was ready (%v); see %s:\n%s", name, p.err, logPath, tail(logPath, 30))
	case <-timer.C:
		p.stop()
		return nil, fmt.Errorf("%s not ready after %s; see %s:\n%s", name, timeout, logPath, tail(logPath, 30))
	case <-ctx.Done():
		p.stop()
		return nil, ctx.Err()
	}
}

// pid is the process id of the started command (taskset execs, so it is
// the server's own).
func (p *proc) pid() int { return p.cmd.Process.Pid }

// stop sends SIGTERM to the process group and waits up to 20 s, then
// SIGKILLs it.
func (p *proc) stop() {
	select {
	case <-p.exited:
	default:
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(20 * time.Second):
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.exited
		}
	}
	p.logf.Close()
}

// alive reports whether the process is still running.
func (p *proc) alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// portFree fails when something already listens on 127.0.0.1:port.
func portFree(port int) error {
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return fmt.Errorf("port %d is in use (another bench run, or pick another with the flags): %w", port, err)
	}
	return ln.Close()
}

// stack is everything the harness started; close stops it in reverse order.
type stack struct {
	opts      *options
	neo4j     *proc
	issuer    *tenant.Tenant
	issuerSrv *http.Server
	product   *proc
	peer      *proc

	neo4jURI string
}

const (
	neo4jUser      = "neo4j"
	neo4jPassword  = "dev-password"
	neo4jDatabase  = "neo4j"
	neo4jPoolSize  = 100
	audience       = "https://api.dev.local/"
	claimsNS       = "https://api.dev.local/"
	clientID       = "dev-client"
	clientSecret   = "dev-client-secret"
	cursorSecret   = "bench-cursor-secret-0123456789abcdef"
	requestTimeout = 10 * time.Second
)

func (s *stack) issuerURL() string { return fmt.Sprintf("http://127.0.0.1:%d", s.opts.IssuerPort) }

func (s *stack) close() {
	if s.peer != nil {
		log.Printf("stopping the peer")
		s.peer.stop()
	}
	if s.product != nil {
		log.Printf("stopping the product")
		s.product.stop()
	}
	if s.issuerSrv != nil {
		_ = s.issuerSrv.Close()
	}
	if s.issuer != nil {
		s.issuer.Close()
	}
	if s.neo4j != nil {
		log.Printf("stopping Neo4j")
		s.neo4j.stop()
	}
}

// pinned prefixes args with taskset -c cpus when cpus is set.
func pinned(cpus string, args ...string) []string {
	if cpus == "" {
		return args
	}
	return append([]string{"taskset", "-c", cpus}, args...)
}

// allCPUs is the taskset list of every CPU, for children that must not
// inherit the harness's own pinning.
func allCPUs() string { return fmt.Sprintf("0-%d", runtime.NumCPU()-1) }

// start builds the product and brings up Neo4j (with the dataset), the
// issuer, the product and the peer.
func (s *stack) start(ctx context.Context) error {
	o := s.opts
	if err := os.MkdirAll(o.logDir(), 0o755); err != nil {
		return err
	}
	log.Printf("building bin/server")
	build := exec.CommandContext(ctx, "go", "build", "-o", "bin/server", ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("go build: %w", err)
	}

	if o.Neo4jURI != "" {
		s.neo4jURI = o.Neo4jURI
		log.Printf("using the Neo4j at %s", s.neo4jURI)
	} else {
		if err := portFree(o.Neo4jPort); err != nil {
			return err
		}
		data := filepath.Join(o.DataDir, "neo4j")
		if err := os.MkdirAll(data, 0o755); err != nil {
			return err
		}
		log.Printf("starting Neo4j on bolt://127.0.0.1:%d (store %s, log %s)", o.Neo4jPort, data, o.logPath("neo4j"))
		p, err := startProc(ctx, "Neo4j", o.logPath("neo4j"), nil, "NEO4J READY", 5*time.Minute,
			pinned(allCPUs(), "dev/neo4j/run.sh", "--port", strconv.Itoa(o.Neo4jPort), "--data", data, "--apoc")...)
		if err != nil {
			return err
		}
		s.neo4j = p
		s.neo4jURI = fmt.Sprintf("bolt://127.0.0.1:%d", o.Neo4jPort)
	}
	if err := s.ensureDataset(ctx); err != nil {
		return err
	}

	if err := s.startIssuer(); err != nil {
		return err
	}

	if err := portFree(o.ProductPort); err != nil {
		return err
	}
	log.Printf("starting the product on 127.0.0.1:%d (CPU %s)", o.ProductPort, o.APICPU)
	p, err := startProc(ctx, "product", o.logPath("product"), []string{
		"AUTH0_DOMAIN=" + s.issuerURL(), "AUTH0_AUDIENCE=" + audience, "AUTH0_CLIENT_ID=" + clientID,
		"AUTH0_CLIENT_SECRET=" + clientSecret, "AUTH0_CLAIMS_NAMESPACE=" + claimsNS,
		fmt.Sprintf("HTTP_ADDR=127.0.0.1:%d", o.ProductPort),
		"NEO4J_URI=" + s.neo4jURI, "NEO4J_USERNAME=" + neo4jUser, "NEO4J_PASSWORD=" + neo4jPassword,
		"NEO4J_DATABASE=" + neo4jDatabase, fmt.Sprintf("NEO4J_POOL_SIZE=%d", neo4jPoolSize),
		"CURSOR_SECRET=" + cursorSecret, "LOG_LEVEL=warn", "GRAPHIQL_ENABLED=false",
		"REQUEST_TIMEOUT=" + requestTimeout.String(), fmt.Sprintf("DEBUG_ADDR=127.0.0.1:%d", o.DebugPort),
	}, "", 0, pinned(o.APICPU, "bin/server")...)
	if err != nil {
		return err
	}
	s.product = p
	if err := waitHTTP(ctx, fmt.Sprintf("http://127.0.0.1:%d/readyz", o.ProductPort), p, 60*time.Second); err != nil {
		return fmt.Errorf("product: %w; see %s:\n%s", err, o.logPath("product"), tail(o.logPath("product"), 30))
	}

	if o.NoPeer {
		log.Printf("-no-peer: the peer is not started")
		return nil
	}
	if _, err := os.Stat("bench/peer/server.mjs"); err != nil {
		return fmt.Errorf("bench/peer/server.mjs is missing (run with -no-peer to measure the product alone): %w", err)
	}
	if err := ensurePeerPackages(ctx, "bench/peer"); err != nil {
		return err
	}
	if err := portFree(o.PeerPort); err != nil {
		return err
	}
	log.Printf("starting the peer on 127.0.0.1:%d (CPU %s)", o.PeerPort, o.APICPU)
	p, err = startProc(ctx, "peer", o.logPath("peer"), []string{
		fmt.Sprintf("PORT=%d", o.PeerPort),
		"NEO4J_URI=" + s.neo4jURI, "NEO4J_USERNAME=" + neo4jUser, "NEO4J_PASSWORD=" + neo4jPassword,
		"NEO4J_DATABASE=" + neo4jDatabase, fmt.Sprintf("NEO4J_POOL_SIZE=%d", neo4jPoolSize),
		"AUTH0_DOMAIN=" + s.issuerURL(), "AUTH0_AUDIENCE=" + audience, "NODE_ENV=production",
	}, "PEER READY", 120*time.Second, pinned(o.APICPU, "node", "bench/peer/server.mjs")...)
	if err != nil {
		return err
	}
	s.peer = p
	return nil
}

// startIssuer serves the dev Auth0 tenant in-process, so tokens are minted
// without HTTP and both servers fetch the same JWKS.
func (s *stack) startIssuer() error {
	users, err := tenant.ReadUsersFile("dev/auth0/users.json")
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", s.opts.IssuerPort))
	if err != nil {
		return fmt.Errorf("issuer port %d: %w", s.opts.IssuerPort, err)
	}
	t, err := tenant.New(s.issuerURL(), tenant.WithUsers(users...))
	if err != nil {
		ln.Close()
		return err
	}
	s.issuer = t
	s.issuerSrv = &http.Server{Handler: t, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.issuerSrv.Serve(ln) }()
	log.Printf("dev issuer on %s", t.Issuer())
	return nil
}

// waitHTTP polls url until it answers 200.
func waitHTTP(ctx context.Context, url string, p *proc, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if p != nil && !p.alive() {
			return errors.New("exited before it was ready")
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not 200 after %s", url, timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// driver opens a driver on the bench's Neo4j.
func (s *stack) driver() (neo4j.DriverWithContext, error) {
	return neo4j.NewDriverWithContext(s.neo4jURI, neo4j.BasicAuth(neo4jUser, neo4jPassword, ""))
}

// query runs one read and returns its records.
func (s *stack) query(ctx context.Context, cypher string, params map[string]any) ([]*neo4j.Record, error) {
	d, err := s.driver()
	if err != nil {
		return nil, err
	}
	defer d.Close(ctx)
	res, err := neo4j.ExecuteQuery(ctx, d, cypher, params, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(neo4jDatabase))
	if err != nil {
		return nil, err
	}
	return res.Records, nil
}

// ensureDataset loads the generated graph when the store lacks it.
func (s *stack) ensureDataset(ctx context.Context) error {
	recs, err := s.query(ctx, "MATCH (i:Identity {sub: 'gen|10000'}) RETURN count(i) AS n", nil)
	if err != nil {
		return fmt.Errorf("check the dataset: %w", err)
	}
	if n, _ := recs[0].Get("n"); n.(int64) > 0 {
		log.Printf("the dataset is loaded")
		return nil
	}
	log.Printf("loading the dataset (go run ./dev/seed generate; a minute or two; log %s)", s.opts.logPath("seed"))
	logf, err := os.Create(s.opts.logPath("seed"))
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.CommandContext(ctx, "go", "run", "./dev/seed", "generate", "-uri", s.neo4jURI, "-password", neo4jPassword)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("seed: %w; see %s:\n%s", err, s.opts.logPath("seed"), tail(s.opts.logPath("seed"), 20))
	}
	return nil
}

// deleteBenchPosts removes the posts Q6 created in this or an interrupted
// earlier run (titles start with q6TitlePrefix).
func (s *stack) deleteBenchPosts(ctx context.Context) (int64, error) {
	d, err := s.driver()
	if err != nil {
		return 0, err
	}
	defer d.Close(ctx)
	sess := d.NewSession(ctx, neo4j.SessionConfig{DatabaseName: neo4jDatabase})
	defer sess.Close(ctx)
	res, err := sess.Run(ctx, `MATCH (p:Post) WHERE p.title STARTS WITH $prefix
CALL (p) { DETACH DELETE p } IN TRANSACTIONS OF 5000 ROWS
RETURN count(*) AS n`, map[string]any{"prefix": q6TitlePrefix})
	if err != nil {
		return 0, err
	}
	rec, err := res.Single(ctx)
	if err != nil {
		return 0, err
	}
	n, _ := rec.Get("n")
	return n.(int64), nil
}
