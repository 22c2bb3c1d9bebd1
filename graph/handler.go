package graph

import (
	"context"
	"log/slog"
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
)

// Limits bound what one GraphQL document may cost.
type Limits struct {
	// TokenLimit caps the lexer tokens the parser reads (refuses huge alias lists early).
	TokenLimit int
	// MaxDepth caps field nesting.
	MaxDepth int
	// MaxComplexity caps an operation's cost (see costLimit).
	MaxComplexity int
}

// OperationObserver receives each finished operation, for metrics.
type OperationObserver interface {
	ObserveOperation(name string, d time.Duration)
	ErrorObserver
}

// HandlerConfig is everything NewHandler needs besides the resolver.
type HandlerConfig struct {
	Limits    Limits
	Logger    *slog.Logger
	RequestID RequestIDFunc
	Observer  OperationObserver
	// Persisted configures persisted queries; the zero value is auto mode
	// with a DefaultPersistedCacheBytes cache.
	Persisted PersistedQueries
}

// NewHandler builds the GraphQL HTTP handler: the executable schema with its
// directives, the one transport, the limits, the error presenter and the
// recover function.
func NewHandler(r *Resolver, cfg HandlerConfig) http.Handler {
	srv := handler.New(NewExecutableSchema(Config{Resolvers: r, Directives: directives()}))
	srv.AddTransport(httpTransport{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.SetParserTokenLimit(cfg.Limits.TokenLimit)
	srv.SetDisableSuggestion(true)
	srv.Use(extension.Introspection{})
	srv.Use(depthLimit{max: cfg.Limits.MaxDepth})
	srv.Use(costLimit{max: cfg.Limits.MaxComplexity, mapping: r.Mapping})
	srv.Use(authFieldLimit{})
	// Last, so auto mode stores only documents every check above accepted.
	srv.Use(newPersistedQueries(cfg.Persisted))
	srv.AroundOperations(resolveViewerOnce)
	p := presenter{logger: cfg.Logger, requestID: cfg.RequestID, observer: cfg.Observer}
	srv.SetErrorPresenter(p.present)
	srv.SetRecoverFunc(recoverPanic)
	names := &operationNames{seen: map[string]bool{}}
	srv.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		start := time.Now()
		resp := next(ctx)
		if cfg.Observer != nil {
			name := "unknown"
			if graphql.HasOperationContext(ctx) {
				opCtx := graphql.GetOperationContext(ctx)
				opName := opCtx.OperationName
				if opName == "" && opCtx.Operation != nil {
					opName = opCtx.Operation.Name
				}
				name = names.label(opName)
			}
			cfg.Observer.ObserveOperation(name, time.Since(start))
		}
		return resp
	})
	return srv
}

var operationNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// operationNames bounds the metric label: client-chosen operation names are
// kept up to a fixed number of distinct values, then reported as "other".
type operationNames struct {
	mu   sync.Mutex
	seen map[string]bool
}

const maxOperationNames = 200

func (o *operationNames) label(name string) string {
	if name == "" {
		return "anonymous"
	}
	if !operationNameRe.MatchString(name) {
		return "other"
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.seen[name] {
		return name
	}
	if len(o.seen) >= maxOperationNames {
		return "other"
	}
	o.seen[name] = true
	return name
}
