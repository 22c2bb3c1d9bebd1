package auth

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/auth0/go-jwt-middleware/v2/validator"
)

const (
	validatorDefaultClockSkew = 30 * time.Second
	// validatorDefaultVerifiedCache is how many verified tokens a Validator
	// remembers (see WithVerifiedCache).
	validatorDefaultVerifiedCache = 10_000
	// tokenMaxBytes caps a token (and the Authorization header carrying it).
	// Auth0 access tokens are 1–2 KiB; 16 KiB is more than proxies such as
	// nginx pass by default, so nothing legitimate is refused.
	tokenMaxBytes = 16 << 10
	// tokenAlgorithm is the only signing algorithm accepted; Auth0 APIs sign
	// access tokens with RS256.
	tokenAlgorithm = validator.RS256
)

// Validator checks Auth0 access tokens. It wraps go-jwt-middleware's
// validator.Validator and closes the gaps in its defaults: exp is required,
// the token must be a compact JWS (go-jose also accepts the JSON
// serialisation), sub must be present, the header must name a kid, and every
// failure is a *TokenError with a stable Reason instead of library text.
// Beyond that the library enforces alg RS256, an exact iss match (so
// "https://t.auth0.com" does not match "https://t.auth0.com/"), aud
// containing the audience (string or array), and nbf, exp and iat within the
// clock skew. A Validator is safe for concurrent use.
type Validator struct {
	core     tokenVerifier
	verified *verifiedCache // nil: every token is verified in full
}

// IDTokenValidator checks the ID token returned with an access token by the
// login flow, so its profile claims (email, email_verified, name, picture)
// can be trusted. It applies the same rules as Validator, with the client id
// as the audience, plain (not namespaced) profile claims and, when azp is
// present, azp equal to the client id. An IDTokenValidator is safe for
// concurrent use.
type IDTokenValidator struct {
	core tokenVerifier
}

// validatorConfig collects what ValidatorOptions set.
type validatorConfig struct {
	clockSkew    time.Duration
	namespace    string
	verifiedSize int
	now          func() time.Time
}

// ValidatorOption configures a Validator or an IDTokenValidator.
type ValidatorOption func(*validatorConfig)

// WithClockSkew sets how far exp, nbf and iat may be off the server's clock.
// The default is 30 s: Auth0 stamps iat with its own clock, so a skew too
// small turns a fresh token into token_not_yet_valid on a host whose clock
// runs slightly behind, while 30 s of extra life on a token that lives 24 h
// costs nothing. A negative value is treated as zero.
func WithClockSkew(d time.Duration) ValidatorOption {
	return func(c *validatorConfig) {
		c.clockSkew = max(d, 0)
	}
}

// WithClaimsNamespace sets the prefix of the custom profile claims a
// post-login Action adds to access tokens, for example
// "https://api.dev.local/" for "https://api.dev.local/email". The prefix is
// used verbatim, so include its trailing slash. The default is "", which
// reads no profile claims: Auth0 access tokens carry no plain email, and
// reading one would trust a claim Auth0 silently drops
// (docs/auth0-behaviour.md#custom-claims). ID token validators ignore this
// option.
func WithClaimsNamespace(ns string) ValidatorOption {
	return func(c *validatorConfig) {
		c.namespace = ns
	}
}

// WithVerifiedCache sets how many verified access tokens a Validator
// remembers, so a token sent again is not verified again while it would
// still pass: until its exp plus the clock skew, and while its signing key is
// in the key set (a key that leaves the issuer's JWKS stops counting within
// the key set's cache TTL, as for a full check). The default is 10,000
// tokens (a few MB); 0 verifies every token in full. ID token validators
// ignore this option.
func WithVerifiedCache(size int) ValidatorOption {
	return func(c *validatorConfig) {
		c.verifiedSize = max(size, 0)
	}
}

// NewValidator returns a Validator for access tokens issued by issuer (for
// Auth0, "https://TENANT.auth0.com/" with its trailing slash) for any of the
// given audiences (the API identifier), verified with keys.
func NewValidator(keys *KeySet, issuer string, audience []string, opts ...ValidatorOption) (*Validator, error) {
	cfg := newValidatorConfig(opts)
	core, err := newTokenVerifier(keys, issuer, audience, cfg, func() validator.CustomClaims {
		return &tokenClaims{namespace: cfg.namespace}
	})
	if err != nil {
		return nil, err
	}
	v := &Validator{core: core}
	if cfg.verifiedSize > 0 {
		v.verified = newVerifiedCache(cfg.verifiedSize, keys, cfg.now)
	}
	return v, nil
}

// Validate checks token, the bare JWT without "Bearer ", and returns its
// claims. Any error is a *TokenError whose Reason says why; it matches
// ErrInvalidToken, and also ErrKeysUnavailable when no signing keys could be
// loaded.
func (v *Validator) Validate(ctx context.Context, token string) (*Claims, error) {
	if v.verified != nil {
		if c, ok := v.verified.get(ctx, token); ok {
			return c, nil
		}
	}
	reg, custom, kid, err := v.core.verifyKID(ctx, token)
	if err != nil {
		return nil, err
	}
	c := &Claims{
		Subject:       reg.Subject,
		Issuer:        reg.Issuer,
		Audience:      reg.Audience,
		Scopes:        custom.scopes(),
		Permissions:   custom.permissions,
		Email:         custom.email,
		EmailVerified: custom.emailVerified,
		Name:          custom.name,
		Picture:       custom.picture,
		Connection:    custom.connection,
		ExpiresAt:     time.Unix(reg.Expiry, 0),
		Token:         token,
	}
	if v.verified != nil {
		v.verified.add(token, kid, c, c.ExpiresAt.Add(v.core.clockSkew))
	}
	return c, nil
}

// NewIDTokenValidator returns an IDTokenValidator for ID tokens issued by
// issuer to the application clientID, verified with keys. WithClockSkew
// applies; WithClaimsNamespace does not.
func NewIDTokenValidator(keys *KeySet, issuer, clientID string, opts ...ValidatorOption) (*IDTokenValidator, error) {
	cfg := newValidatorConfig(opts)
	core, err := newTokenVerifier(keys, issuer, []string{clientID}, cfg, func() validator.CustomClaims {
		return &tokenClaims{idToken: true, clientID: clientID}
	})
	if err != nil {
		return nil, err
	}
	return &IDTokenValidator{core: core}, nil
}

// Validate checks idToken and returns its profile claims. Any error is a
// *TokenError, as for Validator.Validate.
func (v *IDTokenValidator) Validate(ctx context.Context, idToken string) (*IDClaims, error) {
	reg, custom, err := v.core.verify(ctx, idToken)
	if err != nil {
		return nil, err
	}
	return &IDClaims{
		Subject:       reg.Subject,
		Email:         custom.email,
		Name:          custom.name,
		Picture:       custom.picture,
		Nickname:      custom.nickname,
		EmailVerified: custom.emailVerified,
	}, nil
}

func newValidatorConfig(opts []ValidatorOption) validatorConfig {
	cfg := validatorConfig{clockSkew: validatorDefaultClockSkew, verifiedSize: validatorDefaultVerifiedCache, now: time.Now}
	for _, opt := range opts {
		opt(&cfg)
	}
	return cfg
}

// tokenVerifier is the part both validators share: the pre-checks this
// package adds, the library call, and the mapping of its errors.
type tokenVerifier struct {
	lib       *validator.Validator
	clockSkew time.Duration
}

func newTokenVerifier(keys *KeySet, issuer string, audience []string, cfg validatorConfig,
	newClaims func() validator.CustomClaims) (tokenVerifier, error) {
	if keys == nil {
		return tokenVerifier{}, errors.New("auth: a KeySet is required")
	}
	if slices.Contains(audience, "") {
		return tokenVerifier{}, errors.New("auth: audience must not contain an empty string")
	}
	lib, err := validator.New(keys.KeyFunc, tokenAlgorithm, issuer, audience,
		validator.WithCustomClaims(newClaims),
		validator.WithAllowedClockSkew(cfg.clockSkew),
	)
	if err != nil {
		return tokenVerifier{}, fmt.Errorf("auth: %w", err)
	}
	return tokenVerifier{lib: lib, clockSkew: cfg.clockSkew}, nil
}

// verify runs the checks and returns the registered and custom claims, or a
// *TokenError.
func (t tokenVerifier) verify(ctx context.Context, token string) (*validator.RegisteredClaims, *tokenClaims, error) {
	reg, custom, _, err := t.verifyKID(ctx, token)
	return reg, custom, err
}

// verifyKID is verify that also returns the key id the token was signed with.
func (t tokenVerifier) verifyKID(ctx context.Context, token string) (*validator.RegisteredClaims, *tokenClaims, string, error) {
	kid, err := inspectCompactJWS(token)
	if err != nil {
		return nil, nil, "", newTokenError(err)
	}
	// The KeyFunc only receives the context, so the kid travels in it.
	res, err := t.lib.ValidateToken(withKeyID(ctx, kid), token)
	if err != nil {
		return nil, nil, "", newTokenError(err)
	}
	vc, ok := res.(*validator.ValidatedClaims)
	if !ok {
		return nil, nil, "", newTokenError(fmt.Errorf("unexpected validator result %T", res))
	}
	custom, ok := vc.CustomClaims.(*tokenClaims)
	if !ok {
		return nil, nil, "", newTokenError(fmt.Errorf("unexpected custom claims %T", vc.CustomClaims))
	}
	if vc.RegisteredClaims.Subject == "" {
		return nil, nil, "", newTokenError(errTokenNoSubject)
	}
	return &vc.RegisteredClaims, custom, kid, nil
}

// inspectCompactJWS checks, before the library parses anything, that token is
// a compact JWS — three non-empty base64url segments whose header and payload
// are JSON objects — no longer than tokenMaxBytes, with alg RS256 and a kid,
// and returns the kid. The library alone would accept the JSON serialisation
// (go-jose's ParseSigned takes both) and would report an unknown or missing
// kid only as "unsupported key type/format".
func inspectCompactJWS(token string) (string, error) {
	if token == "" || len(token) > tokenMaxBytes {
		return "", fmt.Errorf("%w: length %d", errTokenMalformed, len(token))
	}
	if strings.Count(token, ".") != 2 {
		return "", fmt.Errorf("%w: want three dot-separated segments", errTokenMalformed)
	}
	segments := strings.Split(token, ".")
	for _, s := range segments {
		if !isBase64URL(s) {
			return "", fmt.Errorf("%w: segment is not unpadded base64url", errTokenMalformed)
		}
	}
	header, err := decodeJSONObjectSegment(segments[0])
	if err != nil {
		return "", fmt.Errorf("%w: header: %v", errTokenMalformed, err)
	}
	var alg, kid string
	if raw, ok := header["alg"]; !ok || json.Unmarshal(raw, &alg) != nil {
		return "", fmt.Errorf("%w: header has no string alg", errTokenMalformed)
	}
	if alg != string(tokenAlgorithm) {
		return "", fmt.Errorf("%w: header alg %.20q", errTokenAlgorithm, alg)
	}
	if raw, ok := header["kid"]; ok && json.Unmarshal(raw, &kid) != nil {
		return "", fmt.Errorf("%w: kid is not a string", errTokenMalformed)
	}
	if kid == "" {
		return "", errTokenNoKeyID
	}
	// The library parses the payload itself; checking that it is one JSON
	// object without building it keeps the clear error at a third of the cost.
	if err := checkJSONObjectSegment(segments[1]); err != nil {
		return "", fmt.Errorf("%w: payload: %v", errTokenMalformed, err)
	}
	if segments[2] == "" {
		return "", fmt.Errorf("%w: empty signature", errTokenMalformed)
	}
	if _, err := base64.RawURLEncoding.DecodeString(segments[2]); err != nil {
		return "", fmt.Errorf("%w: signature: %v", errTokenMalformed, err)
	}
	return kid, nil
}

// decodeJSONObjectSegment base64url-decodes s and parses it as a JSON object
// with exact key names (encoding/json's struct decoding would match keys
// case-insensitively, unlike go-jose).
func decodeJSONObjectSegment(s string) (map[string]json.RawMessage, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(bytes.TrimSpace(b), []byte("{")) {
		return nil, errors.New("not a JSON object")
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// checkJSONObjectSegment reports whether s is base64url of one JSON object,
// as decodeJSONObjectSegment would, without decoding the object.
func checkJSONObjectSegment(s string) error {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(bytes.TrimSpace(b), []byte("{")) {
		return errors.New("not a JSON object")
	}
	if !json.Valid(b) {
		return errors.New("not valid JSON")
	}
	return nil
}

// isBase64URL reports whether s uses only the unpadded base64url alphabet.
func isBase64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
