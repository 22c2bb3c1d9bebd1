package neo4jrepo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gqlneo/gqlneo/cypher"
	"github.com/gqlneo/gqlneo/domain"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

type countingCounter struct{ n atomic.Int64 }

func (c *countingCounter) Inc() { c.n.Add(1) }

// mustDB opens the test Neo4j that `make test` starts; it fails (never
// skips) when there is none.
func mustDB(tb testing.TB) (*DB, *countingCounter) {
	tb.Helper()
	uri, password := os.Getenv("NEO4J_TEST_URI"), os.Getenv("NEO4J_TEST_PASSWORD")
	if uri == "" || password == "" {
		tb.Fatal("NEO4J_TEST_URI and NEO4J_TEST_PASSWORD are not set: run the suite with `make test`")
	}
	counter := &countingCounter{}
	db, err := Open(Config{URI: uri, Username: "neo4j", Password: password, Database: "neo4j", MaxRetryTime: 10 * time.Second, Mapping: mustMapping(tb)},
		WithStatementCounter(counter))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close(context.Background()) })
	ctx := context.Background()
	if err := db.Verify(ctx); err != nil {
		tb.Fatal(err)
	}
	if err := db.EnsureSchema(ctx); err != nil {
		tb.Fatal(err)
	}
	return db, counter
}

// uniqueSubject isolates each test's data from the others sharing the database.
func uniqueSubject(tb testing.TB) string {
	tb.Helper()
	var b [8]byte
	_, _ = rand.Read(b[:])
	sub := "test|" + hex.EncodeToString(b[:])
	return sub
}

// count runs a counting query for assertions.
func count(tb testing.TB, db *DB, cypher string, params map[string]any) int64 {
	tb.Helper()
	res, err := neo4j.ExecuteQuery(context.Background(), db.driver, cypher, params, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(db.database))
	if err != nil {
		tb.Fatal(err)
	}
	n, _, err := neo4j.GetRecordValue[int64](res.Records[0], "n")
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

func TestUserBySubjectOfAnUnknownSubjectIsNotFound(t *testing.T) {
	db, _ := mustDB(t)
	_, err := db.UserBySubject(context.Background(), uniqueSubject(t))
	if !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("err = %v, want domain.ErrNotFound", err)
	}
}

func TestSyncIdentityProvisionsThenKeepsProfileFields(t *testing.T) {
	db, _ := mustDB(t)
	ctx := context.Background()
	sub := uniqueSubject(t)
	u, err := db.SyncIdentity(ctx, domain.Profile{Subject: sub, Email: "a@example.com", Name: "A"}, SyncSeen)
	if err != nil {
		t.Fatal(err)
	}
	if u.ID == "" || u.Email != "a@example.com" || u.Name != "A" || u.CreatedAt.IsZero() {
		t.Fatalf("provisioned %+v", u)
	}
	again, err := db.SyncIdentity(ctx, domain.Profile{Subject: sub, Picture: "https://example.com/a.png"}, SyncSeen)
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != u.ID || again.Email != "a@example.com" || again.Picture != "https://example.com/a.png" {
		t.Errorf("second upsert %+v lost fields or changed id (first %+v)", again, u)
	}
	found, err := db.UserBySubject(ctx, sub)
	if err != nil || found.ID != u.ID {
		t.Errorf("UserBySubject = %+v, %v", found, err)
	}
	if p := (domain.Profile{Subject: sub}).Provider(); p != "test" {
		t.Errorf("provider %q", p)
	}
}

func TestConcurrentFirstRequestsCreateOneUserAndOneIdentity(t *testing.T) {
	db, _ := mustDB(t)
	sub := uniqueSubject(t)
	const n = 50
	ids := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			u, err := db.SyncIdentity(context.Background(), domain.Profile{Subject: sub, Name: "Racer"}, SyncSeen)
			ids[i], errs[i] = u.ID, err
		}(i)
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		if ids[i] != ids[0] {
			t.Fatalf("request %d got user %s, request 0 got %s", i, ids[i], ids[0])
		}
	}
	if got := count(t, db, "MATCH (i:Identity {sub: $sub}) RETURN count(i) AS n", map[string]any{"sub": sub}); got != 1 {
		t.Errorf("%d identities, want 1", got)
	}
	if got := count(t, db, "MATCH (u:User)-[:HAS_IDENTITY]->(:Identity {sub: $sub}) RETURN count(u) AS n", map[string]any{"sub": sub}); got != 1 {
		t.Errorf("%d users, want 1", got)
	}
}

func TestEnsureSchemaIsIdempotent(t *testing.T) {
	db, _ := mustDB(t)
	for i := 0; i < 2; i++ {
		if err := db.EnsureSchema(context.Background()); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	if got := count(t, db, "SHOW CONSTRAINTS YIELD name WHERE name IN ['identity_sub', 'user_id', 'verified_email_address'] RETURN count(*) AS n", nil); got != 3 {
		t.Errorf("%d of the 3 constraints exist", got)
	}
}

func TestAnUnreachableDatabaseIsErrUnavailable(t *testing.T) {
	db, err := Open(Config{URI: "bolt://127.0.0.1:1", Username: "neo4j", Password: "x", Database: "neo4j", ConnectTimeout: 500 * time.Millisecond, MaxRetryTime: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err = db.UserBySubject(ctx, "auth0|x")
	if !errors.Is(err, domain.ErrUnavailable) {
		t.Fatalf("err = %v, want domain.ErrUnavailable", err)
	}
}

func TestSchemaRuleExistsRecognisesOnlyTheLosersOfACreationRace(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"An equivalent rule created concurrently counts as existing.", &neo4j.Neo4jError{Code: "Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists"}, true},
		{"An existing constraint counts as existing.", &neo4j.Neo4jError{Code: "Neo.ClientError.Schema.ConstraintAlreadyExists"}, true},
		{"A wrapped existing index counts as existing.", fmt.Errorf("ensure: %w", &neo4j.Neo4jError{Code: "Neo.ClientError.Schema.IndexAlreadyExists"}), true},
		{"A syntax error is an error.", &neo4j.Neo4jError{Code: "Neo.ClientError.Statement.SyntaxError"}, false},
		{"A connection error is an error.", errors.New("connection refused"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SchemaRuleExists(tt.err); got != tt.want {
				t.Errorf("SchemaRuleExists(%v) = %v", tt.err, got)
			}
		})
	}
}

// mustMapping loads the product schema's graph mapping.
func mustMapping(tb testing.TB) *cypher.Mapping {
	tb.Helper()
	src, err := os.ReadFile("../schema.graphqls")
	if err != nil {
		tb.Fatal(err)
	}
	schema, gerr := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphqls", Input: string(src)})
	if gerr != nil {
		tb.Fatal(gerr)
	}
	m, err := cypher.Load(schema, cypher.RootTypes...)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

func TestAReadFailingOnARowItsWorkDidNotReadFails(t *testing.T) {
	db, _ := mustDB(t)
	ctx := context.Background()
	// The first row is fine; the second divides by zero. The work reads one
	// row and returns: the failure still reaches the caller, as a commit
	// would have reported it.
	_, err := read(ctx, db, func(tx neo4j.ManagedTransaction) (int64, error) {
		res, err := db.run(ctx, tx, "UNWIND range(1, 3) AS x RETURN 1 / (x - 2) AS n", nil)
		if err != nil {
			return 0, err
		}
		if !res.Next(ctx) {
			return 0, fmt.Errorf("no first row: %w", res.Err())
		}
		n, _ := res.Record().Get("n")
		return n.(int64), nil
	})
	var neoErr *neo4j.Neo4jError
	if !errors.As(err, &neoErr) || neoErr.Code != "Neo.ClientError.Statement.ArithmeticError" {
		t.Fatalf("a read whose statement fails after its first row: %v, want Neo4j's ArithmeticError", err)
	}
}
