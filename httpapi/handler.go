package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gqlneo/gqlneo/apierr"
	"github.com/gqlneo/gqlneo/httpapi/graphiql"
)

// ReadinessCheck reports whether a dependency is ready; name appears in /readyz.
type ReadinessCheck struct {
	Name  string
	Check func(ctx context.Context) error
}

// RequestObserver counts HTTP requests, for metrics.
type RequestObserver interface {
	ObserveRequest(route string, status int)
}

// Config is what the HTTP edge needs.
type Config struct {
	// GraphQL serves /graphql; it receives requests after the edge's
	// middleware and Auth (when set).
	GraphQL http.Handler
	// Auth wraps the GraphQL handler (the JWT middleware).
	Auth func(http.Handler) http.Handler
	// Metrics serves /metrics; nil disables the route.
	Metrics http.Handler
	// Observer counts requests; may be nil.
	Observer RequestObserver
	// Ready lists the checks /readyz runs.
	Ready []ReadinessCheck
	// HookSecret authenticates POST /hooks/auth0/user-registered; "" disables it (404).
	HookSecret string
	// Register stores a user-registered event.
	Register RegisterFunc
	// GraphiQL serves the GraphiQL IDE at / and its files under /graphiql/assets/.
	GraphiQL bool
	// Schema is the SDL served at GET /graphql/schema.graphqls; "" disables
	// the route.
	Schema string
	// CORS is the cross-origin policy of /graphql and the schema route.
	CORS CORS
	// MaxBodyBytes caps request bodies (413 beyond).
	MaxBodyBytes int64
	// RequestTimeout is the deadline of each GraphQL request's context.
	RequestTimeout time.Duration
	// TrustedProxies are the networks whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	Logger         *slog.Logger
}

// NewHandler builds the server's whole HTTP handler.
func NewHandler(cfg Config) http.Handler {
	mux := http.NewServeMux()
	gql := cfg.GraphQL
	if cfg.Auth != nil {
		gql = cfg.Auth(gql)
	}
	gql = withDeadline(cfg.RequestTimeout, withBodyLimit(cfg.MaxBodyBytes, withClientIP(cfg.TrustedProxies, gql)))
	mux.Handle("/graphql", withCORS(cfg.CORS, gql))
	if cfg.Schema != "" {
		mux.Handle("/graphql/schema.graphqls", withCORS(cfg.CORS, schemaHandler(cfg.Schema)))
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", readyz(cfg.Ready))
	mux.Handle("POST /hooks/auth0/user-registered", withDeadline(cfg.RequestTimeout, userRegisteredHook(cfg.HookSecret, cfg.Register, cfg.Logger)))
	if cfg.Metrics != nil {
		mux.Handle("GET /metrics", cfg.Metrics)
	}
	// Anything else is a JSON 404 with a code, like every error the server writes.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		apierr.Write(w, apierr.New(apierr.NotFound, "There is nothing at "+routeOf(r.URL.Path)+"; the API is at /graphql."))
	})
	if cfg.GraphiQL {
		mux.Handle("GET /{$}", graphiql.Page("/graphql"))
		mux.Handle("GET "+graphiql.AssetsPath, graphiql.Assets())
	}
	return withRequestID(withAccessLog(cfg.Logger, cfg.Observer, withRecover(cfg.Logger, mux)))
}

func readyz(checks []ReadinessCheck) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		status := http.StatusOK
		result := map[string]string{}
		for _, c := range checks {
			if err := c.Check(ctx); err != nil {
				status = http.StatusServiceUnavailable
				result[c.Name] = "unavailable"
				continue
			}
			result[c.Name] = "ok"
		}
		writeJSON(w, status, result)
	}
}

func withDeadline(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func withBodyLimit(n int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > n {
			apierr.Write(w, apierr.New(apierr.RequestTooLarge, "The request body is too large."))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, n)
		next.ServeHTTP(w, r)
	})
}

// statusRecorder remembers the status written, for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func withAccessLog(logger *slog.Logger, obs RequestObserver, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		route := routeOf(r.URL.Path)
		if obs != nil {
			obs.ObserveRequest(route, rec.status)
		}
		if route == "/metrics" || route == "/healthz" || route == "/readyz" {
			return
		}
		logger.InfoContext(r.Context(), "request", "method", r.Method, "route", route,
			"status", rec.status, "duration_ms", float64(time.Since(start).Microseconds())/1000)
	})
}

// routeOf bounds the route label to the known routes.
func routeOf(path string) string {
	switch path {
	case "/graphql", "/graphql/schema.graphqls", "/healthz", "/readyz", "/metrics", "/", "/hooks/auth0/user-registered":
		return path
	}
	if strings.HasPrefix(path, graphiql.AssetsPath) {
		return graphiql.AssetsPath
	}
	return "other"
}

func withRecover(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				logger.ErrorContext(r.Context(), "panic", "panic", v, "stack", string(debug.Stack()))
				apierr.Write(w, apierr.InternalError(RequestIDFromContext(r.Context())))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
