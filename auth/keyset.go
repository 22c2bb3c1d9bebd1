package auth

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	jose "gopkg.in/go-jose/go-jose.v2"
)

const (
	keySetDefaultTimeout    = 5 * time.Second
	keySetDefaultTTL        = 5 * time.Minute
	keySetDefaultMinRefetch = 10 * time.Second
	// keySetFetchTimeout bounds one refresh (discovery plus JWKS) even when
	// the caller's client has no timeout, so a background refresh can never
	// hang forever.
	keySetFetchTimeout = 15 * time.Second
	// keySetMaxBody caps discovery and JWKS responses; Auth0's are a few KiB.
	keySetMaxBody = 1 << 20
	// keySetMinRSABits rejects published keys too weak to trust; Auth0 signs
	// with 2048-bit keys.
	keySetMinRSABits = 2048
)

// KeySet fetches and caches the issuer's signing keys. It replaces
// go-jwt-middleware's jwks.CachingProvider, whose defaults do not fit
// Auth0's advice (docs/auth0-behaviour.md#jwks-rotation and
// #jwt-middleware-defaults): that cache never refetches on an unknown kid,
// so a rotated-in key is rejected until the TTL elapses, and a failed
// background refresh evicts the cache, so one bad answer from the issuer
// turns every following request into a synchronous fetch.
//
// KeySet behaves as follows:
//
//   - Keys are found through <issuer>/.well-known/openid-configuration's
//     jwks_uri, or at <issuer>/.well-known/jwks.json when discovery answers
//     without a usable jwks_uri.
//   - Once older than the cache TTL, keys are refreshed in the background on
//     the next use while the cached keys keep being served, so no request
//     waits on the issuer once keys are loaded. The refresh is lazy rather
//     than driven by a ticker, so an idle server makes no requests and
//     KeySet needs no Close.
//   - A failed refresh keeps the last good keys; LastError reports it.
//   - A token whose kid is not cached triggers one refetch at once, which
//     the request waits for, so a key rotated in after the last fetch is
//     accepted immediately.
//   - Every fetch except Load is rate-limited to one per minimum refetch
//     interval, so tokens with made-up kids cannot make the server hammer
//     the issuer, and concurrent callers share the fetch in flight.
//   - Only RSA keys of at least 2048 bits with a kid, use "sig" (or none)
//     and alg RS256 (or none) are kept; a key that fails to decode is
//     skipped instead of failing the whole set, as go-jose would.
//
// A KeySet is safe for concurrent use.
type KeySet struct {
	issuer     *url.URL
	client     *http.Client
	ttl        time.Duration
	minRefetch time.Duration
	now        func() time.Time // replaced by tests

	mu          sync.Mutex
	keys        *keySetSnapshot // nil until the first successful fetch
	inflight    *keySetFetch    // the fetch in progress, shared by all callers
	lastAttempt time.Time
	// lastKIDRefetch is when an unknown kid last forced a refetch. Unknown-kid
	// refetches are rate-limited on their own clock, so a rotation right after
	// a routine fetch (at start, say) is still picked up at once.
	lastKIDRefetch time.Time
	lastRefresh    time.Time
	lastErr        error
	jwksURL        string // where the last good key set came from; "" to rediscover
}

// keySetSnapshot is one immutable, successfully fetched key set.
type keySetSnapshot struct {
	byKeyID   map[string]*rsa.PublicKey
	set       *jose.JSONWebKeySet
	fetchedAt time.Time
}

// keySetFetch is a fetch in flight; done is closed once err is set.
type keySetFetch struct {
	done chan struct{}
	err  error
}

// KeySetOption configures a KeySet.
type KeySetOption func(*KeySet)

// WithHTTPClient sets the client used to fetch the discovery document and the
// JWKS. The default is a client with a 5 s timeout; nil keeps the default.
// Whatever the client, one refresh is abandoned after 15 s.
func WithHTTPClient(c *http.Client) KeySetOption {
	return func(k *KeySet) {
		if c != nil {
			k.client = c
		}
	}
}

// WithCacheTTL sets how long a fetched key set is used before it is refreshed
// in the background. The default is 5 minutes, within Auth0's advice of 5–10
// minutes; it bounds how long a revoked key keeps being accepted. A value of
// zero or less keeps the default.
func WithCacheTTL(d time.Duration) KeySetOption {
	return func(k *KeySet) {
		if d > 0 {
			k.ttl = d
		}
	}
}

// WithMinRefetchInterval sets the least time between two fetches started by
// use: unknown-kid refetches, TTL refreshes and retries after a failure. The
// default is 10 s, which keeps a flood of tokens with made-up kids to six
// JWKS requests a minute, well under Auth0's 20/s limit on jwks.json. A value
// of zero or less keeps the default.
func WithMinRefetchInterval(d time.Duration) KeySetOption {
	return func(k *KeySet) {
		if d > 0 {
			k.minRefetch = d
		}
	}
}

// NewKeySet returns a KeySet for the given issuer, such as
// https://TENANT.auth0.com/. It fetches nothing until Load or KeyFunc is
// called.
func NewKeySet(issuer *url.URL, opts ...KeySetOption) *KeySet {
	k := &KeySet{
		issuer:     issuer,
		client:     &http.Client{Timeout: keySetDefaultTimeout},
		ttl:        keySetDefaultTTL,
		minRefetch: keySetDefaultMinRefetch,
		now:        time.Now,
	}
	for _, opt := range opts {
		opt(k)
	}
	return k
}

// Load fetches the key set now, ignoring the refetch rate limit, and waits
// for the result or for ctx to end. Call it at start: a failure should be
// logged, not treated as fatal, because the key set is fetched again on use
// and Ready reports whether any keys are loaded.
func (k *KeySet) Load(ctx context.Context) error {
	k.mu.Lock()
	call := k.startFetchLocked(ctx, true)
	k.mu.Unlock()
	if err := waitForKeySetFetch(ctx, call); err != nil {
		return fmt.Errorf("auth: loading signing keys for issuer %s: %w", k.issuer, err)
	}
	return nil
}

// Ready reports whether at least one good key set has been loaded, for a
// readiness probe. It stays true while later refreshes fail.
func (k *KeySet) Ready() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.keys != nil
}

// LastError returns the error of the most recent fetch, or nil if it
// succeeded or none has finished.
func (k *KeySet) LastError() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.lastErr
}

// LastRefresh returns when a key set was last fetched successfully, or the
// zero time if never.
func (k *KeySet) LastRefresh() time.Time {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.lastRefresh
}

// KeyFunc returns the key for go-jwt-middleware's validator.New. When the
// context carries the token's kid, as Validator arranges, it returns that
// key as an *rsa.PublicKey, refetching once if the kid is unknown, and fails
// with an error Validator reports as ReasonUnknownKey if it is still unknown.
// Without a kid in the context it returns the whole cached
// *jose.JSONWebKeySet, from which go-jose picks by kid. Before any key set
// has loaded it fetches one, and fails with ErrKeysUnavailable if that is
// impossible.
func (k *KeySet) KeyFunc(ctx context.Context) (interface{}, error) {
	kid, haveKID := keyIDFromContext(ctx)

	k.mu.Lock()
	snap := k.keys
	if snap == nil {
		call := k.startFetchLocked(ctx, false)
		lastErr := k.lastErr
		k.mu.Unlock()
		if call == nil {
			return nil, fmt.Errorf("%w: %v", ErrKeysUnavailable, lastErr)
		}
		if err := waitForKeySetFetch(ctx, call); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrKeysUnavailable, err)
		}
		k.mu.Lock()
		snap = k.keys
	} else if k.now().Sub(snap.fetchedAt) >= k.ttl {
		k.startFetchLocked(ctx, false) // refresh in the background; serve the stale keys
	}

	if !haveKID {
		k.mu.Unlock()
		return snap.set, nil
	}
	if kid == "" {
		k.mu.Unlock()
		return nil, errTokenNoKeyID
	}
	if key, ok := snap.byKeyID[kid]; ok {
		k.mu.Unlock()
		return key, nil
	}

	// Unknown kid: the issuer may have rotated since the last fetch.
	var call *keySetFetch
	if now := k.now(); k.lastKIDRefetch.IsZero() || now.Sub(k.lastKIDRefetch) >= k.minRefetch || k.inflight != nil {
		if k.inflight == nil {
			k.lastKIDRefetch = now
		}
		call = k.startFetchLocked(ctx, true)
	}
	k.mu.Unlock()
	if call == nil {
		return nil, errTokenUnknownKeyID
	}
	if err := waitForKeySetFetch(ctx, call); err != nil {
		return nil, fmt.Errorf("%w (refetch failed: %v)", errTokenUnknownKeyID, err)
	}
	k.mu.Lock()
	key, ok := k.keys.byKeyID[kid]
	k.mu.Unlock()
	if !ok {
		return nil, errTokenUnknownKeyID
	}
	return key, nil
}

// startFetchLocked returns the fetch in flight, or starts one unless force is
// false and the last one started less than minRefetch ago, in which case it
// returns nil. k.mu must be held. The fetch runs detached from ctx's
// cancellation, because other callers may share it and because a background
// refresh outlives the request that triggered it.
func (k *KeySet) startFetchLocked(ctx context.Context, force bool) *keySetFetch {
	if k.inflight != nil {
		return k.inflight
	}
	now := k.now()
	if !force && !k.lastAttempt.IsZero() && now.Sub(k.lastAttempt) < k.minRefetch {
		return nil
	}
	k.lastAttempt = now
	call := &keySetFetch{done: make(chan struct{})}
	k.inflight = call
	jwksURL := k.jwksURL
	go func() {
		fetchCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), keySetFetchTimeout)
		defer cancel()
		snap, usedURL, err := k.fetch(fetchCtx, jwksURL)

		k.mu.Lock()
		k.lastErr = err
		if err == nil {
			snap.fetchedAt = k.now()
			k.keys = snap
			k.lastRefresh = snap.fetchedAt
			k.jwksURL = usedURL
		} else {
			k.jwksURL = "" // rediscover next time; the jwks_uri may have moved
		}
		k.inflight = nil
		k.mu.Unlock()

		call.err = err
		close(call.done)
	}()
	return call
}

// waitForKeySetFetch waits for call to finish or ctx to end.
func waitForKeySetFetch(ctx context.Context, call *keySetFetch) error {
	select {
	case <-call.done:
		return call.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// fetch downloads and parses the key set, discovering its URL first unless
// jwksURL is already known. It returns the URL it used.
func (k *KeySet) fetch(ctx context.Context, jwksURL string) (*keySetSnapshot, string, error) {
	if jwksURL == "" {
		var err error
		if jwksURL, err = k.discoverJWKSURL(ctx); err != nil {
			return nil, "", err
		}
	}
	body, status, err := k.get(ctx, jwksURL)
	if err != nil {
		return nil, "", err
	}
	if status < 200 || status > 299 {
		return nil, "", fmt.Errorf("GET %s: HTTP %d", jwksURL, status)
	}
	snap, err := parseKeySet(body)
	if err != nil {
		return nil, "", fmt.Errorf("JWKS from %s: %w", jwksURL, err)
	}
	return snap, jwksURL, nil
}

// discoverJWKSURL reads jwks_uri from the issuer's OpenID configuration. When
// the issuer answers but without a usable jwks_uri, it falls back to Auth0's
// fixed <issuer>/.well-known/jwks.json; when it cannot be reached at all it
// fails, since the fallback lives on the same host.
func (k *KeySet) discoverJWKSURL(ctx context.Context) (string, error) {
	base := strings.TrimSuffix(k.issuer.String(), "/")
	body, status, err := k.get(ctx, base+"/.well-known/openid-configuration")
	if err != nil {
		return "", err
	}
	if status >= 200 && status <= 299 {
		var doc struct {
			JWKSURI string `json:"jwks_uri"`
		}
		if json.Unmarshal(body, &doc) == nil {
			if u, err := url.Parse(doc.JWKSURI); err == nil && u.Host != "" &&
				(u.Scheme == "https" || u.Scheme == "http") {
				return u.String(), nil
			}
		}
	}
	return base + "/.well-known/jwks.json", nil
}

// get fetches rawURL and returns its body, refusing bodies over
// keySetMaxBody. A non-2xx status is returned, not treated as an error.
func (k *KeySet) get(ctx context.Context, rawURL string) ([]byte, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, keySetMaxBody+1))
	if err != nil {
		return nil, 0, fmt.Errorf("GET %s: reading body: %w", rawURL, err)
	}
	if len(body) > keySetMaxBody {
		return nil, 0, fmt.Errorf("GET %s: body exceeds %d bytes", rawURL, keySetMaxBody)
	}
	return body, resp.StatusCode, nil
}

// parseKeySet keeps the usable RS256 signing keys of a JWKS document. Each
// key is decoded on its own so that one malformed or foreign key (an EC key,
// a bad x5c) does not discard the rest, as decoding the whole
// jose.JSONWebKeySet at once would.
func parseKeySet(body []byte) (*keySetSnapshot, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("decoding: %w", err)
	}
	snap := &keySetSnapshot{
		byKeyID: make(map[string]*rsa.PublicKey, len(doc.Keys)),
		set:     &jose.JSONWebKeySet{},
	}
	for _, raw := range doc.Keys {
		var jwk jose.JSONWebKey
		if err := jwk.UnmarshalJSON(raw); err != nil {
			continue
		}
		pub, ok := jwk.Key.(*rsa.PublicKey)
		switch {
		case !ok, jwk.KeyID == "", pub.N.BitLen() < keySetMinRSABits,
			jwk.Use != "" && jwk.Use != "sig",
			jwk.Algorithm != "" && jwk.Algorithm != string(jose.RS256):
			continue
		}
		if _, dup := snap.byKeyID[jwk.KeyID]; dup {
			continue // go-jose would also use the first key with this kid
		}
		snap.byKeyID[jwk.KeyID] = pub
		snap.set.Keys = append(snap.set.Keys, jwk)
	}
	if len(snap.byKeyID) == 0 {
		return nil, errors.New("no usable RS256 signing key (RSA ≥ 2048 bits with kid, use sig)")
	}
	return snap, nil
}

// HasKey reports whether the current key set holds kid, refreshing a stale
// set in the background as KeyFunc does, so a key that leaves the issuer's
// JWKS stops counting within the cache TTL. It never fetches in the
// foreground: before any key set has loaded it answers false.
func (k *KeySet) HasKey(ctx context.Context, kid string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	snap := k.keys
	if snap == nil {
		return false
	}
	if k.now().Sub(snap.fetchedAt) >= k.ttl {
		k.startFetchLocked(ctx, false)
	}
	_, ok := snap.byKeyID[kid]
	return ok
}
