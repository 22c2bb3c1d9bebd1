package httpapi

import (
	"net/http"
	"time"

	"github.com/rs/cors"
)

// CORS is the cross-origin policy of the browser-facing routes (/graphql
// and /graphql/schema.graphqls).
type CORS struct {
	// AllowedOrigins are the exact origins (scheme://host[:port]) whose
	// pages may call the API; "*" alone allows every origin. None (the
	// default) allows no cross-origin caller.
	AllowedOrigins []string
	// MaxAge is how long a browser may cache a preflight's answer
	// (Access-Control-Max-Age); zero asks it not to cache.
	MaxAge time.Duration
}

// corsAllowedHeaders are the request headers a cross-origin caller may
// send: the bearer token and the media types, what Apollo Client sends
// (client awareness, and the CSRF-prevention headers Apollo's docs have
// clients add), the caller's request id, and W3C trace context from
// browser tracing. Preflights asking for any other header get no CORS
// headers, and the browser does not send the request.
var corsAllowedHeaders = []string{
	"Authorization", "Content-Type", "Accept",
	"Apollo-Require-Preflight", "X-Apollo-Operation-Name",
	"Apollographql-Client-Name", "Apollographql-Client-Version",
	"Apollographql-Library-Name", "Apollographql-Library-Version",
	RequestIDHeader, "Traceparent", "Tracestate",
}

// corsExposedHeaders are the response headers a cross-origin page may read:
// the request id (to quote in a bug report), why a token was refused, and
// how long to wait before retrying.
var corsExposedHeaders = []string{RequestIDHeader, "WWW-Authenticate", "Retry-After"}

// withCORS answers preflights and marks answers for allowed origins.
// Credentials (cookies, TLS client certificates) are never allowed: the API
// authenticates with a bearer token the page sends in Authorization, so a
// browser's ambient credentials must not count, and `*` stays safe to
// offer. Every answer carries Vary: Origin, so caches keep them apart.
func withCORS(c CORS, next http.Handler) http.Handler {
	opts := cors.Options{
		AllowedMethods:   []string{http.MethodGet, http.MethodPost},
		AllowedHeaders:   corsAllowedHeaders,
		ExposedHeaders:   corsExposedHeaders,
		AllowCredentials: false,
		MaxAge:           int(c.MaxAge / time.Second),
	}
	if opts.MaxAge == 0 {
		opts.MaxAge = -1 // rs/cors: a negative value sends Access-Control-Max-Age: 0
	}
	if len(c.AllowedOrigins) == 1 && c.AllowedOrigins[0] == "*" {
		opts.AllowedOrigins = []string{"*"}
	} else {
		// An exact set; rs/cors reads an empty AllowedOrigins as "every
		// origin", so the set is consulted through a function instead.
		allowed := make(map[string]bool, len(c.AllowedOrigins))
		for _, o := range c.AllowedOrigins {
			allowed[o] = true
		}
		opts.AllowOriginFunc = func(origin string) bool { return allowed[origin] }
	}
	return cors.New(opts).Handler(next)
}
