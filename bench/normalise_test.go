package main

import (
	"encoding/base64"
	"testing"
)

func gid(typeName, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typeName + ":" + id))
}

const someUUID = "bd7f5361-06d8-5cf3-ad4e-77c6bddb1fb0"

func TestCompareResponses(t *testing.T) {
	tests := []struct {
		name         string
		product      string
		peer         string
		placeholders []string
		equal        bool
	}{
		{
			name:    "a global ID in an id key equals the peer's raw uuid",
			product: `{"data":{"me":{"id":"` + gid("User", someUUID) + `","name":"Hedy"}}}`,
			peer:    `{"data":{"me":{"id":"` + someUUID + `","name":"Hedy"}}}`,
			equal:   true,
		},
		{
			name:    "a global ID outside an id key is left alone",
			product: `{"data":{"x":{"ref":"` + gid("User", someUUID) + `"}}}`,
			peer:    `{"data":{"x":{"ref":"` + someUUID + `"}}}`,
			equal:   false,
		},
		{
			name:    "an id that is not a global ID is compared as it is",
			product: `{"data":{"x":{"id":"abc"}}}`,
			peer:    `{"data":{"x":{"id":"abd"}}}`,
			equal:   false,
		},
		{
			name:    "a response's own extensions (the product's bookmark after a write) are not the answer",
			product: `{"data":{"p":{"title":"t"}},"extensions":{"bookmark":"FB:abc"}}`,
			peer:    `{"data":{"p":{"title":"t"}}}`,
			equal:   true,
		},
		{
			name:    "an extensions field inside data is compared",
			product: `{"data":{"p":{"extensions":1}}}`,
			peer:    `{"data":{"p":{"extensions":2}}}`,
			equal:   false,
		},
		{
			name:    "cursors of any kind are dropped",
			product: `{"data":{"c":{"edges":[{"cursor":"p1","node":{"id":"1"}}],"pageInfo":{"endCursor":"pe","startCursor":"ps","hasNextPage":true}}}}`,
			peer:    `{"data":{"c":{"edges":[{"cursor":"q1","node":{"id":"1"}}],"pageInfo":{"endCursor":"qe","hasNextPage":true}}}}`,
			equal:   true,
		},
		{
			name:    "DateTimes with nanoseconds equal the same instant in milliseconds",
			product: `{"data":{"p":{"createdAt":"2026-10-29T20:46:14.147Z"}}}`,
			peer:    `{"data":{"p":{"createdAt":"2026-10-29T20:46:14.147000000Z"}}}`,
			equal:   true,
		},
		{
			name:    "DateTimes in another zone equal the same instant in UTC",
			product: `{"data":{"p":{"createdAt":"2026-10-29T20:46:14.147Z"}}}`,
			peer:    `{"data":{"p":{"createdAt":"2026-10-29T22:46:14.147+02:00"}}}`,
			equal:   true,
		},
		{
			name:    "different DateTimes differ",
			product: `{"data":{"p":{"createdAt":"2026-10-29T20:46:14.147Z"}}}`,
			peer:    `{"data":{"p":{"createdAt":"2026-10-29T20:46:14.148Z"}}}`,
			equal:   false,
		},
		{
			name:         "the placeholder path hides a created object's id",
			product:      `{"data":{"createPost":{"id":"` + gid("Post", someUUID) + `","title":"t"}}}`,
			peer:         `{"data":{"createPost":{"id":"0b7f5361-06d8-5cf3-ad4e-77c6bddb1fb0","title":"t"}}}`,
			placeholders: []string{"data.createPost.id"},
			equal:        true,
		},
		{
			name:    "lists in another order differ",
			product: `{"data":{"l":[1,2]}}`,
			peer:    `{"data":{"l":[2,1]}}`,
			equal:   false,
		},
		{
			name:    "a key only one side has differs",
			product: `{"data":{"me":{"id":"1"}}}`,
			peer:    `{"data":{"me":{"id":"1","name":null}}}`,
			equal:   false,
		},
		{
			name:    "a number does not equal the same digits as a string",
			product: `{"data":{"n":3}}`,
			peer:    `{"data":{"n":"3"}}`,
			equal:   false,
		},
		{
			name:    "key order and whitespace do not matter",
			product: `{"data":{"a":1,"b":2}}`,
			peer:    "{\n  \"data\": {\n    \"b\": 2,\n    \"a\": 1\n  }\n}",
			equal:   true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			equal, diff, err := compareResponses([]byte(tt.product), []byte(tt.peer), tt.placeholders)
			if err != nil {
				t.Fatal(err)
			}
			if equal != tt.equal {
				t.Fatalf("equal = %v, want %v (diff: %s)", equal, tt.equal, diff)
			}
			if !equal && diff == "" {
				t.Fatal("unequal responses without a difference message")
			}
		})
	}
}

func TestHasGraphQLErrors(t *testing.T) {
	tests := []struct {
		name string
		body string
		want bool
	}{
		{"a response with only data has no errors", `{"data":{"me":{"id":"1"}}}`, false},
		{"compact errors are found", `{"errors":[{"message":"x"}],"data":null}`, true},
		{"pretty-printed errors are found", "{\n  \"errors\": [\n {\"message\":\"x\"}]}", true},
		{"errors after data are found", `{"data":{"me":null},"errors":[{"message":"x"}]}`, true},
		{"the word errors inside a string is not an error", `{"data":{"p":{"title":"\"errors\": [1]"}}}`, false},
		{"errors set to null is no error", `{"data":{},"errors":null}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hasGraphQLErrors([]byte(tt.body)); got != tt.want {
				t.Fatalf("hasGraphQLErrors(%s) = %v, want %v", tt.body, got, tt.want)
			}
		})
	}
}

func TestDecodeGlobalID(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
		ok   bool
	}{
		{"a User global ID decodes to its uuid", gid("User", someUUID), someUUID, true},
		{"a Post global ID decodes to its uuid", gid("Post", someUUID), someUUID, true},
		{"a raw uuid is not a global ID", someUUID, "", false},
		{"base64 of a non-uuid is not a global ID", gid("User", "alice"), "", false},
		{"padded base64 is not a global ID", base64.URLEncoding.EncodeToString([]byte("User:" + someUUID + "x")), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := decodeGlobalID(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("decodeGlobalID(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestFindString(t *testing.T) {
	var v any
	if err := decodeJSON([]byte(`{"data":{"users":[{"postsConnection":{"pageInfo":{"endCursor":"abc"}}}]}}`), &v); err != nil {
		t.Fatal(err)
	}
	t.Run("a nested endCursor is found inside lists", func(t *testing.T) {
		if s, ok := findString(v, "endCursor"); !ok || s != "abc" {
			t.Fatalf("got %q, %v", s, ok)
		}
	})
	t.Run("a missing key is not found", func(t *testing.T) {
		if _, ok := findString(v, "startCursor"); ok {
			t.Fatal("found a key that is not there")
		}
	})
}
