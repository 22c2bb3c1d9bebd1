package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// fakeLoginGraphQL answers login with a fixed access token, me with the
// Authorization header it was sent, and anything else (introspection) with
// an error: enough for the page to start and sign in, without Neo4j.
func fakeLoginGraphQL() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Query string }
		_ = json.NewDecoder(r.Body).Decode(&req)
		switch {
		case strings.Contains(req.Query, "__schema"):
			writeJSON(w, http.StatusOK, map[string]any{"errors": []map[string]any{{"message": "no schema in this test"}}})
		case strings.Contains(req.Query, "login("):
			writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"login": map[string]any{"accessToken": "test-access-token"}}})
		default:
			writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"me": map[string]any{"name": r.Header.Get("Authorization")}}})
		}
	})
}

// TestGraphiQLRendersInChromium loads the page in a headless Chromium with no
// network but the test server, and checks that GraphiQL's editors rendered
// and that the browser refused nothing under the page's CSP. It needs
// Chromium: GRAPHIQL_BROWSER names the binary, else `chromium` on the PATH
// (`make test` installs Debian's package when it is missing);
// GRAPHIQL_SCREENSHOT=file.png also saves a screenshot.
func TestGraphiQLRendersInChromium(t *testing.T) {
	browser := os.Getenv("GRAPHIQL_BROWSER")
	if browser == "" {
		var err error
		if browser, err = exec.LookPath("chromium"); err != nil {
			t.Fatal("no Chromium: run the suite with `make test`, which installs Debian's chromium, or set GRAPHIQL_BROWSER")
		}
	}
	srv := newGraphiQLServer(t, fakeLoginGraphQL())

	run := func(args ...string) (stdout, stderr string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		args = append([]string{
			"--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
			"--disable-component-update", "--no-first-run", "--disable-extensions",
			"--user-data-dir=" + t.TempDir(), "--enable-logging=stderr", "--v=0",
			"--window-size=1400,900", "--virtual-time-budget=10000",
		}, args...)
		var out, errOut bytes.Buffer
		cmd := exec.CommandContext(ctx, browser, append(args, srv.URL+"/")...)
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s: %v\n%s", browser, err, errOut.String())
		}
		return out.String(), errOut.String()
	}

	dom, log := run("--dump-dom")
	for _, want := range []string{`class="graphiql-container"`, "CodeMirror", "graphiql-query-editor", "demo-pass-123"} {
		if !strings.Contains(dom, want) {
			t.Errorf("the rendered DOM lacks %q", want)
		}
	}
	if strings.Contains(dom, "did not load") || strings.Contains(dom, "failed to start") {
		t.Errorf("the page reported a failure:\n%s", dom)
	}
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, "Content Security Policy") || strings.Contains(line, "Refused to") ||
			strings.Contains(line, "net::ERR_") {
			t.Errorf("browser: %.300s", line)
		}
	}
	if shot := os.Getenv("GRAPHIQL_SCREENSHOT"); shot != "" {
		run("--screenshot=" + shot)
	}
}
