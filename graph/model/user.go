package model

import "time"

// User is the GraphQL User. Scalar fields are filled from the root field's
// one statement; fields with arguments or sub-selections (connections,
// related objects) are in Nested by response key, so their resolvers read
// rather than query. Email and identities are kept private and shown by
// their resolvers to the owner only.
type User struct {
	ID             string
	Name           *string
	Picture        *string
	Bio            *string
	CreatedAt      time.Time
	FollowerCount  int
	FollowingCount int
	PostCount      int
	ViewerFollows  bool
	FollowsViewer  bool

	// RawID is the User node's id property; ID encodes it.
	RawID string
	// PrivateEmail is the stored email; the email resolver shows it to the owner only.
	PrivateEmail *string
	// Self is true when the caller is this User.
	Self bool
	// PrivateIdentities are the User's identities; the identities resolver
	// shows them to the owner only.
	PrivateIdentities []*Identity
	// Nested holds prefetched connections by response key.
	Nested map[string]any
	// Subject is set on the User a login or signup returns: the identity to
	// read it as, when its fields are compiled.
	Subject string
}

// IsNode marks User as a Node.
func (User) IsNode() {}

// GetID returns the global ID.
func (u User) GetID() string { return u.ID }

// Post is the GraphQL Post; see User for how fields are filled.
type Post struct {
	ID             string
	Title          string
	Body           string
	Visibility     Visibility
	CreatedAt      time.Time
	UpdatedAt      time.Time
	LikeCount      int
	CommentCount   int
	ViewerHasLiked bool

	// RawID is the Post node's id property.
	RawID string
	// Nested holds the prefetched author, tags and connections by response key.
	Nested map[string]any
}

// IsNode marks Post as a Node.
func (Post) IsNode() {}

// GetID returns the global ID.
func (p Post) GetID() string { return p.ID }

// Comment is the GraphQL Comment; see User for how fields are filled.
type Comment struct {
	ID        string
	Body      string
	CreatedAt time.Time

	// RawID is the Comment node's id property.
	RawID string
	// Nested holds the prefetched author and post by response key.
	Nested map[string]any
}

// IsNode marks Comment as a Node.
func (Comment) IsNode() {}

// GetID returns the global ID.
func (c Comment) GetID() string { return c.ID }

// Tag is the GraphQL Tag; see User for how fields are filled.
type Tag struct {
	Name      string
	PostCount int
	// Nested holds the prefetched posts connections by response key.
	Nested map[string]any
}
