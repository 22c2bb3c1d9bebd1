package cypher

import (
	"strings"
	"testing"
)

func TestLiveStatementsServeManySubscribersWithVisibilityInside(t *testing.T) {
	m, err := Load(mustParse(t, productSchema(t)), RootTypes...)
	if err != nil {
		t.Fatal(err)
	}
	c := NewCompiler(m)
	post := &Selection{Fields: []Field{{Key: "id", Name: "id"}, {Key: "likes", Name: "likeCount"}}}
	wrapper := &Selection{Fields: []Field{{Key: "kind", Name: "kind"}, {Key: "post", Name: "post", Sub: post},
		{Key: "actor", Name: "actor", Sub: &Selection{Fields: []Field{{Key: "name", Name: "name"}}}}}}
	for _, tc := range []struct {
		kind LiveKind
		sel  *Selection
		want []string
	}{
		{LiveFeed, post, []string{"EXISTS { (viewer)-[:FOLLOWS]->(author) }", "x.visibility = 'PUBLIC'"}},
		{LivePostActivity, wrapper, []string{"MATCH (x:Post {id: $ev_post}) WHERE (x.visibility = 'PUBLIC'"}},
		{LiveNotification, wrapper, []string{"a <> viewer", "(viewer)-[:AUTHORED]->(x:Post {id: $ev_post})"}},
	} {
		st, err := c.Live(tc.kind, tc.sel)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(st.Cypher, "UNWIND $subs AS sub\n") || !strings.Contains(st.Cypher, "RETURN sub, ") {
			t.Errorf("kind %d does not serve many subscribers:\n%s", tc.kind, st.Cypher)
		}
		for _, w := range tc.want {
			if !strings.Contains(st.Cypher, w) {
				t.Errorf("kind %d lacks %q:\n%s", tc.kind, w, st.Cypher)
			}
		}
		if _, ok := st.Params["sub"]; ok {
			t.Errorf("kind %d binds $sub; subscribers come in $subs", tc.kind)
		}
	}
	if _, err := c.Live(LiveNotification, &Selection{Fields: []Field{{Key: "x", Name: "secret"}}}); err == nil {
		t.Error("an unknown event field compiled")
	}
}
