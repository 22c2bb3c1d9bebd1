package auth

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The errors below are what TokenClient returns, always wrapped (test them
// with errors.Is). The mapping follows Auth0's advice to branch on the HTTP
// status and the "error" (or "code") field of the answer, never on the
// human-readable description. Anything that is not listed here is returned as
// a *ProviderError: a misconfiguration the caller logs and answers as an
// internal error.
var (
	// ErrInvalidCredentials is returned by PasswordLogin when Auth0 answers
	// 403 {"error":"invalid_grant"} ("Wrong email or password."), and
	// without calling Auth0 when the username or password is empty or
	// implausibly long.
	ErrInvalidCredentials = errors.New("auth: invalid credentials")

	// ErrInvalidRefreshToken is returned by Refresh when Auth0 answers
	// 403 {"error":"invalid_grant"} ("Unknown or invalid refresh token.", or
	// the token's user no longer exists), and without calling Auth0 when the
	// refresh token is empty or implausibly long.
	ErrInvalidRefreshToken = errors.New("auth: invalid refresh token")

	// ErrMFARequired is matched by *MFARequiredError, returned when Auth0
	// answers 403 {"error":"mfa_required"}: the password was right, but the
	// tenant demands a second factor through the /mfa endpoints.
	ErrMFARequired = errors.New("auth: multi-factor authentication required")

	// ErrAccountBlocked is returned when Auth0 answers 429
	// {"error":"too_many_attempts"} (brute-force protection blocked the
	// account) or 401 {"error":"unauthorized"} (an administrator blocked the
	// user; a Rule that throws UnauthorizedError produces the same answer).
	ErrAccountBlocked = errors.New("auth: account blocked")

	// ErrPasswordResetRequired is returned when Auth0 answers
	// {"error":"password_leaked"} (breached password detection): the user
	// must reset the password before logging in again.
	ErrPasswordResetRequired = errors.New("auth: password reset required")

	// ErrRateLimited is matched by *RateLimitedError, returned when Auth0
	// answers 429 with any error code other than "too_many_attempts", for
	// example {"error":"too_many_requests"} when a tenant or endpoint rate
	// limit is reached.
	ErrRateLimited = errors.New("auth: rate limited by identity provider")

	// ErrAccessDenied is returned when Auth0 answers 403
	// {"error":"access_denied"} with a description other than "Unauthorized"
	// or "Service not found: …", which is how a post-login Action's
	// api.access.deny(reason) surfaces. The reason follows the sentinel in the
	// error string.
	ErrAccessDenied = errors.New("auth: access denied")

	// ErrProviderUnavailable is returned when Auth0 cannot be reached, does
	// not answer within the timeout (or before the context ends), or answers
	// with a 5xx status. The cause is wrapped too, so logs can show it.
	ErrProviderUnavailable = errors.New("auth: identity provider unavailable")

	// ErrAccountExists is returned by Signup when Auth0 answers 400
	// {"code":"user_exists"}, {"code":"username_exists"} or
	// {"code":"invalid_signup"} (the latter is what tenants that hide user
	// enumeration answer), or any 409.
	ErrAccountExists = errors.New("auth: account already exists")

	// ErrInvalidSignup is matched by *InvalidSignupError, returned by Signup
	// when an input fails the local checks or Auth0 rejects the password
	// ({"code":"invalid_password"}, {"code":"password_leaked"}) or the email
	// address.
	ErrInvalidSignup = errors.New("auth: invalid signup")
)

// MFARequiredError reports that Auth0 accepted the password but requires a
// second factor. It matches ErrMFARequired with errors.Is.
type MFARequiredError struct {
	// MFAToken is Auth0's mfa_token, needed to continue through the /mfa
	// endpoints. It is a credential: never log it.
	MFAToken string
}

// Error describes the error without the MFA token.
func (e *MFARequiredError) Error() string { return ErrMFARequired.Error() }

// Is reports whether target is ErrMFARequired.
func (e *MFARequiredError) Is(target error) bool { return target == ErrMFARequired }

// RateLimitedError reports that Auth0 refused the call because a rate limit
// was reached. It matches ErrRateLimited with errors.Is.
type RateLimitedError struct {
	// RetryAfter is how long to wait before retrying, taken from the
	// Retry-After header or, failing that, the X-RateLimit-Reset epoch. It is
	// zero when the answer carried neither, and at most one hour.
	RetryAfter time.Duration
}

// Error describes the error and the wait, when known.
func (e *RateLimitedError) Error() string {
	if e.RetryAfter <= 0 {
		return ErrRateLimited.Error()
	}
	return fmt.Sprintf("%s; retry after %s", ErrRateLimited, e.RetryAfter)
}

// Is reports whether target is ErrRateLimited.
func (e *RateLimitedError) Is(target error) bool { return target == ErrRateLimited }

// InvalidSignupError reports which signup input was rejected, locally or by
// Auth0, and why. It matches ErrInvalidSignup with errors.Is. Reason is a
// fixed English phrase chosen by this package, safe to show to the user; it
// never contains the input itself.
type InvalidSignupError struct {
	// Field is "email", "password" or "name".
	Field string
	// Reason says what is wrong, for example "password is too weak".
	Reason string
}

// Error describes the rejected field and the reason.
func (e *InvalidSignupError) Error() string {
	return fmt.Sprintf("%s: %s: %s", ErrInvalidSignup, e.Field, e.Reason)
}

// Is reports whether target is ErrInvalidSignup.
func (e *InvalidSignupError) Is(target error) bool { return target == ErrInvalidSignup }

// ProviderError reports an answer from Auth0 that this package does not map
// to a user-facing outcome: unauthorized_client, a wrong client secret
// (401 access_denied "Unauthorized"), an unknown audience ("Service not
// found"), invalid_request, a redirect, or a malformed success body. It almost
// always means the tenant or this server is misconfigured: log it and answer
// with an internal error. Description never contains the password, the
// client secret or any token.
type ProviderError struct {
	// Status is the HTTP status of Auth0's answer.
	Status int
	// Code is the "error" (or "code") field of the answer; it may be empty.
	Code string
	// Description is the "error_description" (or "description") field, or
	// this package's own account of what was wrong with the answer.
	Description string
}

// Error describes the status, code and description.
func (e *ProviderError) Error() string {
	var b strings.Builder
	b.WriteString("auth: unexpected answer from identity provider: status ")
	b.WriteString(strconv.Itoa(e.Status))
	if e.Code != "" {
		b.WriteString(", error ")
		b.WriteString(e.Code)
	}
	if e.Description != "" {
		b.WriteString(": ")
		b.WriteString(e.Description)
	}
	return b.String()
}

// tcOp says which endpoint an error answer came from, because the same code
// means different things for each (invalid_grant, for one).
type tcOp int

const (
	tcOpLogin tcOp = iota
	tcOpRefresh
	tcOpUserInfo
	tcOpSignup
)

// tcMaxRetryAfter caps the wait a rate-limited answer may ask for.
const tcMaxRetryAfter = time.Hour

// tcMaxDescription bounds how much of Auth0's description is kept.
const tcMaxDescription = 512

// tcErrorAnswer is Auth0's error body, normalised: the OAuth endpoints use
// error/error_description, /dbconnections uses code/description (and
// description is an object for PasswordStrengthError).
type tcErrorAnswer struct {
	Status      int
	Code        string
	Description string
	Name        string
	MFAToken    string
	Header      http.Header
}

// tcClassify turns a non-2xx answer into one of the package's errors.
func tcClassify(op tcOp, a tcErrorAnswer, now time.Time) error {
	if a.Status >= 500 {
		return fmt.Errorf("%w: status %d%s", ErrProviderUnavailable, a.Status, tcCodeSuffix(a))
	}
	if op == tcOpSignup {
		if err := tcClassifySignup(a); err != nil {
			return err
		}
	} else if op != tcOpUserInfo {
		switch a.Code {
		case "invalid_grant":
			if op == tcOpRefresh {
				return ErrInvalidRefreshToken
			}
			return ErrInvalidCredentials
		case "mfa_required":
			return &MFARequiredError{MFAToken: a.MFAToken}
		case "too_many_attempts":
			return ErrAccountBlocked
		case "unauthorized":
			if a.Status == http.StatusUnauthorized {
				return ErrAccountBlocked
			}
		case "password_leaked":
			return ErrPasswordResetRequired
		case "access_denied":
			if a.Status == http.StatusForbidden &&
				!strings.HasPrefix(a.Description, "Service not found") &&
				a.Description != "Unauthorized" {
				if a.Description == "" {
					return ErrAccessDenied
				}
				return fmt.Errorf("%w: %s", ErrAccessDenied, a.Description)
			}
		}
	}
	if a.Status == http.StatusTooManyRequests {
		return &RateLimitedError{RetryAfter: tcRetryAfter(a.Header, now)}
	}
	return &ProviderError{Status: a.Status, Code: a.Code, Description: a.Description}
}

// tcClassifySignup maps /dbconnections/signup answers; nil means "not a
// signup-specific answer", left to the generic rules.
func tcClassifySignup(a tcErrorAnswer) error {
	switch a.Code {
	case "user_exists", "username_exists", "invalid_signup":
		return ErrAccountExists
	case "invalid_password":
		return &InvalidSignupError{Field: "password", Reason: tcPasswordReason(a.Name)}
	case "password_leaked":
		return &InvalidSignupError{Field: "password", Reason: "password has appeared in a data breach"}
	case "bad.email", "invalid_email":
		return &InvalidSignupError{Field: "email", Reason: "email address is not valid"}
	}
	if a.Status == http.StatusConflict {
		return ErrAccountExists
	}
	// invalid_parameter and the payload-validation answers name the field
	// only in the description; the email is the one field a user can get
	// wrong that passes the local checks.
	if a.Status == http.StatusBadRequest && tcMentionsEmail(a.Description) {
		return &InvalidSignupError{Field: "email", Reason: "email address is not valid"}
	}
	return nil
}

func tcMentionsEmail(description string) bool {
	return strings.Contains(strings.ToLower(description), "email")
}

// tcPasswordReason names the password policy that Auth0 says was violated.
func tcPasswordReason(name string) string {
	switch name {
	case "PasswordStrengthError":
		return "password is too weak"
	case "PasswordHistoryError":
		return "password was used recently"
	case "PasswordDictionaryError":
		return "password is too common"
	case "PasswordNoUserInfoError":
		return "password contains personal information"
	default:
		return "password is not accepted"
	}
}

func tcCodeSuffix(a tcErrorAnswer) string {
	switch {
	case a.Code != "" && a.Description != "":
		return ", error " + a.Code + ": " + a.Description
	case a.Code != "":
		return ", error " + a.Code
	default:
		return ""
	}
}

// tcRetryAfter reads Retry-After (seconds or HTTP date), then
// X-RateLimit-Reset (Unix seconds), and clamps the result to
// [1s, tcMaxRetryAfter]; zero means no hint.
func tcRetryAfter(h http.Header, now time.Time) time.Duration {
	var d time.Duration
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
			d = tcSeconds(secs)
		} else if t, err := http.ParseTime(v); err == nil {
			d = t.Sub(now)
		}
	}
	if d <= 0 {
		if v := strings.TrimSpace(h.Get("X-RateLimit-Reset")); v != "" {
			if epoch, err := strconv.ParseInt(v, 10, 64); err == nil && epoch > 0 {
				d = time.Unix(epoch, 0).Sub(now)
				if d <= 0 {
					d = time.Second // the window has just reset
				}
			}
		}
	}
	if d <= 0 {
		return 0
	}
	if d < time.Second {
		return time.Second
	}
	if d > tcMaxRetryAfter {
		return tcMaxRetryAfter
	}
	return d.Round(time.Second)
}

// tcSeconds converts without overflowing for absurd header values.
func tcSeconds(secs int64) time.Duration {
	if secs <= 0 {
		return 0
	}
	if secs > int64(tcMaxRetryAfter/time.Second) {
		return tcMaxRetryAfter
	}
	return time.Duration(secs) * time.Second
}
