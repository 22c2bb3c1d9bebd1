package tenant_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/gqlneo/gqlneo/dev/auth0/tenant"
)

var (
	sharedKeysOnce sync.Once
	sharedKeys     []*rsa.PrivateKey
)

// testKeys returns RSA keys generated once per test binary, so that starting a tenant does not cost
// two key generations. Tenants sharing keys is harmless: each has its own issuer.
func testKeys(tb testing.TB) []*rsa.PrivateKey {
	tb.Helper()
	sharedKeysOnce.Do(func() {
		var wg sync.WaitGroup
		sharedKeys = make([]*rsa.PrivateKey, 6)
		for i := range sharedKeys {
			wg.Go(func() {
				k, err := rsa.GenerateKey(rand.Reader, 2048)
				if err != nil {
					panic(err)
				}
				sharedKeys[i] = k
			})
		}
		wg.Wait()
	})
	return sharedKeys
}

// startTenant starts a tenant with the shared test keys; opts come after, so they can override them.
func startTenant(tb testing.TB, opts ...tenant.Option) *tenant.Tenant {
	tb.Helper()
	return tenant.MustStart(tb, append([]tenant.Option{tenant.WithKeys(testKeys(tb)...)}, opts...)...)
}

// response is a decoded HTTP response.
type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// do sends req and decodes a JSON object body if there is one.
func do(tb testing.TB, req *http.Request) response {
	tb.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatalf("read body: %v", err)
	}
	r := response{status: res.StatusCode, header: res.Header, raw: string(raw)}
	if strings.HasPrefix(strings.TrimSpace(r.raw), "{") {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			tb.Fatalf("decode %q: %v", raw, err)
		}
	}
	return r
}

// postForm posts form-encoded values to path on tn, with optional extra headers as name, value pairs.
func postForm(tb testing.TB, tn *tenant.Tenant, path string, values url.Values, headers ...string) response {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, tn.URL()+path, strings.NewReader(values.Encode()))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return do(tb, req)
}

// postJSON posts body as JSON to path on tn, with optional extra headers as name, value pairs.
func postJSON(tb testing.TB, tn *tenant.Tenant, path string, body any, headers ...string) response {
	tb.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		tb.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, tn.URL()+path, bytes.NewReader(b))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return do(tb, req)
}

// get sends a GET to path on tn with an optional bearer token.
func get(tb testing.TB, tn *tenant.Tenant, path, bearer string) response {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, tn.URL()+path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	return do(tb, req)
}

// login performs a password grant as the dev client with the demo password.
func login(tb testing.TB, tn *tenant.Tenant, username, scope string) response {
	tb.Helper()
	return postForm(tb, tn, "/oauth/token", url.Values{
		"grant_type": {tenant.GrantPassword}, "client_id": {tenant.DevClientID}, "client_secret": {tenant.DevClientSecret},
		"username": {username}, "password": {tenant.DemoPassword}, "audience": {tenant.DevAudience}, "scope": {scope},
	})
}

// mustLogin is login that fails the test unless the answer is 200.
func mustLogin(tb testing.TB, tn *tenant.Tenant, username, scope string) response {
	tb.Helper()
	r := login(tb, tn, username, scope)
	if r.status != http.StatusOK {
		tb.Fatalf("login %s: %d %s", username, r.status, r.raw)
	}
	return r
}

// decodeJWT returns the header and claims of a compact JWS without verifying it.
func decodeJWT(tb testing.TB, token string) (header, claims map[string]any) {
	tb.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		tb.Fatalf("not a JWS: %q", token)
	}
	for i, dst := range []*map[string]any{&header, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			tb.Fatalf("decode part %d: %v", i, err)
		}
		if err := json.Unmarshal(b, dst); err != nil {
			tb.Fatalf("unmarshal part %d: %v", i, err)
		}
	}
	return header, claims
}

// str returns body[key] as a string, or "" if it is absent or not a string.
func str(body map[string]any, key string) string {
	s, _ := body[key].(string)
	return s
}

// wantError fails tb unless r is an OAuth error with the given status, code and description.
func wantError(tb testing.TB, r response, status int, code, description string) {
	tb.Helper()
	if r.status != status || str(r.body, "error") != code || str(r.body, "error_description") != description {
		tb.Errorf("got %d %s, want %d {error:%q, error_description:%q}", r.status, r.raw, status, code, description)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		tb.Errorf("Content-Type = %q, want application/json", ct)
	}
}
