package events

import (
	"context"
	"time"
)

// Kind says what happened.
type Kind string

// The kinds of Event the mutations publish.
const (
	// PostCreated: Actor created the post PostID.
	PostCreated Kind = "post_created"
	// PostLiked: Actor liked the post PostID.
	PostLiked Kind = "post_liked"
	// CommentAdded: Actor commented CommentID on the post PostID.
	CommentAdded Kind = "comment_added"
	// UserFollowed: Actor followed the user UserID.
	UserFollowed Kind = "user_followed"
)

// Event is one committed change. It holds ids only; what a subscriber sees
// of it is read from the graph as that subscriber.
type Event struct {
	Kind Kind
	// Actor is the token subject of who acted.
	Actor string
	// PostID is the post concerned (PostCreated, PostLiked, CommentAdded).
	PostID string
	// CommentID is the new comment (CommentAdded).
	CommentID string
	// UserID is the followed user (UserFollowed).
	UserID string
	// At is when the event was published.
	At time.Time
}

// Broker moves events from publishers to subscribers. Implementations are
// safe for concurrent use and never block a publisher on a slow
// subscriber: what a subscriber cannot take in time is dropped (and
// counted), never buffered without bound.
type Broker interface {
	// Publish hands e to every current subscriber. It returns an error only
	// when the broker itself failed (a network bus unreachable); the
	// caller's write has committed regardless.
	Publish(ctx context.Context, e Event) error
	// Subscribe returns a channel of every event published from now on,
	// closed once ctx ends.
	Subscribe(ctx context.Context) (<-chan Event, error)
}
