package httpapi

import (
	"net/http"

	"github.com/gqlneo/gqlneo/apierr"
	"github.com/gqlneo/gqlneo/bookmarks"
)

// withBookmarks reads the request's X-Neo4j-Bookmark header (a bad one is
// 400 BAD_REQUEST, before any work), makes the request's reads wait for it,
// and answers the bookmark of the request's last write in the same header.
// The header is added when the answer's status is written, by which time
// every write of a GraphQL request has committed.
func withBookmarks(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		values := r.Header.Values(bookmarks.Header)
		if len(values) > 1 {
			apierr.Write(w, apierr.New(apierr.BadRequest, "Send at most one "+bookmarks.Header+" header.", "reason", "bookmark"))
			return
		}
		var after []string
		if len(values) == 1 {
			var err error
			if after, err = bookmarks.Parse(values[0]); err != nil {
				apierr.Write(w, apierr.New(apierr.BadRequest,
					"The "+bookmarks.Header+" header is malformed; send back the value a previous answer carried.", "reason", "bookmark"))
				return
			}
		}
		ctx, rec := bookmarks.NewContext(r.Context(), after)
		next.ServeHTTP(&bookmarkWriter{ResponseWriter: w, rec: rec}, r.WithContext(ctx))
	})
}

// bookmarkWriter adds the bookmark header just before the status goes out.
type bookmarkWriter struct {
	http.ResponseWriter
	rec     *bookmarks.Recorder
	written bool
}

func (b *bookmarkWriter) WriteHeader(code int) {
	if !b.written {
		b.written = true
		if v := b.rec.Value(); v != "" {
			b.Header().Set(bookmarks.Header, v)
		}
	}
	b.ResponseWriter.WriteHeader(code)
}

func (b *bookmarkWriter) Write(p []byte) (int, error) {
	if !b.written {
		b.WriteHeader(http.StatusOK)
	}
	return b.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection.
func (b *bookmarkWriter) Unwrap() http.ResponseWriter { return b.ResponseWriter }

// Flush lets event streams (SSE subscriptions) through the writer.
func (b *bookmarkWriter) Flush() {
	if !b.written {
		b.WriteHeader(http.StatusOK)
	}
	if f, ok := b.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
