package model

// AuthPayload is what login and refreshToken return. Its user is read by
// its own resolver, compiled from the operation's selection as the
// signed-in identity sees it.
type AuthPayload struct {
	AccessToken  string
	TokenType    string
	ExpiresIn    int
	IDToken      *string
	RefreshToken *string
	Scope        *string

	// UserID is the signed-in User's node id; Subject the identity to read it as.
	UserID  string
	Subject string
}
