package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gqlneo/gqlneo/dev/auth0/tenant"
)

func TestRunServesTheTenantUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdoutR, stdoutW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-users", "users.json"}, func(string) string { return "" }, stdoutW, io.Discard)
		stdoutW.Close()
	}()

	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdoutR)
		for sc.Scan() {
			if issuer, ok := strings.CutPrefix(sc.Text(), "AUTH0 DEV ISSUER READY "); ok {
				ready <- issuer
			}
		}
	}()
	var issuer string
	select {
	case issuer = <-ready:
	case err := <-done:
		t.Fatalf("run returned before it was ready: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("no ready line")
	}
	if !strings.HasPrefix(issuer, "http://127.0.0.1:") || !strings.HasSuffix(issuer, "/") {
		t.Fatalf("issuer %q", issuer)
	}
	base := strings.TrimSuffix(issuer, "/")

	tests := []struct {
		name   string
		send   func() (*http.Response, error)
		status int
		check  func(t *testing.T, body map[string]any)
	}{
		{
			name:   "Discovery names the issuer with a trailing slash.",
			send:   func() (*http.Response, error) { return http.Get(base + "/.well-known/openid-configuration") },
			status: 200,
			check: func(t *testing.T, body map[string]any) {
				if body["issuer"] != issuer {
					t.Errorf("issuer %v, want %s", body["issuer"], issuer)
				}
			},
		},
		{
			name: "A demo user from users.json can log in.",
			send: func() (*http.Response, error) {
				return http.PostForm(base+"/oauth/token", url.Values{
					"grant_type": {tenant.GrantPassword}, "client_id": {tenant.DevClientID}, "client_secret": {tenant.DevClientSecret},
					"username": {"bob@example.com"}, "password": {tenant.DemoPassword}, "audience": {tenant.DevAudience},
				})
			},
			status: 200,
		},
		{
			name:   "Dev controls are on by default.",
			send:   func() (*http.Response, error) { return http.Post(base+"/__dev/rotate-keys", "", nil) },
			status: 200,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tt.send()
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var body map[string]any
			if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != tt.status {
				t.Fatalf("status %d %v, want %d", res.StatusCode, body, tt.status)
			}
			if tt.check != nil {
				tt.check(t, body)
			}
		})
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run after cancellation: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancellation")
	}
}

func TestRunFailsClearlyWithoutAUsersFile(t *testing.T) {
	err := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-users", "missing.json"}, func(string) string { return "" }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "AUTH0_DEV_USERS") {
		t.Errorf("error %v does not say how to fix it", err)
	}
}
