package model

import (
	"fmt"
	"time"
)

// The stored types. Their scalar fields are filled from the root field's one
// statement by graph's decoder, which matches them to schema fields by name
// as gqlgen's binding does, so a new property field needs only its line in
// the schema and a field here. Fields that reach other nodes (objects,
// lists, connections) are in Fetched by response key, typed, and their
// resolvers read them with Get: they never query.

// Fetched holds what the root statement fetched for an object's related
// fields, by response key (alias): *User, *Post, []*Tag, *UserConnection …
type Fetched map[string]any

// Get returns the value fetched under key as a T, or an error naming the key
// when the root statement fetched nothing of that type there.
func Get[T any](f Fetched, key string) (T, error) {
	v, ok := f[key].(T)
	if !ok {
		var zero T
		return zero, fmt.Errorf("model: %s was not fetched as %T by its root statement", key, zero)
	}
	return v, nil
}

// User is the GraphQL User.
type User struct {
	ID             string
	Name           *string
	Picture        *string
	Bio            *string
	Email          *string
	CreatedAt      time.Time
	FollowerCount  int
	FollowingCount int
	PostCount      int
	ViewerFollows  bool
	FollowsViewer  bool

	// RawID is the User node's id property; ID encodes it.
	RawID   string
	Fetched Fetched
}

// IsNode marks User as a Node.
func (User) IsNode() {}

// GetID returns the global ID.
func (u User) GetID() string { return u.ID }

// Post is the GraphQL Post.
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
	RawID   string
	Fetched Fetched
}

// IsNode marks Post as a Node.
func (Post) IsNode() {}

// GetID returns the global ID.
func (p Post) GetID() string { return p.ID }

// Comment is the GraphQL Comment.
type Comment struct {
	ID        string
	Body      string
	CreatedAt time.Time

	// RawID is the Comment node's id property.
	RawID   string
	Fetched Fetched
}

// IsNode marks Comment as a Node.
func (Comment) IsNode() {}

// GetID returns the global ID.
func (c Comment) GetID() string { return c.ID }

// Tag is the GraphQL Tag.
type Tag struct {
	Name      string
	PostCount int
	Fetched   Fetched
}
