package tenant

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// ReadUsers decodes a users file: a JSON array of User objects whose passwords are given as bcrypt
// hashes in "password_hash". Unknown fields are rejected so that typos do not silently drop settings.
func ReadUsers(r io.Reader) ([]User, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var users []User
	if err := dec.Decode(&users); err != nil {
		return nil, fmt.Errorf("decode users: %w", err)
	}
	return users, nil
}

// ReadUsersFile reads the users file at path; see ReadUsers for the format.
func ReadUsersFile(path string) ([]User, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	users, err := ReadUsers(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return users, nil
}
