package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "gopkg.in/go-jose/go-jose.v2"
)

// ---- test issuer -----------------------------------------------------------

// jfKeyPool holds RSA keys generated once per test binary; generating 2048-bit
// keys is the slowest part of these tests, especially under -race.
var (
	jfKeyPoolOnce sync.Once
	jfKeyPool     []*rsa.PrivateKey
)

func jfKeys(tb testing.TB) []*rsa.PrivateKey {
	tb.Helper()
	jfKeyPoolOnce.Do(func() {
		for range 4 {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			jfKeyPool = append(jfKeyPool, k)
		}
	})
	return jfKeyPool
}

// jfIssuer is an Auth0-like issuer served by httptest: a discovery document,
// a JWKS, request counters and switches to break it.
type jfIssuer struct {
	srv    *httptest.Server
	Issuer string // srv.URL + "/", with Auth0's trailing slash

	mu        sync.Mutex
	published []jfSigningKey
	signing   jfSigningKey
	nextKey   int
	extraJWKS []json.RawMessage // published verbatim after the real keys

	discoveryHits atomic.Int32
	jwksHits      atomic.Int32
	down          atomic.Bool // answer 503 to everything
	noDiscovery   atomic.Bool // answer 404 to the discovery document
	jwksGate      chan struct{}
}

type jfSigningKey struct {
	kid  string
	priv *rsa.PrivateKey
}

func newJFIssuer(t testing.TB) *jfIssuer {
	t.Helper()
	f := &jfIssuer{}
	f.signing = f.newKey(t)
	f.published = []jfSigningKey{f.signing}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		f.discoveryHits.Add(1)
		if f.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		if f.noDiscovery.Load() {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{
			"issuer":   f.Issuer,
			"jwks_uri": f.srv.URL + "/.well-known/jwks.json",
		})
	})
	mux.HandleFunc("GET /.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		f.jwksHits.Add(1)
		f.mu.Lock()
		gate := f.jwksGate
		f.mu.Unlock()
		if gate != nil {
			<-gate
		}
		if f.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(f.jwksJSON(t))
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	f.Issuer = f.srv.URL + "/"
	return f
}

// newKey returns a pool key under a fresh kid.
func (f *jfIssuer) newKey(tb testing.TB) jfSigningKey {
	keys := jfKeys(tb)
	f.nextKey++
	return jfSigningKey{kid: fmt.Sprintf("key-%d", f.nextKey), priv: keys[(f.nextKey-1)%len(keys)]}
}

// rotate publishes a new key and signs with it from now on, without the
// pre-publication Auth0 does, which is the case KeySet must handle.
func (f *jfIssuer) rotate(tb testing.TB) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.signing = f.newKey(tb)
	f.published = append(f.published, f.signing)
}

func (f *jfIssuer) jwksJSON(tb testing.TB) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	var keys []json.RawMessage
	for _, k := range f.published {
		b, err := jose.JSONWebKey{Key: &k.priv.PublicKey, KeyID: k.kid, Algorithm: "RS256", Use: "sig"}.MarshalJSON()
		if err != nil {
			tb.Errorf("marshal JWK: %v", err)
		}
		keys = append(keys, b)
	}
	keys = append(keys, f.extraJWKS...)
	b, _ := json.Marshal(map[string]any{"keys": keys})
	return b
}

func (f *jfIssuer) issuerURL(tb testing.TB) *url.URL {
	u, err := url.Parse(f.Issuer)
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

// claims returns the payload of a valid access token for jfAudience.
func (f *jfIssuer) claims() map[string]any {
	now := time.Now()
	return map[string]any{
		"iss":   f.Issuer,
		"sub":   "auth0|6553da60a54af58e29493993",
		"aud":   []string{jfAudience, f.Issuer + "userinfo"},
		"azp":   jfClientID,
		"iat":   now.Unix(),
		"exp":   now.Add(time.Hour).Unix(),
		"scope": "openid profile email read:posts",
		"gty":   "password",
	}
}

// header returns the header of a token signed with the current key.
func (f *jfIssuer) header() map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return map[string]any{"alg": "RS256", "typ": "JWT", "kid": f.signing.kid}
}

// sign returns a compact RS256 token with the current key.
func (f *jfIssuer) sign(tb testing.TB, claims map[string]any) string {
	tb.Helper()
	return f.signWith(tb, f.header(), claims)
}

// signWith returns a compact token with the given header and claims, signed
// RS256 with the current key whatever alg the header names.
func (f *jfIssuer) signWith(tb testing.TB, header, claims map[string]any) string {
	tb.Helper()
	f.mu.Lock()
	priv := f.signing.priv
	f.mu.Unlock()
	return jfCompact(tb, header, claims, func(input []byte) []byte {
		sum := sha256.Sum256(input)
		sig, err := rsa.SignPKCS1v15(rand.Reader, priv, crypto.SHA256, sum[:])
		if err != nil {
			tb.Fatal(err)
		}
		return sig
	})
}

// jfCompact builds header.payload.signature with sign computing the
// signature over the first two segments.
func jfCompact(tb testing.TB, header, claims map[string]any, sign func([]byte) []byte) string {
	tb.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			tb.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	input := enc(header) + "." + enc(claims)
	return input + "." + base64.RawURLEncoding.EncodeToString(sign([]byte(input)))
}

// jfClock is a settable clock for KeySet.
type jfClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *jfClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *jfClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// newJFKeySet returns a KeySet for f on a fake clock, not yet loaded.
func newJFKeySet(t testing.TB, f *jfIssuer, opts ...KeySetOption) (*KeySet, *jfClock) {
	t.Helper()
	clock := &jfClock{now: time.Now()}
	ks := NewKeySet(f.issuerURL(t), opts...)
	ks.now = clock.Now
	return ks, clock
}

// jfWaitIdle waits until ks has no fetch in flight, such as a background
// refresh.
func jfWaitIdle(t *testing.T, ks *KeySet) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		ks.mu.Lock()
		idle := ks.inflight == nil
		ks.mu.Unlock()
		if idle {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("KeySet fetch still in flight after 10s")
}

const (
	jfAudience = "https://api.test.local"
	jfClientID = "test-client-id"
)

// newJFValidator returns a loaded KeySet and an access-token Validator for f.
func newJFValidator(t testing.TB, f *jfIssuer, opts ...ValidatorOption) (*Validator, *KeySet, *jfClock) {
	t.Helper()
	ks, clock := newJFKeySet(t, f)
	if err := ks.Load(context.Background()); err != nil {
		t.Fatalf("Load: %v", err)
	}
	v, err := NewValidator(ks, f.Issuer, []string{jfAudience}, opts...)
	if err != nil {
		t.Fatalf("NewValidator: %v", err)
	}
	return v, ks, clock
}

// jfReason returns the Reason of err, failing the test if err is not a
// *TokenError matching ErrInvalidToken.
func jfReason(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var te *TokenError
	if !errors.As(err, &te) {
		t.Fatalf("error %T %v is not a *TokenError", err, err)
	}
	if !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("errors.Is(%v, ErrInvalidToken) = false", err)
	}
	return te.Reason
}

// ---- KeySet tests ----------------------------------------------------------

func TestKeySetLoadsKeys(t *testing.T) {
	tests := []struct {
		name          string
		noDiscovery   bool
		wantDiscovery int32
	}{
		{name: "keys are found through the discovery document's jwks_uri", wantDiscovery: 1},
		{name: "keys are found at jwks.json when discovery answers 404", noDiscovery: true, wantDiscovery: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newJFIssuer(t)
			f.noDiscovery.Store(tt.noDiscovery)
			ks, _ := newJFKeySet(t, f)
			if ks.Ready() {
				t.Fatal("Ready before Load")
			}
			if err := ks.Load(context.Background()); err != nil {
				t.Fatalf("Load: %v", err)
			}
			if !ks.Ready() || ks.LastError() != nil || ks.LastRefresh().IsZero() {
				t.Fatalf("Ready=%v LastError=%v LastRefresh=%v", ks.Ready(), ks.LastError(), ks.LastRefresh())
			}
			if got := f.discoveryHits.Load(); got != tt.wantDiscovery {
				t.Errorf("discovery fetched %d times, want %d", got, tt.wantDiscovery)
			}
			if got := f.jwksHits.Load(); got != 1 {
				t.Errorf("JWKS fetched %d times, want 1", got)
			}
			key, err := ks.KeyFunc(withKeyID(context.Background(), "key-1"))
			if err != nil {
				t.Fatalf("KeyFunc: %v", err)
			}
			if _, ok := key.(*rsa.PublicKey); !ok {
				t.Errorf("KeyFunc returned %T, want *rsa.PublicKey", key)
			}
		})
	}
}

func TestKeySetKeyFuncWithoutKeyIDReturnsTheWholeSet(t *testing.T) {
	// Plain go-jwt-middleware callers do not put a kid in the context; they
	// get the cached set, from which go-jose picks by kid.
	f := newJFIssuer(t)
	ks, _ := newJFKeySet(t, f)
	got, err := ks.KeyFunc(context.Background())
	if err != nil {
		t.Fatalf("KeyFunc: %v", err)
	}
	set, ok := got.(*jose.JSONWebKeySet)
	if !ok || len(set.Key("key-1")) != 1 {
		t.Fatalf("KeyFunc returned %#v, want a *jose.JSONWebKeySet holding key-1", got)
	}
}

func TestKeySetKeepsOnlyUsableSigningKeys(t *testing.T) {
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	good := jfKeys(t)[1]
	jwk := func(k jose.JSONWebKey) json.RawMessage {
		b, err := k.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name    string
		extra   json.RawMessage
		wantKID string // "" when the extra key must be ignored
	}{
		{name: "a malformed key is skipped without discarding the set", extra: json.RawMessage(`{"kty":"RSA","kid":"bad","n":"!!","e":"AQAB"}`)},
		{name: "a key of unknown type is skipped", extra: json.RawMessage(`{"kty":"XYZ","kid":"xyz"}`)},
		{name: "an EC key is skipped", extra: jwk(jose.JSONWebKey{Key: &ec.PublicKey, KeyID: "ec", Algorithm: "ES256", Use: "sig"})},
		{name: "an RSA key under 2048 bits is skipped", extra: jwk(jose.JSONWebKey{Key: &weak.PublicKey, KeyID: "weak", Use: "sig"})},
		{name: "an encryption key is skipped", extra: jwk(jose.JSONWebKey{Key: &good.PublicKey, KeyID: "enc", Use: "enc"})},
		{name: "a key for another algorithm is skipped", extra: jwk(jose.JSONWebKey{Key: &good.PublicKey, KeyID: "ps", Algorithm: "PS256"})},
		{name: "a symmetric key is skipped", extra: json.RawMessage(`{"kty":"oct","kid":"oct","k":"c2VjcmV0"}`)},
		{name: "a key without use or alg is kept", extra: jwk(jose.JSONWebKey{Key: &good.PublicKey, KeyID: "bare"}), wantKID: "bare"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newJFIssuer(t)
			f.extraJWKS = []json.RawMessage{tt.extra}
			ks, _ := newJFKeySet(t, f)
			if err := ks.Load(context.Background()); err != nil {
				t.Fatalf("Load: %v", err)
			}
			ks.mu.Lock()
			defer ks.mu.Unlock()
			want := 1
			if tt.wantKID != "" {
				want = 2
				if _, ok := ks.keys.byKeyID[tt.wantKID]; !ok {
					t.Errorf("key %q not kept", tt.wantKID)
				}
			}
			if got := len(ks.keys.byKeyID); got != want {
				t.Errorf("kept %d keys, want %d", got, want)
			}
			if got := len(ks.keys.set.Keys); got != want {
				t.Errorf("set holds %d keys, want %d", got, want)
			}
		})
	}
}

func TestKeySetRejectsASetWithoutUsableKeys(t *testing.T) {
	f := newJFIssuer(t)
	f.published = nil
	f.extraJWKS = []json.RawMessage{json.RawMessage(`{"kty":"oct","kid":"oct","k":"c2VjcmV0"}`)}
	ks, _ := newJFKeySet(t, f)
	if err := ks.Load(context.Background()); err == nil {
		t.Fatal("Load succeeded on a JWKS without RSA signing keys")
	}
	if ks.Ready() {
		t.Error("Ready after a failed first load")
	}
}

func TestKeySetRotation(t *testing.T) {
	f := newJFIssuer(t)
	v, _, clock := newJFValidator(t, f)
	ctx := context.Background()
	if _, err := v.Validate(ctx, f.sign(t, f.claims())); err != nil {
		t.Fatalf("token before rotation: %v", err)
	}

	// The issuer rotates to a key it never pre-published, a minute after
	// the keys were loaded and long before the cache TTL.
	clock.Advance(time.Minute)
	f.rotate(t)
	rotated := f.sign(t, f.claims())

	t.Run("a token with a rotated-in kid is accepted at once with exactly one extra JWKS fetch", func(t *testing.T) {
		if _, err := v.Validate(ctx, rotated); err != nil {
			t.Fatalf("Validate: %v", err)
		}
		if got := f.jwksHits.Load(); got != 2 {
			t.Errorf("JWKS fetched %d times, want 2", got)
		}
		if _, err := v.Validate(ctx, rotated); err != nil {
			t.Fatalf("second Validate: %v", err)
		}
		if got := f.jwksHits.Load(); got != 2 {
			t.Errorf("JWKS fetched %d times after the key was cached, want 2", got)
		}
	})

	unknown := f.signWith(t, map[string]any{"alg": "RS256", "kid": "never-published"}, f.claims())
	t.Run("a second unknown kid within the refetch interval is rejected without a fetch", func(t *testing.T) {
		clock.Advance(keySetDefaultMinRefetch - time.Second)
		_, err := v.Validate(ctx, unknown)
		if got := jfReason(t, err); got != ReasonUnknownKey {
			t.Errorf("reason %q, want %q", got, ReasonUnknownKey)
		}
		if got := f.jwksHits.Load(); got != 2 {
			t.Errorf("JWKS fetched %d times, want 2", got)
		}
	})

	t.Run("an unknown kid after the refetch interval causes one fetch and is still rejected", func(t *testing.T) {
		clock.Advance(time.Second)
		_, err := v.Validate(ctx, unknown)
		if got := jfReason(t, err); got != ReasonUnknownKey {
			t.Errorf("reason %q, want %q", got, ReasonUnknownKey)
		}
		if got := f.jwksHits.Load(); got != 3 {
			t.Errorf("JWKS fetched %d times, want 3", got)
		}
	})

	t.Run("tokens signed with the previous key stay valid while it is published", func(t *testing.T) {
		f.mu.Lock()
		old := f.published[0]
		f.mu.Unlock()
		tok := f.signWithKey(t, old, f.claims())
		if _, err := v.Validate(ctx, tok); err != nil {
			t.Fatalf("Validate: %v", err)
		}
	})
}

// signWithKey signs with a given published key rather than the current one.
func (f *jfIssuer) signWithKey(tb testing.TB, k jfSigningKey, claims map[string]any) string {
	tb.Helper()
	return jfCompact(tb, map[string]any{"alg": "RS256", "kid": k.kid}, claims, func(input []byte) []byte {
		sum := sha256.Sum256(input)
		sig, err := rsa.SignPKCS1v15(rand.Reader, k.priv, crypto.SHA256, sum[:])
		if err != nil {
			tb.Fatal(err)
		}
		return sig
	})
}

func TestKeySetConcurrentUnknownKeyIDsShareOneFetch(t *testing.T) {
	f := newJFIssuer(t)
	v, _, clock := newJFValidator(t, f)
	clock.Advance(time.Minute)
	f.rotate(t)
	tok := f.sign(t, f.claims())

	gate := make(chan struct{})
	f.mu.Lock()
	f.jwksGate = gate
	f.mu.Unlock()

	const callers = 16
	errs := make(chan error, callers)
	var started sync.WaitGroup
	for range callers {
		started.Add(1)
		go func() {
			started.Done()
			_, err := v.Validate(context.Background(), tok)
			errs <- err
		}()
	}
	started.Wait()
	// Let every caller reach the shared fetch before the issuer answers.
	deadline := time.Now().Add(5 * time.Second)
	for f.jwksHits.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	close(gate)
	for range callers {
		if err := <-errs; err != nil {
			t.Errorf("Validate: %v", err)
		}
	}
	if got := f.jwksHits.Load(); got != 2 {
		t.Errorf("JWKS fetched %d times, want 2 (one load, one shared refetch)", got)
	}
}

func TestKeySetServesLastGoodKeysWhenTheIssuerIsDown(t *testing.T) {
	f := newJFIssuer(t)
	v, ks, clock := newJFValidator(t, f)
	ctx := context.Background()
	loadedAt := ks.LastRefresh()

	f.down.Store(true)
	clock.Advance(keySetDefaultTTL + time.Minute)

	tok := f.sign(t, f.claims())
	if _, err := v.Validate(ctx, tok); err != nil {
		t.Fatalf("token past the TTL with the issuer down: %v", err)
	}
	jfWaitIdle(t, ks) // the background refresh triggered above
	if ks.LastError() == nil {
		t.Error("LastError is nil after a failed refresh")
	}
	if !ks.LastRefresh().Equal(loadedAt) {
		t.Errorf("LastRefresh moved from %v to %v without a successful fetch", loadedAt, ks.LastRefresh())
	}
	if !ks.Ready() {
		t.Error("Ready turned false after a failed refresh")
	}
	if _, err := v.Validate(ctx, tok); err != nil {
		t.Fatalf("token after the failed refresh: %v", err)
	}

	t.Run("refresh retries are rate-limited while the issuer is down", func(t *testing.T) {
		hits := f.jwksHits.Load() + f.discoveryHits.Load()
		for range 5 {
			if _, err := v.Validate(ctx, tok); err != nil {
				t.Fatalf("Validate: %v", err)
			}
		}
		jfWaitIdle(t, ks)
		if got := f.jwksHits.Load() + f.discoveryHits.Load(); got != hits {
			t.Errorf("%d issuer requests within the refetch interval, want none", got-hits)
		}
	})

	t.Run("a refresh after the issuer recovers picks up rotated keys", func(t *testing.T) {
		f.down.Store(false)
		f.rotate(t)
		clock.Advance(keySetDefaultMinRefetch)
		if _, err := v.Validate(ctx, tok); err != nil { // serves stale keys, refreshes behind
			t.Fatalf("Validate: %v", err)
		}
		jfWaitIdle(t, ks)
		if ks.LastError() != nil {
			t.Fatalf("LastError after recovery: %v", ks.LastError())
		}
		hits := f.jwksHits.Load()
		if _, err := v.Validate(ctx, f.sign(t, f.claims())); err != nil {
			t.Fatalf("token with the new key: %v", err)
		}
		if got := f.jwksHits.Load(); got != hits {
			t.Errorf("the new key needed %d more fetches, want 0", got-hits)
		}
	})
}

func TestKeySetKeysNeverLoaded(t *testing.T) {
	f := newJFIssuer(t)
	f.down.Store(true)
	ks, clock := newJFKeySet(t, f)
	ctx := context.Background()
	if err := ks.Load(ctx); err == nil {
		t.Fatal("Load succeeded with the issuer down")
	}
	v, err := NewValidator(ks, f.Issuer, []string{jfAudience})
	if err != nil {
		t.Fatal(err)
	}
	tok := f.sign(t, f.claims())

	t.Run("a token is rejected as keys_unavailable without asking the issuer again", func(t *testing.T) {
		hits := f.discoveryHits.Load()
		_, err := v.Validate(ctx, tok)
		if got := jfReason(t, err); got != ReasonKeysUnavailable {
			t.Errorf("reason %q, want %q", got, ReasonKeysUnavailable)
		}
		if !errors.Is(err, ErrKeysUnavailable) {
			t.Errorf("errors.Is(%v, ErrKeysUnavailable) = false", err)
		}
		if got := f.discoveryHits.Load(); got != hits {
			t.Errorf("%d discovery requests within the refetch interval, want 0", got-hits)
		}
	})

	t.Run("after the refetch interval a token waits for a fetch that still fails", func(t *testing.T) {
		clock.Advance(keySetDefaultMinRefetch)
		_, err := v.Validate(ctx, tok)
		if got := jfReason(t, err); got != ReasonKeysUnavailable {
			t.Errorf("reason %q, want %q", got, ReasonKeysUnavailable)
		}
	})

	t.Run("once the issuer is back the next fetch loads the keys", func(t *testing.T) {
		f.down.Store(false)
		clock.Advance(keySetDefaultMinRefetch)
		if _, err := v.Validate(ctx, tok); err != nil {
			t.Fatalf("Validate: %v", err)
		}
		if !ks.Ready() {
			t.Error("not Ready after loading")
		}
	})
}

func TestKeySetRejectsBadIssuerAnswers(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{name: "a JWKS answered with HTTP 500 fails", handler: func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, `{"keys":[]}`, http.StatusInternalServerError)
		}},
		{name: "a JWKS that is not JSON fails", handler: func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte("<html>"))
		}},
		{name: "a JWKS over 1 MiB fails", handler: func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"keys":[],"pad":"` + strings.Repeat("x", keySetMaxBody) + `"}`))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			t.Cleanup(srv.Close)
			u, _ := url.Parse(srv.URL + "/")
			ks := NewKeySet(u)
			if err := ks.Load(context.Background()); err == nil {
				t.Fatal("Load succeeded")
			}
			if ks.Ready() {
				t.Error("Ready after a failed load")
			}
		})
	}
}

func TestKeySetOptionsKeepDefaultsForNonsense(t *testing.T) {
	u, _ := url.Parse("https://tenant.example/")
	ks := NewKeySet(u, WithCacheTTL(0), WithMinRefetchInterval(-time.Second), WithHTTPClient(nil))
	if ks.ttl != keySetDefaultTTL || ks.minRefetch != keySetDefaultMinRefetch || ks.client.Timeout != keySetDefaultTimeout {
		t.Errorf("ttl=%v minRefetch=%v timeout=%v, want defaults", ks.ttl, ks.minRefetch, ks.client.Timeout)
	}
	c := &http.Client{}
	ks = NewKeySet(u, WithCacheTTL(time.Minute), WithMinRefetchInterval(time.Second), WithHTTPClient(c))
	if ks.ttl != time.Minute || ks.minRefetch != time.Second || ks.client != c {
		t.Errorf("options not applied: ttl=%v minRefetch=%v", ks.ttl, ks.minRefetch)
	}
}
