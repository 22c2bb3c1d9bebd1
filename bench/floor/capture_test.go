package floor

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/gqlneo/gqlneo/dev/auth0/tenant"
)

// The capture stack is the product's own app.New; this checks it starts
// against the test Neo4j that `make test` runs and that the observer sees
// the statements of exactly the captured request.
func TestCaptureRecordsTheStatementsOfOneRequest(t *testing.T) {
	uri, password := os.Getenv("NEO4J_TEST_URI"), os.Getenv("NEO4J_TEST_PASSWORD")
	if uri == "" || password == "" {
		t.Fatal("NEO4J_TEST_URI and NEO4J_TEST_PASSWORD are not set: run the suite with `make test`, which starts a throwaway Neo4j")
	}
	tn := tenant.MustStart(t)
	ctx := context.Background()
	c, err := NewCapturer(ctx, CaptureConfig{
		Neo4j:  Neo4j{URI: uri, Username: "neo4j", Password: password, Database: "neo4j", PoolSize: 10, MaxRetryTime: 30 * time.Second},
		Issuer: tn.Issuer(), Audience: tenant.DevAudience, ClaimsNamespace: tenant.DevNamespace,
		ClientID: tenant.DevClientID, ClientSecret: tenant.DevClientSecret,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	token := tn.AccessTokenFor("auth0|floor-capture-test", nil)
	query := []byte(`{"query":"{ me { id } }"}`)

	// The first request provisions the caller; the second is the steady
	// state the floor replays.
	if _, _, err := c.Capture(ctx, token, query); err != nil {
		t.Fatal(err)
	}
	op, body, err := c.Capture(ctx, token, query)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(body, []byte(`"me":{"id":`)) {
		t.Errorf("answer %s has no me.id", body)
	}
	if len(op) != 1 || op[0].Write {
		t.Errorf("a known caller's me is one read statement, captured %d: %+v", len(op), op)
	}
}
