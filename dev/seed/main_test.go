package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

func TestResolvePassword(t *testing.T) {
	tests := []struct {
		name              string
		flag, env, uri    string
		want, wantSource  string
		wantErrMentioning string
	}{
		{"the flag wins over the environment", "f", "e", "bolt://db.example.com:7687", "f", "-password", ""},
		{"the environment is used without the flag", "", "e", "bolt://db.example.com:7687", "e", "NEO4J_PASSWORD", ""},
		{"a loopback IPv4 URI falls back to the dev password", "", "", "bolt://127.0.0.1:7695", devPassword, "dev-password", ""},
		{"localhost falls back to the dev password", "", "", "neo4j://localhost:7687", devPassword, "dev-password", ""},
		{"a loopback IPv6 URI falls back to the dev password", "", "", "bolt://[::1]:7687", devPassword, "dev-password", ""},
		{"a remote URI without a password is refused", "", "", "neo4j+s://abc.databases.neo4j.io", "", "", "NEO4J_PASSWORD is required"},
		{"a host merely named like localhost is remote", "", "", "bolt://localhost.example.com:7687", "", "", "NEO4J_PASSWORD is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, source, err := resolvePassword(tt.flag, tt.env, tt.uri)
			if tt.wantErrMentioning != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErrMentioning) {
					t.Fatalf("err = %v, want one mentioning %q", err, tt.wantErrMentioning)
				}
				return
			}
			if err != nil || got != tt.want || !strings.Contains(source, tt.wantSource) {
				t.Fatalf("got %q from %q (%v), want %q from %q", got, source, err, tt.want, tt.wantSource)
			}
		})
	}
}

func TestRunWithoutNeo4j(t *testing.T) {
	env := func(string) string { return "" }
	tests := []struct {
		name      string
		args      []string
		wantErr   error
		wantInOut string
	}{
		{"no command prints the usage", nil, errUsage, "Commands:"},
		{"an unknown command prints the usage", []string{"seed-everything"}, errUsage, "Commands:"},
		{"a bad flag is a usage error", []string{"generate", "-users", "many"}, errUsage, "invalid value"},
		{"a dry run describes the graph without connecting", []string{"generate", "-dry-run", "-users", "100", "-posts", "1000", "-follows", "500", "-likes", "500", "-comments", "100", "-tags", "10"}, nil, "100 users, 1000 posts"},
		{"an impossible size is refused before connecting", []string{"generate", "-users", "3", "-follows", "4"}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), tt.args, env, &out, &out)
			switch {
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			case tt.wantErr == nil && tt.wantInOut == "" && err == nil:
				t.Fatal("want an error")
			case tt.wantErr == nil && tt.wantInOut != "" && err != nil:
				t.Fatalf("err = %v", err)
			}
			if !strings.Contains(out.String(), tt.wantInOut) {
				t.Fatalf("output %q does not contain %q", out.String(), tt.wantInOut)
			}
		})
	}
}
