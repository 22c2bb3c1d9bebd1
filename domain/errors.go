package domain

import "errors"

// The domain's refusals. Each is wrapped with %w where it arises and turned
// into an API error code in exactly one place (package apierr).
var (
	// ErrUnauthenticated: the operation needs a valid access token.
	ErrUnauthenticated = errors.New("authentication required")
	// ErrForbidden: the caller may see the object but not change it.
	ErrForbidden = errors.New("forbidden")
	// ErrNotFound: the object does not exist or the caller may not see it
	// (the two are indistinguishable).
	ErrNotFound = errors.New("not found")
	// ErrSelfFollow: a user tried to follow themself.
	ErrSelfFollow = errors.New("cannot follow yourself")
	// ErrUnavailable: the database cannot be reached or did not answer in time.
	ErrUnavailable = errors.New("database unavailable")
	// ErrBadBookmark: the request's bookmark is not one the database issued.
	ErrBadBookmark = errors.New("unknown bookmark")
	// ErrOverloaded: the database already runs as many statements as the
	// server allows and none finished within the short queue wait, so the
	// request is refused at once instead of queueing for work its deadline
	// would abandon.
	ErrOverloaded = errors.New("database overloaded")
)
