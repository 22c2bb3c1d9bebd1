package tenant

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// maxRecordedRequests bounds the request log so that a long-running dev binary does not grow
// without limit; the oldest entries are dropped first.
const maxRecordedRequests = 1000

// Redacted replaces secret values in recorded requests.
const Redacted = "[redacted]"

// secretParams are body parameters whose values are never recorded.
var secretParams = []string{"password", "client_secret", "refresh_token", "mfa_token", "otp"}

// RecordedRequest is what the tenant remembers about a request it served. Secrets are redacted:
// the Authorization header keeps only its scheme, and password, client_secret and refresh_token
// parameters keep only their presence.
type RecordedRequest struct {
	// Time is when the request arrived, by the tenant's clock.
	Time time.Time
	// Method is the HTTP method.
	Method string
	// Path is the URL path.
	Path string
	// Header is a copy of the request headers, with Authorization redacted. The client IP forwarded
	// by a server is Header.Get("auth0-forwarded-for").
	Header http.Header
	// RemoteAddr is the address of the connection's peer.
	RemoteAddr string
	// ClientID is the client_id from the body or from HTTP Basic authentication, if any.
	ClientID string
	// Params holds the parsed body parameters of /oauth/token and /dbconnections/signup with
	// secret values replaced by Redacted; it is nil for other endpoints.
	Params map[string]string
	// Status is the response status, or 0 if the request was abandoned before a response.
	Status int
}

type recordKey struct{}

func newRecordedRequest(r *http.Request, now time.Time) *RecordedRequest {
	h := r.Header.Clone()
	if auth := h.Get("Authorization"); auth != "" {
		scheme, _, _ := strings.Cut(auth, " ")
		h.Set("Authorization", scheme+" "+Redacted)
	}
	return &RecordedRequest{Time: now, Method: r.Method, Path: r.URL.Path, Header: h, RemoteAddr: r.RemoteAddr}
}

// recordParams stores the parsed parameters of the request in ctx, redacting secrets.
func recordParams(ctx context.Context, clientID string, params map[string]string) {
	rec, ok := ctx.Value(recordKey{}).(*RecordedRequest)
	if !ok {
		return
	}
	p := maps.Clone(params)
	for _, k := range secretParams {
		if _, ok := p[k]; ok {
			p[k] = Redacted
		}
	}
	rec.ClientID = clientID
	rec.Params = p
}

func (t *Tenant) record(rec *RecordedRequest) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.requests = append(t.requests, *rec)
	if n := len(t.requests) - maxRecordedRequests; n > 0 {
		t.requests = slices.Delete(t.requests, 0, n)
	}
}

// Requests returns the recorded requests in the order they completed, oldest first. At most the
// last 1000 are kept.
func (t *Tenant) Requests() []RecordedRequest {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]RecordedRequest, len(t.requests))
	for i, r := range t.requests {
		r.Header = r.Header.Clone()
		r.Params = maps.Clone(r.Params)
		out[i] = r
	}
	return out
}

// ResetRequests forgets the recorded requests.
func (t *Tenant) ResetRequests() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.requests = nil
}
