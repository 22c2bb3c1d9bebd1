package tenant_test

import (
	"encoding/json"
	"reflect"
	"regexp"
	"testing"

	"github.com/gqlneo/gqlneo/dev/auth0/tenant"
)

func signupBody(pairs ...any) map[string]any {
	b := map[string]any{
		"client_id": tenant.DevClientID, "email": "new.user@example.com", "password": "Str0ng-enough",
		"connection": tenant.DatabaseConnection,
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == nil {
			delete(b, pairs[i].(string))
			continue
		}
		b[pairs[i].(string)] = pairs[i+1]
	}
	return b
}

func TestSignupRejectsBadRequestsAsAuth0Does(t *testing.T) {
	tn := startTenant(t)
	tests := []struct {
		name string
		body map[string]any
		// want holds members of the 400 body to compare.
		want map[string]any
	}{
		{
			name: "An email that is taken is an invalid sign-up, even in another letter case.",
			body: signupBody("email", "Alice@Example.com"),
			want: map[string]any{"name": "BadRequestError", "code": "invalid_signup", "description": "Invalid sign up", "statusCode": float64(400)},
		},
		{
			name: "A short password is too weak.",
			body: signupBody("password", "Sh0rt!"),
			want: map[string]any{"name": "PasswordStrengthError", "code": "invalid_password", "message": "Password is too weak", "statusCode": float64(400)},
		},
		{
			name: "A long password with two character classes is too weak.",
			body: signupBody("password", "onlylowercase123"),
			want: map[string]any{"name": "PasswordStrengthError", "code": "invalid_password"},
		},
		{
			name: "A malformed email fails payload validation.",
			body: signupBody("email", "not-an-email"),
			want: map[string]any{"name": "BadRequestError", "code": "invalid_body"},
		},
		{
			name: "A missing password fails payload validation.",
			body: signupBody("password", nil),
			want: map[string]any{"name": "BadRequestError", "code": "invalid_body", "description": "Payload validation error: 'Missing required property: password'."},
		},
		{
			name: "An unknown connection is not found.",
			body: signupBody("connection", "nope"),
			want: map[string]any{"error": "connection not found"},
		},
		{
			name: "A social connection does not take sign-ups.",
			body: signupBody("connection", tenant.GoogleConnection),
			want: map[string]any{"error": "connection not found"},
		},
		{
			name: "An unknown client is rejected.",
			body: signupBody("client_id", "nobody"),
			want: map[string]any{"code": "invalid_client"},
		},
		{
			name: "user_metadata must be an object.",
			body: signupBody("user_metadata", "plan"),
			want: map[string]any{"code": "invalid_body"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := postJSON(t, tn, "/dbconnections/signup", tt.body)
			if r.status != 400 {
				t.Fatalf("status %d %s, want 400", r.status, r.raw)
			}
			for k, want := range tt.want {
				if r.body[k] != want {
					t.Errorf("%s = %v, want %v (body %s)", k, r.body[k], want, r.raw)
				}
			}
		})
	}
}

func TestSignupPasswordStrengthErrorListsTheRules(t *testing.T) {
	tn := startTenant(t)
	r := postJSON(t, tn, "/dbconnections/signup", signupBody("password", "onlylowercase"))
	var got struct {
		Description struct {
			Rules []struct {
				Code     string `json:"code"`
				Verified bool   `json:"verified"`
				Format   []int  `json:"format"`
				Items    []struct {
					Code     string `json:"code"`
					Verified bool   `json:"verified"`
				} `json:"items"`
			} `json:"rules"`
			Verified bool `json:"verified"`
		} `json:"description"`
		Policy string `json:"policy"`
	}
	if err := json.Unmarshal([]byte(r.raw), &got); err != nil {
		t.Fatal(err)
	}
	rules := got.Description.Rules
	tests := []struct {
		name      string
		got, want any
	}{
		{name: "The whole description is unverified.", got: got.Description.Verified, want: false},
		{name: "There are two rules.", got: len(rules), want: 2},
		{name: "The length rule passes.", got: rules[0].Code + "=" + boolText(rules[0].Verified), want: "lengthAtLeast=true"},
		{name: "The character class rule fails.", got: rules[1].Code + "=" + boolText(rules[1].Verified), want: "containsAtLeast=false"},
		{name: "The character class rule asks for 3 of 4.", got: rules[1].Format, want: []int{3, 4}},
		{name: "Only lower case letters are present.", got: len(rules[1].Items) == 4 && rules[1].Items[0].Verified && !rules[1].Items[1].Verified, want: true},
		{name: "The policy text is included.", got: got.Policy != "", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func TestSignedUpUsersCanLogInAtOnceWithAnUnverifiedEmail(t *testing.T) {
	tn := startTenant(t)
	r := postJSON(t, tn, "/dbconnections/signup", signupBody("name", "New User", "user_metadata", map[string]any{"plan": "free"}))
	if r.status != 200 {
		t.Fatalf("signup: %d %s", r.status, r.raw)
	}
	id := str(r.body, "_id")
	login := postForm(t, tn, "/oauth/token", form("username", "new.user@example.com", "password", "Str0ng-enough"))
	if login.status != 200 {
		t.Fatalf("login: %d %s", login.status, login.raw)
	}
	_, claims := decodeJWT(t, str(login.body, "access_token"))
	tests := []struct {
		name      string
		got, want any
	}{
		{name: "The id is 24 hex digits without the provider prefix.", got: regexp.MustCompile(`^[0-9a-f]{24}$`).MatchString(id), want: true},
		{name: "The answer reports an unverified email.", got: r.body["email_verified"], want: false},
		{name: "The answer echoes the email.", got: r.body["email"], want: "new.user@example.com"},
		{name: "The subject is auth0| plus the id.", got: claims["sub"], want: "auth0|" + id},
		{name: "The namespaced email_verified claim is false.", got: claims["https://api.dev.local/email_verified"], want: false},
		{name: "The name given at sign-up is used.", got: claims["https://api.dev.local/name"], want: "New User"},
		{name: "A new user has no permissions.", got: claims["permissions"], want: []any{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
	if again := postJSON(t, tn, "/dbconnections/signup", signupBody()); again.status != 400 || str(again.body, "code") != "invalid_signup" {
		t.Errorf("second sign-up: %d %s", again.status, again.raw)
	}
}
