package main

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/gqlneo/gqlneo/app"
)

// The end-to-end tests (e2e/) build the App themselves; what is left to
// test here is that run fails fast, before touching Neo4j, on a bad
// environment.
func TestRunRefusesABadEnvironmentNamingEveryVariable(t *testing.T) {
	err := run(context.Background(), func(string) string { return "" }, io.Discard)
	var cerr *app.ConfigError
	if !errors.As(err, &cerr) {
		t.Fatalf("run with an empty environment: %v, want an *app.ConfigError", err)
	}
	for _, name := range []string{"NEO4J_PASSWORD", "AUTH0_DOMAIN", "AUTH0_CLIENT_SECRET"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("%s not reported: %v", name, err)
		}
	}
}
