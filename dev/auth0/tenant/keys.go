package tenant

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"time"
)

// keyBits is the RSA modulus size Auth0 uses for its signing keys.
const keyBits = 2048

// signingKey is one RSA key of the tenant together with the JWK that publishes it.
type signingKey struct {
	kid  string
	priv *rsa.PrivateKey
	jwk  publicJWK
}

// publicJWK is the JSON form of a published key, in the field set Auth0 publishes. x5c and x5t are
// generated from a real self-signed certificate because go-jose rejects a key set in which they do
// not match n/e, and one bad key makes the whole set unusable.
type publicJWK struct {
	Kty string   `json:"kty"`
	Use string   `json:"use"`
	Alg string   `json:"alg"`
	Kid string   `json:"kid"`
	N   string   `json:"n"`
	E   string   `json:"e"`
	X5c []string `json:"x5c"`
	X5t string   `json:"x5t"`
}

// keyRing holds the keys the way Auth0 does: one current key that signs, one next key that is
// already published so that verifiers know it before it signs, and previous keys that stay
// published, and therefore valid, until they are revoked.
type keyRing struct {
	previous []*signingKey
	current  *signingKey
	next     *signingKey
	// pending holds keys supplied with WithKeys that have not been used yet.
	pending []*rsa.PrivateKey
}

// published returns the keys in the JWKS, in the order current, next, previous (newest first).
func (k *keyRing) published() []*signingKey {
	keys := []*signingKey{k.current, k.next}
	for i := len(k.previous) - 1; i >= 0; i-- {
		keys = append(keys, k.previous[i])
	}
	return keys
}

// find returns the published key with the given kid.
func (k *keyRing) find(kid string) (*signingKey, bool) {
	for _, key := range k.published() {
		if key.kid == kid {
			return key, true
		}
	}
	return nil, false
}

// newSigningKey wraps priv with a kid and a self-signed certificate for the tenant's host. The kid is
// the RFC 7638 thumbprint of the public key, so it is stable for a given key.
func newSigningKey(priv *rsa.PrivateKey, host string, now time.Time) (*signingKey, error) {
	pub := &priv.PublicKey
	n := base64.RawURLEncoding.EncodeToString(pub.N.Bytes())
	e := base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes())

	// RFC 7638: SHA-256 over the required members in lexicographic order, without whitespace.
	thumbprintInput, err := json.Marshal(struct {
		E   string `json:"e"`
		Kty string `json:"kty"`
		N   string `json:"n"`
	}{e, "RSA", n})
	if err != nil {
		return nil, err
	}
	thumb := sha256.Sum256(thumbprintInput)
	kid := base64.RawURLEncoding.EncodeToString(thumb[:])

	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return nil, err
	}
	template := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: host},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, pub, priv)
	if err != nil {
		return nil, fmt.Errorf("self-sign certificate: %w", err)
	}
	x5t := sha1.Sum(der)
	return &signingKey{
		kid:  kid,
		priv: priv,
		jwk: publicJWK{
			Kty: "RSA", Use: "sig", Alg: "RS256", Kid: kid, N: n, E: e,
			X5c: []string{base64.StdEncoding.EncodeToString(der)},
			X5t: base64.RawURLEncoding.EncodeToString(x5t[:]),
		},
	}, nil
}

// mustNewKey makes the next signing key from the keys supplied with WithKeys, or from a freshly
// generated RSA-2048 key once they run out. It must be called without t.mu held, because generating
// a key takes long enough to stall every request. It panics only if the platform's random source or
// RSA implementation fails, which Go treats as unrecoverable anyway.
func (t *Tenant) mustNewKey() *signingKey {
	t.mu.Lock()
	var priv *rsa.PrivateKey
	if len(t.keys.pending) > 0 {
		priv = t.keys.pending[0]
		t.keys.pending = t.keys.pending[1:]
	}
	t.mu.Unlock()
	if priv == nil {
		var err error
		if priv, err = rsa.GenerateKey(rand.Reader, keyBits); err != nil {
			panic(fmt.Sprintf("tenant: generate RSA key: %v", err))
		}
	}
	key, err := newSigningKey(priv, t.host, t.now())
	if err != nil {
		panic(fmt.Sprintf("tenant: wrap RSA key: %v", err))
	}
	return key
}

// RotateKey rotates the signing key the way Auth0's "Rotate signing key" does: the next key, which
// is already published, becomes current and signs from now on; the old current key stays published
// as a previous key, so its tokens remain valid until RevokePreviousKeys; and a new next key is
// published. Verifiers with a cached JWKS keep working.
func (t *Tenant) RotateKey() {
	next := t.mustNewKey()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.keys.previous = append(t.keys.previous, t.keys.current)
	t.keys.current = t.keys.next
	t.keys.next = next
	t.logger.Info("signing key rotated", "current", t.keys.current.kid, "next", t.keys.next.kid)
}

// RotateKeyUnpublished switches signing to a brand-new key that no JWKS served so far contained, as
// after an emergency rotation. The old current key stays published as a previous key and the next
// key is unchanged. A verifier that cached the JWKS rejects new tokens until it refetches, which is
// what tests of refetch-on-unknown-kid need.
func (t *Tenant) RotateKeyUnpublished() {
	fresh := t.mustNewKey()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.keys.previous = append(t.keys.previous, t.keys.current)
	t.keys.current = fresh
	t.logger.Info("signing key replaced without pre-publication", "current", fresh.kid)
}

// RevokePreviousKeys removes the previous keys from the JWKS, as Auth0's "Revoke previous key" does.
// Tokens they signed stop verifying once verifiers refetch the JWKS; /userinfo rejects them at once.
func (t *Tenant) RevokePreviousKeys() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.keys.previous = nil
	t.logger.Info("previous signing keys revoked")
}

// SigningKeyID returns the kid of the key that currently signs tokens.
func (t *Tenant) SigningKeyID() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.keys.current.kid
}

// PublishedKeyIDs returns the kids in the JWKS, in the order they are published: current, next,
// then previous keys from newest to oldest.
func (t *Tenant) PublishedKeyIDs() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var kids []string
	for _, k := range t.keys.published() {
		kids = append(kids, k.kid)
	}
	return kids
}

// signRS256 returns the RS256 signature of signingInput.
func signRS256(priv *rsa.PrivateKey, signingInput string) []byte {
	digest := sha256.Sum256([]byte(signingInput))
	sig, err := rsa.SignPKCS1v15(rand.Reader, priv, crypto.SHA256, digest[:])
	if err != nil {
		// Only possible for a key too small for SHA-256, which keyBits and WithKeys rule out.
		panic(fmt.Sprintf("tenant: sign: %v", err))
	}
	return sig
}
