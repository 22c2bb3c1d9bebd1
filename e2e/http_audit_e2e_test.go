package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestGraphQLOverHTTPAudit runs the graphql-http audit (dev/audit, the
// reference conformance suite of the GraphQL-over-HTTP spec) against the
// real server: every MUST and SHOULD passes.
func TestGraphQLOverHTTPAudit(t *testing.T) {
	dir, err := filepath.Abs("../dev/audit")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "graphql-http")); err != nil {
		t.Fatalf("dev/audit/node_modules is missing: run `npm ci` in dev/audit (.ci/run does): %v", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not installed; the GraphQL-over-HTTP audit needs Node.js 18 or later")
	}
	s := startServer(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, node, filepath.Join(dir, "audit.mjs"), s.URL+"/graphql").CombinedOutput()
	t.Logf("audit:\n%s", out)
	if err != nil {
		t.Fatalf("the GraphQL-over-HTTP audit failed: %v", err)
	}
}
