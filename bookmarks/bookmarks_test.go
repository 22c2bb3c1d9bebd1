package bookmarks_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gqlneo/gqlneo/bookmarks"
)

func TestParse(t *testing.T) {
	good := []struct {
		name, value string
		want        []string
	}{
		{"no header", "", nil},
		{"one bookmark as Neo4j 5 writes it", "FB:kcwQy2PobUtIQ4qr7mfEhVrYfZA=", []string{"FB:kcwQy2PobUtIQ4qr7mfEhVrYfZA="}},
		{"two, with spaces", "FB:a1 , FB:b2", []string{"FB:a1", "FB:b2"}},
	}
	for _, tc := range good {
		t.Run(tc.name, func(t *testing.T) {
			got, err := bookmarks.Parse(tc.value)
			if err != nil || strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Fatalf("Parse(%q) = %q, %v", tc.value, got, err)
			}
		})
	}
	bad := map[string]string{
		"an empty entry":          "FB:a,,FB:b",
		"a quote":                 `FB:"a"`,
		"a newline":               "FB:a\nFB:b",
		"too many bookmarks":      "a,b,c,d,e",
		"one bookmark too long":   strings.Repeat("A", 257),
		"a header over the bound": strings.Repeat("A,", 600),
		"non-ASCII":               "FB:é",
	}
	for name, value := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := bookmarks.Parse(value); !errors.Is(err, bookmarks.ErrMalformed) {
				t.Fatalf("Parse accepted %q: %v", value, err)
			}
		})
	}
}

func TestRecorderAnswersOnlyAfterAWrite(t *testing.T) {
	ctx, rec := bookmarks.NewContext(context.Background(), []string{"FB:in"})
	if got := bookmarks.After(ctx); len(got) != 1 || got[0] != "FB:in" {
		t.Fatalf("After = %q, want the request's bookmark", got)
	}
	if rec.Value() != "" {
		t.Fatal("a request that wrote nothing answers a bookmark")
	}
	bookmarks.Wrote(ctx, []string{"FB:w1"})
	bookmarks.Wrote(ctx, []string{"FB:w2"})
	if rec.Value() != "FB:w2" || bookmarks.After(ctx)[0] != "FB:w2" {
		t.Fatalf("after two writes: value %q, after %q", rec.Value(), bookmarks.After(ctx))
	}
	if bookmarks.After(context.Background()) != nil {
		t.Fatal("a context without a recorder has bookmarks")
	}
	bookmarks.Wrote(context.Background(), []string{"x"}) // no recorder: ignored
}
