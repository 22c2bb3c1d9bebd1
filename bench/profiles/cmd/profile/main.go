//go:build profiles

// Command profile captures the product's statements for Q1–Q6 (through the
// bench/floor capture stack), reconstructs the peer's statements from
// bench/peer/cypher, and PROFILEs and times both against Neo4j.
// Run: go -C bench run -tags profiles ./profiles/cmd/profile (from any
// directory of the repository; paths are relative to its root).
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/gqlneo/gqlneo/bench/floor"
	"github.com/gqlneo/gqlneo/bench/reporoot"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// The Neo4j holding the generated graph (with APOC, for the peer's
// statements) and the dev issuer (with /__dev/token); PROFILE_NEO4J_URI and
// PROFILE_ISSUER override the defaults.
var (
	uri    = envOr("PROFILE_NEO4J_URI", "bolt://127.0.0.1:7690")
	issuer = envOr("PROFILE_ISSUER", "http://127.0.0.1:8091/")
)

const (
	user     = "neo4j"
	pass     = "dev-password"
	outDir   = "bench/profiles"
	timedRun = 20
)

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

type stmt struct {
	Cypher string
	Params map[string]any
	Write  bool
}

type result struct {
	Shape, Server, Caller string
	DbHits, Rows          int64 // summed over statements; Rows = rows returned to the client
	PlanRows              int64 // sum of Records over all operators
	MedianMs              float64
	Statements            int
	Top                   []opHits
}

type opHits struct {
	Op, Details string
	Hits        int64
}

func mint(sub string) (string, map[string]any) {
	resp, err := http.PostForm(issuer+"__dev/token", url.Values{"sub": {sub}})
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var t struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(b, &t); err != nil {
		log.Fatalf("token: %s", b)
	}
	p := strings.Split(t.AccessToken, ".")[1]
	raw, _ := base64.RawURLEncoding.DecodeString(p)
	var claims map[string]any
	_ = json.Unmarshal(raw, &claims)
	return t.AccessToken, claims
}

func gqlBody(path string, vars map[string]any) []byte {
	q, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"query": string(q), "variables": vars})
	return b
}

func peerCypher(name string) string {
	b, err := os.ReadFile(filepath.Join("bench/peer/cypher", name+".cypher"))
	if err != nil {
		log.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "//") {
			continue
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

// run executes one statement in its own session as the product's repository
// does (ExecuteRead), or for writes in an explicit transaction that is rolled
// back. It returns the summary and the number of records.
func run(ctx context.Context, d neo4j.DriverWithContext, s stmt, prefix string) (neo4j.ResultSummary, int, error) {
	sess := d.NewSession(ctx, neo4j.SessionConfig{DatabaseName: "neo4j"})
	defer sess.Close(ctx)
	type out struct {
		sum neo4j.ResultSummary
		n   int
	}
	work := func(tx neo4j.ManagedTransaction) (any, error) {
		res, err := tx.Run(ctx, prefix+s.Cypher, s.Params)
		if err != nil {
			return nil, err
		}
		recs, err := res.Collect(ctx)
		if err != nil {
			return nil, err
		}
		sum, err := res.Consume(ctx)
		return out{sum, len(recs)}, err
	}
	if !s.Write {
		v, err := sess.ExecuteRead(ctx, work)
		if err != nil {
			return nil, 0, err
		}
		o := v.(out)
		return o.sum, o.n, nil
	}
	tx, err := sess.BeginTransaction(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback(ctx)
	res, err := tx.Run(ctx, prefix+s.Cypher, s.Params)
	if err != nil {
		return nil, 0, err
	}
	recs, err := res.Collect(ctx)
	if err != nil {
		return nil, 0, err
	}
	sum, err := res.Consume(ctx)
	return sum, len(recs), err
}

func details(p neo4j.ProfiledPlan) string {
	a := p.Arguments()
	if d, ok := a["Details"]; ok {
		return fmt.Sprint(d)
	}
	return ""
}

func walk(p neo4j.ProfiledPlan, depth int, sb *strings.Builder, hits, rows *int64, ops *[]opHits) {
	fmt.Fprintf(sb, "%s%s  dbHits=%d rows=%d", strings.Repeat("  ", depth), p.Operator(), p.DbHits(), p.Records())
	if d := details(p); d != "" {
		fmt.Fprintf(sb, "  | %s", strings.ReplaceAll(d, "\n", " "))
	}
	sb.WriteString("\n")
	*hits += p.DbHits()
	*rows += p.Records()
	*ops = append(*ops, opHits{p.Operator(), details(p), p.DbHits()})
	for _, c := range p.Children() {
		walk(c, depth+1, sb, hits, rows, ops)
	}
}

func profileOp(ctx context.Context, d neo4j.DriverWithContext, shape, server, caller string, op []stmt) result {
	r := result{Shape: shape, Server: server, Caller: caller, Statements: len(op)}
	var sb strings.Builder
	var ops []opHits
	for i, s := range op {
		// warm-up (plan cache), then PROFILE
		if _, _, err := run(ctx, d, s, ""); err != nil {
			log.Fatalf("%s %s %s warm: %v\n%s", shape, server, caller, err, s.Cypher)
		}
		if _, _, err := run(ctx, d, s, "PROFILE "); err != nil {
			log.Fatalf("%s %s %s profile warm: %v", shape, server, caller, err)
		}
		sum, n, err := run(ctx, d, s, "PROFILE ")
		if err != nil {
			log.Fatalf("%s %s %s profile: %v", shape, server, caller, err)
		}
		ps, _ := json.MarshalIndent(s.Params, "// ", "  ")
		fmt.Fprintf(&sb, "// statement %d of %d (write=%v, rolled back=%v), records returned: %d\n// params: %s\n", i+1, len(op), s.Write, s.Write, n, ps)
		for _, l := range strings.Split(s.Cypher, "\n") {
			sb.WriteString("//   " + l + "\n")
		}
		var hits, rows int64
		walk(sum.Profile(), 0, &sb, &hits, &rows, &ops)
		fmt.Fprintf(&sb, "// statement total: dbHits=%d, operator rows=%d\n\n", hits, rows)
		r.DbHits += hits
		r.PlanRows += rows
		r.Rows += int64(n)
	}
	// timing: the whole operation (all statements, session each), 20 times
	var ms []float64
	for i := 0; i < timedRun; i++ {
		t0 := time.Now()
		for _, s := range op {
			if _, _, err := run(ctx, d, s, ""); err != nil {
				log.Fatal(err)
			}
		}
		ms = append(ms, float64(time.Since(t0).Microseconds())/1000)
	}
	sort.Float64s(ms)
	r.MedianMs = (ms[timedRun/2-1] + ms[timedRun/2]) / 2
	fmt.Fprintf(&sb, "// OPERATION TOTAL: dbHits=%d operatorRows=%d recordsReturned=%d median(20)=%.2fms\n", r.DbHits, r.PlanRows, r.Rows, r.MedianMs)
	sort.Slice(ops, func(i, j int) bool { return ops[i].Hits > ops[j].Hits })
	if len(ops) > 3 {
		ops = ops[:3]
	}
	r.Top = ops
	file := filepath.Join(outDir, fmt.Sprintf("%s-%s-%s.txt", shape, server, strings.ReplaceAll(caller, "|", "")))
	if err := os.WriteFile(file, []byte(sb.String()), 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("%s %s %s: hits=%d rows=%d med=%.2fms", shape, server, caller, r.DbHits, r.Rows, r.MedianMs)
	return r
}

func single(d neo4j.DriverWithContext, ctx context.Context, q string, p map[string]any) any {
	res, err := neo4j.ExecuteQuery(ctx, d, q, p, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase("neo4j"))
	if err != nil || len(res.Records) == 0 {
		log.Fatalf("%s: %v", q, err)
	}
	return res.Records[0].Values[0]
}

func main() {
	if _, err := reporoot.Chdir(); err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	d, err := neo4j.NewDriverWithContext(uri, neo4j.BasicAuth(user, pass, ""))
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close(ctx)
	authorUUID := single(d, ctx, `MATCH (u:User)-[:AUTHORED]->(p) RETURN u.id AS id, count(p) AS n ORDER BY n DESC, id LIMIT 1`, nil).(string)
	log.Printf("Q4 author %s", authorUUID)

	nj := floor.Neo4j{URI: uri, Username: user, Password: pass, Database: "neo4j", PoolSize: 100, MaxRetryTime: 30 * time.Second}
	cap, err := floor.NewCapturer(ctx, floor.CaptureConfig{Neo4j: nj, Issuer: issuer, Audience: "https://api.dev.local/",
		ClaimsNamespace: "https://api.dev.local/", ClientID: "dev-client", ClientSecret: "dev-client-secret",
		CursorSecret: []byte("bench-cursor-secret-0123456789abcdef")})
	if err != nil {
		log.Fatal(err)
	}
	defer cap.Close()

	callers := []string{"gen|2627", "gen|1"}
	var results []result
	captured := map[string]any{}
	for _, sub := range callers {
		token, claims := mint(sub)
		viewerUUID := single(d, ctx, `MATCH (u:User)-[:HAS_IDENTITY]->(:Identity {sub: $s}) RETURN u.id`, map[string]any{"s": sub}).(string)
		gid := base64.RawURLEncoding.EncodeToString([]byte("User:" + authorUUID))

		capture := func(file string, vars map[string]any) ([]stmt, []byte) {
			op, body, err := cap.Capture(ctx, token, gqlBody("bench/operations/product/"+file, vars))
			if err != nil {
				log.Fatalf("%s: %v", file, err)
			}
			var out []stmt
			for _, s := range op {
				out = append(out, stmt{s.Cypher, s.Params, s.Write})
			}
			return out, body
		}
		prod := map[string][]stmt{}
		prod["Q1_me"], _ = capture("Q1_me.graphql", nil)
		prod["Q2_me_posts"], _ = capture("Q2_me_posts.graphql", nil)
		prod["Q3_nested"], _ = capture("Q3_nested.graphql", nil)
		prod["Q4_connection_p1"], _ = capture("Q4_connection.graphql", map[string]any{"userId": gid})
		_, cb := capture("Q4_cursor.graphql", map[string]any{"userId": gid})
		var cv struct {
			Data struct {
				User struct {
					Posts struct {
						PageInfo struct{ EndCursor string }
					}
				}
			}
		}
		_ = json.Unmarshal(cb, &cv)
		prod["Q4_connection_p5"], _ = capture("Q4_connection.graphql", map[string]any{"userId": gid, "after": cv.Data.User.Posts.PageInfo.EndCursor})
		prod["Q5_feed"], _ = capture("Q5_feed.graphql", nil)
		title := fmt.Sprintf("profiles-capture-%d", time.Now().UnixNano())
		prod["Q6_create_post"], _ = capture("Q6_create_post.graphql", map[string]any{"title": title, "body": "x"})
		// the capture really created the post: remove it
		if _, err := neo4j.ExecuteQuery(ctx, d, `MATCH (p:Post {title: $t}) DETACH DELETE p`, map[string]any{"t": title}, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase("neo4j")); err != nil {
			log.Fatal(err)
		}
		captured[sub] = prod

		jwt := claims
		peer := map[string][]stmt{
			"Q1_me": {{peerCypher("Q1_me"), map[string]any{"jwt": jwt, "isAuthenticated": true}, false}},
			"Q2_me_posts": {{peerCypher("Q2_me_posts"), map[string]any{"jwt": jwt, "isAuthenticated": true,
				"param1": "PUBLIC", "param4": "FOLLOWERS", "param5": int64(10)}, false}},
			"Q3_nested": {{peerCypher("Q3_nested"), map[string]any{"jwt": jwt, "isAuthenticated": true,
				"param1": int64(10), "param2": int64(5), "param3": "PUBLIC", "param6": "FOLLOWERS", "param7": int64(3)}, false}},
			"Q4_connection_p1": {{peerCypher("Q4_connection"), map[string]any{"jwt": jwt, "isAuthenticated": true,
				"param0": authorUUID, "param1": "PUBLIC", "param4": "FOLLOWERS", "param5": int64(10)}, false}},
			"Q5_feed": {{peerCypher("Q5_feed"), map[string]any{"jwt": jwt, "isAuthenticated": true,
				"param0": viewerUUID, "param1": viewerUUID, "param2": "PUBLIC", "param5": "FOLLOWERS", "param6": int64(20)}, false}},
			"Q6_create_post": {{peerCypher("Q6_create_post"), map[string]any{"jwt": jwt, "isAuthenticated": true,
				"param0": map[string]any{"title": "profiles-peer", "body": "x", "visibility": "PUBLIC"},
				"param2": "PUBLIC", "param5": "FOLLOWERS"}, true}},
		}
		// product Q6 is replayed with rollback too
		for i := range prod["Q6_create_post"] {
			prod["Q6_create_post"][i].Write = prod["Q6_create_post"][i].Write || strings.Contains(prod["Q6_create_post"][i].Cypher, "CREATE") || strings.Contains(prod["Q6_create_post"][i].Cypher, "MERGE")
		}
		for _, shape := range []string{"Q1_me", "Q2_me_posts", "Q3_nested", "Q4_connection_p1", "Q4_connection_p5", "Q5_feed", "Q6_create_post"} {
			results = append(results, profileOp(ctx, d, shape, "product", sub, prod[shape]))
			if p, ok := peer[shape]; ok {
				results = append(results, profileOp(ctx, d, shape, "peer", sub, p))
			}
		}
	}
	b, _ := json.MarshalIndent(results, "", "  ")
	_ = os.WriteFile(filepath.Join(outDir, "results.json"), b, 0o644)
	b, _ = json.MarshalIndent(captured, "", "  ")
	_ = os.WriteFile(filepath.Join(outDir, "product-statements.json"), b, 0o644)
}
