package tenant

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Tenant is a fake Auth0 tenant. It is an http.Handler serving the Authentication API endpoints the
// project uses, and its methods are the control API for tests. All methods are safe for concurrent
// use, also while requests are being served.
type Tenant struct {
	baseURL     string // scheme://host[:port], no trailing slash
	issuer      string // baseURL + "/"
	host        string
	now         func() time.Time
	logger      *slog.Logger
	bcryptCost  int
	threshold   int
	namespace   string
	action      PostLoginAction
	devControls bool
	mux         *http.ServeMux
	closed      chan struct{}
	closeOnce   sync.Once

	mu                sync.Mutex
	connections       map[string]Connection
	clients           map[string]Client
	firstClient       string
	apis              map[string]API
	firstAPI          string
	defaultConnection string
	defaultAudience   string
	users             map[string]*userRecord // by sub
	keys              keyRing
	refreshTokens     map[string]refreshGrant
	opaqueTokens      map[string]opaqueGrant
	profiles          map[string]User // profile snapshot taken when tokens were last issued, by sub
	failures          map[string]failureCount
	userinfoLimited   bool
	userinfoBuckets   map[string]*bucket
	tokenRateLimited  bool
	delay             time.Duration
	delayPaths        []string
	requests          []RecordedRequest
	server            *httptest.Server
}

// userRecord is a user plus the toggles tests set on it.
type userRecord struct {
	User
	passwordLeaked bool
	denyReason     string
}

// New returns a tenant whose issuer is baseURL with a trailing slash, for example
// New("http://127.0.0.1:8081") issues tokens with "iss":"http://127.0.0.1:8081/". baseURL must be
// an absolute http or https URL without a path, query or fragment; it is where the handler will be
// reachable, since discovery and the userinfo audience are derived from it. New generates the
// current and next signing keys.
func New(baseURL string, opts ...Option) (*Tenant, error) {
	u, err := url.Parse(strings.TrimSuffix(baseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("tenant: base URL %q: %w", baseURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("tenant: base URL %q must look like http://host:port, without a path", baseURL)
	}
	cfg := defaultConfig()
	for _, opt := range opts {
		opt(&cfg)
	}
	if cfg.action == nil {
		cfg.action = ProfileClaimsAction(cfg.namespace)
	}
	if err := validateConfig(cfg); err != nil {
		return nil, err
	}

	t := &Tenant{
		baseURL:           u.String(),
		issuer:            u.String() + "/",
		host:              u.Hostname(),
		now:               cfg.now,
		logger:            cfg.logger,
		bcryptCost:        cfg.bcryptCost,
		threshold:         cfg.threshold,
		namespace:         cfg.namespace,
		action:            cfg.action,
		devControls:       cfg.devControls,
		closed:            make(chan struct{}),
		connections:       map[string]Connection{},
		clients:           map[string]Client{},
		apis:              map[string]API{},
		defaultConnection: cfg.defaultConnection,
		defaultAudience:   cfg.defaultAudience,
		users:             map[string]*userRecord{},
		refreshTokens:     map[string]refreshGrant{},
		opaqueTokens:      map[string]opaqueGrant{},
		profiles:          map[string]User{},
		failures:          map[string]failureCount{},
		userinfoLimited:   true,
		userinfoBuckets:   map[string]*bucket{},
	}
	for _, c := range cfg.connections {
		t.connections[c.Name] = c
	}
	for _, c := range cfg.clients {
		t.clients[c.ID] = Client{ID: c.ID, Secret: c.Secret, GrantTypes: slices.Clone(c.GrantTypes)}
	}
	t.firstClient = cfg.clients[0].ID
	for _, a := range cfg.apis {
		a.Scopes = slices.Clone(a.Scopes)
		t.apis[a.Identifier] = a
	}
	if len(cfg.apis) > 0 {
		t.firstAPI = cfg.apis[0].Identifier
	}
	t.keys.pending = slices.Clone(cfg.keys)
	t.keys.current = t.mustNewKey()
	t.keys.next = t.mustNewKey()
	for _, u := range cfg.users {
		if _, err := t.AddUser(u); err != nil {
			return nil, err
		}
	}
	t.routes()
	return t, nil
}

func validateConfig(cfg config) error {
	switch {
	case len(cfg.clients) == 0:
		return errors.New("tenant: at least one client is required")
	case cfg.threshold < 1:
		return fmt.Errorf("tenant: brute-force threshold %d must be at least 1", cfg.threshold)
	case cfg.now == nil:
		return errors.New("tenant: clock must not be nil")
	}
	for _, k := range cfg.keys {
		if k == nil || k.N.BitLen() < keyBits {
			return fmt.Errorf("tenant: keys passed to WithKeys must be RSA keys of at least %d bits", keyBits)
		}
	}
	names := map[string]bool{}
	for _, c := range cfg.connections {
		if c.Name == "" || c.Strategy == "" {
			return fmt.Errorf("tenant: connection %+v needs a name and a strategy", c)
		}
		names[c.Name] = true
	}
	if cfg.defaultConnection != "" && !names[cfg.defaultConnection] {
		return fmt.Errorf("tenant: default connection %q is not configured", cfg.defaultConnection)
	}
	for _, c := range cfg.clients {
		if c.ID == "" {
			return errors.New("tenant: clients need an ID")
		}
	}
	apis := map[string]bool{}
	for _, a := range cfg.apis {
		if a.Identifier == "" {
			return errors.New("tenant: APIs need an identifier")
		}
		apis[a.Identifier] = true
	}
	if cfg.defaultAudience != "" && !apis[cfg.defaultAudience] {
		return fmt.Errorf("tenant: default audience %q is not a configured API", cfg.defaultAudience)
	}
	return nil
}

// Start returns a tenant served on a new loopback httptest.Server, with the server's URL as the base
// URL. Close stops the server.
func Start(opts ...Option) (*Tenant, error) {
	srv := httptest.NewUnstartedServer(nil)
	t, err := New("http://"+srv.Listener.Addr().String(), opts...)
	if err != nil {
		srv.Close()
		return nil, err
	}
	srv.Config.Handler = t
	srv.Start()
	t.mu.Lock()
	t.server = srv
	t.mu.Unlock()
	return t, nil
}

// MustStart is Start for tests: it fails tb if the tenant cannot be built and closes the tenant
// when the test ends.
func MustStart(tb testing.TB, opts ...Option) *Tenant {
	tb.Helper()
	t, err := Start(opts...)
	if err != nil {
		tb.Fatalf("start fake Auth0 tenant: %v", err)
	}
	tb.Cleanup(t.Close)
	return t
}

// Close releases requests that are waiting on an artificial delay and, for a tenant made by Start,
// shuts its server down. It is safe to call more than once.
func (t *Tenant) Close() {
	t.closeOnce.Do(func() { close(t.closed) })
	t.mu.Lock()
	srv := t.server
	t.server = nil
	t.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// URL returns the base URL without a trailing slash, for example "http://127.0.0.1:8081".
func (t *Tenant) URL() string { return t.baseURL }

// Issuer returns the issuer, the base URL with a trailing slash, exactly as it appears in "iss".
func (t *Tenant) Issuer() string { return t.issuer }

// UserinfoAudience returns the second audience Auth0 adds to access tokens when openid is granted.
func (t *Tenant) UserinfoAudience() string { return t.baseURL + "/userinfo" }

func (t *Tenant) routes() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", t.handleDiscovery)
	mux.HandleFunc("GET /.well-known/jwks.json", t.handleJWKS)
	mux.HandleFunc("POST /oauth/token", t.handleToken)
	mux.HandleFunc("GET /userinfo", t.handleUserinfo)
	mux.HandleFunc("POST /userinfo", t.handleUserinfo)
	mux.HandleFunc("POST /dbconnections/signup", t.handleSignup)
	if t.devControls {
		mux.HandleFunc("POST /__dev/rotate-keys", t.handleDevRotate)
		mux.HandleFunc("POST /__dev/rotate-keys-unpublished", t.handleDevRotateUnpublished)
		mux.HandleFunc("POST /__dev/revoke-previous", t.handleDevRevoke)
		mux.HandleFunc("POST /__dev/reset-brute-force", t.handleDevResetBruteForce)
		mux.HandleFunc("GET /__dev/keys", t.handleDevKeys)
		mux.HandleFunc("POST /__dev/token", t.handleDevToken)
	}
	t.mux = mux
}

// ServeHTTP serves the tenant's endpoints. Every request is recorded (see Requests) and logged
// without its body.
func (t *Tenant) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := newRecordedRequest(r, t.now())
	sw := &statusWriter{ResponseWriter: w}
	r = r.WithContext(context.WithValue(r.Context(), recordKey{}, rec))
	if t.wait(r.Context(), r.URL.Path) {
		t.mux.ServeHTTP(sw, r)
	}
	rec.Status = sw.status
	t.record(rec)
	t.logger.Info("request", "method", r.Method, "path", r.URL.Path, "status", sw.status,
		"duration", time.Since(start).Round(time.Microsecond))
}

// wait applies the artificial delay configured with SetDelay. It reports false if the request was
// abandoned or the tenant closed while waiting, in which case nothing is written.
func (t *Tenant) wait(ctx context.Context, path string) bool {
	if strings.HasPrefix(path, "/__dev/") {
		return true
	}
	t.mu.Lock()
	d := t.delay
	applies := len(t.delayPaths) == 0 || slices.Contains(t.delayPaths, path)
	t.mu.Unlock()
	if d <= 0 || !applies {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	case <-t.closed:
		return false
	}
}

// SetDelay makes the tenant wait d before handling each request to one of paths, or to every
// endpoint except /__dev/ when no path is given, so that a caller's timeouts can be tested. A
// waiting request ends without a response when the client gives up or the tenant is closed. A
// zero d removes the delay.
func (t *Tenant) SetDelay(d time.Duration, paths ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.delay = d
	t.delayPaths = slices.Clone(paths)
}

// statusWriter remembers the status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}
