package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/gqlneo/gqlneo/apierr"
)

// schemaHandler serves the schema's SDL, exactly as the server compiled it,
// for code generators where introspection is not reachable. An ETag lets
// them revalidate cheaply.
func schemaHandler(sdl string) http.Handler {
	sum := sha256.Sum256([]byte(sdl))
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			apierr.Write(w, apierr.New(apierr.MethodNotAllowed, "The schema is read with GET."))
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("ETag", etag)
		http.ServeContent(w, r, "schema.graphqls", time.Time{}, strings.NewReader(sdl))
	})
}
