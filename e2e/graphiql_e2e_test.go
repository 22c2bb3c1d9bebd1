package e2e

import (
	"strings"
	"testing"
	"time"
)

// TestGraphiQLRunsOperationsInChromium loads GraphiQL from the real server in
// a headless Chromium whose only network is that server, runs the default
// tab's Login with Ctrl-Enter (which puts the Bearer token into the Headers
// pane), then its Me, and reads both results from the result pane. The page
// requests nothing from elsewhere and logs no error (its CSP refuses
// anything not from the server).
func TestGraphiQLRunsOperationsInChromium(t *testing.T) {
	s := startServer(t, map[string]string{"GRAPHIQL_ENABLED": "true"})
	page := startChromium(t)
	page.navigate(s.URL + "/")

	const editor = `document.querySelector('.graphiql-query-editor .CodeMirror')`
	const result = `document.querySelector('.graphiql-response .CodeMirror')`
	page.waitFor("GraphiQL's query editor with the default tab", editor+`?.CodeMirror?.getValue().includes('mutation Login')`, 20*time.Second)

	// run puts the cursor into the named operation and presses Ctrl-Enter,
	// which runs the operation under the cursor.
	run := func(operation, want string) {
		t.Helper()
		page.eval(`(() => {
			const cm = `+editor+`.CodeMirror;
			const line = cm.getValue().split('\n').findIndex(l => l.startsWith('`+operation+`'));
			cm.focus();
			cm.setCursor({line, ch: 0});
		})()`, nil)
		page.pressCtrlEnter()
		page.waitFor(operation+"'s result", result+`?.CodeMirror?.getValue().includes('`+want+`')`, 20*time.Second)
	}
	run("mutation Login", `"accessToken"`)
	page.waitFor("the Bearer token in the Headers pane",
		`[...document.querySelectorAll('.graphiql-editor-tool .CodeMirror')].some(e => e.CodeMirror.getValue().includes('"Authorization": "Bearer '))`, 10*time.Second)
	run("query Me", `"alice@example.com"`)
	var shown string
	page.eval(result+`.CodeMirror.getValue()`, &shown)
	if !strings.Contains(shown, `"name": "Alice Liddell"`) || strings.Contains(shown, `"errors"`) {
		t.Errorf("Me's result:\n%s", shown)
	}

	for _, r := range page.requests() {
		if !strings.HasPrefix(r.URL, s.URL+"/") && !strings.HasPrefix(r.URL, "data:") {
			t.Errorf("GraphiQL requested %.200s: the page must need nothing but the server", r.URL)
		}
	}
	for _, e := range page.consoleErrors() {
		t.Errorf("browser: %.300s", e)
	}
}
