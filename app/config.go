package app

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gqlneo/gqlneo/graph"
	"github.com/gqlneo/gqlneo/redisstore"
)

// Config is the server's whole configuration, read from the environment by
// LoadConfig and validated before anything starts. No secret has a default.
type Config struct {
	Neo4jURI      string
	Neo4jUsername string
	Neo4jPassword string
	Neo4jDatabase string
	Neo4jPoolSize int
	// Neo4jConnectTimeout bounds each attempt to get a Neo4j connection for
	// a transaction: opening one, and waiting for a free one when the pool is
	// full (NEO4J_CONNECT_TIMEOUT). The driver retries a timed-out attempt
	// within REQUEST_TIMEOUT, and the request's deadline wins when earlier.
	Neo4jConnectTimeout time.Duration
	// Neo4jMaxInFlight bounds the transactions run on Neo4j at once
	// (NEO4J_MAX_IN_FLIGHT, default NEO4J_POOL_SIZE).
	Neo4jMaxInFlight int
	// Neo4jQueueWait is how long a transaction waits for one of those slots
	// before the request is refused with SERVICE_UNAVAILABLE
	// (NEO4J_QUEUE_WAIT).
	Neo4jQueueWait time.Duration

	// Auth0Issuer is the token issuer derived from AUTH0_DOMAIN, with a trailing slash.
	Auth0Issuer          *url.URL
	Auth0Audience        string
	Auth0ClientID        string
	Auth0ClientSecret    string
	Auth0Realm           string
	Auth0ClaimsNamespace string
	// Auth0SignupConnection is the database connection signup creates accounts in.
	Auth0SignupConnection string
	// Auth0HookSecret authenticates the post-user-registration hook; "" disables it.
	// When set it must be at least minHookSecretLen characters.
	Auth0HookSecret string
	// Auth0Timeout bounds each call to the Auth0 Authentication API.
	Auth0Timeout time.Duration
	JWKSCacheTTL time.Duration
	JWTClockSkew time.Duration

	HTTPAddr string
	// DebugAddr, when set, serves Go's pprof profiles on a second, loopback-only
	// listener. Empty (the default) serves none.
	DebugAddr string
	// TrustedProxies are the networks whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	GraphiQL       bool
	// SignupRevealsExistingAccounts makes signup answer ACCOUNT_EXISTS for a
	// taken email instead of answering it like a new signup.
	SignupRevealsExistingAccounts bool
	// CORSAllowedOrigins are the exact origins browsers may call the API
	// from (CORS_ALLOWED_ORIGINS); ["*"] is every origin, none is no
	// cross-origin caller. Credentials are never allowed (bearer tokens).
	CORSAllowedOrigins []string
	// CORSMaxAge is how long browsers may cache a preflight (CORS_MAX_AGE).
	CORSMaxAge time.Duration
	// PersistedQueries is off, auto (automatic persisted queries) or only
	// (trusted documents: the manifest's and nothing else).
	PersistedQueries graph.PersistedMode
	// PersistedManifest is PERSISTED_QUERIES_MANIFEST read and checked:
	// hash → document.
	PersistedManifest map[string]string
	// PersistedCacheBytes bounds the automatic persisted-query cache.
	PersistedCacheBytes int64

	MaxBodyBytes       int64
	MaxHeaderBytes     int
	QueryTokenLimit    int
	QueryMaxDepth      int
	QueryMaxComplexity int
	QueryMaxWidth      int
	// QueryMaxResponseFields caps the fields one operation resolves.
	QueryMaxResponseFields int
	RequestTimeout         time.Duration
	ReadHeaderTimeout      time.Duration
	ReadTimeout            time.Duration
	WriteTimeout           time.Duration
	IdleTimeout            time.Duration
	ShutdownTimeout        time.Duration

	LoginPerIPPerMinute int
	LoginPerIPBurst     int
	// LoginMaxFailures counts per (username, client IP); LoginMaxFailuresPerUsername
	// is the ceiling per username across all IPs.
	LoginMaxFailures            int
	LoginMaxFailuresPerUsername int
	LoginFailureWindow          time.Duration

	// The live subscriptions' bounds (see graph.LiveTransportConfig and
	// graph.LiveConfig).
	WSInitTimeout              time.Duration
	WSPingInterval             time.Duration
	WSConnectionsPerIP         int
	SubscriptionsPerConnection int
	SubscriptionsPerUser       int
	SubscriptionQueue          int
	SubscriptionRevalidate     time.Duration

	// CursorSecret signs pagination cursors; empty means a random key per
	// process (cursors then do not survive a restart or cross replicas).
	CursorSecret []byte

	// RedisURL, when set, puts the state replicas share on Redis: the login
	// limiter's counters, the /userinfo cache and persisted queries. Empty
	// keeps it all in the process (one replica).
	RedisURL string

	// OTLPEndpoint, when set, exports trace spans over OTLP/HTTP to this
	// base URL (OTEL_EXPORTER_OTLP_ENDPOINT). Empty exports none.
	OTLPEndpoint string

	LogLevel string
}

// minHookSecretLen is the shortest AUTH0_HOOK_SECRET accepted.
const minHookSecretLen = 16

// ConfigError lists every problem found in the environment, one line each,
// each naming the variable, what is wrong and how to fix it.
type ConfigError struct{ Problems []string }

// Error lists the problems, one per line.
func (e *ConfigError) Error() string {
	return "invalid configuration:\n  - " + strings.Join(e.Problems, "\n  - ")
}

// configReader reads variables through getenv and collects problems, so a
// misconfigured server reports all of them at once.
type configReader struct {
	getenv   func(string) string
	problems []string
}

func (r *configReader) fail(name, format string, args ...any) {
	r.problems = append(r.problems, name+": "+fmt.Sprintf(format, args...))
}

func (r *configReader) str(name, def string) string {
	if v := strings.TrimSpace(r.getenv(name)); v != "" {
		return v
	}
	return def
}

func (r *configReader) secret(name, hint string) string {
	v := r.getenv(name)
	if v == "" {
		r.fail(name, "is required and has no default; %s", hint)
	}
	return v
}

func (r *configReader) required(name, hint string) string {
	v := strings.TrimSpace(r.getenv(name))
	if v == "" {
		r.fail(name, "is required; %s", hint)
	}
	return v
}

func (r *configReader) duration(name string, def, min, max time.Duration) time.Duration {
	raw := strings.TrimSpace(r.getenv(name))
	if raw == "" {
		return def
	}
	d, err := time.ParseDuration(raw)
	if err != nil {
		r.fail(name, "%q is not a duration; write it like 10s, 500ms or 5m", raw)
		return def
	}
	if d < min || d > max {
		r.fail(name, "%s is out of range; use a value between %s and %s", d, min, max)
		return def
	}
	return d
}

func (r *configReader) integer(name string, def, min, max int) int {
	raw := strings.TrimSpace(r.getenv(name))
	if raw == "" {
		return def
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		r.fail(name, "%q is not a whole number", raw)
		return def
	}
	if n < min || n > max {
		r.fail(name, "%d is out of range; use a value between %d and %d", n, min, max)
		return def
	}
	return n
}

func (r *configReader) boolean(name string, def bool) bool {
	raw := strings.TrimSpace(r.getenv(name))
	if raw == "" {
		return def
	}
	b, err := strconv.ParseBool(raw)
	if err != nil {
		r.fail(name, "%q is not a boolean; use true or false", raw)
		return def
	}
	return b
}

// LoadConfig reads and validates the configuration. getenv is os.Getenv in
// production and a map in tests.
func LoadConfig(getenv func(string) string) (*Config, error) {
	r := &configReader{getenv: getenv}
	c := &Config{}

	c.Neo4jURI = r.str("NEO4J_URI", "bolt://127.0.0.1:7687")
	if err := validateNeo4jURI(c.Neo4jURI); err != nil {
		r.fail("NEO4J_URI", "%v", err)
	}
	c.Neo4jUsername = r.str("NEO4J_USERNAME", "neo4j")
	c.Neo4jPassword = r.secret("NEO4J_PASSWORD", "set the password of NEO4J_USERNAME (the dev launcher uses dev-password)")
	c.Neo4jDatabase = r.str("NEO4J_DATABASE", "neo4j")
	if !validDatabaseName(c.Neo4jDatabase) {
		r.fail("NEO4J_DATABASE", "%q is not a valid database name; use letters, digits, dots and dashes, starting with a letter", c.Neo4jDatabase)
	}
	c.Neo4jPoolSize = r.integer("NEO4J_POOL_SIZE", 100, 1, 1000)
	c.Neo4jConnectTimeout = r.duration("NEO4J_CONNECT_TIMEOUT", 5*time.Second, 100*time.Millisecond, time.Minute)
	c.Neo4jMaxInFlight = r.integer("NEO4J_MAX_IN_FLIGHT", c.Neo4jPoolSize, 1, 1000)
	if c.Neo4jMaxInFlight > c.Neo4jPoolSize {
		r.fail("NEO4J_MAX_IN_FLIGHT", "%d exceeds NEO4J_POOL_SIZE (%d): admitted transactions would wait for a connection where they cannot be refused; lower it or raise NEO4J_POOL_SIZE", c.Neo4jMaxInFlight, c.Neo4jPoolSize)
	}
	c.Neo4jQueueWait = r.duration("NEO4J_QUEUE_WAIT", 250*time.Millisecond, 0, 10*time.Second)

	domain := r.required("AUTH0_DOMAIN", "set your tenant's domain, e.g. my-tenant.us.auth0.com")
	if domain != "" {
		issuer, err := issuerFromDomain(domain)
		if err != nil {
			r.fail("AUTH0_DOMAIN", "%v", err)
		}
		c.Auth0Issuer = issuer
	}
	c.Auth0ClientID = r.required("AUTH0_CLIENT_ID", "copy the Client ID of your Auth0 application (Applications > your app > Settings)")
	c.Auth0ClientSecret = r.secret("AUTH0_CLIENT_SECRET", "copy the Client Secret of your Auth0 application; the password grant needs a confidential client")
	c.Auth0Audience = r.required("AUTH0_AUDIENCE", "set the Identifier of your Auth0 API (Applications > APIs), e.g. https://api.example.com/")
	if c.Auth0Audience != "" {
		if err := validateAudience(c.Auth0Audience, c.Auth0ClientID, c.Auth0Issuer); err != nil {
			r.fail("AUTH0_AUDIENCE", "%v", err)
		}
	}
	c.Auth0Realm = r.str("AUTH0_REALM", "")
	if strings.ContainsAny(c.Auth0Realm, " \t/") {
		r.fail("AUTH0_REALM", "%q is not an Auth0 connection name; use the database connection's name, e.g. Username-Password-Authentication, or leave it unset to use the tenant's Default Directory", c.Auth0Realm)
	}
	c.Auth0SignupConnection = r.str("AUTH0_SIGNUP_CONNECTION", firstNonEmpty(c.Auth0Realm, "Username-Password-Authentication"))
	if strings.ContainsAny(c.Auth0SignupConnection, " \t/") {
		r.fail("AUTH0_SIGNUP_CONNECTION", "%q is not an Auth0 connection name; use the database connection's name, e.g. Username-Password-Authentication", c.Auth0SignupConnection)
	}
	// The hook's route is reachable by anyone who can reach the server, the
	// dev issuer's included, so a guessable secret is refused everywhere.
	c.Auth0HookSecret = r.getenv("AUTH0_HOOK_SECRET")
	if strings.TrimSpace(c.Auth0HookSecret) != c.Auth0HookSecret {
		// The hook compares the bearer token trimmed: such a secret could never match.
		r.fail("AUTH0_HOOK_SECRET", "has leading or trailing white space; store the secret without it")
	}
	if c.Auth0HookSecret != "" && len(c.Auth0HookSecret) < minHookSecretLen {
		r.fail("AUTH0_HOOK_SECRET", "is shorter than 16 characters; generate one with `openssl rand -hex 32` and store the same value as the Action's secret")
	}
	c.Auth0ClaimsNamespace = r.str("AUTH0_CLAIMS_NAMESPACE", "")
	if c.Auth0ClaimsNamespace != "" {
		if err := validateNamespace(c.Auth0ClaimsNamespace, c.Auth0Issuer); err != nil {
			r.fail("AUTH0_CLAIMS_NAMESPACE", "%v", err)
		}
	}
	c.Auth0Timeout = r.duration("AUTH0_TIMEOUT", 5*time.Second, 100*time.Millisecond, time.Minute)
	c.JWKSCacheTTL = r.duration("JWKS_CACHE_TTL", 5*time.Minute, time.Second, 24*time.Hour)
	c.JWTClockSkew = r.duration("JWT_CLOCK_SKEW", 30*time.Second, 0, 5*time.Minute)

	c.HTTPAddr = r.str("HTTP_ADDR", "127.0.0.1:8080")
	if _, port, err := net.SplitHostPort(c.HTTPAddr); err != nil || port == "" {
		r.fail("HTTP_ADDR", "%q is not host:port; use e.g. 127.0.0.1:8080, or :8080 to listen on every interface", c.HTTPAddr)
	}
	c.DebugAddr = r.str("DEBUG_ADDR", "")
	if c.DebugAddr != "" {
		host, port, err := net.SplitHostPort(c.DebugAddr)
		if ip, perr := netip.ParseAddr(host); err != nil || port == "" || perr != nil || !ip.IsLoopback() {
			r.fail("DEBUG_ADDR", "%q is not a loopback host:port; profiles expose internals, so use e.g. 127.0.0.1:6060 (and a tunnel to reach it)", c.DebugAddr)
		}
	}
	proxies, err := parseTrustedProxies(r.str("TRUSTED_PROXIES", ""))
	if err != nil {
		r.fail("TRUSTED_PROXIES", "%v", err)
	}
	c.TrustedProxies = proxies
	c.SignupRevealsExistingAccounts = r.boolean("SIGNUP_REVEALS_EXISTING_ACCOUNTS", false)
	c.GraphiQL = r.boolean("GRAPHIQL_ENABLED", c.Auth0Issuer != nil && isLoopbackHost(c.Auth0Issuer.Hostname()))
	origins, err := parseAllowedOrigins(r.str("CORS_ALLOWED_ORIGINS", ""))
	if err != nil {
		r.fail("CORS_ALLOWED_ORIGINS", "%v", err)
	}
	c.CORSAllowedOrigins = origins
	c.CORSMaxAge = r.duration("CORS_MAX_AGE", 2*time.Hour, 0, 24*time.Hour)

	c.PersistedQueries = graph.PersistedMode(strings.ToLower(r.str("PERSISTED_QUERIES", string(graph.PersistedAuto))))
	switch c.PersistedQueries {
	case graph.PersistedOff, graph.PersistedAuto, graph.PersistedOnly:
	default:
		r.fail("PERSISTED_QUERIES", "%q is not a mode; use off, auto (automatic persisted queries) or only (trusted documents from PERSISTED_QUERIES_MANIFEST)", c.PersistedQueries)
	}
	if path := r.str("PERSISTED_QUERIES_MANIFEST", ""); path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			r.fail("PERSISTED_QUERIES_MANIFEST", "cannot be read: %v", err)
		} else if c.PersistedManifest, err = graph.ParseManifest(data); err != nil {
			r.fail("PERSISTED_QUERIES_MANIFEST", "%s %v", path, err)
		}
	} else if c.PersistedQueries == graph.PersistedOnly {
		r.fail("PERSISTED_QUERIES_MANIFEST", "is required when PERSISTED_QUERIES=only; give the path of the persisted-documents JSON graphql-codegen's client preset writes")
	}
	c.PersistedCacheBytes = int64(r.integer("PERSISTED_QUERIES_CACHE_BYTES", graph.DefaultPersistedCacheBytes, 64<<10, 1<<30))

	c.MaxBodyBytes = int64(r.integer("MAX_BODY_BYTES", 1<<20, 1<<10, 64<<20))
	c.MaxHeaderBytes = r.integer("MAX_HEADER_BYTES", 32<<10, 4<<10, 1<<20)
	c.QueryTokenLimit = r.integer("QUERY_TOKEN_LIMIT", 5000, 100, 1_000_000)
	c.QueryMaxDepth = r.integer("QUERY_MAX_DEPTH", 15, 2, 100)
	c.QueryMaxComplexity = r.integer("QUERY_MAX_COMPLEXITY", 5000, 10, 1_000_000)
	c.QueryMaxWidth = r.integer("QUERY_MAX_WIDTH", 200, 10, 10_000)
	c.QueryMaxResponseFields = r.integer("QUERY_MAX_RESPONSE_FIELDS", 20_000, 100, 10_000_000)
	c.RequestTimeout = r.duration("REQUEST_TIMEOUT", 10*time.Second, 100*time.Millisecond, 5*time.Minute)
	c.ReadHeaderTimeout = r.duration("HTTP_READ_HEADER_TIMEOUT", 5*time.Second, 100*time.Millisecond, 5*time.Minute)
	c.ReadTimeout = r.duration("HTTP_READ_TIMEOUT", 15*time.Second, 100*time.Millisecond, 10*time.Minute)
	c.WriteTimeout = r.duration("HTTP_WRITE_TIMEOUT", 20*time.Second, 100*time.Millisecond, 10*time.Minute)
	c.IdleTimeout = r.duration("HTTP_IDLE_TIMEOUT", 60*time.Second, time.Second, time.Hour)
	c.ShutdownTimeout = r.duration("SHUTDOWN_TIMEOUT", 15*time.Second, time.Second, 10*time.Minute)
	if c.Neo4jQueueWait >= c.RequestTimeout {
		r.fail("NEO4J_QUEUE_WAIT", "%s must be shorter than REQUEST_TIMEOUT (%s), or requests queue for work their deadline abandons; a few hundred milliseconds is enough", c.Neo4jQueueWait, c.RequestTimeout)
	}
	if c.WriteTimeout <= c.RequestTimeout {
		r.fail("HTTP_WRITE_TIMEOUT", "%s must be longer than REQUEST_TIMEOUT (%s), or answers to slow requests are cut off; raise it or lower REQUEST_TIMEOUT", c.WriteTimeout, c.RequestTimeout)
	}

	c.LoginPerIPPerMinute = r.integer("LOGIN_RATE_PER_IP", 30, 1, 100_000)
	c.LoginPerIPBurst = r.integer("LOGIN_BURST_PER_IP", 10, 1, 100_000)
	c.LoginMaxFailures = r.integer("LOGIN_MAX_FAILURES", 5, 1, 100)
	c.LoginMaxFailuresPerUsername = r.integer("LOGIN_MAX_FAILURES_PER_USERNAME", 10*c.LoginMaxFailures, 1, 10_000)
	if c.LoginMaxFailuresPerUsername < c.LoginMaxFailures {
		r.fail("LOGIN_MAX_FAILURES_PER_USERNAME", "%d is below LOGIN_MAX_FAILURES (%d): the ceiling across all IPs must be at least the limit per IP; raise it", c.LoginMaxFailuresPerUsername, c.LoginMaxFailures)
	}
	c.LoginFailureWindow = r.duration("LOGIN_FAILURE_WINDOW", 15*time.Minute, time.Second, 24*time.Hour)

	c.WSInitTimeout = r.duration("WS_INIT_TIMEOUT", 10*time.Second, 100*time.Millisecond, time.Minute)
	c.WSPingInterval = r.duration("WS_PING_INTERVAL", 30*time.Second, 100*time.Millisecond, 10*time.Minute)
	c.WSConnectionsPerIP = r.integer("WS_CONNECTIONS_PER_IP", 20, 1, 100_000)
	c.SubscriptionsPerConnection = r.integer("SUBSCRIPTIONS_PER_CONNECTION", 20, 1, 1000)
	c.SubscriptionsPerUser = r.integer("SUBSCRIPTIONS_PER_USER", 50, 1, 100_000)
	c.SubscriptionQueue = r.integer("SUBSCRIPTION_QUEUE", 64, 1, 10_000)
	c.SubscriptionRevalidate = r.duration("SUBSCRIPTION_REVALIDATE_INTERVAL", time.Minute, 100*time.Millisecond, time.Hour)

	if secret := r.getenv("CURSOR_SECRET"); secret != "" {
		if len(secret) < 32 {
			r.fail("CURSOR_SECRET", "is shorter than 32 characters; generate one with `openssl rand -hex 32`")
		}
		c.CursorSecret = []byte(secret)
	}

	c.RedisURL = r.str("REDIS_URL", "")
	if c.RedisURL != "" {
		if _, err := redisstore.ParseURL(c.RedisURL); err != nil {
			r.fail("REDIS_URL", "%v", err)
		}
		if len(c.CursorSecret) == 0 {
			// Replicas behind one load balancer must sign cursors with one
			// key, and the same secret names the limiter's keys on Redis.
			r.fail("CURSOR_SECRET", "is required when REDIS_URL is set: every replica must sign cursors (and name its Redis keys) with the same secret; generate one with `openssl rand -hex 32` and give each replica that value")
		}
	}

	c.OTLPEndpoint = r.str("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	if c.OTLPEndpoint != "" {
		if u, err := url.Parse(c.OTLPEndpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			r.fail("OTEL_EXPORTER_OTLP_ENDPOINT", "%q is not an http(s) URL; use the collector's OTLP/HTTP base URL, e.g. http://127.0.0.1:4318", c.OTLPEndpoint)
		}
	}

	c.LogLevel = strings.ToLower(r.str("LOG_LEVEL", "info"))
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		r.fail("LOG_LEVEL", "%q is not a level; use debug, info, warn or error", c.LogLevel)
	}

	if len(r.problems) > 0 {
		return nil, &ConfigError{Problems: r.problems}
	}
	return c, nil
}

var neo4jSchemes = map[string]bool{"bolt": true, "bolt+s": true, "bolt+ssc": true, "neo4j": true, "neo4j+s": true, "neo4j+ssc": true}

func validateNeo4jURI(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q is not a URI; use e.g. bolt://127.0.0.1:7687 or neo4j+s://xxxx.databases.neo4j.io", raw)
	}
	if !neo4jSchemes[u.Scheme] {
		return fmt.Errorf("scheme %q is unknown; use one of bolt, bolt+s, bolt+ssc, neo4j, neo4j+s, neo4j+ssc", u.Scheme)
	}
	if u.User != nil {
		return errors.New("must not carry credentials; set NEO4J_USERNAME and NEO4J_PASSWORD instead")
	}
	if u.Path != "" && u.Path != "/" {
		return fmt.Errorf("must not have a path (%q); the database is chosen with NEO4J_DATABASE", u.Path)
	}
	return nil
}

func validDatabaseName(name string) bool {
	if name == "" || len(name) > 63 {
		return false
	}
	for i, ch := range name {
		switch {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z':
		case i > 0 && (ch >= '0' && ch <= '9' || ch == '.' || ch == '-'):
		default:
			return false
		}
	}
	return true
}

// issuerFromDomain turns AUTH0_DOMAIN into the issuer URL Auth0 puts in `iss`:
// https://{domain}/ with a trailing slash. http:// is allowed for a loopback
// host only (the local dev issuer).
func issuerFromDomain(domain string) (*url.URL, error) {
	raw := domain
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return nil, fmt.Errorf("%q is not a domain; give the bare tenant domain, e.g. my-tenant.us.auth0.com", domain)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%q has credentials, a query or a fragment; give the bare tenant domain, e.g. my-tenant.us.auth0.com", domain)
	}
	if u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("%q has a path (%q); give the bare tenant domain, e.g. my-tenant.us.auth0.com, not a URL such as https://my-tenant.us.auth0.com/oauth/token", domain, u.Path)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopbackHost(u.Hostname()) {
			return nil, fmt.Errorf("%q uses http:// with a non-loopback host; Auth0 tenants are https only (http:// is accepted for a local dev issuer on 127.0.0.1 or localhost)", domain)
		}
	default:
		return nil, fmt.Errorf("%q has scheme %q; give the bare tenant domain, e.g. my-tenant.us.auth0.com", domain, u.Scheme)
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/"}, nil
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// validateAudience catches the usual mistakes: the client ID, the Management
// API or the userinfo URL given instead of the API's identifier.
func validateAudience(aud, clientID string, issuer *url.URL) error {
	if strings.ContainsAny(aud, " \t\r\n\"'") {
		return fmt.Errorf("%q contains spaces or quotes; copy the Identifier of your Auth0 API exactly (Applications > APIs), e.g. https://api.example.com/", aud)
	}
	if aud == clientID {
		return errors.New("equals AUTH0_CLIENT_ID; the audience is your API's Identifier (Applications > APIs), not the application's Client ID")
	}
	if issuer != nil {
		base := strings.TrimSuffix(issuer.String(), "/")
		if strings.HasPrefix(aud, base+"/api/v2") {
			return fmt.Errorf("%q is the Auth0 Management API; create an API for this server (Applications > APIs > Create API, signing algorithm RS256) and use its Identifier", aud)
		}
		if strings.HasPrefix(aud, base+"/userinfo") {
			return fmt.Errorf("%q is the userinfo endpoint; use the Identifier of the Auth0 API you created for this server", aud)
		}
	}
	return nil
}

// validateNamespace checks the custom-claims namespace: an http(s) URL that
// ends with a slash and is not an Auth0 domain (Auth0 drops such claims).
func validateNamespace(ns string, issuer *url.URL) error {
	u, err := url.Parse(ns)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%q is not a URL; use the namespace your post-login Action uses, e.g. https://api.example.com/", ns)
	}
	if !strings.HasSuffix(ns, "/") {
		return fmt.Errorf("%q must end with a slash, so claims read as %semail", ns, ns+"/")
	}
	host := u.Hostname()
	if strings.HasSuffix(host, ".auth0.com") || (issuer != nil && host == issuer.Hostname() && !isLoopbackHost(host)) {
		return fmt.Errorf("%q is an Auth0 domain; Auth0 silently drops claims in that namespace, use a domain of your own", ns)
	}
	return nil
}

func parseTrustedProxies(raw string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(raw, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if strings.Contains(part, "/") {
			p, err := netip.ParsePrefix(part)
			if err != nil {
				return nil, fmt.Errorf("%q is not an IP or CIDR; list proxies as e.g. 10.0.0.0/8,192.168.1.7", part)
			}
			out = append(out, p.Masked())
			continue
		}
		ip, err := netip.ParseAddr(part)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP or CIDR; list proxies as e.g. 10.0.0.0/8,192.168.1.7", part)
		}
		out = append(out, netip.PrefixFrom(ip, ip.BitLen()))
	}
	return out, nil
}

// parseAllowedOrigins reads CORS_ALLOWED_ORIGINS: exact origins as browsers
// send them in the Origin header (lower-case scheme://host[:port], no
// default port, no path), or "*" alone.
func parseAllowedOrigins(raw string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, part := range strings.Split(raw, ",") {
		part = strings.TrimSpace(part)
		if part == "" || seen[part] {
			continue
		}
		seen[part] = true
		if part == "*" {
			out = append(out, part)
			continue
		}
		if err := validateOrigin(part); err != nil {
			return nil, err
		}
		out = append(out, part)
	}
	if seen["*"] && len(out) > 1 {
		return nil, errors.New("* allows every origin and cannot be listed with others; give either * or exact origins")
	}
	return out, nil
}

func validateOrigin(o string) error {
	hint := "list exact origins such as https://app.example.com or http://localhost:5173"
	u, err := url.Parse(o)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return fmt.Errorf("%q is not an origin; %s", o, hint)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return fmt.Errorf("%q has scheme %q; origins are http:// or https://", o, u.Scheme)
	}
	if u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(o, "?") || strings.HasSuffix(o, "#") {
		return fmt.Errorf("%q has a path, query, fragment or credentials; browsers send only scheme://host[:port], so %s", o, hint)
	}
	if strings.Contains(u.Host, "*") {
		return fmt.Errorf("%q has a wildcard; %s", o, hint)
	}
	if o != strings.ToLower(o) {
		return fmt.Errorf("%q has upper-case letters; browsers send origins in lower case, so write %q", o, strings.ToLower(o))
	}
	if port := u.Port(); (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80") {
		return fmt.Errorf("%q names the default port, which browsers leave out of Origin; write %s://%s", o, u.Scheme, u.Hostname())
	}
	if u.Port() != "" {
		if n, err := strconv.Atoi(u.Port()); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%q has an invalid port; %s", o, hint)
		}
	}
	return nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
