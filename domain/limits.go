package domain

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The limits every input is checked against. The schema's descriptions, the
// README and the identity provider's client all derive from these.
const (
	// DefaultPageSize is the page size of a connection or list without `first`.
	DefaultPageSize = 20
	// MaxPageSize is the largest `first` any connection or list accepts.
	MaxPageSize = 100

	MaxTitleRunes   = 200
	MaxBodyRunes    = 20000
	MaxCommentRunes = 5000
	MaxBioRunes     = 1000
	// MaxNameRunes bounds display names people type, in updateProfile and
	// signup alike.
	MaxNameRunes = 100
	// MaxProviderNameRunes bounds a name the identity provider reports (the
	// registration hook): longer than anyone types, since refusing it would
	// lose the event.
	MaxProviderNameRunes = 200
	MaxPictureURL        = 2048
	// MaxTags is how many tags a post may carry.
	MaxTags = 5
	// MaxSearchRunes bounds a searchUsers query.
	MaxSearchRunes = 100

	// MaxEmailBytes is RFC 5321's path limit; usernames are emails.
	MaxEmailBytes = 254
	// MaxPasswordBytes is the longest password Auth0 accepts for a database
	// connection; a longer one is refused as too long, before any call.
	MaxPasswordBytes = 128
	// MaxRefreshTokenBytes bounds a refresh token; Auth0's are far shorter.
	MaxRefreshTokenBytes = 4096
)

// tagRe is what a tag looks like after lower-casing.
var tagRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,29}$`)

// InputError is a refused argument: the field names it, the message says
// what is wrong in words safe to show to the caller.
type InputError struct {
	Field   string
	Message string
}

func (e *InputError) Error() string { return e.Message }

// Invalid returns an *InputError for field.
func Invalid(field, format string, args ...any) *InputError {
	return &InputError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// Text checks that s (already trimmed where the field trims) is valid UTF-8
// of min to max characters, without control characters other than newlines
// and tabs.
func Text(field, s string, min, max int) error {
	n := utf8.RuneCountInString(s)
	bad := strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' })
	if !utf8.ValidString(s) || bad || n < min || n > max {
		return Invalid(field, "%s must be %d–%d characters of text.", field, min, max)
	}
	return nil
}

// Tag normalises a tag name (trimmed, lower-cased) and checks it.
func Tag(field, s string) (string, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if !tagRe.MatchString(t) {
		return "", Invalid(field, "A tag is 1–30 characters of a-z, 0-9 and '-', starting with a letter or digit.")
	}
	return t, nil
}

// PictureURL checks a profile picture: an https URL of at most MaxPictureURL bytes.
func PictureURL(field, s string) error {
	p, err := url.Parse(s)
	if err != nil || p.Scheme != "https" || p.Host == "" || len(s) > MaxPictureURL {
		return Invalid(field, "%s must be an https URL of at most %d characters.", field, MaxPictureURL)
	}
	return nil
}

// Email checks a sign-in or sign-up address (already trimmed).
func Email(field, s string) error {
	switch {
	case s == "":
		return Invalid(field, "The %s is empty.", field)
	case len(s) > MaxEmailBytes || !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl):
		return Invalid(field, "The %s is longer than %d bytes or not valid text.", field, MaxEmailBytes)
	}
	return nil
}

// Password checks a password's length; the identity provider checks its strength.
func Password(field, s string) error {
	switch {
	case s == "":
		return Invalid(field, "The password is empty.")
	case len(s) > MaxPasswordBytes:
		return Invalid(field, "The password is longer than %d bytes.", MaxPasswordBytes)
	case !utf8.ValidString(s):
		return Invalid(field, "The password is not valid text.")
	}
	return nil
}

// PageSize checks a `first` argument; nil is DefaultPageSize.
func PageSize(first *int) (int, error) {
	if first == nil {
		return DefaultPageSize, nil
	}
	if *first < 1 || *first > MaxPageSize {
		return 0, Invalid("first", "first must be between 1 and %d.", MaxPageSize)
	}
	return *first, nil
}
