package graph

import (
	"context"
	"errors"
	"testing"

	"github.com/gqlneo/gqlneo/auth"
	"github.com/gqlneo/gqlneo/domain"
)

func TestAuthenticatedAnswersUnauthenticatedWithoutAToken(t *testing.T) {
	d := directives()
	next := func(context.Context) (any, error) { return "ok", nil }
	withClaims := func(c *auth.Claims) context.Context { return auth.NewContext(context.Background(), c) }
	cases := []struct {
		name string
		ctx  context.Context
		run  func(ctx context.Context) (any, error)
		want error
	}{
		{"@authenticated without a token is UNAUTHENTICATED", context.Background(),
			func(ctx context.Context) (any, error) { return d.Authenticated(ctx, nil, next) }, domain.ErrUnauthenticated},
		{"@authenticated with claims runs the field", withClaims(&auth.Claims{Subject: "auth0|1"}),
			func(ctx context.Context) (any, error) { return d.Authenticated(ctx, nil, next) }, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.run(tc.ctx)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.want == nil && got != "ok" {
				t.Errorf("the field did not run")
			}
		})
	}
}

func TestGlobalIDsRoundTripAndRejectGarbage(t *testing.T) {
	id := globalID("User", "0b7c")
	typ, raw, ok := parseGlobalID(id)
	if !ok || typ != "User" || raw != "0b7c" {
		t.Fatalf("round trip: %q %q %v", typ, raw, ok)
	}
	for _, bad := range []string{"", "!!!", globalID("", "x"), "VXNlcg"} {
		if _, _, ok := parseGlobalID(bad); ok {
			t.Errorf("%q parsed as a global ID", bad)
		}
	}
}
