package httpapi

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientIPBelievesForwardedForOnlyFromTrustedProxies(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	cases := []struct {
		name, remote, xff string
		trusted           []netip.Prefix
		want              string
	}{
		{"a direct client is its connection address", "203.0.113.5:4000", "", nil, "203.0.113.5"},
		{"X-Forwarded-For from an untrusted peer is ignored", "203.0.113.5:4000", "198.51.100.1", trusted, "203.0.113.5"},
		{"behind a trusted proxy the last hop is the client", "10.1.2.3:4000", "198.51.100.1", trusted, "198.51.100.1"},
		{"a client cannot prepend a fake address", "10.1.2.3:4000", "6.6.6.6, 198.51.100.1", trusted, "198.51.100.1"},
		{"chained trusted proxies are skipped", "10.1.2.3:4000", "198.51.100.1, 10.9.9.9", trusted, "198.51.100.1"},
		{"garbage in X-Forwarded-For stops the walk", "10.1.2.3:4000", "nonsense", trusted, "10.1.2.3"},
		{"an IPv4-mapped IPv6 peer is reported as IPv4", "[::ffff:203.0.113.7]:4000", "", nil, "203.0.113.7"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/graphql", nil)
			r.RemoteAddr = tc.remote
			if tc.xff != "" {
				r.Header.Set("X-Forwarded-For", tc.xff)
			}
			if got := clientIP(r, tc.trusted); got != tc.want {
				t.Errorf("clientIP = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRequestIDsAreKeptWhenWellFormedAndReplacedOtherwise(t *testing.T) {
	cases := []struct {
		name, in string
		keep     bool
	}{
		{"a well-formed id is kept", "abc-123_DEF.456", true},
		{"a missing id is generated", "", false},
		{"an id with a newline is replaced", "abc\ninjected", false},
		{"an overlong id is replaced", string(make([]byte, 100)), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var seen string
			h := withRequestID(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { seen = RequestIDFromContext(r.Context()) }))
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("GET", "/", nil)
			if tc.in != "" {
				req.Header[RequestIDHeader] = []string{tc.in}
			}
			h.ServeHTTP(rec, req)
			if seen == "" || rec.Header().Get(RequestIDHeader) != seen {
				t.Fatalf("id %q, header %q", seen, rec.Header().Get(RequestIDHeader))
			}
			if (seen == tc.in) != tc.keep {
				t.Errorf("kept = %v, want %v", seen == tc.in, tc.keep)
			}
		})
	}
}
