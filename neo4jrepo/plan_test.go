package neo4jrepo

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gqlneo/gqlneo/cypher"
	"github.com/gqlneo/gqlneo/domain"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// nestedUser is a deep selection over every kind of field, so the plans
// below cover every fragment the compiler emits.
func nestedUser() *cypher.Selection {
	page := func(n int) *cypher.Page {
		return &cypher.Page{First: n, Total: true, After: &cypher.Cursor{Time: time.Now().UTC(), ID: "z"}}
	}
	post := &cypher.Selection{Fields: []cypher.Field{
		{Key: "id", Name: "id"}, {Key: "likeCount", Name: "likeCount"}, {Key: "viewerHasLiked", Name: "viewerHasLiked"},
		{Key: "author", Name: "author", Sub: &cypher.Selection{Fields: []cypher.Field{{Key: "name", Name: "name"}}}},
		{Key: "tags", Name: "tags", Sub: &cypher.Selection{Fields: []cypher.Field{{Key: "name", Name: "name"}, {Key: "postCount", Name: "postCount"}}}},
		{Key: "likedBy", Name: "likedBy", Page: page(3), Sub: &cypher.Selection{Fields: []cypher.Field{{Key: "id", Name: "id"}}}},
		{Key: "comments", Name: "comments", Page: page(3), Sub: &cypher.Selection{Fields: []cypher.Field{{Key: "body", Name: "body"},
			{Key: "author", Name: "author", Sub: &cypher.Selection{Fields: []cypher.Field{{Key: "id", Name: "id"}}}}}}},
	}}
	return &cypher.Selection{Fields: []cypher.Field{
		{Key: "id", Name: "id"}, {Key: "email", Name: "email"}, {Key: "postCount", Name: "postCount"},
		{Key: "viewerFollows", Name: "viewerFollows"}, {Key: "followerCount", Name: "followerCount"},
		{Key: "following", Name: "following", Page: page(10), Sub: &cypher.Selection{Fields: []cypher.Field{
			{Key: "id", Name: "id"},
			{Key: "posts", Name: "posts", Page: page(3), Sub: post},
		}}},
		{Key: "likedPosts", Name: "likedPosts", Page: page(5), Sub: post},
	}}
}

// planNode is a plan operator and its children, in order.
type planNode struct {
	op       string
	children []planNode
}

// rawPlan reads the plan the server sent. The driver's Plan.Children
// (v5.28.4) returns every child as a copy of the last one (it takes the
// address of the range variable under pre-1.22 loop semantics), so the tree
// is read from the driver's own plan value instead.
func rawPlan(p neo4j.Plan) planNode {
	return walkPlan(reflect.ValueOf(p).Elem().Field(0).Elem())
}

func walkPlan(v reflect.Value) planNode {
	n := planNode{op: v.FieldByName("Operator").String()}
	children := v.FieldByName("Children")
	for i := 0; i < children.Len(); i++ {
		n.children = append(n.children, walkPlan(children.Index(i)))
	}
	return n
}

// leftmostLeaf is where the plan starts reading.
func leftmostLeaf(p planNode) string {
	for len(p.children) > 0 {
		p = p.children[0]
	}
	return p.op
}

func operators(p planNode, out *[]string) {
	*out = append(*out, p.op)
	for _, c := range p.children {
		operators(c, out)
	}
}

func planString(p planNode, indent string) string {
	out := indent + p.op + "\n"
	for _, c := range p.children {
		out += planString(c, indent+"  ")
	}
	return out
}

func TestEveryRootStatementStartsFromAnIndexSeek(t *testing.T) {
	db, _ := mustDB(t)
	ctx := context.Background()
	viewer := domain.Viewer{Subject: "auth0|plan-test"}
	gated := viewer
	tagSel := &cypher.Selection{Fields: []cypher.Field{{Key: "postCount", Name: "postCount"}, {Key: "posts", Name: "posts", Page: &cypher.Page{First: 5, Total: true}, Sub: nestedUser().Fields[6].Sub}}}
	commentSel := &cypher.Selection{Fields: []cypher.Field{{Key: "body", Name: "body"}, {Key: "post", Name: "post", Sub: nestedUser().Fields[6].Sub}}}
	roots := []struct {
		name string
		run  func() error
	}{
		{"me", func() error { _, err := db.QueryMe(ctx, viewer, nestedUser()); return err }},
		{"user", func() error { _, err := db.QueryNode(ctx, viewer, "User", "u-1", nestedUser()); return err }},
		{"post", func() error {
			_, err := db.QueryNode(ctx, viewer, "Post", "p-1", nestedUser().Fields[6].Sub)
			return err
		}},
		{"comment", func() error { _, err := db.QueryNode(ctx, viewer, "Comment", "c-1", commentSel); return err }},
		{"tag", func() error { _, err := db.QueryTag(ctx, viewer, "go", tagSel); return err }},
		{"feed", func() error {
			_, err := db.QueryFeed(ctx, viewer, cypher.Field{Key: "feed", Name: "feed", Page: &cypher.Page{First: 20, Total: true}, Sub: nestedUser().Fields[6].Sub})
			return err
		}},
		{"searchUsers", func() error {
			_, err := db.QuerySearchUsers(ctx, viewer, "al", cypher.Field{Key: "s", Name: "searchUsers", Page: &cypher.Page{First: 20, Total: true}, Sub: nestedUser()})
			return err
		}},
		{"recommendedUsers", func() error { _, err := db.QueryRecommendedUsers(ctx, viewer, 10, nestedUser()); return err }},
		// Mutations: the write and the read-back in one statement. The viewer
		// has no User, so nothing is written.
		{"createPost", func() error {
			_, err := db.CreatePost(ctx, gated, domain.NewPost{ID: "p-new", Title: "t", Body: "b", Visibility: "PUBLIC", Tags: []string{"go"}},
				&cypher.ReadBack{Type: "Post", ID: "p-new", Sel: nestedUser().Fields[6].Sub})
			return err
		}},
		{"likePost", func() error {
			_, _, err := db.LikePost(ctx, gated, "p-1", &cypher.ReadBack{Type: "Post", ID: "p-1", Sel: nestedUser().Fields[6].Sub})
			return err
		}},
		{"follow", func() error {
			_, _, err := db.Follow(ctx, gated, "u-1", &cypher.ReadBack{Type: "User", ID: "u-1", Sel: nestedUser()})
			return err
		}},
		{"updateProfile", func() error {
			_, err := db.UpdateProfile(ctx, gated, domain.ProfileUpdate{}, &cypher.ReadBack{Type: "Me", Sel: nestedUser()})
			return err
		}},
		{"addComment", func() error {
			_, err := db.AddComment(ctx, gated, "c-new", "p-1", "b", &cypher.ReadBack{Type: "Comment", ID: "c-new", Sel: commentSel})
			return err
		}},
		{"deletePost", func() error { return db.DeletePost(ctx, gated, "p-1", false) }},
	}
	for _, root := range roots {
		t.Run(root.name, func(t *testing.T) {
			var cypher string
			var params map[string]any
			db.observe = func(c string, p map[string]any) { cypher, params = c, p }
			defer func() { db.observe = nil }()
			if err := root.run(); err != nil && !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("run: %v", err)
			}
			if strings.Count(cypher, "RETURN") < 1 {
				t.Fatalf("no statement captured")
			}
			res, err := neo4j.ExecuteQuery(ctx, db.driver, "EXPLAIN "+cypher, params, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(db.database))
			if err != nil {
				t.Fatalf("EXPLAIN: %v\n%s", err, cypher)
			}
			plan := rawPlan(res.Summary.Plan())
			leaf := leftmostLeaf(plan)
			if !strings.Contains(leaf, "IndexSeek") {
				t.Errorf("the plan starts with %s, not an index seek\n%s", leaf, planString(plan, ""))
			}
			var ops []string
			operators(plan, &ops)
			for _, op := range ops {
				if strings.Contains(op, "AllNodesScan") || strings.Contains(op, "NodeByLabelScan") {
					t.Errorf("the plan scans: %s in %v", op, ops)
				}
			}
		})
	}
}
