package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/gqlneo/gqlneo/apierr"
	"github.com/gqlneo/gqlneo/domain"
)

// RegisterFunc records a registration; it must be idempotent.
type RegisterFunc func(ctx context.Context, p domain.Profile) error

// hookBody is the JSON the Action sends (docs/auth0-setup.md has its code).
type hookBody struct {
	User *struct {
		UserID        string `json:"user_id"`
		Email         string `json:"email"`
		EmailVerified bool   `json:"email_verified"`
		Name          string `json:"name"`
		Picture       string `json:"picture"`
	} `json:"user"`
	Connection *struct {
		Name string `json:"name"`
	} `json:"connection"`
}

const maxHookBody = 64 << 10

// userRegisteredHook serves POST /hooks/auth0/user-registered. It is
// authenticated by a shared secret sent as a bearer token and compared in
// constant time; without a configured secret the route does not exist.
func userRegisteredHook(secret string, register RegisterFunc, logger *slog.Logger) http.HandlerFunc {
	want := sha256.Sum256([]byte(secret))
	return func(w http.ResponseWriter, r *http.Request) {
		if secret == "" || register == nil {
			apierr.Write(w, apierr.New(apierr.NotFound, "The registration hook is not enabled (AUTH0_HOOK_SECRET is unset)."))
			return
		}
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		got := sha256.Sum256([]byte(strings.TrimSpace(token)))
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="hooks"`)
			apierr.Write(w, apierr.New(apierr.Unauthenticated, "The hook secret is missing or wrong.", "reason", "missing or wrong hook secret"))
			return
		}
		reg, reason := decodeRegistration(http.MaxBytesReader(w, r.Body, maxHookBody))
		if reason != "" {
			apierr.Write(w, apierr.New(apierr.BadRequest, "The registration event is not valid: "+reason+".", "reason", reason))
			return
		}
		if err := register(r.Context(), reg); err != nil {
			logger.ErrorContext(r.Context(), "user-registered hook failed", "error", err.Error())
			apierr.Write(w, apierr.New(apierr.ServiceUnavailable, "The registration could not be stored; retry.", "requestId", RequestIDFromContext(r.Context()),
				"retryAfterSeconds", apierr.RetrySeconds(apierr.RetryAfterUnavailable)))
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	}
}

// decodeRegistration validates the body; reason is "" when it is good.
func decodeRegistration(body io.Reader) (domain.Profile, string) {
	raw, err := io.ReadAll(body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return domain.Profile{}, "body is larger than 64 KiB"
		}
		return domain.Profile{}, "body could not be read"
	}
	var b hookBody
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&b); err != nil || dec.More() {
		return domain.Profile{}, "body is not a JSON object of the documented shape"
	}
	if b.User == nil {
		return domain.Profile{}, "user is missing"
	}
	reg := domain.Profile{
		Subject: strings.TrimSpace(b.User.UserID), Email: strings.TrimSpace(b.User.Email),
		EmailVerified: b.User.EmailVerified, Name: strings.TrimSpace(b.User.Name), Picture: strings.TrimSpace(b.User.Picture),
	}
	if b.Connection != nil {
		reg.Connection = strings.TrimSpace(b.Connection.Name)
	}
	// Auth0 gives database users' ids with or without the "auth0|" prefix
	// depending on the trigger; the subject always has it.
	if reg.Subject != "" && !strings.Contains(reg.Subject, "|") {
		reg.Subject = "auth0|" + reg.Subject
	}
	switch {
	case reg.Subject == "":
		return domain.Profile{}, "user.user_id is missing"
	case len(reg.Subject) > 256 || !printable(reg.Subject):
		return domain.Profile{}, "user.user_id is not a valid Auth0 user id"
	case reg.Email != "" && (len(reg.Email) > domain.MaxEmailBytes || !validEmail(reg.Email)):
		return domain.Profile{}, "user.email is not a valid email address"
	case utf8.RuneCountInString(reg.Name) > domain.MaxProviderNameRunes || !utf8.ValidString(reg.Name):
		return domain.Profile{}, fmt.Sprintf("user.name is longer than %d characters", domain.MaxProviderNameRunes)
	case reg.Picture != "" && !validURL(reg.Picture):
		return domain.Profile{}, "user.picture is not an http(s) URL"
	case len(reg.Connection) > 128 || !printable(reg.Connection):
		return domain.Profile{}, "connection.name is not a valid connection name"
	}
	return reg, ""
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x21 || r == 0x7f {
			return false
		}
	}
	return true
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

func validURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && len(s) <= domain.MaxPictureURL && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}
