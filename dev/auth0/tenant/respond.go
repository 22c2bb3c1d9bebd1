package tenant

import (
	"encoding/json"
	"net/http"
)

// oauthError is an error answer of the Authentication API in its OAuth shape,
// {"error": ..., "error_description": ...}, plus the extra members some errors carry.
type oauthError struct {
	status      int
	code        string
	description string
	extra       map[string]any
	header      http.Header
}

func (e *oauthError) Error() string { return e.code + ": " + e.description }

func newOAuthError(status int, code, description string) *oauthError {
	return &oauthError{status: status, code: code, description: description}
}

func (e *oauthError) body() map[string]any {
	b := map[string]any{"error": e.code, "error_description": e.description}
	for k, v := range e.extra {
		b[k] = v
	}
	return b
}

// writeJSON writes v as a JSON response with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // Auth0 writes "&" and "<" literally, e.g. in the password policy text.
	_ = enc.Encode(v)        // an error means the client went away; there is nothing useful to do
}

// writeOAuthError writes e with its headers.
func writeOAuthError(w http.ResponseWriter, e *oauthError) {
	for k, vs := range e.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	writeJSON(w, e.status, e.body())
}
