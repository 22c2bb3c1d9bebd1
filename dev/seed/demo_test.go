package main

import (
	"encoding/json"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// The demo people must be the dev issuer's users, with the same subjects,
// names and emails, or a demo login would land on an empty User.
func TestDemoPeopleMatchTheDevIssuersUsers(t *testing.T) {
	raw, err := os.ReadFile("../auth0/users.json")
	if err != nil {
		t.Fatal(err)
	}
	var users []struct {
		UserID        string `json:"user_id"`
		Connection    string `json:"connection"`
		Email         string `json:"email"`
		EmailVerified bool   `json:"email_verified"`
		Name          string `json:"name"`
		Picture       string `json:"picture"`
	}
	if err := json.Unmarshal(raw, &users); err != nil {
		t.Fatal(err)
	}
	for _, p := range demoPeople {
		for _, x := range p.identities {
			t.Run(p.key+" "+x.sub, func(t *testing.T) {
				for _, u := range users {
					if u.UserID != x.sub {
						continue
					}
					if u.Name != p.name || u.Email != p.email || u.Connection != x.connection || !u.EmailVerified || u.Picture != p.picture {
						t.Fatalf("users.json has %+v; the seed has %s %q %q %q", u, p.key, p.name, p.email, x.connection)
					}
					return
				}
				t.Fatalf("subject %s is not in dev/auth0/users.json", x.sub)
			})
		}
	}
}

func TestDemoContent(t *testing.T) {
	g := demoContent()
	follows := map[[2]string]bool{}
	for _, f := range g.follows {
		follows[[2]string{f.from, f.to}] = true
	}
	posts := map[string]demoPost{}
	for _, p := range g.posts {
		posts[p.id] = p
	}
	canSee := func(user, post string) bool {
		p := posts[post]
		return p.visibility == visPublic || p.author == user || p.visibility == visFollowers && follows[[2]string{user, p.author}]
	}
	keys := map[string]bool{}
	ids := map[string]bool{}
	for _, p := range demoPeople {
		keys[p.key], ids[p.id] = true, true
	}
	for _, e := range demoExtras {
		keys[e.key], ids[e.id] = true, true
	}

	tests := []struct {
		name  string
		check func() string // "" when fine, else what is wrong
	}{
		{"alice follows bob and carol, who follow her back, and bob and carol do not follow each other", func() string {
			for _, want := range [][2]string{{"alice", "bob"}, {"alice", "carol"}, {"bob", "alice"}, {"carol", "alice"}} {
				if !follows[want] {
					return "missing follow " + want[0] + " -> " + want[1]
				}
			}
			if follows[[2]string{"bob", "carol"}] || follows[[2]string{"carol", "bob"}] {
				return "bob and carol follow each other"
			}
			return ""
		}},
		{"nobody follows themself or anyone twice", func() string {
			if len(follows) != len(g.follows) {
				return "a follow is listed twice"
			}
			for f := range follows {
				if f[0] == f[1] {
					return f[0] + " follows themself"
				}
			}
			return ""
		}},
		{"every demo person has a public, a followers-only and a private post saying so", func() string {
			for _, p := range demoPeople {
				for _, vis := range []string{visPublic, visFollowers, visPrivate} {
					word := map[string]string{visPublic: "public", visFollowers: "followers-only", visPrivate: "private"}[vis]
					found := false
					for _, post := range g.posts {
						if post.author == p.key && post.visibility == vis && strings.Contains(post.title, word) && strings.Contains(post.body, word) {
							found = true
						}
					}
					if !found {
						return p.key + " has no " + word + " post that says so"
					}
				}
			}
			return ""
		}},
		{"every like and comment is by someone who can see the post, after it was written", func() string {
			for _, l := range g.likes {
				if !canSee(l.user, l.post) || !l.at.After(posts[l.post].at) {
					return l.user + " likes " + posts[l.post].title
				}
			}
			for _, c := range g.comments {
				if !canSee(c.author, c.post) || !c.at.After(posts[c.post].at) {
					return c.author + " comments on " + posts[c.post].title
				}
			}
			return ""
		}},
		{"nobody likes a post twice", func() string {
			seen := map[[2]string]bool{}
			for _, l := range g.likes {
				if seen[[2]string{l.user, l.post}] {
					return l.user + " likes " + posts[l.post].title + " twice"
				}
				seen[[2]string{l.user, l.post}] = true
			}
			return ""
		}},
		{"every user key is a demo person or an extra user", func() string {
			for _, f := range g.follows {
				if !keys[f.from] || !keys[f.to] {
					return "follow " + f.from + " -> " + f.to
				}
			}
			for _, p := range g.posts {
				if !keys[p.author] {
					return "author " + p.author
				}
			}
			for _, l := range g.likes {
				if !keys[l.user] {
					return "liker " + l.user
				}
			}
			for _, c := range g.comments {
				if !keys[c.author] {
					return "commenter " + c.author
				}
			}
			return ""
		}},
		{"ids are distinct UUIDs", func() string {
			all := []string{}
			for id := range ids {
				all = append(all, id)
			}
			for _, p := range g.posts {
				all = append(all, p.id)
			}
			for _, c := range g.comments {
				all = append(all, c.id)
			}
			seen := map[string]bool{}
			for _, id := range all {
				if _, err := uuid.Parse(id); err != nil || seen[id] {
					return "id " + id
				}
				seen[id] = true
			}
			return ""
		}},
		{"tags are valid tag names", func() string {
			for _, p := range g.posts {
				for _, tag := range p.tags {
					if !tagPattern.MatchString(tag) {
						return tag
					}
				}
			}
			return ""
		}},
		{"alice is recommended demo3 and demo2 first, as the server ranks them", func() string {
			got := recommend(g, "alice")
			if len(got) < 4 || got[0] != "demo3" || got[1] != "demo2" {
				return strings.Join(got, ",")
			}
			return ""
		}},
		{"bob and carol get recommendations too", func() string {
			if len(recommend(g, "bob")) == 0 || len(recommend(g, "carol")) == 0 {
				return "none"
			}
			return ""
		}},
		{"all timestamps lie before the fixed demo date", func() string {
			for _, p := range g.posts {
				if !p.at.Before(demoNow) {
					return p.title
				}
			}
			return ""
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if problem := tt.check(); problem != "" {
				t.Error(problem)
			}
		})
	}
}

// recommend mirrors the server's recommendedUsers: people followed by the
// ones viewer follows, not viewer and not yet followed, most mutual first.
// Ties go to the greater key here; the server takes the greater id, and the
// extra users' ids sort like their keys.
func recommend(g demoGraph, viewer string) []string {
	follows := map[string][]string{}
	for _, f := range g.follows {
		follows[f.from] = append(follows[f.from], f.to)
	}
	followed := map[string]bool{}
	for _, x := range follows[viewer] {
		followed[x] = true
	}
	mutual := map[string]int{}
	for _, x := range follows[viewer] {
		for _, y := range follows[x] {
			if y != viewer && !followed[y] {
				mutual[y]++
			}
		}
	}
	var out []string
	for k := range mutual {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if mutual[out[i]] != mutual[out[j]] {
			return mutual[out[i]] > mutual[out[j]]
		}
		return out[i] > out[j]
	})
	return out
}
