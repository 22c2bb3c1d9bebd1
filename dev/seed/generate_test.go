package main

import (
	"math"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// tagPattern is the server's rule for tag names.
var tagPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,29}$`)

// testConfig is the size the brief's smoke load uses: big enough for the
// distributions to show, small enough to generate in a fraction of a second.
func testConfig() genConfig {
	return genConfig{Prefix: "gen", Seed: 1, Users: 2000, Posts: 20000, Follows: 40000, Likes: 20000, Comments: 5000, Tags: 200}
}

func mustGenerate(t *testing.T, c genConfig) graph {
	t.Helper()
	g, err := generate(c)
	if err != nil {
		t.Fatalf("generate(%+v): %v", c, err)
	}
	return g
}

func TestGenerateIsDeterministic(t *testing.T) {
	tests := []struct {
		name   string
		change func(*genConfig)
		same   func(a, b graph) bool
	}{
		{"the same flags give the same graph", func(*genConfig) {},
			func(a, b graph) bool { return reflect.DeepEqual(a, b) }},
		{"another seed gives other posts", func(c *genConfig) { c.Seed = 2 },
			func(a, b graph) bool {
				return !reflect.DeepEqual(a.Posts, b.Posts) && !reflect.DeepEqual(a.Follows, b.Follows)
			}},
		{"other -likes leave users, posts and follows alone", func(c *genConfig) { c.Likes = 100 },
			func(a, b graph) bool {
				return reflect.DeepEqual(a.Users, b.Users) && reflect.DeepEqual(a.Posts, b.Posts) && reflect.DeepEqual(a.Follows, b.Follows)
			}},
		{"another prefix gives other ids and subjects", func(c *genConfig) { c.Prefix = "bench" },
			func(a, b graph) bool {
				return a.Users[0].ID != b.Users[0].ID && b.Users[0].Sub == "bench|1" && a.Posts[0].ID != b.Posts[0].ID
			}},
	}
	base := mustGenerate(t, testConfig())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testConfig()
			tt.change(&c)
			if !tt.same(base, mustGenerate(t, c)) {
				t.Error("the graphs do not relate as expected")
			}
		})
	}
}

func TestGeneratedGraphIsOneTheAPICouldHaveMade(t *testing.T) {
	tests := []struct {
		name   string
		config genConfig
	}{
		{"the smoke-test size", testConfig()},
		{"a tiny graph", genConfig{Prefix: "t", Seed: 7, Users: 5, Posts: 40, Follows: 10, Likes: 20, Comments: 10, Tags: 3}},
		{"a graph as dense as allowed", genConfig{Prefix: "dense", Seed: 3, Users: 40, Posts: 400, Follows: 780, Likes: 2000, Comments: 500, Tags: 5}},
		{"a graph without tags, likes or comments", genConfig{Prefix: "bare", Seed: 1, Users: 100, Posts: 500, Follows: 300}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.config
			g := mustGenerate(t, c)
			if len(g.Users) != c.Users || len(g.Posts) != c.Posts || len(g.Follows) != c.Follows ||
				len(g.Likes) != c.Likes || len(g.Comments) != c.Comments || len(g.Tags) != c.Tags {
				t.Fatalf("sizes %d/%d/%d/%d/%d/%d, want %+v", len(g.Users), len(g.Posts), len(g.Follows), len(g.Likes), len(g.Comments), len(g.Tags), c)
			}
			start, end := genStart.UnixMilli(), genEnd.UnixMilli()
			inWindow := func(what string, ms, notBefore int64) {
				t.Helper()
				if ms < start || ms >= end || ms < notBefore {
					t.Fatalf("%s at %d: want within [%d, %d) and not before %d", what, ms, start, end, notBefore)
				}
			}
			ids := map[string]bool{}
			unique := func(id string) {
				t.Helper()
				if ids[id] {
					t.Fatalf("id %s used twice", id)
				}
				ids[id] = true
			}
			for i, u := range g.Users {
				unique(u.ID)
				if want := generatedSub(c.Prefix, i+1); u.Sub != want {
					t.Fatalf("user %d has subject %q, want %q", i, u.Sub, want)
				}
				inWindow("user", u.CreatedAt, 0)
			}
			for _, name := range g.Tags {
				if !tagPattern.MatchString(name) {
					t.Fatalf("tag %q does not match %s", name, tagPattern)
				}
			}
			for _, p := range g.Posts {
				unique(p.ID)
				if p.Author < 0 || p.Author >= len(g.Users) {
					t.Fatalf("post %s has author %d, not one of the users", p.ID, p.Author)
				}
				inWindow("post", p.CreatedAt, g.Users[p.Author].CreatedAt)
				if len(p.Tags) > 3 {
					t.Fatalf("post %s has %d tags", p.ID, len(p.Tags))
				}
				seen := map[int]bool{}
				for _, tag := range p.Tags {
					if seen[tag] || tag < 0 || tag >= len(g.Tags) {
						t.Fatalf("post %s has tags %v", p.ID, p.Tags)
					}
					seen[tag] = true
				}
			}
			follows := map[[2]int]bool{}
			for _, f := range g.Follows {
				if f.From == f.To {
					t.Fatalf("user %d follows themself", f.From)
				}
				if follows[[2]int{f.From, f.To}] {
					t.Fatalf("user %d follows user %d twice", f.From, f.To)
				}
				follows[[2]int{f.From, f.To}] = true
				inWindow("follow", f.CreatedAt, max(g.Users[f.From].CreatedAt, g.Users[f.To].CreatedAt))
			}
			canSee := func(u, p int) bool {
				post := g.Posts[p]
				return post.Visibility == visPublic || post.Author == u ||
					post.Visibility == visFollowers && follows[[2]int{u, post.Author}]
			}
			likes := map[[2]int]bool{}
			for _, l := range g.Likes {
				if likes[[2]int{l.From, l.To}] {
					t.Fatalf("user %d likes post %d twice", l.From, l.To)
				}
				likes[[2]int{l.From, l.To}] = true
				if !canSee(l.From, l.To) {
					t.Fatalf("user %d likes post %d (%s) they cannot see", l.From, l.To, g.Posts[l.To].Visibility)
				}
				inWindow("like", l.CreatedAt, max(g.Posts[l.To].CreatedAt, g.Users[l.From].CreatedAt))
			}
			for _, cm := range g.Comments {
				unique(cm.ID)
				if !canSee(cm.Author, cm.Post) {
					t.Fatalf("user %d comments on post %d (%s) they cannot see", cm.Author, cm.Post, g.Posts[cm.Post].Visibility)
				}
				inWindow("comment", cm.CreatedAt, max(g.Posts[cm.Post].CreatedAt, g.Users[cm.Author].CreatedAt))
			}
		})
	}
}

func TestGeneratedDistributions(t *testing.T) {
	g := mustGenerate(t, testConfig())
	st := describe(g)
	tagUse := make([]int, len(g.Tags))
	tagged := 0
	for _, p := range g.Posts {
		for _, tag := range p.Tags {
			tagUse[tag]++
		}
		tagged += len(p.Tags)
	}
	tests := []struct {
		name string
		ok   bool
		got  any
	}{
		{"the busiest author writes at least ten times the mean", float64(st.maxPosts) >= 10*st.meanPosts,
			[]any{st.maxPosts, st.meanPosts}},
		{"the mean number of posts per user is posts/users", st.meanPosts == 10, st.meanPosts},
		{"the most followed user has at least twenty times the mean followers", float64(st.maxFollowers) >= 20*st.meanFollowers,
			[]any{st.maxFollowers, st.meanFollowers}},
		{"about 70% of posts are public", math.Abs(st.visibility[visPublic]-70) < 2, st.visibility},
		{"about 20% of posts are for followers", math.Abs(st.visibility[visFollowers]-20) < 2, st.visibility},
		{"about 10% of posts are private", math.Abs(st.visibility[visPrivate]-10) < 2, st.visibility},
		{"the first tag is used most and at least ten times the mean", tagUse[0] == slicesMax(tagUse) &&
			float64(tagUse[0]) >= 10*float64(tagged)/float64(len(tagUse)), tagUse[:5]},
		{"posts carry about 1.35 tags on average", math.Abs(float64(tagged)/float64(len(g.Posts))-1.35) < 0.05,
			float64(tagged) / float64(len(g.Posts))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.ok {
				t.Errorf("got %v", tt.got)
			}
		})
	}
}

func slicesMax(xs []int) int {
	m := xs[0]
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

func TestGenerateRejectsImpossibleConfigs(t *testing.T) {
	tests := []struct {
		name   string
		change func(*genConfig)
		want   string
	}{
		{"an upper-case prefix", func(c *genConfig) { c.Prefix = "Gen" }, "-prefix"},
		{"a prefix with a pipe", func(c *genConfig) { c.Prefix = "g|x" }, "-prefix"},
		{"a prefix too long for tag names", func(c *genConfig) { c.Prefix = strings.Repeat("a", 17) }, "-prefix"},
		{"a negative count", func(c *genConfig) { c.Comments = -1 }, "-comments"},
		{"posts without users", func(c *genConfig) { c.Users, c.Follows, c.Likes, c.Comments = 0, 0, 0, 0 }, "-posts"},
		{"more follows than half of all pairs", func(c *genConfig) { c.Users, c.Follows = 10, 46 }, "-follows"},
		{"likes without posts", func(c *genConfig) { c.Posts = 0 }, "-likes"},
		{"more likes than a quarter of all pairs", func(c *genConfig) { c.Users, c.Posts, c.Follows, c.Likes = 10, 10, 0, 23 }, "-likes"},
		{"too many tags for 30-character names", func(c *genConfig) { c.Tags = 100000 }, "-tags"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testConfig()
			tt.change(&c)
			_, err := generate(c)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("generate(%+v) = %v, want an error naming %s", c, err, tt.want)
			}
		})
	}
}

func TestGeneratedIDsAreUUIDsFromThePrefix(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"user 1 of gen", generatedID("gen", "user", 1), generatedID("gen", "user", 1)},
		{"a subject is the prefix, a pipe and the number", generatedSub("gen", 42), "gen|42"},
		{"a tag is the prefix, -tag- and the number", generatedTag("gen", 7), "gen-tag-7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Fatalf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
	id := generatedID("gen", "user", 1)
	if len(id) != 36 || id[14] != '5' || id == generatedID("bench", "user", 1) || id == generatedID("gen", "post", 1) {
		t.Fatalf("generatedID = %q: want a version-5 UUID that differs by prefix and kind", id)
	}
}
