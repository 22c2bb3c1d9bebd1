package model

import "time"

// User is the GraphQL User. It carries the stored email and whether the
// caller is this User, so the email resolver can apply the self-only rule
// without another query.
type User struct {
	// ID is the opaque global ID.
	ID string
	// Name is the display name, when known.
	Name *string
	// Picture is an avatar URL, when known.
	Picture *string
	// CreatedAt is when the User node was created.
	CreatedAt time.Time

	// RawID is the User node's id property; ID encodes it.
	RawID string
	// PrivateEmail is the stored email; the email resolver shows it to the owner only.
	PrivateEmail *string
	// Self is true when the caller is this User.
	Self bool
	// PrivateIdentities are the User's identities; the identities resolver
	// shows them to the owner only.
	PrivateIdentities []*Identity
}
