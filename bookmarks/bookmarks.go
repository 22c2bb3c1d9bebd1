// Package bookmarks carries Neo4j bookmarks through a request, for
// read-your-writes on a cluster. A request that wrote gets the bookmark of
// its last committed transaction back (the X-Neo4j-Bookmark response header
// and extensions.bookmark); a request that sends it back in the
// X-Neo4j-Bookmark request header is served by a Neo4j member that has
// applied at least that transaction, whichever replica of this server and
// whichever cluster member answers it. Bookmarks are opaque to this server:
// it checks their shape and size and hands them to the driver.
//
// The HTTP edge parses the header (Parse) and starts a Recorder; the
// repository reads After and records what its write sessions commit; the
// GraphQL layer and the HTTP edge report the Recorder's Value.
package bookmarks

import (
	"context"
	"errors"
	"strings"
	"sync"
)

// Header is the request and response header that carries bookmarks.
const Header = "X-Neo4j-Bookmark"

// Bounds of a well-formed header: a few bookmarks (one per database a
// request touched; this server uses one database), each of the characters
// Neo4j writes (base64 and the version prefix).
const (
	MaxHeaderBytes = 1024
	MaxBookmarks   = 4
	maxOneBytes    = 256
)

// ErrMalformed means the header is not a list of bookmarks this server could
// have issued.
var ErrMalformed = errors.New("malformed bookmark header")

// Parse reads a header value: bookmarks separated by commas. "" is none.
func Parse(value string) ([]string, error) {
	if value == "" {
		return nil, nil
	}
	if len(value) > MaxHeaderBytes {
		return nil, ErrMalformed
	}
	parts := strings.Split(value, ",")
	if len(parts) > MaxBookmarks {
		return nil, ErrMalformed
	}
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" || len(p) > maxOneBytes || !wellFormed(p) {
			return nil, ErrMalformed
		}
		out = append(out, p)
	}
	return out, nil
}

// Format writes bookmarks as a header value (what Parse reads).
func Format(bms []string) string { return strings.Join(bms, ",") }

func wellFormed(b string) bool {
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == ':' || c == '+' || c == '/' || c == '=' || c == '_' || c == '-' || c == '.':
		default:
			return false
		}
	}
	return true
}

type ctxKey struct{}

// Recorder holds a request's bookmarks: those it arrived with, replaced by
// those of each write it commits. It is safe for concurrent use (resolvers
// of one request may run in parallel).
type Recorder struct {
	mu      sync.Mutex
	current []string
	wrote   bool
}

// NewContext returns ctx carrying a Recorder that starts from after (the
// request's header; may be nil).
func NewContext(ctx context.Context, after []string) (context.Context, *Recorder) {
	r := &Recorder{current: after}
	return context.WithValue(ctx, ctxKey{}, r), r
}

// FromContext returns ctx's Recorder, or nil.
func FromContext(ctx context.Context) *Recorder {
	r, _ := ctx.Value(ctxKey{}).(*Recorder)
	return r
}

// After returns the bookmarks a new session of ctx's request must wait for:
// the request's own, or those of its latest write. Nil when none.
func After(ctx context.Context) []string {
	r := FromContext(ctx)
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.current...)
}

// Wrote records the bookmarks a committed write session of ctx's request
// ended with; they supersede the earlier ones, since that session started
// from them.
func Wrote(ctx context.Context, bms []string) {
	r := FromContext(ctx)
	if r == nil || len(bms) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.current = append([]string(nil), bms...)
	r.wrote = true
}

// Value is the header value to answer with: the bookmarks of the request's
// latest write, or "" when it wrote nothing.
func (r *Recorder) Value() string {
	if r == nil {
		return ""
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.wrote {
		return ""
	}
	return Format(r.current)
}

// Untracked returns ctx for bookkeeping writes that are not the request's
// own (recording an identity as seen): they still wait for the request's
// bookmarks, but the answer does not report them as a write.
func Untracked(ctx context.Context) context.Context {
	return context.WithValue(ctx, ctxKey{}, &Recorder{current: After(ctx)})
}
