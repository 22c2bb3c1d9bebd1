package tenant_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/gqlneo/gqlneo/dev/auth0/tenant"
)

// TestUsersFileMatchesDemoUsers keeps dev/auth0/users.json and DemoUsers in step, so that the dev
// binary and in-process tests know the same people.
func TestUsersFileMatchesDemoUsers(t *testing.T) {
	fromFile, err := tenant.ReadUsersFile("../users.json")
	if err != nil {
		t.Fatal(err)
	}
	demo := tenant.DemoUsers()
	if len(fromFile) != len(demo) {
		t.Fatalf("users.json has %d users, DemoUsers %d", len(fromFile), len(demo))
	}
	for i := range demo {
		t.Run(demo[i].Email+" in "+demo[i].Connection+" is the same in both.", func(t *testing.T) {
			t.Parallel() // bcrypt at cost 10 is slow; compare the hashes concurrently.
			f, d := fromFile[i], demo[i]
			hash := f.PasswordHash
			f.PasswordHash, d.Password = "", ""
			if !reflect.DeepEqual(f, d) {
				t.Errorf("users.json: %+v\nDemoUsers:  %+v", f, d)
			}
			if err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(tenant.DemoPassword)); err != nil {
				t.Errorf("hash of %s does not match the demo password: %v", d.Email, err)
			}
		})
	}
}

func TestReadUsersRejectsUnknownFields(t *testing.T) {
	_, err := tenant.ReadUsers(strings.NewReader(`[{"user_id":"auth0|1","emial":"x@example.com"}]`))
	if err == nil {
		t.Fatal("a misspelt field was accepted")
	}
}

func TestNewRejectsBadConfiguration(t *testing.T) {
	tests := []struct {
		name    string
		baseURL string
		opts    []tenant.Option
	}{
		{name: "A base URL with a path is rejected.", baseURL: "http://127.0.0.1:1/tenant"},
		{name: "A base URL without a scheme is rejected.", baseURL: "127.0.0.1:1"},
		{name: "A user in an unknown connection is rejected.", baseURL: "http://127.0.0.1:1",
			opts: []tenant.Option{tenant.WithUsers(tenant.User{Connection: "nope", Email: "a@example.com"})}},
		{name: "A default audience that is not an API is rejected.", baseURL: "http://127.0.0.1:1",
			opts: []tenant.Option{tenant.WithDefaultAudience("https://nope/")}},
		{name: "A brute-force threshold below one is rejected.", baseURL: "http://127.0.0.1:1",
			opts: []tenant.Option{tenant.WithBruteForceThreshold(0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := append([]tenant.Option{tenant.WithKeys(testKeys(t)...)}, tt.opts...)
			if _, err := tenant.New(tt.baseURL, opts...); err == nil {
				t.Error("New succeeded")
			}
		})
	}
}

func TestUserControls(t *testing.T) {
	tn := startTenant(t)
	added, err := tn.AddUser(tenant.User{Connection: tenant.GoogleConnection, Email: "frank@example.com", EmailVerified: true, Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{name: "A social user gets a provider-prefixed numeric subject.", got: strings.HasPrefix(added.UserID, "google-oauth2|") && len(added.UserID) == len("google-oauth2|")+21, want: true},
		{name: "Users are returned without password material.", got: added.PasswordHash, want: ""},
		{name: "The nickname defaults to the email's local part.", got: added.Nickname, want: "frank"},
		{name: "Adding the same email to the same connection fails.", got: errorIs(tn.AddUser(tenant.User{Connection: tenant.GoogleConnection, Email: "FRANK@example.com"})), want: tenant.ErrUserExists},
		{name: "Changing an unknown user fails.", got: errorIs(tenant.User{}, tn.SetBlocked("auth0|nobody", true)), want: tenant.ErrUserNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}

// errorIs returns which of the tenant's sentinel errors err wraps, or err itself.
func errorIs(_ tenant.User, err error) error {
	for _, sentinel := range []error{tenant.ErrUserExists, tenant.ErrUserNotFound} {
		if errors.Is(err, sentinel) {
			return sentinel
		}
	}
	return err
}
