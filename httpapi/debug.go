package httpapi

import (
	"net/http"
	"net/http/pprof"
)

// DebugHandler serves Go's runtime profiles under /debug/pprof/, for the
// loopback-only DEBUG_ADDR listener; it is never mounted on the API's own
// routes.
func DebugHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}
