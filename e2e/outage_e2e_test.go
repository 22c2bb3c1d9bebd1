package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// launchNeo4j starts a Neo4j of the test's own with the project's launcher
// (NEO4J_LAUNCHER, set by `make test`) on a free port and data dir, and
// returns a stop function. Restarting on the same dir keeps the store.
func launchNeo4j(t *testing.T, port int, dataDir string) (stop func()) {
	t.Helper()
	launcher := os.Getenv("NEO4J_LAUNCHER")
	if launcher == "" {
		t.Fatal("NEO4J_LAUNCHER is not set: run the suite with `make test`")
	}
	cmd := exec.Command(launcher, "--port", fmt.Sprint(port), "--data", dataDir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", launcher, err)
	}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "NEO4J READY") {
				close(ready)
			}
		}
	}()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	}
	t.Cleanup(stop)
	select {
	case <-ready:
	case <-time.After(5 * time.Minute):
		t.Fatal("the Neo4j launcher did not print its ready line")
	}
	return stop
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func TestNeo4jOutageIsACleanErrorAndTheServerRecovers(t *testing.T) {
	_, password := mustNeo4jEnv(t)
	port := freePort(t)
	dir := t.TempDir()
	stop := launchNeo4j(t, port, dir)
	s := startServer(t, map[string]string{
		"NEO4J_URI":             fmt.Sprintf("bolt://127.0.0.1:%d", port),
		"NEO4J_PASSWORD":        password,
		"REQUEST_TIMEOUT":       "3s",
		"NEO4J_CONNECT_TIMEOUT": "1s",
	})
	token := s.Tenant.AccessTokenFor("auth0|outage-test-user", nil)
	// A fresh JVM compiles its first queries slowly; wait until it is warm.
	waitUntil(t, 60*time.Second, func() (bool, string) {
		r := s.query(t, token, `{ me { id } }`, nil)
		return len(r.Errors) == 0, r.Raw
	})

	stop()
	readyz := func() int {
		resp, err := http.Get(s.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := readyz(); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz with Neo4j down: %d, want 503", code)
	}
	start := time.Now()
	r := s.query(t, token, `{ me { id } }`, nil)
	elapsed := time.Since(start)
	if r.Status >= 500 || len(r.Errors) == 0 {
		t.Fatalf("me with Neo4j down: %d %s", r.Status, r.Raw)
	}
	if c := r.code(); c != "SERVICE_UNAVAILABLE" && c != "TIMEOUT" {
		t.Errorf("code %q, want SERVICE_UNAVAILABLE or TIMEOUT: %s", c, r.Raw)
	}
	if elapsed > 5*time.Second {
		t.Errorf("answered after %s; the request deadline is 3s", elapsed)
	}
	for _, leak := range []string{"Neo4j", "bolt", "connect", "7687", fmt.Sprint(port)} {
		if strings.Contains(r.Raw, leak) {
			t.Errorf("the answer leaks %q: %s", leak, r.Raw)
		}
	}

	launchNeo4j(t, port, dir)
	waitUntil(t, 60*time.Second, func() (bool, string) {
		r := s.query(t, token, `{ me { id } }`, nil)
		return len(r.Errors) == 0 && readyz() == http.StatusOK, r.Raw
	})
}

// waitUntil polls cond until it holds, failing the test with cond's last
// detail when timeout passes first.
func waitUntil(t *testing.T, timeout time.Duration, cond func() (bool, string)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		ok, detail := cond()
		if ok {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("not reached within %s: %s", timeout, detail)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
