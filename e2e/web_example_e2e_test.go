package e2e

import (
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gqlneo/gqlneo/dev/auth0/tenant"
)

// exampleDir is the frontend example the test drives.
const exampleDir = "../examples/web"

// builtExample returns examples/web/dist, building it (`npm run build`:
// type check, then Vite) when it is missing or older than a source. `make
// test` installs the example's node_modules (npm ci) and builds it first.
func builtExample(t *testing.T) string {
	t.Helper()
	dist := filepath.Join(exampleDir, "dist")
	built, err := os.Stat(filepath.Join(dist, "index.html"))
	stale := err != nil
	if !stale {
		sources := []string{"index.html", ".env", "package-lock.json", "tsconfig.json", "vite.config.js", "src"}
		for _, src := range sources {
			_ = filepath.WalkDir(filepath.Join(exampleDir, src), func(path string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if info, err := d.Info(); err == nil && !d.IsDir() && info.ModTime().After(built.ModTime()) {
					stale = true
				}
				return nil
			})
		}
	}
	if !stale {
		return dist
	}
	if _, err := os.Stat(filepath.Join(exampleDir, "node_modules", ".package-lock.json")); err != nil {
		t.Fatal("examples/web/node_modules is missing: run `npm ci` in examples/web (make test does)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "run", "build")
	cmd.Dir = exampleDir
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm run build in examples/web: %v\n%s", err, out)
	}
	t.Logf("built examples/web in %v (dist was missing or stale)", time.Since(start).Round(time.Millisecond))
	return dist
}

// serveExample serves dist on a loopback server of its own (so another
// origin than the API's), with the page's graphql-endpoint meta pointing at
// api, as a deployment would rewrite it. start starts it; the origin is
// known before, so the API can allow it.
func serveExample(t *testing.T, dist string) (origin string, start func(api string)) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	t.Cleanup(srv.Close)
	index, err := os.ReadFile(filepath.Join(dist, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	meta := regexp.MustCompile(`(<meta name="graphql-endpoint" content=")[^"]*(")`)
	if !meta.Match(index) {
		t.Fatal("examples/web/dist/index.html has no graphql-endpoint meta")
	}
	return "http://" + srv.Listener.Addr().String(), func(api string) {
		page := meta.ReplaceAll(index, []byte("${1}"+api+"${2}"))
		files := http.FileServer(http.Dir(dist))
		srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/" || r.URL.Path == "/index.html" {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				_, _ = w.Write(page)
				return
			}
			files.ServeHTTP(w, r)
		})
		srv.Start()
	}
}

// TestWebExampleInChromium drives examples/web, served from another origin
// than the API's, in a headless Chromium against the real server: a wrong
// password shows INVALID_CREDENTIALS; logging in shows me's name; the feed
// loads and a second page joins it; an expired access token is refreshed
// once for two requests that found it expired, and both are sent again; a
// like updates the count from the mutation's answer, with no request for
// the feed.
func TestWebExampleInChromium(t *testing.T) {
	dist := builtExample(t)
	origin, startExample := serveExample(t, dist)

	// Access tokens live an hour here; a login while the tenant's clock runs
	// (hour - tokenLife) late gets one that expires tokenLife after it.
	const tokenLife = 6 * time.Second
	var lateBy atomic.Int64
	api := tenant.DevAPI()
	api.TokenLifetime = time.Hour
	s := startServer(t, map[string]string{
		"CORS_ALLOWED_ORIGINS": origin,
		"GRAPHIQL_ENABLED":     "true",
		"JWT_CLOCK_SKEW":       "0s", // expired means expired, at once
	}, tenant.WithAPIs(api), tenant.WithClock(func() time.Time {
		return time.Now().Add(-time.Duration(lateBy.Load()))
	}))
	startExample(s.URL + "/graphql")

	// Seven posts in the user's own feed: a page of five, then two.
	user := newUser(t, s.Tenant)
	token, _ := s.mustLogin(t, user.Email, demoPassword)
	for i := 1; i <= 7; i++ {
		s.gql(t, token, `mutation($in: CreatePostInput!) { createPost(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"title": fmt.Sprintf("Post %d", i), "body": "body"}})
	}

	page := startChromium(t)
	page.navigate(origin + "/")
	page.waitFor("the login form, ready", `document.querySelector('#login-submit')?.disabled === false`, 15*time.Second)

	login := func(password string) {
		t.Helper()
		page.eval(fmt.Sprintf(`(() => {
			document.querySelector('#username').value = %q;
			document.querySelector('#password').value = %q;
			document.querySelector('#login-form').requestSubmit();
		})()`, user.Email, password), nil)
	}
	login("not-the-password")
	page.waitFor("INVALID_CREDENTIALS shown", `[...document.querySelectorAll('#errors .error-code')].some(e => e.textContent === 'INVALID_CREDENTIALS')`, 15*time.Second)

	lateBy.Store(int64(time.Hour - tokenLife))
	loggedIn := time.Now()
	login(demoPassword)
	page.waitFor("me's name", fmt.Sprintf(`document.querySelector('#me-name').textContent === %q`, user.Name), 15*time.Second)
	lateBy.Store(0) // tokens from here on (the refreshed one) live an hour
	page.waitFor("the feed's first page", `document.querySelectorAll('#feed > li').length === 5 && !document.querySelector('#more').disabled`, 15*time.Second)
	var status string
	page.eval(`document.querySelector('#feed-status').textContent`, &status)
	if status != "Showing 5 of 7 posts." {
		t.Errorf("feed status = %q", status)
	}

	// Past the token's expiry, fetch the second page and like the first post
	// at once: both requests are refused with 401, one refresh serves both,
	// and both are sent again with the new token.
	time.Sleep(time.Until(loggedIn.Add(tokenLife + 500*time.Millisecond)))
	before := len(page.requests())
	page.eval(`(() => {
		document.querySelector('#more').click();
		document.querySelector('#feed > li:first-child button.like').click();
	})()`, nil)
	page.waitFor("the second page and the first like", `document.querySelectorAll('#feed > li').length === 7 &&
		document.querySelector('#feed > li:first-child .like-count').textContent === '1 like' &&
		document.querySelector('#feed > li:first-child button.like').getAttribute('aria-pressed') === 'true'`, 20*time.Second)

	graphqlPOSTs := func(from int) map[string][]int {
		out := map[string][]int{}
		for _, r := range page.requests()[from:] {
			if r.Method == http.MethodPost && r.Operation != "" {
				out[r.Operation] = append(out[r.Operation], r.Status)
			}
		}
		return out
	}
	afterExpiry := graphqlPOSTs(before)
	want := map[string][]int{"Feed": {401, 200}, "LikePost": {401, 200}, "Refresh": {200}}
	if fmt.Sprint(afterExpiry) != fmt.Sprint(want) {
		t.Errorf("requests after the token expired (operation: statuses) = %v, want %v", afterExpiry, want)
	}

	// A like answers the Post (id, likeCount, viewerHasLiked): the cache
	// updates it in place, and the feed is not fetched again.
	before = len(page.requests())
	page.eval(`document.querySelector('#feed > li:nth-child(2) button.like').click()`, nil)
	page.waitFor("the second post's like", `document.querySelector('#feed > li:nth-child(2) .like-count').textContent === '1 like'`, 15*time.Second)
	if got := graphqlPOSTs(before); fmt.Sprint(got) != fmt.Sprint(map[string][]int{"LikePost": {200}}) {
		t.Errorf("requests for a like = %v, want only LikePost (no Feed refetch)", got)
	}
	var shown int
	page.eval(`document.querySelectorAll('#feed > li').length`, &shown)
	if shown != 7 {
		t.Errorf("after the like the feed shows %d posts, want 7", shown)
	}

	// Every request went to the example's origin or the API, and the page
	// logged no error but the browser's own lines for the two 401 answers.
	for _, r := range page.requests() {
		if !strings.HasPrefix(r.URL, origin+"/") && !strings.HasPrefix(r.URL, s.URL+"/") && !strings.HasPrefix(r.URL, "data:") {
			t.Errorf("the page requested %.200s", r.URL)
		}
	}
	for _, e := range page.consoleErrors("network") {
		t.Errorf("browser: %.300s", e)
	}
	if shot := os.Getenv("WEB_EXAMPLE_SCREENSHOT"); shot != "" {
		page.screenshot(shot)
	}
}
