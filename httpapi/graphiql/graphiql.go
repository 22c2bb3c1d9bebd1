package graphiql

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"net/http"
	"strconv"
	"strings"
)

// AssetsPath is the path prefix under which Assets serves the page's files.
const AssetsPath = "/graphiql/assets/"

//go:embed page.html static vendor
var files embed.FS

const (
	javascript = "text/javascript; charset=utf-8"
	css        = "text/css; charset=utf-8"
	text       = "text/plain; charset=utf-8"
)

// csp lets the page load scripts, styles and data only from its own origin.
// data: is allowed for fonts and images because graphiql.min.css inlines its
// fonts and icons that way; nothing is allowed inline or from another host.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// asset is one file the page may reference, held in memory.
type asset struct {
	contentType string
	body        []byte
	// version is a hash of body; it is part of the URL so that a changed
	// file gets a new URL and an old one may be cached forever.
	version string
}

// URL is the path at which Assets serves a.
func (a asset) url(name string) string {
	return AssetsPath + a.version + "/" + name
}

// assets maps a file's name in its URL to the file. The licenses are served
// too, because the bundles ship to every browser that opens the page.
var assets = loadAssets(map[string]string{
	"react.production.min.js":     javascript,
	"react-dom.production.min.js": javascript,
	"graphiql.min.js":             javascript,
	"graphiql.min.css":            css,
	"LICENSE.graphiql":            text,
	"LICENSE.react":               text,
	"LICENSE.react-dom":           text,
	"page.js":                     javascript,
	"page.css":                    css,
})

func loadAssets(types map[string]string) map[string]asset {
	out := make(map[string]asset, len(types))
	for name, ct := range types {
		dir := "vendor/"
		if strings.HasPrefix(name, "page.") {
			dir = "static/"
		}
		body, err := files.ReadFile(dir + name)
		if err != nil {
			panic("graphiql: embedded file missing: " + err.Error())
		}
		sum := sha256.Sum256(body)
		out[name] = asset{contentType: ct, body: body, version: hex.EncodeToString(sum[:8])}
	}
	return out
}

var page = template.Must(template.ParseFS(files, "page.html"))

// Page serves the GraphiQL page for the GraphQL endpoint at endpoint, a path
// on the same origin (such as "/graphql"): the Content-Security-Policy
// refuses any other origin.
func Page(endpoint string) http.Handler {
	urls := make(map[string]string, len(assets))
	for name, a := range assets {
		urls[name] = a.url(name)
	}
	var buf bytes.Buffer
	if err := page.Execute(&buf, map[string]any{"Endpoint": endpoint, "Asset": urls}); err != nil {
		panic("graphiql: page template: " + err.Error())
	}
	body := buf.Bytes()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", csp)
		// The page names the current build's asset URLs, so it must be revalidated.
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	})
}

// Assets serves the files Page references, at AssetsPath/{version}/{name}.
// A version other than the current file's answers 404 rather than serving
// different bytes under a URL a browser may cache for a year.
func Assets() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		version, name, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, AssetsPath), "/")
		a, ok := assets[name]
		if !ok || a.version != version {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", a.contentType)
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Length", strconv.Itoa(len(a.body)))
		_, _ = w.Write(a.body)
	})
}
