package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"maps"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// testNeo4j returns the URI and password of `make test`'s throwaway Neo4j
// and a driver for checking what the seeder wrote.
func testNeo4j(t *testing.T) (uri, password string, driver neo4j.DriverWithContext) {
	t.Helper()
	uri, password = os.Getenv("NEO4J_TEST_URI"), os.Getenv("NEO4J_TEST_PASSWORD")
	if uri == "" || password == "" {
		t.Fatal("NEO4J_TEST_URI and NEO4J_TEST_PASSWORD are not set: run the suite with `make test`")
	}
	driver, err := neo4j.NewDriverWithContext(uri, neo4j.BasicAuth("neo4j", password, ""))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = driver.Close(context.Background()) })
	return uri, password, driver
}

// seed runs the seeder's command line against the test Neo4j and returns
// its standard output.
func seed(t *testing.T, uri, password string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	args = append(args, "-uri", uri, "-password", password)
	if err := run(ctx, args, func(string) string { return "" }, &stdout, &stderr); err != nil {
		t.Fatalf("seed %v: %v\n%s%s", args, err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// single runs a read query returning one integer column n.
func single(t *testing.T, driver neo4j.DriverWithContext, cypher string, params map[string]any) int64 {
	t.Helper()
	res, err := neo4j.ExecuteQuery(context.Background(), driver, cypher, params, neo4j.EagerResultTransformer,
		neo4j.ExecuteQueryWithDatabase("neo4j"), neo4j.ExecuteQueryWithReadersRouting())
	if err != nil {
		t.Fatalf("%s: %v", cypher, err)
	}
	n, _, err := neo4j.GetRecordValue[int64](res.Records[0], "n")
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestGenerateLoadsThePlannedGraphOnceAndResetRemovesIt(t *testing.T) {
	uri, password, driver := testNeo4j(t)
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	prefix := "t" + hex.EncodeToString(b) // unique per run: other packages share the database
	flags := []string{"-prefix", prefix, "-users", "40", "-posts", "150", "-follows", "120", "-likes", "80", "-comments", "30", "-tags", "12"}

	params := map[string]any{"subPrefix": prefix + "|"}
	counts := func() map[string]int64 {
		return map[string]int64{
			"users":    single(t, driver, "MATCH (u:User)-[:HAS_IDENTITY]->(i:Identity) WHERE i.sub STARTS WITH $subPrefix RETURN count(u) AS n", params),
			"posts":    single(t, driver, "MATCH (u:User)-[:HAS_IDENTITY]->(i:Identity) WHERE i.sub STARTS WITH $subPrefix MATCH (u)-[:AUTHORED]->(p:Post) RETURN count(p) AS n", params),
			"follows":  single(t, driver, "MATCH (u:User)-[:HAS_IDENTITY]->(i:Identity) WHERE i.sub STARTS WITH $subPrefix MATCH (u)-[f:FOLLOWS]->() RETURN count(f) AS n", params),
			"likes":    single(t, driver, "MATCH (u:User)-[:HAS_IDENTITY]->(i:Identity) WHERE i.sub STARTS WITH $subPrefix MATCH (u)-[l:LIKES]->() RETURN count(l) AS n", params),
			"comments": single(t, driver, "MATCH (u:User)-[:HAS_IDENTITY]->(i:Identity) WHERE i.sub STARTS WITH $subPrefix MATCH (u)-[:WROTE]->(c:Comment)-[:ON]->(:Post) RETURN count(c) AS n", params),
		}
	}
	want := map[string]int64{"users": 40, "posts": 150, "follows": 120, "likes": 80, "comments": 30}

	t.Run("The first load writes exactly the generated users, posts, follows, likes and comments.", func(t *testing.T) {
		seed(t, uri, password, append([]string{"generate"}, flags...)...)
		if got := counts(); !maps.Equal(got, want) {
			t.Errorf("counts %v, want %v", got, want)
		}
	})
	t.Run("A second load with the same flags creates nothing.", func(t *testing.T) {
		out := seed(t, uri, password, append([]string{"generate"}, flags...)...)
		if !strings.Contains(out, ": +0 nodes, +0 relationships") {
			t.Errorf("second load output:\n%s", out)
		}
		if got := counts(); !maps.Equal(got, want) {
			t.Errorf("counts %v, want %v", got, want)
		}
	})
	t.Run("reset-generated deletes the prefix's users, identities, posts and tags.", func(t *testing.T) {
		seed(t, uri, password, "reset-generated", "-prefix", prefix)
		for what, cypher := range map[string]string{
			"identities": "MATCH (i:Identity) WHERE i.sub STARTS WITH $subPrefix RETURN count(i) AS n",
			"tags":       "MATCH (t:Tag) WHERE t.name STARTS WITH $tagPrefix RETURN count(t) AS n",
		} {
			if n := single(t, driver, cypher, map[string]any{"subPrefix": prefix + "|", "tagPrefix": prefix + "-tag-"}); n != 0 {
				t.Errorf("%d %s left", n, what)
			}
		}
		if got := counts(); got["users"] != 0 || got["posts"] != 0 {
			t.Errorf("counts after reset %v", got)
		}
	})
}

func TestDemoLoadsTheDemoGraphIdempotently(t *testing.T) {
	uri, password, driver := testNeo4j(t)
	seed(t, uri, password, "demo")
	out := seed(t, uri, password, "demo")
	if !strings.Contains(out, "demo loaded in") || !strings.Contains(out, ": +0 nodes, +0 relationships") {
		t.Errorf("second demo load output:\n%s", out)
	}
	aliceFollows := single(t, driver, `
MATCH (a:User)-[:HAS_IDENTITY]->(:Identity {sub: $alice})
MATCH (a)-[:FOLLOWS]->(f:User)-[:HAS_IDENTITY]->(i:Identity) WHERE i.sub IN $friends
RETURN count(DISTINCT f) AS n`, map[string]any{
		"alice":   "auth0|64f1a2b3c4d5e6f708192a3b",
		"friends": []any{"auth0|64f1a2b3c4d5e6f708192a3c", "auth0|64f1a2b3c4d5e6f708192a3d"},
	})
	if aliceFollows != 2 {
		t.Errorf("alice follows %d of bob and carol, want 2", aliceFollows)
	}
	danas := single(t, driver, `
MATCH (u:User)-[:HAS_IDENTITY]->(i:Identity) WHERE i.sub IN $subs
RETURN count(DISTINCT u) AS n`, map[string]any{"subs": []any{"auth0|64f1a2b3c4d5e6f708192a40", "google-oauth2|104581920374650912345"}})
	if danas != 1 {
		t.Errorf("dana's two identities belong to %d users, want 1", danas)
	}
	if owners := single(t, driver, `MATCH (u:User)-[:HAS_EMAIL]->(:VerifiedEmail {address: 'dana@example.com'}) RETURN count(u) AS n`, nil); owners != 1 {
		t.Errorf("dana's verified address has %d owners, want 1", owners)
	}
}
