package graph

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	coderws "github.com/coder/websocket"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/gqlneo/gqlneo/apierr"
	"github.com/gqlneo/gqlneo/auth"
	"github.com/gqlneo/gqlneo/domain"
)

// The live transports: graphql-transport-ws over WebSocket (gqlgen's
// transport.Websocket, with our authentication, limits and close codes) and
// server-sent events (gqlgen's transport.SSE behind the HTTP middleware's
// token). A connection lives as long as its token: it is closed at the
// token's exp (plus the clock skew) and when a periodic re-validation fails
// (a signing key that left the JWKS), and the client reconnects with a
// fresh token.

// The graphql-transport-ws close codes this server uses.
const (
	closeUnauthorized = 4401
	closeForbidden    = 4403
	closeInitTimeout  = 4408
	closeInternal     = 1011
)

const graphqlTransportWS = "graphql-transport-ws"

// LiveTransportConfig bounds the live transports.
type LiveTransportConfig struct {
	// InitTimeout is how long a socket may wait before connection_init.
	InitTimeout time.Duration
	// PingInterval is how often the server pings; a socket that has not
	// answered with pong within twice that is closed.
	PingInterval time.Duration
	// PerConnection caps the subscriptions of one socket.
	PerConnection int
	// PerIP caps the open sockets of one client IP.
	PerIP int
	// Revalidate is how often a socket's token is validated again, so a
	// revoked signing key ends it.
	Revalidate time.Duration
	// ClockSkew is added to the token's exp, as the validator allows.
	ClockSkew time.Duration
	// SSEKeepAlive is how often an idle event stream gets a comment line.
	SSEKeepAlive time.Duration
}

// liveConn is one live connection's state: its subscription count and, once
// decided, the close code and reason the socket ends with.
type liveConn struct {
	limit int

	mu     sync.Mutex
	subs   int
	code   int
	reason string
	cancel context.CancelFunc
}

type liveConnKey struct{}

func withLiveConn(ctx context.Context, c *liveConn) context.Context {
	return context.WithValue(ctx, liveConnKey{}, c)
}

// liveConnFromContext is the WebSocket connection of ctx, or nil for other
// transports (whose methods then allow everything).
func liveConnFromContext(ctx context.Context) *liveConn {
	c, _ := ctx.Value(liveConnKey{}).(*liveConn)
	return c
}

// acquire counts one more subscription, unless at the limit.
func (c *liveConn) acquire() bool {
	if c == nil {
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.subs >= c.limit {
		return false
	}
	c.subs++
	return true
}

func (c *liveConn) release() {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.subs--
	c.mu.Unlock()
}

// closeWith ends the connection with code and reason (the first decision wins).
func (c *liveConn) closeWith(code int, reason string) {
	c.mu.Lock()
	if c.code == 0 {
		c.code, c.reason = code, reason
	}
	cancel := c.cancel
	c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// closeStatus replaces the status gqlgen closes with by the one decided
// here: its own closes on cancel are a plain 1000, and its init timeout a
// 1002, where graphql-transport-ws asks for 4408.
func (c *liveConn) closeStatus(code int, reason string) (int, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.code != 0 {
		return c.code, c.reason
	}
	if code == transport.WebsocketCloseProtocolError && reason == "connection initialisation timeout" {
		return closeInitTimeout, "Connection initialisation timeout"
	}
	return code, reason
}

// slowConsumer tells a WebSocket subscriber why its subscription ended.
func (c *liveConn) slowConsumer(ctx context.Context) {
	if c == nil {
		return
	}
	transport.AddSubscriptionError(ctx, refusal(apierr.New(apierr.SlowConsumer, "The subscription fell too far behind and was ended; subscribe again.")))
}

// wsTransport is graphql-transport-ws at /graphql.
type wsTransport struct {
	ws  transport.Websocket
	cfg LiveTransportConfig
	obs LiveObserver
	ip  func(ctx context.Context) string

	mu    sync.Mutex
	perIP map[string]int
}

var _ graphql.Transport = (*wsTransport)(nil)

// newWSTransport builds the WebSocket transport of r.
func newWSTransport(r *Resolver, cfg LiveTransportConfig, obs LiveObserver) *wsTransport {
	t := &wsTransport{cfg: cfg, obs: obs, ip: r.ClientIP, perIP: map[string]int{}}
	t.ws = transport.Websocket{
		Implementation:   wsImplementation{},
		InitFunc:         r.initLive(cfg),
		InitTimeout:      cfg.InitTimeout,
		PingPongInterval: cfg.PingInterval,
	}
	return t
}

func (t *wsTransport) Supports(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

func (t *wsTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	if !offersSubprotocol(r, graphqlTransportWS) {
		apierr.Write(w, apierr.New(apierr.BadRequest, "WebSocket clients must offer the graphql-transport-ws subprotocol."))
		return
	}
	ip := ""
	if t.ip != nil {
		ip = t.ip(r.Context())
	}
	if !t.acquireIP(ip) {
		apierr.Write(w, apierr.New(apierr.RateLimited, "Too many open WebSocket connections from this address.", "retryAfterSeconds", 60))
		return
	}
	defer t.releaseIP(ip)
	t.obs.SocketOpened()
	defer t.obs.SocketClosed()
	conn := &liveConn{limit: t.cfg.PerConnection}
	t.ws.Do(w, r.WithContext(withLiveConn(r.Context(), conn)), exec)
}

func (t *wsTransport) acquireIP(ip string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.perIP[ip] >= t.cfg.PerIP {
		return false
	}
	t.perIP[ip]++
	return true
}

func (t *wsTransport) releaseIP(ip string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.perIP[ip]--; t.perIP[ip] <= 0 {
		delete(t.perIP, ip)
	}
}

// offersSubprotocol reports whether the upgrade request offers p.
func offersSubprotocol(r *http.Request, p string) bool {
	for _, v := range r.Header.Values("Sec-WebSocket-Protocol") {
		for part := range strings.SplitSeq(v, ",") {
			if strings.TrimSpace(part) == p {
				return true
			}
		}
	}
	return false
}

// initLive authenticates connection_init: the token in its payload (what
// graphql-ws's connectionParams send: authorization or Authorization, with
// or without "Bearer ", or token), else the upgrade request's own
// Authorization header. A missing or bad token closes 4401 with the reason;
// a valid token whose identity may not be resolved closes 4403.
func (r *Resolver) initLive(cfg LiveTransportConfig) transport.WebsocketInitFunc {
	return func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		conn := liveConnFromContext(ctx)
		refuse := func(code int, reason string, err error) (context.Context, *transport.InitPayload, error) {
			conn.closeWith(code, reason)
			return transport.WithWebsocketCloseCode(transport.AppendCloseReason(ctx, reason), code), nil, err
		}
		token := initToken(payload)
		var claims *auth.Claims
		if token == "" {
			c, ok := auth.ClaimsFromContext(ctx)
			if !ok {
				return refuse(closeUnauthorized, "Unauthorized: token required", domain.ErrUnauthenticated)
			}
			claims, token = c, c.Token
		} else {
			c, err := r.AccessTokens.Validate(ctx, token)
			if err != nil {
				return refuse(closeUnauthorized, "Unauthorized: "+tokenReason(err), err)
			}
			claims = c
		}
		ctx = auth.NewContext(ctx, claims)
		if _, err := r.Identities.Ensure(ctx, claims); err != nil {
			if errors.Is(err, domain.ErrForbidden) || errors.Is(err, domain.ErrUnauthenticated) {
				return refuse(closeForbidden, "Forbidden", err)
			}
			r.Logger.ErrorContext(ctx, "live connection: resolving the viewer", "error", err.Error())
			return refuse(closeInternal, "Service unavailable", err)
		}
		ctx, cancel := context.WithCancel(ctx)
		conn.mu.Lock()
		conn.cancel = cancel
		conn.mu.Unlock()
		go r.watchToken(ctx, token, claims, cfg, func(reason string) { conn.closeWith(closeUnauthorized, "Unauthorized: "+reason) })
		return ctx, nil, nil
	}
}

// watchToken calls expired once the token expires (exp plus the clock skew)
// or fails a periodic re-validation, unless ctx ends first.
func (r *Resolver) watchToken(ctx context.Context, token string, claims *auth.Claims, cfg LiveTransportConfig, expired func(reason string)) {
	at := time.NewTimer(time.Until(claims.ExpiresAt.Add(cfg.ClockSkew)))
	defer at.Stop()
	every := cfg.Revalidate
	if every <= 0 {
		every = time.Minute
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-at.C:
			expired(auth.ReasonTokenExpired)
			return
		case <-tick.C:
			if _, err := r.AccessTokens.Validate(ctx, token); err != nil && ctx.Err() == nil {
				expired(tokenReason(err))
				return
			}
		}
	}
}

// initToken is the access token in connection_init's payload.
func initToken(p transport.InitPayload) string {
	v := p.Authorization()
	if v == "" {
		v = p.GetString("token")
	}
	v = strings.TrimSpace(v)
	if len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
		v = strings.TrimSpace(v[7:])
	}
	return v
}

// tokenReason is the client-safe reason of a validation error.
func tokenReason(err error) string {
	var te *auth.TokenError
	if errors.As(err, &te) {
		return te.Reason
	}
	return auth.ReasonInvalidToken
}

// wsImplementation accepts graphql-transport-ws only, from any origin:
// authentication is the token in connection_init, never a cookie, so a
// cross-site page gains nothing a script could not do with its own token
// (browser apps run on other origins than the API).
type wsImplementation struct{}

func (wsImplementation) Accept(w http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	opts.Subprotocols = []string{graphqlTransportWS}
	inner := transport.CoderWebsocketImplementation{AcceptOptions: coderws.AcceptOptions{InsecureSkipVerify: true}}
	c, err := inner.Accept(w, r, opts)
	if err != nil {
		return nil, err
	}
	return &wsConn{WebsocketConn: c, live: liveConnFromContext(r.Context())}, nil
}

// wsConn closes with the status liveConn decided, and keeps the read limit
// and deadline of the connection it wraps.
type wsConn struct {
	transport.WebsocketConn
	live *liveConn
}

func (c *wsConn) WriteClose(code int, reason string) error {
	if c.live != nil {
		code, reason = c.live.closeStatus(code, reason)
	}
	return c.WebsocketConn.WriteClose(code, reason)
}

func (c *wsConn) SetReadLimit(limit int64) {
	if l, ok := c.WebsocketConn.(transport.WebsocketReadLimiter); ok {
		l.SetReadLimit(limit)
	}
}

func (c *wsConn) SetReadDeadline(t time.Time) error {
	if d, ok := c.WebsocketConn.(transport.WebsocketReadDeadliner); ok {
		return d.SetReadDeadline(t)
	}
	return nil
}

// sseTransport is POST /graphql with Accept: text/event-stream. The token
// comes through the HTTP middleware; a bad one is 401 as for httpTransport,
// and the stream ends at the token's expiry or a failed re-validation.
type sseTransport struct {
	sse transport.SSE
	r   *Resolver
	cfg LiveTransportConfig
}

var _ graphql.Transport = sseTransport{}

func newSSETransport(r *Resolver, cfg LiveTransportConfig) sseTransport {
	return sseTransport{sse: transport.SSE{KeepAlivePingInterval: cfg.SSEKeepAlive}, r: r, cfg: cfg}
}

func (t sseTransport) Supports(r *http.Request) bool { return t.sse.Supports(r) }

func (t sseTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	w.Header().Set("Cache-Control", "no-store")
	fail := func(e *apierr.Error) {
		w.Header().Set("Content-Type", mediaJSON)
		w.WriteHeader(apierr.Status(e.Code))
		writeRequestError(w, exec.DispatchError(ctx, gqlerror.List{refusal(e)}))
	}
	if tokenErr, ok := auth.TokenErrorFromContext(ctx); ok {
		auth.WriteWWWAuthenticate(w.Header(), tokenErr.Reason)
		fail(apierr.New(apierr.Unauthenticated, "The access token is not valid; sign in again.", "reason", tokenErr.Reason))
		return
	}
	// gqlgen's SSE transport echoes a body it cannot decode; check it here
	// first (it may hold a password).
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			fail(apierr.New(apierr.RequestTooLarge, "The request body is too large."))
			return
		}
		fail(apierr.New(apierr.BadRequest, "The request body could not be read."))
		return
	}
	var req rawRequest
	if err := decodeJSON(body, &req); err != nil || strings.TrimSpace(req.Query) == "" {
		fail(apierr.New(apierr.BadRequest, "The request body is not a JSON GraphQL request ({\"query\": ..., \"variables\": {...}})."))
		return
	}
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	// A stream outlives the server's read and write timeouts.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	if claims, ok := auth.ClaimsFromContext(ctx); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		go t.r.watchToken(ctx, claims.Token, claims, t.cfg, func(string) { cancel() })
	}
	t.sse.Do(w, r.WithContext(ctx), exec)
}

// addLiveTransports adds WebSocket and SSE before the plain HTTP transport
// (which would otherwise take SSE's POSTs), when r has a hub.
func addLiveTransports(srv *handler.Server, r *Resolver, cfg HandlerConfig) {
	if r.Live == nil {
		return
	}
	obs := cfg.LiveObserver
	if obs == nil {
		obs = noLiveObserver{}
	}
	srv.AddTransport(newWSTransport(r, cfg.Live, obs))
	srv.AddTransport(newSSETransport(r, cfg.Live))
}
