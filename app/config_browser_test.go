package app

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gqlneo/gqlneo/graph"
)

func TestConfigCORSOrigins(t *testing.T) {
	cases := []struct {
		name, value string
		want        []string
		problem     string
	}{
		{"unset allows no origin", "", nil, ""},
		{"exact origins, spaces and duplicates tolerated", " https://app.example.com, http://localhost:5173 ,https://app.example.com", []string{"https://app.example.com", "http://localhost:5173"}, ""},
		{"an IPv6 origin with a port", "http://[::1]:3000", []string{"http://[::1]:3000"}, ""},
		{"every origin", "*", []string{"*"}, ""},
		{"every origin with others", "*,https://app.example.com", nil, "cannot be listed with others"},
		{"a trailing slash", "https://app.example.com/", nil, "has a path"},
		{"a path", "https://app.example.com/app", nil, "has a path"},
		{"a query", "https://app.example.com?x=1", nil, "has a path, query"},
		{"credentials", "https://user:pw@app.example.com", nil, "credentials"},
		{"no scheme", "app.example.com", nil, "not an origin"},
		{"another scheme", "ftp://app.example.com", nil, "has scheme"},
		{"a wildcard subdomain", "https://*.example.com", nil, "wildcard"},
		{"upper case", "https://App.example.com", nil, "upper-case"},
		{"the default port", "https://app.example.com:443", nil, "default port"},
		{"a port out of range", "http://localhost:70000", nil, "invalid port"},
		{"null", "null", nil, "not an origin"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := validEnv()
			env["CORS_ALLOWED_ORIGINS"] = tc.value
			cfg, err := LoadConfig(func(k string) string { return env[k] })
			if tc.problem != "" {
				if err == nil || !strings.Contains(err.Error(), "CORS_ALLOWED_ORIGINS:") || !strings.Contains(err.Error(), tc.problem) {
					t.Fatalf("error %v, want CORS_ALLOWED_ORIGINS with %q", err, tc.problem)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(cfg.CORSAllowedOrigins, tc.want) {
				t.Errorf("origins %q, want %q", cfg.CORSAllowedOrigins, tc.want)
			}
		})
	}
}

func TestConfigCORSMaxAge(t *testing.T) {
	for value, want := range map[string]time.Duration{"": 2 * time.Hour, "0s": 0, "10m": 10 * time.Minute} {
		env := validEnv()
		env["CORS_MAX_AGE"] = value
		cfg, err := LoadConfig(func(k string) string { return env[k] })
		if err != nil || cfg.CORSMaxAge != want {
			t.Errorf("CORS_MAX_AGE=%q: %v %v, want %v", value, cfg, err, want)
		}
	}
	env := validEnv()
	env["CORS_MAX_AGE"] = "48h"
	if _, err := LoadConfig(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "CORS_MAX_AGE:") {
		t.Errorf("48h accepted: %v", err)
	}
}

// writeManifest writes a persisted-documents manifest and returns its path.
func writeManifest(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "persisted-documents.json")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConfigPersistedQueries(t *testing.T) {
	const doc = "query Me { me { id } }"
	const docHash = "a2c8e0d7d4cc8d1c4e6b3d6ae7ea8a8c1c0bdc0e9c3c8d8b6d9e3f5f6d6e2d1a" // not doc's hash
	good := writeManifest(t, `{"`+hashOf(doc)+`": "`+doc+`"}`)
	cases := []struct {
		name    string
		env     map[string]string
		mode    graph.PersistedMode
		docs    int
		problem string
	}{
		{"auto by default", nil, graph.PersistedAuto, 0, ""},
		{"off", map[string]string{"PERSISTED_QUERIES": "off"}, graph.PersistedOff, 0, ""},
		{"only with a manifest", map[string]string{"PERSISTED_QUERIES": "ONLY", "PERSISTED_QUERIES_MANIFEST": good}, graph.PersistedOnly, 1, ""},
		{"auto with a manifest preloads it", map[string]string{"PERSISTED_QUERIES_MANIFEST": good}, graph.PersistedAuto, 1, ""},
		{"an unknown mode", map[string]string{"PERSISTED_QUERIES": "safelist"}, "", 0, "PERSISTED_QUERIES: \"safelist\" is not a mode"},
		{"only without a manifest", map[string]string{"PERSISTED_QUERIES": "only"}, "", 0, "PERSISTED_QUERIES_MANIFEST: is required when PERSISTED_QUERIES=only"},
		{"a missing file", map[string]string{"PERSISTED_QUERIES_MANIFEST": filepath.Join(t.TempDir(), "nope.json")}, "", 0, "PERSISTED_QUERIES_MANIFEST: cannot be read"},
		{"not an object", map[string]string{"PERSISTED_QUERIES_MANIFEST": writeManifest(t, `["query { me { id } }"]`)}, "", 0, "not a JSON object of hash"},
		{"empty", map[string]string{"PERSISTED_QUERIES_MANIFEST": writeManifest(t, `{}`)}, "", 0, "holds no documents"},
		{"a hash that is not its document's", map[string]string{"PERSISTED_QUERIES_MANIFEST": writeManifest(t, `{"`+docHash+`": "`+doc+`"}`)}, "", 0, "hashes to " + hashOf(doc)},
		{"a key that is not a SHA-256", map[string]string{"PERSISTED_QUERIES_MANIFEST": writeManifest(t, `{"sha256:`+hashOf(doc)+`": "`+doc+`"}`)}, "", 0, "not a SHA-256 in lower-case hex"},
		{"a document the schema refuses", map[string]string{"PERSISTED_QUERIES_MANIFEST": writeManifest(t, `{"`+hashOf("{ nope }")+`": "{ nope }"}`)}, "", 0, "does not validate against the schema"},
		{"a cache bound out of range", map[string]string{"PERSISTED_QUERIES_CACHE_BYTES": "10"}, "", 0, "PERSISTED_QUERIES_CACHE_BYTES: 10 is out of range"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := validEnv()
			for k, v := range tc.env {
				env[k] = v
			}
			cfg, err := LoadConfig(func(k string) string { return env[k] })
			if tc.problem != "" {
				if err == nil || !strings.Contains(err.Error(), tc.problem) {
					t.Fatalf("error %v, want %q", err, tc.problem)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.PersistedQueries != tc.mode || len(cfg.PersistedManifest) != tc.docs || cfg.PersistedCacheBytes != graph.DefaultPersistedCacheBytes {
				t.Errorf("mode %q, %d documents, cache %d", cfg.PersistedQueries, len(cfg.PersistedManifest), cfg.PersistedCacheBytes)
			}
		})
	}
}

func hashOf(doc string) string {
	sum := sha256.Sum256([]byte(doc))
	return hex.EncodeToString(sum[:])
}
