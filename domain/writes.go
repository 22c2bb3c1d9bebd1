package domain

// ProfileUpdate holds the profile fields to change, already checked; nil
// leaves a field as it is.
type ProfileUpdate struct {
	Name, Bio, Picture *string
}

// NewPost is a post to create, already checked. ID is chosen once by the
// caller, so a retried write MERGEs the same post.
type NewPost struct {
	ID, Title, Body, Visibility string
	// Tags are normalised (see Tag) and distinct.
	Tags []string
}
