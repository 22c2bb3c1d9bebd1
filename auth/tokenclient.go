package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gqlneo/gqlneo/domain"
)

const (
	tcDefaultTimeout    = 10 * time.Second
	tcDefaultConnection = "Username-Password-Authentication"
	tcPasswordRealm     = "http://auth0.com/oauth/grant-type/password-realm"
	// tcScope asks for an ID token (openid), the profile and email claims,
	// and a refresh token (offline_access). No API scope is named, so ROPG
	// grants every scope the user may have for the audience.
	tcScope = "openid profile email offline_access"
	// tcMaxBody bounds every answer read from Auth0.
	tcMaxBody = 1 << 20
	// Usernames, passwords, refresh tokens and signup fields longer than the
	// domain's limits cannot be real credentials: they are refused without a
	// network call (domain.MaxEmailBytes, MaxPasswordBytes,
	// MaxRefreshTokenBytes, MaxNameRunes).
	tcMaxAccessTokenLen = 16 << 10
)

// TokenClient calls Auth0's Authentication API on behalf of end users: the
// Resource Owner Password grant, the refresh-token grant, /userinfo and
// database-connection signup. It authenticates as a confidential client
// (client_secret in the form body), which is also what makes Auth0 honour
// the auth0-forwarded-for header. It is safe for concurrent use.
//
// Errors are the sentinels of this package (ErrInvalidCredentials,
// ErrProviderUnavailable, ...), the typed errors *MFARequiredError,
// *RateLimitedError and *InvalidSignupError, or a *ProviderError for
// answers that indicate a misconfiguration. No error string ever contains a
// password, the client secret or a token.
type TokenClient struct {
	tokenURL    string
	userInfoURL string
	signupURL   string

	clientID     string
	clientSecret string
	audience     string

	realm      string
	connection string
	timeout    time.Duration
	httpClient *http.Client
	now        func() time.Time
}

// TokenClientOption configures a TokenClient.
type TokenClientOption func(*TokenClient)

// WithRealm makes PasswordLogin use Auth0's password-realm grant
// (http://auth0.com/oauth/grant-type/password-realm) with the given
// connection name as realm, instead of the standard "password" grant, which
// uses the tenant's Default Directory. The default is "" (the "password"
// grant).
func WithRealm(realm string) TokenClientOption {
	return func(c *TokenClient) { c.realm = realm }
}

// WithTokenHTTPClient sets the HTTP client used to reach Auth0. The client is
// copied and its copy never follows redirects, so credentials are never
// re-sent to another location; its Timeout is kept. The default is an
// http.Client whose Timeout is the WithTokenTimeout value.
func WithTokenHTTPClient(hc *http.Client) TokenClientOption {
	return func(c *TokenClient) {
		if hc != nil {
			c.httpClient = hc
		}
	}
}

// WithTokenTimeout bounds every call to Auth0, including reading the answer:
// a slower issuer yields ErrProviderUnavailable. The caller's context bounds
// the call as well. Values ≤ 0 are ignored. The default is 10 seconds.
func WithTokenTimeout(d time.Duration) TokenClientOption {
	return func(c *TokenClient) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// WithSignupConnection sets the database connection that Signup creates
// users in. Empty values are ignored. The default is
// "Username-Password-Authentication".
func WithSignupConnection(connection string) TokenClientOption {
	return func(c *TokenClient) {
		if connection != "" {
			c.connection = connection
		}
	}
}

// NewTokenClient returns a client for the tenant whose issuer is issuer
// (e.g. https://TENANT.auth0.com/; endpoints are resolved against it, with or
// without the trailing slash), acting as the application clientID with
// clientSecret and asking for access tokens for audience. It panics if issuer
// is nil, which is a programming error.
func NewTokenClient(issuer *url.URL, clientID, clientSecret, audience string, opts ...TokenClientOption) *TokenClient {
	if issuer == nil {
		panic("auth: NewTokenClient: nil issuer")
	}
	base := *issuer
	base.RawQuery, base.Fragment, base.RawFragment = "", "", ""
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/"
		base.RawPath = ""
	}
	resolve := func(p string) string { return base.ResolveReference(&url.URL{Path: p}).String() }

	c := &TokenClient{
		tokenURL:     resolve("oauth/token"),
		userInfoURL:  resolve("userinfo"),
		signupURL:    resolve("dbconnections/signup"),
		clientID:     clientID,
		clientSecret: clientSecret,
		audience:     audience,
		connection:   tcDefaultConnection,
		timeout:      tcDefaultTimeout,
		now:          time.Now,
	}
	for _, opt := range opts {
		opt(c)
	}
	hc := &http.Client{Timeout: c.timeout}
	if c.httpClient != nil {
		copied := *c.httpClient
		hc = &copied
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.httpClient = hc
	return c
}

// TokenSet is a successful answer of /oauth/token. The ID token is passed on
// as received: validate it before trusting its claims.
type TokenSet struct {
	// AccessToken is the token for the API named by the audience.
	AccessToken string
	// IDToken is present when the openid scope was granted.
	IDToken string
	// RefreshToken is present when offline_access was granted (and, on a
	// refresh, only when Auth0 rotates refresh tokens).
	RefreshToken string
	// TokenType is "Bearer".
	TokenType string
	// Scope is present only when the granted scopes differ from the
	// requested ones.
	Scope string
	// ExpiresIn is the access token's lifetime in seconds, always > 0.
	ExpiresIn int
}

// PasswordLogin exchanges a username (or email) and password for tokens with
// the Resource Owner Password grant, asking for the scopes
// "openid profile email offline_access". endUserIP, when it parses as an IP
// address, is sent as auth0-forwarded-for so that Auth0's brute-force
// protection and suspicious-IP throttling see the user's address rather than
// this server's; pass the address from RemoteAddr or a trusted proxy only.
//
// Besides the errors listed on TokenClient, it returns ErrInvalidCredentials
// for a wrong password, an unknown user, or an empty or implausibly long
// input (the latter without calling Auth0).
func (c *TokenClient) PasswordLogin(ctx context.Context, username, password, endUserIP string) (*TokenSet, error) {
	if username == "" || password == "" || len(username) > domain.MaxEmailBytes || len(password) > domain.MaxPasswordBytes {
		return nil, ErrInvalidCredentials
	}
	form := url.Values{
		"username":      {username},
		"password":      {password},
		"audience":      {c.audience},
		"scope":         {tcScope},
		"client_id":     {c.clientID},
		"client_secret": {c.clientSecret},
	}
	if c.realm != "" {
		form.Set("grant_type", tcPasswordRealm)
		form.Set("realm", c.realm)
	} else {
		form.Set("grant_type", "password")
	}
	return c.token(ctx, tcOpLogin, form, endUserIP, password)
}

// Refresh exchanges a refresh token for a new access token (and, with
// rotation enabled, a new refresh token). endUserIP is handled as in
// PasswordLogin. It returns ErrInvalidRefreshToken when Auth0 does not know
// the token, or without calling Auth0 when it is empty or implausibly long,
// besides the errors listed on TokenClient.
func (c *TokenClient) Refresh(ctx context.Context, refreshToken, endUserIP string) (*TokenSet, error) {
	if refreshToken == "" || len(refreshToken) > domain.MaxRefreshTokenBytes {
		return nil, ErrInvalidRefreshToken
	}
	form := url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {refreshToken},
		"client_id":     {c.clientID},
		"client_secret": {c.clientSecret},
	}
	return c.token(ctx, tcOpRefresh, form, endUserIP, refreshToken)
}

// tcTokenAnswer is the success body of /oauth/token.
type tcTokenAnswer struct {
	AccessToken  string      `json:"access_token"`
	IDToken      string      `json:"id_token"`
	RefreshToken string      `json:"refresh_token"`
	TokenType    string      `json:"token_type"`
	Scope        string      `json:"scope"`
	ExpiresIn    json.Number `json:"expires_in"`
}

// token posts form to /oauth/token and interprets the answer. secret is the
// caller-supplied credential, scrubbed from any text copied into an error.
func (c *TokenClient) token(ctx context.Context, op tcOp, form url.Values, endUserIP, secret string) (*TokenSet, error) {
	build := func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.tokenURL, strings.NewReader(form.Encode()))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if ip, ok := tcForwardedFor(endUserIP); ok {
			req.Header.Set("auth0-forwarded-for", ip)
		}
		return req, nil
	}
	ans, err := c.do(ctx, op, build, secret)
	if err != nil {
		return nil, err
	}
	var body tcTokenAnswer
	if err := json.Unmarshal(ans.body, &body); err != nil {
		return nil, tcUnexpected(ans.status, "token answer is not a JSON object")
	}
	expiresIn, ok := tcPositiveInt(body.ExpiresIn)
	switch {
	case body.AccessToken == "":
		return nil, tcUnexpected(ans.status, "token answer has no access_token")
	case !strings.EqualFold(body.TokenType, "Bearer"):
		return nil, tcUnexpected(ans.status, "token answer has a token_type other than Bearer")
	case !ok:
		return nil, tcUnexpected(ans.status, "token answer has no positive expires_in")
	}
	return &TokenSet{
		AccessToken:  body.AccessToken,
		IDToken:      body.IDToken,
		RefreshToken: body.RefreshToken,
		TokenType:    body.TokenType,
		Scope:        body.Scope,
		ExpiresIn:    expiresIn,
	}, nil
}

// UserInfo is the profile returned by /userinfo. Which fields are filled
// depends on the scopes the access token was granted.
type UserInfo struct {
	// Subject is the user's id, e.g. "auth0|6553da60a54af58e29493993".
	Subject string
	// Email is a snapshot of the user's email taken at login.
	Email string
	// Name is the user's full name.
	Name string
	// Nickname is the user's nickname.
	Nickname string
	// Picture is the URL of the user's picture.
	Picture string
	// EmailVerified is nil when Auth0 did not say (no email scope).
	EmailVerified *bool
}

// tcUserInfoAnswer is the success body of /userinfo.
type tcUserInfoAnswer struct {
	Subject       string          `json:"sub"`
	Email         string          `json:"email"`
	Name          string          `json:"name"`
	Nickname      string          `json:"nickname"`
	Picture       string          `json:"picture"`
	EmailVerified json.RawMessage `json:"email_verified"`
}

// UserInfo fetches the profile of the user that accessToken was issued to.
// Auth0 allows about 5 calls per minute per user, so call it once at login,
// never per request. A 401 (the token lacks the openid scope or the
// /userinfo audience, or has expired) is returned as a *ProviderError with
// Status 401, since the caller passes a token it has just obtained; 429 is a
// *RateLimitedError.
func (c *TokenClient) UserInfo(ctx context.Context, accessToken string) (*UserInfo, error) {
	if accessToken == "" || len(accessToken) > tcMaxAccessTokenLen {
		return nil, &ProviderError{Description: "access token is empty or too long"}
	}
	build := func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.userInfoURL, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+accessToken)
		return req, nil
	}
	ans, err := c.do(ctx, tcOpUserInfo, build, accessToken)
	if err != nil {
		return nil, err
	}
	var body tcUserInfoAnswer
	if err := json.Unmarshal(ans.body, &body); err != nil {
		return nil, tcUnexpected(ans.status, "userinfo answer is not a JSON object")
	}
	if body.Subject == "" {
		return nil, tcUnexpected(ans.status, "userinfo answer has no sub")
	}
	info := &UserInfo{
		Subject:  body.Subject,
		Email:    body.Email,
		Name:     body.Name,
		Nickname: body.Nickname,
		Picture:  body.Picture,
	}
	if v, ok := tcBool(body.EmailVerified); ok {
		info.EmailVerified = &v
	}
	return info, nil
}

// SignupResult is the user that Signup created.
type SignupResult struct {
	// ID is Auth0's id for the user, without the "auth0|" provider prefix.
	ID string
	// Email is the address the user signed up with.
	Email string
	// EmailVerified is false until the user follows the verification link.
	EmailVerified bool
}

// Subject returns the "sub" that the user's tokens will carry.
func (r *SignupResult) Subject() string { return "auth0|" + r.ID }

// tcSignupAnswer is the success body of /dbconnections/signup; Auth0 names
// the id "_id" (older answers and some SDKs use "id" or "user_id").
type tcSignupAnswer struct {
	UnderscoreID  string `json:"_id"`
	ID            string `json:"id"`
	UserID        string `json:"user_id"`
	Email         string `json:"email"`
	EmailVerified bool   `json:"email_verified"`
}

// Signup creates a user in the signup database connection (see
// WithSignupConnection). Inputs are checked first, without calling Auth0:
// the email must be a plain address of at most domain.MaxEmailBytes, the
// password non-empty and at most domain.MaxPasswordBytes, and the optional
// name valid UTF-8 of at most domain.MaxNameRunes characters without control
// characters; failures are
// *InvalidSignupError. Auth0's answers map to ErrAccountExists,
// *InvalidSignupError (password policy, breached password, bad email), or
// the errors listed on TokenClient. Signup does not log the user in.
func (c *TokenClient) Signup(ctx context.Context, email, password, name string) (*SignupResult, error) {
	email = strings.TrimSpace(email)
	name = strings.TrimSpace(name)
	if err := tcCheckSignup(email, password, name); err != nil {
		return nil, err
	}
	payload, err := json.Marshal(struct {
		ClientID   string `json:"client_id"`
		Email      string `json:"email"`
		Password   string `json:"password"`
		Connection string `json:"connection"`
		Name       string `json:"name,omitempty"`
	}{c.clientID, email, password, c.connection, name})
	if err != nil {
		return nil, fmt.Errorf("auth: encode signup request: %w", err)
	}
	build := func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.signupURL, bytes.NewReader(payload))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		return req, nil
	}
	ans, err := c.do(ctx, tcOpSignup, build, password)
	if err != nil {
		return nil, err
	}
	var body tcSignupAnswer
	if err := json.Unmarshal(ans.body, &body); err != nil {
		return nil, tcUnexpected(ans.status, "signup answer is not a JSON object")
	}
	id := body.UnderscoreID
	if id == "" {
		id = body.ID
	}
	if id == "" {
		id = body.UserID
	}
	id = strings.TrimPrefix(id, "auth0|")
	if id == "" {
		return nil, tcUnexpected(ans.status, "signup answer has no _id")
	}
	if body.Email == "" {
		body.Email = email
	}
	return &SignupResult{ID: id, Email: body.Email, EmailVerified: body.EmailVerified}, nil
}

// tcCheckSignup applies the local signup checks.
func tcCheckSignup(email, password, name string) error {
	switch {
	case email == "":
		return &InvalidSignupError{Field: "email", Reason: "email address is required"}
	case len(email) > domain.MaxEmailBytes:
		return &InvalidSignupError{Field: "email", Reason: "email address is too long"}
	case !tcPlainAddress(email):
		return &InvalidSignupError{Field: "email", Reason: "email address is not valid"}
	case password == "":
		return &InvalidSignupError{Field: "password", Reason: "password is required"}
	case len(password) > domain.MaxPasswordBytes:
		return &InvalidSignupError{Field: "password", Reason: "password is too long"}
	case !utf8.ValidString(password):
		return &InvalidSignupError{Field: "password", Reason: "password is not valid text"}
	case !utf8.ValidString(name) || strings.IndexFunc(name, unicode.IsControl) >= 0:
		return &InvalidSignupError{Field: "name", Reason: "name contains invalid characters"}
	case utf8.RuneCountInString(name) > domain.MaxNameRunes:
		return &InvalidSignupError{Field: "name", Reason: "name is too long"}
	}
	return nil
}

// tcPlainAddress reports whether s is a bare addr-spec ("a@b.example"),
// without display name, angle brackets, comments or spaces.
func tcPlainAddress(s string) bool {
	if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return false
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && at < len(s)-1
}

// tcAnswer is a 2xx answer, read in full.
type tcAnswer struct {
	status int
	body   []byte
}

// do sends the request built by build under the client's timeout and reads
// the answer. Non-2xx answers are classified into errors for op; secret is
// scrubbed from any text taken from the answer.
func (c *TokenClient) do(ctx context.Context, op tcOp, build func(context.Context) (*http.Request, error), secret string) (*tcAnswer, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	req, err := build(ctx)
	if err != nil {
		// Only a malformed endpoint URL gets here; NewRequest's error names
		// the URL, never the body.
		return nil, &ProviderError{Description: "cannot build request: " + err.Error()}
	}
	req.Header.Set("Accept", "application/json")

	resp, err := c.httpClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProviderUnavailable, err)
	}
	defer resp.Body.Close()

	body, err := io.ReadAll(io.LimitReader(resp.Body, tcMaxBody+1))
	if err != nil {
		return nil, fmt.Errorf("%w: reading answer: %w", ErrProviderUnavailable, err)
	}
	tooLarge := len(body) > tcMaxBody

	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if tooLarge {
			return nil, tcUnexpected(resp.StatusCode, "answer exceeds 1 MiB")
		}
		return &tcAnswer{status: resp.StatusCode, body: body}, nil
	}
	a := tcErrorAnswer{Status: resp.StatusCode, Header: resp.Header}
	if !tooLarge {
		tcParseError(body, &a)
	}
	a.Description = tcScrub(a.Description, secret, c.clientSecret)
	a.Code = tcScrub(a.Code, secret, c.clientSecret)
	return nil, tcClassify(op, a, c.now())
}

// tcParseError fills a from Auth0's error body: OAuth endpoints answer
// {"error","error_description"}, /dbconnections answers
// {"code","description","name"} where description may be an object. Bodies
// that are not JSON leave a without code or description.
func tcParseError(body []byte, a *tcErrorAnswer) {
	var raw struct {
		Error            string          `json:"error"`
		ErrorDescription string          `json:"error_description"`
		Code             json.RawMessage `json:"code"`
		Description      json.RawMessage `json:"description"`
		Message          string          `json:"message"`
		Name             string          `json:"name"`
		MFAToken         string          `json:"mfa_token"`
	}
	if json.Unmarshal(body, &raw) != nil {
		return
	}
	a.Code = raw.Error
	if a.Code == "" {
		a.Code, _ = tcString(raw.Code)
	}
	a.Description = raw.ErrorDescription
	if a.Description == "" {
		a.Description, _ = tcString(raw.Description)
	}
	if a.Description == "" {
		a.Description = raw.Message
	}
	a.Name = raw.Name
	a.MFAToken = raw.MFAToken
}

// tcScrub removes secrets from text copied out of an answer, drops control
// characters and bounds its length, so that it is safe to log.
func tcScrub(s string, secrets ...string) string {
	for _, secret := range secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	if len(s) > tcMaxDescription {
		cut := tcMaxDescription
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func tcUnexpected(status int, what string) error {
	return &ProviderError{Status: status, Description: "unexpected response: " + what}
}

// tcForwardedFor returns the canonical form of ip for auth0-forwarded-for,
// or false if ip is not an IP address (a header that Auth0 would trust must
// never carry arbitrary text).
func tcForwardedFor(ip string) (string, bool) {
	addr, err := netip.ParseAddr(strings.TrimSpace(ip))
	if err != nil {
		return "", false
	}
	return addr.WithZone("").Unmap().String(), true
}

// tcPositiveInt parses expires_in, which Auth0 sends as an integer; a float
// with no fraction is tolerated.
func tcPositiveInt(n json.Number) (int, bool) {
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return int(i), i > 0 && i <= 1<<31-1
	}
	f, err := n.Float64()
	if err != nil || f <= 0 || f > 1<<31-1 || f != float64(int64(f)) {
		return 0, false
	}
	return int(f), true
}

// tcBool reads a JSON boolean, tolerating "true"/"false" strings.
func tcBool(raw json.RawMessage) (bool, bool) {
	var b bool
	if json.Unmarshal(raw, &b) == nil && len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
		return b, true
	}
	if s, ok := tcString(raw); ok {
		if v, err := strconv.ParseBool(s); err == nil {
			return v, true
		}
	}
	return false, false
}

// tcString reads a JSON string.
func tcString(raw json.RawMessage) (string, bool) {
	var s string
	if len(raw) == 0 || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}
