package cypher

import (
	"os"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// productSchema is schema.graphqls as the server loads it.
func productSchema(tb testing.TB) string {
	tb.Helper()
	src, err := os.ReadFile("../schema.graphqls")
	if err != nil {
		tb.Fatal(err)
	}
	return string(src)
}

func mustParse(tb testing.TB, src string) *ast.Schema {
	tb.Helper()
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphqls", Input: src})
	if err != nil {
		tb.Fatalf("parse: %v", err)
	}
	return s
}

func TestTheProductSchemaMapsEveryFieldOfEveryStoredType(t *testing.T) {
	m, err := Load(mustParse(t, productSchema(t)), RootTypes...)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path   string
		kind   Kind
		target string
		rel    string
		dir    Direction
	}{
		{"User.name", Property, "", "", ""},
		{"User.followers", Connection, "User", "FOLLOWS", In},
		{"User.likedPosts", Connection, "Post", "LIKES", Out},
		{"User.identities", List, "Identity", "HAS_IDENTITY", Out},
		{"User.postCount", Count, "Post", "AUTHORED", Out},
		{"User.followsViewer", ViewerRelationship, "", "FOLLOWS", In},
		{"Post.author", Object, "User", "AUTHORED", In},
		{"Post.tags", List, "Tag", "TAGGED", Out},
		{"Comment.post", Object, "Post", "ON", Out},
		{"Tag.posts", Connection, "Post", "TAGGED", In},
		{"Identity.lastSeenAt", Property, "", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			typ, name, _ := strings.Cut(tc.path, ".")
			f := m.Field(typ, name)
			if f == nil {
				t.Fatal("no mapping")
			}
			if f.Kind != tc.kind || f.Target != tc.target || f.Rel != tc.rel || f.Dir != tc.dir {
				t.Errorf("got %+v", *f)
			}
		})
	}
	if !m.Field("User", "likedPosts").SortByRelationship || m.Field("User", "posts").SortByRelationship {
		t.Error("sortBy was not read: likedPosts sorts by the like, posts by the post")
	}
	if !m.Field("User", "email").SelfOnly || !m.Field("User", "identities").SelfOnly || m.Field("User", "name").SelfOnly {
		t.Error("@selfOnly was not read")
	}
	if m.Field("User", "identities").OrderBy != "createdAt" {
		t.Error("identities are not ordered oldest first")
	}
	for _, typ := range []string{"User", "Post", "Comment", "Tag", "Identity"} {
		if !m.Stored(typ) {
			t.Errorf("%s is not a stored type", typ)
		}
	}
	if m.Stored("PageInfo") || m.Stored("Query") {
		t.Error("types no root statement reaches are not stored")
	}
}

// withField adds a field to a type of the product schema.
func withField(tb testing.TB, typ, field string) string {
	tb.Helper()
	src := productSchema(tb)
	head := "type " + typ + " "
	i := strings.Index(src, head)
	if i < 0 {
		tb.Fatalf("no type %s", typ)
	}
	j := i + strings.Index(src[i:], "{") + 1
	return src[:j] + "\n  " + field + src[j:]
}

func TestANewRelationshipFieldIsCompiledWithNoOtherEdit(t *testing.T) {
	src := withField(t, "User", `"Posts this User commented on."
  commentedPosts(first: Int, after: String): PostConnection! @relationship(type: "COMMENTED_ON", direction: OUT, sortBy: RELATIONSHIP)
  "The user's latest comment."
  lastComment: Comment @relationship(type: "WROTE", direction: OUT)`)
	m, err := Load(mustParse(t, src), RootTypes...)
	if err != nil {
		t.Fatal(err)
	}
	sel := &Selection{Fields: []Field{
		{Key: "recent", Name: "commentedPosts", Page: &Page{First: 3, Total: true}, Sub: &Selection{Fields: []Field{{Key: "title", Name: "title"}}}},
		{Key: "lastComment", Name: "lastComment", Sub: &Selection{Fields: []Field{{Key: "body", Name: "body"}}}},
	}}
	st, err := NewCompiler(m).Me("auth0|x", sel)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"`recent`: {items: COLLECT { MATCH (viewer)-[r",
		":COMMENTED_ON]->(y", ":Post) WHERE (y", // posts pass the visibility predicate
		"`lastComment`: COLLECT { MATCH (viewer)-[:WROTE]->(o", ":Comment) RETURN {`body`: o",
	} {
		if !strings.Contains(st.Cypher, want) {
			t.Errorf("the statement lacks %q:\n%s", want, st.Cypher)
		}
	}
}

func TestAMappingThatDoesNotFitItsFieldStopsTheServerNamingTheField(t *testing.T) {
	cases := []struct {
		name, typ, field, want string
	}{
		{"an object field without a mapping", "User", `bestFriend: User`, "User.bestFriend: returns User but has no mapping"},
		{"a connection without a mapping", "Post", `sharedBy(first: Int, after: String): UserConnection!`, "Post.sharedBy: returns UserConnection! but has no mapping"},
		{"a relationship on a scalar", "User", `nick: String @relationship(type: "NICK", direction: OUT)`, "User.nick: @relationship needs an object"},
		{"a count on a string", "Post", `shares: String @count(type: "SHARED", direction: IN, label: "User")`, "Post.shares: @count needs an Int field"},
		{"a count of an unknown label", "Post", `shares: Int @count(type: "SHARED", direction: IN, label: "Ghost")`, `Post.shares: @count label "Ghost" is not an object type`},
		{"a viewer relationship on an Int", "User", `blocked: Int @viewerRelationship(type: "BLOCKS", direction: OUT)`, "User.blocked: @viewerRelationship needs a Boolean field"},
		{"a relationship type that is not an identifier", "User", "friends(first: Int, after: String): UserConnection! @relationship(type: \"FOLLOWS]->(x) DETACH DELETE x//\", direction: OUT)", "User.friends: relationship type"},
		{"a list ordered by a field the target lacks", "Post", `editors: [User!]! @relationship(type: "EDITED", direction: IN, orderBy: "shoeSize")`, `Post.editors: orderBy "shoeSize" is not a field of User`},
		{"arguments on a property", "Comment", `excerpt(length: Int): String`, "Comment.excerpt: only connection fields may take arguments"},
		{"sortBy on an object", "Comment", `editor: User @relationship(type: "EDITED", direction: IN, sortBy: RELATIONSHIP)`, "Comment.editor: sortBy applies to connections only"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(mustParse(t, withField(t, tc.typ, tc.field)), RootTypes...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to say %q", err, tc.want)
			}
		})
	}
	t.Run("a root type missing from the schema", func(t *testing.T) {
		_, err := Load(mustParse(t, productSchema(t)), "User", "Gadget")
		if err == nil || !strings.Contains(err.Error(), "Gadget: a root statement returns this type") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestResultsAreKeyedByResponseKeyAndKeysAreNeverCypher(t *testing.T) {
	m, err := Load(mustParse(t, productSchema(t)), RootTypes...)
	if err != nil {
		t.Fatal(err)
	}
	c := NewCompiler(m)
	st, err := c.Node("", "User", "u1", &Selection{Fields: []Field{{Key: "a", Name: "name"}, {Key: "b", Name: "name"}, {Key: "n", Name: "followerCount"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"`a`: x.name", "`b`: x.name", "`n`: COUNT { (x)<-[:FOLLOWS]-(:User) }"} {
		if !strings.Contains(st.Cypher, want) {
			t.Errorf("lacks %q:\n%s", want, st.Cypher)
		}
	}
	if st.Params["p1"] != "u1" {
		t.Errorf("the id is not a parameter: %v", st.Params)
	}
	for _, bad := range []Field{{Key: "a`}) DETACH DELETE x //", Name: "name"}, {Key: "ok", Name: "password"}} {
		if _, err := c.Node("", "User", "u1", &Selection{Fields: []Field{bad}}); err == nil {
			t.Errorf("%+v compiled", bad)
		}
	}
}
