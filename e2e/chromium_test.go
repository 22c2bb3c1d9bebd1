package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// browserPage is one tab of a headless Debian Chromium, driven over the
// DevTools protocol (CDP): commands are JSON messages with an id on the
// tab's WebSocket, answered by a message with the same id; everything else
// the browser sends is an event, kept in order for the test to read.
type browserPage struct {
	t    *testing.T
	conn *websocket.Conn
	ctx  context.Context

	mu      sync.Mutex
	nextID  int64
	pending map[int64]chan cdpMessage
	events  []cdpMessage
	stderr  *syncBuffer
}

// cdpMessage is a command's answer (ID, Result, Error) or an event (Method, Params).
type cdpMessage struct {
	ID     int64           `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// startChromium starts Chromium with a fresh profile and no network of its
// own (no component updates, no background requests), attaches to its first
// tab and enables the Page, Runtime, Log and Network domains. `make test`
// installs Debian's chromium when it is missing; nothing is downloaded.
func startChromium(t *testing.T) *browserPage {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("no chromium on the PATH: run the suite with `make test`, which installs Debian's chromium")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cmd := exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--no-first-run", "--no-default-browser-check",
		"--disable-extensions", "--disable-sync", "--window-size=1280,900",
		"--user-data-dir="+t.TempDir(), "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
		"about:blank")
	// Chromium runs a tree of processes (zygote, renderers, crash handler)
	// that outlive a killed parent and keep writing to the profile: start
	// it as a process group of its own and end the whole group.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start chromium: %v", err)
	}
	p := &browserPage{t: t, ctx: ctx, pending: map[int64]chan cdpMessage{}, stderr: &syncBuffer{}}
	t.Cleanup(func() {
		if p.conn != nil {
			p.conn.CloseNow()
		}
		cancel()
		_ = cmd.Wait()
		for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
			if syscall.Kill(-cmd.Process.Pid, 0) != nil {
				break // no process of the group is left
			}
		}
		if t.Failed() {
			t.Logf("chromium's stderr:\n%s", p.stderr.String())
		}
	})

	// Chromium announces its DevTools endpoint on stderr; keep the rest of
	// stderr for the failure log.
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(p.stderr, line)
			if rest, ok := strings.CutPrefix(line, "DevTools listening on "); ok {
				select {
				case found <- rest:
				default:
				}
			}
		}
	}()
	var browserWS string
	select {
	case browserWS = <-found:
	case <-time.After(30 * time.Second):
		t.Fatalf("chromium announced no DevTools endpoint in 30 s:\n%s", p.stderr.String())
	}
	u, err := url.Parse(browserWS)
	if err != nil {
		t.Fatalf("DevTools endpoint %q: %v", browserWS, err)
	}
	pageWS := firstPageTarget(t, ctx, u.Host)

	conn, _, err := websocket.Dial(ctx, pageWS, nil)
	if err != nil {
		t.Fatalf("connect to the tab: %v", err)
	}
	conn.SetReadLimit(64 << 20) // answers with whole documents or bodies exceed the 32 KiB default
	p.conn = conn
	go p.read()
	for _, domain := range []string{"Page", "Runtime", "Log", "Network"} {
		p.call(domain+".enable", nil)
	}
	return p
}

// firstPageTarget returns the WebSocket address of the browser's first tab.
func firstPageTarget(t *testing.T, ctx context.Context, host string) string {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+host+"/json/list", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("list chromium's tabs: %v", err)
	}
	defer resp.Body.Close()
	var targets []struct {
		Type                 string `json:"type"`
		WebSocketDebuggerURL string `json:"webSocketDebuggerUrl"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&targets); err != nil {
		t.Fatalf("chromium's tab list: %v", err)
	}
	for _, target := range targets {
		if target.Type == "page" && target.WebSocketDebuggerURL != "" {
			return target.WebSocketDebuggerURL
		}
	}
	t.Fatalf("chromium has no tab: %+v", targets)
	return ""
}

// read dispatches answers to their callers and records events.
func (p *browserPage) read() {
	for {
		_, data, err := p.conn.Read(p.ctx)
		if err != nil {
			return
		}
		var m cdpMessage
		if err := json.Unmarshal(data, &m); err != nil {
			continue
		}
		p.mu.Lock()
		if m.ID != 0 {
			if ch, ok := p.pending[m.ID]; ok {
				delete(p.pending, m.ID)
				ch <- m
			}
		} else {
			p.events = append(p.events, m)
		}
		p.mu.Unlock()
	}
}

// call sends a command and returns its result; an error answer fails the test.
func (p *browserPage) call(method string, params any) json.RawMessage {
	p.t.Helper()
	if params == nil {
		params = struct{}{}
	}
	p.mu.Lock()
	p.nextID++
	id := p.nextID
	ch := make(chan cdpMessage, 1)
	p.pending[id] = ch
	p.mu.Unlock()
	msg, err := json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	if err != nil {
		p.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	if err := p.conn.Write(ctx, websocket.MessageText, msg); err != nil {
		p.t.Fatalf("CDP %s: %v", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			p.t.Fatalf("CDP %s: %d %s", method, m.Error.Code, m.Error.Message)
		}
		return m.Result
	case <-ctx.Done():
		p.t.Fatalf("CDP %s: no answer in 30 s", method)
		return nil
	}
}

// navigate opens url in the tab.
func (p *browserPage) navigate(url string) {
	p.t.Helper()
	var r struct {
		ErrorText string `json:"errorText"`
	}
	if err := json.Unmarshal(p.call("Page.navigate", map[string]any{"url": url}), &r); err != nil {
		p.t.Fatal(err)
	}
	if r.ErrorText != "" {
		p.t.Fatalf("navigate to %s: %s", url, r.ErrorText)
	}
}

// eval runs a JavaScript expression in the page (awaiting a promise) and
// decodes its JSON value into out (nil to drop it); an exception fails the test.
func (p *browserPage) eval(expr string, out any) {
	p.t.Helper()
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	raw := p.call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true})
	if err := json.Unmarshal(raw, &r); err != nil {
		p.t.Fatal(err)
	}
	if r.ExceptionDetails != nil {
		p.t.Fatalf("evaluate %s: %s %s", expr, r.ExceptionDetails.Text, r.ExceptionDetails.Exception.Description)
	}
	if out != nil && len(r.Result.Value) > 0 {
		if err := json.Unmarshal(r.Result.Value, out); err != nil {
			p.t.Fatalf("evaluate %s: decode %s: %v", expr, r.Result.Value, err)
		}
	}
}

// waitFor polls a JavaScript expression until it is true, failing the test
// with what, and the page's text, after timeout.
func (p *browserPage) waitFor(what, expr string, timeout time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var ok bool
		p.eval("Boolean("+expr+")", &ok)
		if ok {
			return
		}
		if time.Now().After(deadline) {
			var text string
			p.eval("document.body ? document.body.innerText : ''", &text)
			p.t.Fatalf("waited %v for %s; the page shows:\n%.3000s\nthe browser's errors: %q", timeout, what, text, p.consoleErrors())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// pressCtrlEnter sends Ctrl-Enter to the focused element as keyboard events.
func (p *browserPage) pressCtrlEnter() {
	p.t.Helper()
	const ctrl = 2
	for _, typ := range []string{"rawKeyDown", "keyUp"} {
		p.call("Input.dispatchKeyEvent", map[string]any{
			"type": typ, "modifiers": ctrl, "key": "Enter", "code": "Enter",
			"windowsVirtualKeyCode": 13, "nativeVirtualKeyCode": 13,
		})
	}
}

// eventsNamed returns the params of the events of one method so far, in order.
func (p *browserPage) eventsNamed(method string) []json.RawMessage {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []json.RawMessage
	for _, e := range p.events {
		if e.Method == method {
			out = append(out, e.Params)
		}
	}
	return out
}

// browserRequest is one request the page sent, with its answer's status
// (0 while none arrived).
type browserRequest struct {
	ID        string
	URL       string
	Method    string
	Type      string
	Operation string // operationName of a GraphQL POST body
	Status    int
}

// requests returns the page's requests so far, in the order they were sent.
func (p *browserPage) requests() []browserRequest {
	p.t.Helper()
	p.mu.Lock()
	events := append([]cdpMessage(nil), p.events...)
	p.mu.Unlock()
	var out []browserRequest
	index := map[string]int{}
	for _, e := range events {
		switch e.Method {
		case "Network.requestWillBeSent":
			var ev struct {
				RequestID string `json:"requestId"`
				Type      string `json:"type"`
				Request   struct {
					URL      string `json:"url"`
					Method   string `json:"method"`
					PostData string `json:"postData"`
				} `json:"request"`
			}
			if err := json.Unmarshal(e.Params, &ev); err != nil {
				p.t.Fatal(err)
			}
			r := browserRequest{ID: ev.RequestID, URL: ev.Request.URL, Method: ev.Request.Method, Type: ev.Type}
			var body struct {
				OperationName string `json:"operationName"`
			}
			if ev.Request.PostData != "" && json.Unmarshal([]byte(ev.Request.PostData), &body) == nil {
				r.Operation = body.OperationName
			}
			index[ev.RequestID] = len(out)
			out = append(out, r)
		case "Network.responseReceived":
			var ev struct {
				RequestID string `json:"requestId"`
				Type      string `json:"type"`
				Response  struct {
					Status int `json:"status"`
				} `json:"response"`
			}
			if err := json.Unmarshal(e.Params, &ev); err != nil {
				p.t.Fatal(err)
			}
			if i, ok := index[ev.RequestID]; ok && ev.Type != "Preflight" {
				out[i].Status = ev.Response.Status
			}
		}
	}
	return out
}

// consoleErrors returns the page's console errors and uncaught exceptions
// so far, and the browser's error log entries (a refused script, a CSP
// violation, a failed request) whose source is not one of allowedSources.
func (p *browserPage) consoleErrors(allowedSources ...string) []string {
	p.t.Helper()
	var out []string
	for _, raw := range p.eventsNamed("Runtime.consoleAPICalled") {
		var ev struct {
			Type string `json:"type"`
			Args []struct {
				Value       any    `json:"value"`
				Description string `json:"description"`
			} `json:"args"`
		}
		if err := json.Unmarshal(raw, &ev); err != nil {
			p.t.Fatal(err)
		}
		if ev.Type == "error" || ev.Type == "assert" {
			var b bytes.Buffer
			for _, a := range ev.Args {
				fmt.Fprintf(&b, "%v %s ", a.Value, a.Description)
			}
			out = append(out, "console: "+b.String())
		}
	}
	for _, raw := range p.eventsNamed("Runtime.exceptionThrown") {
		out = append(out, "exception: "+string(raw))
	}
	for _, raw := range p.eventsNamed("Log.entryAdded") {
		var ev struct {
			Entry struct {
				Source string `json:"source"`
				Level  string `json:"level"`
				Text   string `json:"text"`
				URL    string `json:"url"`
			} `json:"entry"`
		}
		if err := json.Unmarshal(raw, &ev); err != nil {
			p.t.Fatal(err)
		}
		allowed := false
		for _, s := range allowedSources {
			allowed = allowed || ev.Entry.Source == s
		}
		if ev.Entry.Level == "error" && !allowed {
			out = append(out, fmt.Sprintf("log (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
		}
	}
	return out
}

// screenshot writes a PNG of the tab to path (for a person looking at a failure).
func (p *browserPage) screenshot(path string) {
	p.t.Helper()
	var r struct {
		Data []byte `json:"data"`
	}
	if err := json.Unmarshal(p.call("Page.captureScreenshot", map[string]any{"format": "png"}), &r); err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(path, r.Data, 0o644); err != nil {
		p.t.Fatal(err)
	}
}
