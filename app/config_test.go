package app

import (
	"strings"
	"testing"
	"time"
)

func validEnv() map[string]string {
	return map[string]string{
		"NEO4J_PASSWORD":      "pw",
		"AUTH0_DOMAIN":        "my-tenant.us.auth0.com",
		"AUTH0_AUDIENCE":      "https://api.example.com/",
		"AUTH0_CLIENT_ID":     "abc123",
		"AUTH0_CLIENT_SECRET": "shh",
	}
}

func TestConfigDefaultsAndIssuer(t *testing.T) {
	cfg, err := LoadConfig(func(k string) string { return validEnv()[k] })
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Auth0Issuer.String(); got != "https://my-tenant.us.auth0.com/" {
		t.Errorf("issuer %q", got)
	}
	if cfg.Neo4jURI != "bolt://127.0.0.1:7687" || cfg.Neo4jDatabase != "neo4j" || cfg.MaxBodyBytes != 1<<20 {
		t.Errorf("unexpected defaults: %+v", cfg)
	}
	if cfg.GraphiQL {
		t.Error("GraphiQL is on by default for a real tenant")
	}
	if cfg.Neo4jMaxInFlight != cfg.Neo4jPoolSize || cfg.Neo4jQueueWait <= 0 || cfg.Neo4jQueueWait >= cfg.RequestTimeout {
		t.Errorf("admission defaults: %d in flight (pool %d), queue wait %s", cfg.Neo4jMaxInFlight, cfg.Neo4jPoolSize, cfg.Neo4jQueueWait)
	}
}

func TestConfigRejectsBadValuesNamingTheVariable(t *testing.T) {
	cases := []struct {
		name, key, value, want string
	}{
		{"a domain with a path", "AUTH0_DOMAIN", "https://my-tenant.auth0.com/oauth/token", "has a path"},
		{"http for a remote domain", "AUTH0_DOMAIN", "http://my-tenant.auth0.com", "http:// with a non-loopback host"},
		{"the Management API as audience", "AUTH0_AUDIENCE", "https://my-tenant.us.auth0.com/api/v2/", "Management API"},
		{"the client ID as audience", "AUTH0_AUDIENCE", "abc123", "equals AUTH0_CLIENT_ID"},
		{"an audience with spaces", "AUTH0_AUDIENCE", "my api", "spaces"},
		{"an unknown Neo4j scheme", "NEO4J_URI", "http://127.0.0.1:7474", "scheme \"http\" is unknown"},
		{"credentials in the Neo4j URI", "NEO4J_URI", "bolt://neo4j:pw@127.0.0.1:7687", "credentials"},
		{"a missing secret", "AUTH0_CLIENT_SECRET", "", "required and has no default"},
		{"a missing Neo4j password", "NEO4J_PASSWORD", "", "required and has no default"},
		{"a bad duration", "REQUEST_TIMEOUT", "ten seconds", "not a duration"},
		{"a body limit out of range", "MAX_BODY_BYTES", "12", "out of range"},
		{"a bad proxy list", "TRUSTED_PROXIES", "10.0.0.0/8,nope", "not an IP or CIDR"},
		{"a namespace without a slash", "AUTH0_CLAIMS_NAMESPACE", "https://api.example.com", "must end with a slash"},
		{"a namespace on an Auth0 domain", "AUTH0_CLAIMS_NAMESPACE", "https://my-tenant.us.auth0.com/", "Auth0 domain"},
		{"a write timeout shorter than the request deadline", "HTTP_WRITE_TIMEOUT", "5s", "longer than REQUEST_TIMEOUT"},
		{"a per-username login ceiling below the per-IP limit", "LOGIN_MAX_FAILURES_PER_USERNAME", "4", "below LOGIN_MAX_FAILURES"},
		{"more transactions in flight than pooled connections", "NEO4J_MAX_IN_FLIGHT", "101", "exceeds NEO4J_POOL_SIZE"},
		{"a queue wait as long as the request deadline", "NEO4J_QUEUE_WAIT", "10s", "shorter than REQUEST_TIMEOUT"},
		{"a bad listen address", "HTTP_ADDR", "8080", "not host:port"},
		{"a profiling address on every interface", "DEBUG_ADDR", ":6060", "not a loopback host:port"},
		{"a profiling address on a public IP", "DEBUG_ADDR", "203.0.113.7:6060", "not a loopback host:port"},
		{"a hook secret of 15 characters", "AUTH0_HOOK_SECRET", "dev-hook-secret", "shorter than 16 characters"},
		{"a hook secret with a trailing space", "AUTH0_HOOK_SECRET", "0123456789abcdef0123 ", "leading or trailing white space"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := validEnv()
			env[tc.key] = tc.value
			_, err := LoadConfig(func(k string) string { return env[k] })
			if err == nil {
				t.Fatal("accepted")
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.key+":") || !strings.Contains(msg, tc.want) {
				t.Errorf("error %q does not name %s with %q", msg, tc.key, tc.want)
			}
			for _, secret := range []string{"shh", "pw@"} {
				if strings.Contains(msg, secret) && tc.key != "NEO4J_URI" {
					t.Errorf("the error echoes a secret: %q", msg)
				}
			}
		})
	}
}

func TestConfigAcceptsALoopbackDevIssuer(t *testing.T) {
	env := validEnv()
	env["AUTH0_DOMAIN"] = "http://127.0.0.1:8081"
	cfg, err := LoadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Auth0Issuer.String() != "http://127.0.0.1:8081/" || !cfg.GraphiQL {
		t.Errorf("issuer %q graphiql %v", cfg.Auth0Issuer, cfg.GraphiQL)
	}
}

func TestConfigReportsEveryProblemAtOnce(t *testing.T) {
	_, err := LoadConfig(func(string) string { return "" })
	if err == nil {
		t.Fatal("an empty environment was accepted")
	}
	for _, name := range []string{"NEO4J_PASSWORD", "AUTH0_DOMAIN", "AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET", "AUTH0_AUDIENCE"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("%s not reported: %v", name, err)
		}
	}
}

func TestConfigHookSecretNeedsSixteenCharactersWhateverTheIssuer(t *testing.T) {
	cases := []struct {
		name, domain, secret string
		ok                   bool
	}{
		{"no secret leaves the hook off", "my-tenant.us.auth0.com", "", true},
		{"16 characters are enough", "my-tenant.us.auth0.com", "0123456789abcdef", true},
		{"15 characters are refused for a real tenant", "my-tenant.us.auth0.com", "0123456789abcde", false},
		{"15 characters are refused for the loopback dev issuer too", "http://127.0.0.1:8081", "0123456789abcde", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := validEnv()
			env["AUTH0_DOMAIN"] = tc.domain
			env["AUTH0_HOOK_SECRET"] = tc.secret
			cfg, err := LoadConfig(func(k string) string { return env[k] })
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				if cfg.Auth0HookSecret != tc.secret {
					t.Errorf("hook secret %q, want %q", cfg.Auth0HookSecret, tc.secret)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			if msg := err.Error(); !strings.Contains(msg, "AUTH0_HOOK_SECRET: is shorter than 16 characters") {
				t.Errorf("error %q does not name AUTH0_HOOK_SECRET and the minimum", msg)
			} else if strings.Contains(msg, tc.secret) {
				t.Errorf("the error echoes the secret: %q", msg)
			}
		})
	}
}

func TestConfigSubscriptionLimits(t *testing.T) {
	cfg, err := LoadConfig(func(k string) string { return validEnv()[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.WSInitTimeout != 10*time.Second || cfg.WSPingInterval != 30*time.Second || cfg.WSConnectionsPerIP != 20 ||
		cfg.SubscriptionsPerConnection != 20 || cfg.SubscriptionsPerUser != 50 || cfg.SubscriptionQueue != 64 ||
		cfg.SubscriptionRevalidate != time.Minute {
		t.Errorf("defaults: %+v", cfg)
	}
	for name, value := range map[string]string{
		"WS_INIT_TIMEOUT": "0s", "WS_PING_INTERVAL": "soon", "WS_CONNECTIONS_PER_IP": "0",
		"SUBSCRIPTIONS_PER_CONNECTION": "1001", "SUBSCRIPTIONS_PER_USER": "-1", "SUBSCRIPTION_QUEUE": "0",
		"SUBSCRIPTION_REVALIDATE_INTERVAL": "2h",
	} {
		env := validEnv()
		env[name] = value
		_, err := LoadConfig(func(k string) string { return env[k] })
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%s: %v", name, value, err)
		}
	}
}

func TestConfigRedisNeedsASharedCursorSecret(t *testing.T) {
	load := func(extra map[string]string) (*Config, error) {
		env := validEnv()
		for k, v := range extra {
			env[k] = v
		}
		return LoadConfig(func(k string) string { return env[k] })
	}
	_, err := load(map[string]string{"REDIS_URL": "redis://127.0.0.1:6379/0"})
	if err == nil || !strings.Contains(err.Error(), "CURSOR_SECRET: is required when REDIS_URL is set") {
		t.Fatalf("REDIS_URL without CURSOR_SECRET: %v", err)
	}
	cfg, err := load(map[string]string{"REDIS_URL": "redis://127.0.0.1:6379/0", "CURSOR_SECRET": strings.Repeat("k", 32)})
	if err != nil || cfg.RedisURL != "redis://127.0.0.1:6379/0" {
		t.Fatalf("a valid pair: %v %+v", err, cfg)
	}
	for name, raw := range map[string]string{
		"an http URL":       "http://127.0.0.1:6379",
		"an unknown option": "redis://:hunter2-pass@127.0.0.1:6379/0?nope=1",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := load(map[string]string{"REDIS_URL": raw, "CURSOR_SECRET": strings.Repeat("k", 32)})
			if err == nil || !strings.Contains(err.Error(), "REDIS_URL: ") {
				t.Fatalf("accepted or unnamed: %v", err)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("the message leaks the password: %v", err)
			}
		})
	}
}

func TestConfigOTLPEndpointMustBeAnHTTPURL(t *testing.T) {
	env := validEnv()
	env["OTEL_EXPORTER_OTLP_ENDPOINT"] = "127.0.0.1:4318"
	if _, err := LoadConfig(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "OTEL_EXPORTER_OTLP_ENDPOINT: ") {
		t.Fatalf("a bare host:port: %v", err)
	}
	env["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:4318"
	cfg, err := LoadConfig(func(k string) string { return env[k] })
	if err != nil || cfg.OTLPEndpoint != "http://127.0.0.1:4318" {
		t.Fatalf("a valid endpoint: %v", err)
	}
}
