package domain

import "testing"

func TestNeedsSync(t *testing.T) {
	yes, no := true, false
	stored := &Identity{Subject: "auth0|1", Email: "Ann@Example.com", EmailVerified: true}
	cases := []struct {
		name   string
		token  TokenIdentity
		stored *Identity
		want   bool
	}{
		{"a first request from a new account needs a sync", TokenIdentity{Subject: "auth0|1"}, nil, true},
		{"a token without an email says nothing new", TokenIdentity{Subject: "auth0|1"}, stored, false},
		{"an email without a verification claim says nothing new", TokenIdentity{Subject: "auth0|1", Email: "other@example.com"}, stored, false},
		{"the same address and verification need nothing", TokenIdentity{Subject: "auth0|1", Email: "ann@example.com", EmailVerified: &yes}, stored, false},
		{"an address differing only in case or spaces needs nothing", TokenIdentity{Subject: "auth0|1", Email: "  ANN@example.COM ", EmailVerified: &yes}, stored, false},
		{"a changed address needs a sync", TokenIdentity{Subject: "auth0|1", Email: "ann@new.example", EmailVerified: &yes}, stored, true},
		{"a withdrawn verification needs a sync", TokenIdentity{Subject: "auth0|1", Email: "ann@example.com", EmailVerified: &no}, stored, true},
		{"a new verification needs a sync", TokenIdentity{Subject: "auth0|1", Email: "ann@example.com", EmailVerified: &yes}, &Identity{Subject: "auth0|1", Email: "ann@example.com"}, true},
		{"an address where none was stored needs a sync", TokenIdentity{Subject: "auth0|1", Email: "ann@example.com", EmailVerified: &no}, &Identity{Subject: "auth0|1"}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := NeedsSync(tc.token, tc.stored); got != tc.want {
				t.Errorf("NeedsSync = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestInputLimits(t *testing.T) {
	long := make([]byte, MaxPasswordBytes+1)
	for i := range long {
		long[i] = 'a'
	}
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"a 128-byte password passes", Password("password", string(long[:MaxPasswordBytes])), true},
		{"a 129-byte password is refused as too long", Password("password", string(long)), false},
		{"text with a NUL is refused", Text("title", "a\x00b", 1, 10), false},
		{"text with newlines passes", Text("body", "a\nb\tc", 1, 10), true},
		{"an http picture is refused", PictureURL("picture", "http://example.com/p.png"), false},
		{"a page of MaxPageSize passes", func() error { n := MaxPageSize; _, err := PageSize(&n); return err }(), true},
		{"a page of MaxPageSize+1 is refused", func() error { n := MaxPageSize + 1; _, err := PageSize(&n); return err }(), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if (tc.err == nil) != tc.want {
				t.Errorf("err = %v", tc.err)
			}
		})
	}
	if err := Password("password", string(long)); err == nil || err.Error() != "The password is longer than 128 bytes." {
		t.Errorf("the message is not the true one: %v", err)
	}
	if tag, err := Tag("tags", "  Go-Lang "); err != nil || tag != "go-lang" {
		t.Errorf("Tag = %q, %v", tag, err)
	}
}
