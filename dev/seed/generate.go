package main

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// genEnd is the fixed "now" of generated graphs: every timestamp falls in the
// year before it, so the same flags give the same graph on any day.
var genEnd = time.Date(2026, time.November, 1, 0, 0, 0, 0, time.UTC)

// genStart is one year before genEnd.
var genStart = genEnd.AddDate(-1, 0, 0)

// idNamespace is the UUID namespace of every id the seeder derives (UUID v5,
// SHA-1). Tests elsewhere can compute a generated id the same way.
var idNamespace = uuid.MustParse("5eed0000-6a1e-4e0a-9d1d-00000000c0de")

// Visibility values of a Post.
const (
	visPublic    = "PUBLIC"
	visFollowers = "FOLLOWERS"
	visPrivate   = "PRIVATE"
)

// The shape of the distributions. P(rank k) ∝ (v+k)^-s: with s = 1.1 and
// v = 10 the busiest of 10,000 users writes about 2% of all posts, while the
// v keeps the head from swallowing everything. Tags use v = 1, so a few tags
// dominate as they do on real sites.
const (
	zipfS       = 1.1
	zipfV       = 10
	zipfTagV    = 1
	maxRetries  = 8  // failed draws of one item before falling back to a uniform draw
	attemptsPer = 50 // give up after attemptsPer × wanted draws in total
)

// Independent random streams, one per section, so that changing -likes does
// not change the users, posts or follows.
const (
	streamUsers uint64 = iota + 1
	streamPosts
	streamFollows
	streamLikes
	streamComments
)

// prefixPattern keeps `<prefix>-tag-<n>` a valid tag name
// (^[a-z0-9][a-z0-9-]{0,29}$) for up to 99,999 tags.
var prefixPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,15}$`)

// genConfig says how large the generated graph is and which seed drives it.
type genConfig struct {
	Prefix   string
	Seed     uint64
	Users    int
	Posts    int
	Follows  int
	Likes    int
	Comments int
	Tags     int
}

// defaultGenConfig is what `generate` uses without flags.
func defaultGenConfig() genConfig {
	return genConfig{Prefix: "gen", Seed: 1, Users: 10000, Posts: 100000, Follows: 200000, Likes: 200000, Comments: 50000, Tags: 200}
}

// validate reports the first impossible or unsafe setting.
func (c genConfig) validate() error {
	if !prefixPattern.MatchString(c.Prefix) {
		return fmt.Errorf("-prefix %q: use 1-16 characters a-z, 0-9 and '-', starting with a letter or digit (it becomes part of tag names)", c.Prefix)
	}
	for _, n := range []struct {
		name string
		v    int
	}{{"users", c.Users}, {"posts", c.Posts}, {"follows", c.Follows}, {"likes", c.Likes}, {"comments", c.Comments}, {"tags", c.Tags}} {
		if n.v < 0 {
			return fmt.Errorf("-%s %d: must not be negative", n.name, n.v)
		}
	}
	switch {
	case c.Users > 10_000_000:
		return fmt.Errorf("-users %d: at most 10,000,000", c.Users)
	case c.Tags > 99999:
		return fmt.Errorf("-tags %d: at most 99,999 (tag names must stay within 30 characters)", c.Tags)
	case c.Posts > 0 && c.Users == 0:
		return errors.New("-posts needs at least one user")
	case uint64(c.Follows) > uint64(c.Users)*uint64(max(c.Users-1, 0))/2:
		return fmt.Errorf("-follows %d: at most users×(users-1)/2 = %d, so follows stay sparse enough to draw", c.Follows, uint64(c.Users)*uint64(max(c.Users-1, 0))/2)
	case (c.Likes > 0 || c.Comments > 0) && (c.Posts == 0 || c.Users < 2):
		return errors.New("-likes and -comments need posts and at least two users")
	case uint64(c.Likes) > uint64(c.Posts)*uint64(c.Users-1)/4:
		return fmt.Errorf("-likes %d: at most posts×(users-1)/4 = %d (likes are unique per user and post)", c.Likes, uint64(c.Posts)*uint64(c.Users-1)/4)
	}
	return nil
}

// genUser is one generated User with its Identity. Times are Unix
// milliseconds, which keeps the rows small; the loader converts them.
type genUser struct {
	ID, Sub, Name, Email, Bio string
	CreatedAt                 int64
}

// genPost is one generated Post; Author indexes graph.Users and Tags
// indexes graph.Tags.
type genPost struct {
	ID, Title, Body, Visibility string
	Author                      int
	Tags                        []int
	CreatedAt                   int64
}

// genEdge is a FOLLOWS (From, To index Users) or a LIKES (From indexes Users,
// To indexes Posts).
type genEdge struct {
	From, To  int
	CreatedAt int64
}

// genComment is one generated Comment; Author indexes Users, Post Posts.
type genComment struct {
	ID, Body     string
	Author, Post int
	CreatedAt    int64
}

// graph is everything generate loads, in load order.
type graph struct {
	Users    []genUser
	Tags     []string
	Posts    []genPost
	Follows  []genEdge
	Likes    []genEdge
	Comments []genComment
}

// generatedID is the id of the n-th generated object of a kind ("user",
// "post", "comment") under prefix: a UUID v5, so ids look like the server's
// and never collide across prefixes.
func generatedID(prefix, kind string, n int) string {
	return uuid.NewSHA1(idNamespace, []byte(prefix+"/"+kind+"/"+strconv.Itoa(n))).String()
}

// generatedSub is the Identity subject of the n-th generated user (1-based).
func generatedSub(prefix string, n int) string { return prefix + "|" + strconv.Itoa(n) }

// generatedTag is the name of the n-th generated tag (1-based); tag 1 is the
// most used.
func generatedTag(prefix string, n int) string { return prefix + "-tag-" + strconv.Itoa(n) }

// generate builds the graph c describes. It is a pure function of c: the
// same configuration always gives the same graph.
func generate(c genConfig) (graph, error) {
	if err := c.validate(); err != nil {
		return graph{}, err
	}
	var g graph
	g.Users = genUsers(c)
	for n := 1; n <= c.Tags; n++ {
		g.Tags = append(g.Tags, generatedTag(c.Prefix, n))
	}
	g.Posts = genPosts(c, g.Users)
	var err error
	if g.Follows, err = genFollows(c, g.Users); err != nil {
		return graph{}, err
	}
	followers := make([][]int32, len(g.Users))
	for _, f := range g.Follows {
		followers[f.To] = append(followers[f.To], int32(f.From))
	}
	viewers := postViewers{users: g.Users, posts: g.Posts, followers: followers}
	if g.Likes, err = genLikes(c, viewers); err != nil {
		return graph{}, err
	}
	if g.Comments, err = genComments(c, viewers); err != nil {
		return graph{}, err
	}
	return g, nil
}

func newRand(seed, stream uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, stream)) }

// zipfPicker draws indexes in [0, n) with Zipf-distributed popularity; which
// index is popular is a seeded permutation, so popularity does not follow
// the numbering.
type zipfPicker struct {
	z    *rand.Zipf
	perm []int
}

func newZipfPicker(rng *rand.Rand, n int, v float64) zipfPicker {
	return zipfPicker{z: rand.NewZipf(rng, zipfS, v, uint64(n-1)), perm: rng.Perm(n)}
}

func (p zipfPicker) pick() int { return p.perm[p.z.Uint64()] }

// between draws a time in [lo, hi); lo when the range is empty.
func between(rng *rand.Rand, lo, hi int64) int64 {
	if hi <= lo {
		return lo
	}
	return lo + rng.Int64N(hi-lo)
}

// pairKey is a set key for the pair (a, b) where 0 <= b < n.
func pairKey(a, b, n int) uint64 { return uint64(a)*uint64(n) + uint64(b) }

func genUsers(c genConfig) []genUser {
	rng := newRand(c.Seed, streamUsers)
	start := genStart.UnixMilli()
	// Users join during the first ten months, so everyone has time to post.
	joinEnd := genStart.AddDate(0, 10, 0).UnixMilli()
	users := make([]genUser, c.Users)
	for i := range users {
		n := i + 1
		first, last := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
		u := genUser{
			ID:        generatedID(c.Prefix, "user", n),
			Sub:       generatedSub(c.Prefix, n),
			Name:      first + " " + last,
			Email:     fmt.Sprintf("%s-%d@%s.example.com", strings.ToLower(first), n, c.Prefix),
			CreatedAt: between(rng, start, joinEnd),
		}
		if rng.IntN(2) == 0 {
			u.Bio = fmt.Sprintf("%s writes about %s and %s.", first, words[rng.IntN(len(words))], words[rng.IntN(len(words))])
		}
		users[i] = u
	}
	return users
}

// tagsPerPost is the distribution of the number of tags on a post (0–3),
// in percent.
var tagsPerPost = [4]int{20, 40, 25, 15}

func genPosts(c genConfig, users []genUser) []genPost {
	if c.Posts == 0 {
		return nil
	}
	rng := newRand(c.Seed, streamPosts)
	authors := newZipfPicker(rng, len(users), zipfV)
	var tags zipfPicker
	if c.Tags > 0 {
		tags = newZipfPicker(rng, c.Tags, zipfTagV)
		// Tag 1 is the most used: popularity follows the numbering.
		for i := range tags.perm {
			tags.perm[i] = i
		}
	}
	end := genEnd.UnixMilli()
	posts := make([]genPost, c.Posts)
	for i := range posts {
		author := authors.pick()
		p := genPost{
			ID:         generatedID(c.Prefix, "post", i+1),
			Author:     author,
			Title:      sentence(rng, 3, 7),
			Body:       sentence(rng, 12, 60),
			Visibility: pickVisibility(rng),
			CreatedAt:  between(rng, users[author].CreatedAt, end),
		}
		want := pickTagCount(rng)
		for len(p.Tags) < min(want, c.Tags) {
			t := tags.pick()
			if !containsInt(p.Tags, t) {
				p.Tags = append(p.Tags, t)
			}
		}
		posts[i] = p
	}
	return posts
}

// pickVisibility draws 70% PUBLIC, 20% FOLLOWERS, 10% PRIVATE.
func pickVisibility(rng *rand.Rand) string {
	switch r := rng.IntN(100); {
	case r < 70:
		return visPublic
	case r < 90:
		return visFollowers
	default:
		return visPrivate
	}
}

func pickTagCount(rng *rand.Rand) int {
	r := rng.IntN(100)
	for n, pct := range tagsPerPost {
		if r < pct {
			return n
		}
		r -= pct
	}
	return len(tagsPerPost) - 1
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// genFollows draws follows whose targets are Zipf-distributed (a few users
// have thousands of followers, most have a handful) from uniformly drawn
// followers. A pair that is a self-follow or a duplicate is redrawn; after
// maxRetries popular targets in a row the target is drawn uniformly, so a
// saturated celebrity cannot stall the loop.
func genFollows(c genConfig, users []genUser) ([]genEdge, error) {
	if c.Follows == 0 {
		return nil, nil
	}
	rng := newRand(c.Seed, streamFollows)
	n := len(users)
	targets := newZipfPicker(rng, n, zipfV)
	end := genEnd.UnixMilli()
	seen := make(map[uint64]struct{}, c.Follows)
	out := make([]genEdge, 0, c.Follows)
	for attempts := 0; len(out) < c.Follows; {
		from := rng.IntN(n)
		for try := 0; ; try++ {
			if attempts++; attempts > attemptsPer*c.Follows {
				return nil, fmt.Errorf("generate: could not draw %d distinct follows among %d users", c.Follows, n)
			}
			to := targets.pick()
			if try >= maxRetries {
				to = rng.IntN(n)
			}
			if to == from {
				continue
			}
			k := pairKey(from, to, n)
			if _, dup := seen[k]; dup {
				if try >= 2*maxRetries {
					break // this user may follow nearly everyone: draw another
				}
				continue
			}
			seen[k] = struct{}{}
			out = append(out, genEdge{From: from, To: to,
				CreatedAt: between(rng, max(users[from].CreatedAt, users[to].CreatedAt), end)})
			break
		}
	}
	return out, nil
}

// postViewers answers "who may see this post" the way the server's
// visibility rule does: PUBLIC for everyone, FOLLOWERS for the author's
// followers, PRIVATE for the author only. Likes and comments are drawn only
// from people who can see the post, so the generated graph is one the API
// could have produced.
type postViewers struct {
	users     []genUser
	posts     []genPost
	followers [][]int32
}

// reactable are the indexes of posts someone other than the author can see.
func (v postViewers) reactable() []int {
	var out []int
	for i, p := range v.posts {
		if p.Visibility != visPrivate {
			out = append(out, i)
		}
	}
	return out
}

// viewer draws someone other than the author who can see post p, or -1.
func (v postViewers) viewer(rng *rand.Rand, p int) int {
	post := v.posts[p]
	switch post.Visibility {
	case visPublic:
		u := rng.IntN(len(v.users) - 1)
		if u >= post.Author {
			u++ // skip the author without a redraw
		}
		return u
	case visFollowers:
		fl := v.followers[post.Author]
		if len(fl) == 0 {
			return -1
		}
		return int(fl[rng.IntN(len(fl))])
	}
	return -1
}

// reaction draws a (user, post) pair where the user can see the post and
// accept agrees; popular posts are Zipf-distributed.
func (v postViewers) reaction(rng *rand.Rand, candidates []int, popular zipfPicker, budget *int, accept func(u, p int) bool) (int, int, bool) {
	for try := 0; *budget > 0; try++ {
		*budget--
		p := candidates[popular.pick()]
		if try >= maxRetries {
			p = candidates[rng.IntN(len(candidates))]
		}
		if u := v.viewer(rng, p); u >= 0 && accept(u, p) {
			return u, p, true
		}
	}
	return 0, 0, false
}

func genLikes(c genConfig, v postViewers) ([]genEdge, error) {
	if c.Likes == 0 {
		return nil, nil
	}
	rng := newRand(c.Seed, streamLikes)
	candidates := v.reactable()
	if len(candidates) == 0 {
		return nil, errors.New("generate: every post is private, nothing to like")
	}
	popular := newZipfPicker(rng, len(candidates), zipfV)
	end := genEnd.UnixMilli()
	seen := make(map[uint64]struct{}, c.Likes)
	budget := attemptsPer * c.Likes
	out := make([]genEdge, 0, c.Likes)
	for len(out) < c.Likes {
		u, p, ok := v.reaction(rng, candidates, popular, &budget, func(u, p int) bool {
			_, dup := seen[pairKey(p, u, len(v.users))]
			return !dup
		})
		if !ok {
			return nil, fmt.Errorf("generate: could only draw %d of %d distinct likes of visible posts; use fewer -likes or more -users/-posts", len(out), c.Likes)
		}
		seen[pairKey(p, u, len(v.users))] = struct{}{}
		out = append(out, genEdge{From: u, To: p, CreatedAt: between(rng, max(v.posts[p].CreatedAt, v.users[u].CreatedAt), end)})
	}
	return out, nil
}

func genComments(c genConfig, v postViewers) ([]genComment, error) {
	if c.Comments == 0 {
		return nil, nil
	}
	rng := newRand(c.Seed, streamComments)
	candidates := v.reactable()
	if len(candidates) == 0 {
		return nil, errors.New("generate: every post is private, nothing to comment on")
	}
	popular := newZipfPicker(rng, len(candidates), zipfV)
	end := genEnd.UnixMilli()
	budget := attemptsPer * c.Comments
	out := make([]genComment, 0, c.Comments)
	for len(out) < c.Comments {
		u, p, ok := v.reaction(rng, candidates, popular, &budget, func(int, int) bool { return true })
		if !ok {
			return nil, fmt.Errorf("generate: could only draw %d of %d comments on visible posts", len(out), c.Comments)
		}
		out = append(out, genComment{
			ID:        generatedID(c.Prefix, "comment", len(out)+1),
			Body:      sentence(rng, 4, 30),
			Author:    u,
			Post:      p,
			CreatedAt: between(rng, max(v.posts[p].CreatedAt, v.users[u].CreatedAt), end),
		})
	}
	return out, nil
}

// sentence is between lo and hi words of filler text, capitalised, with a
// full stop.
func sentence(rng *rand.Rand, lo, hi int) string {
	n := lo + rng.IntN(hi-lo+1)
	var b strings.Builder
	for i := range n {
		w := words[rng.IntN(len(words))]
		if i == 0 {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
			continue
		}
		b.WriteByte(' ')
		b.WriteString(w)
	}
	b.WriteByte('.')
	return b.String()
}

var firstNames = []string{
	"Ada", "Alan", "Barbara", "Brian", "Claude", "Dennis", "Donald", "Edsger", "Frances", "Grace",
	"Hedy", "Ivan", "Jean", "John", "Ken", "Leslie", "Linus", "Margaret", "Niklaus", "Radia",
	"Rob", "Ruth", "Shafi", "Sophie", "Tim", "Tony", "Ursula", "Vint", "Whitfield", "Yukihiro",
}

var lastNames = []string{
	"Allen", "Backus", "Cerf", "Dijkstra", "Engelbart", "Floyd", "Goldwasser", "Hamilton", "Hopper", "Iverson",
	"Johnson", "Kernighan", "Knuth", "Lamport", "Liskov", "Lovelace", "McCarthy", "Naur", "Perlman", "Pike",
	"Ritchie", "Sammet", "Shannon", "Thompson", "Torvalds", "Turing", "Wilson", "Wirth", "Yao", "Zuse",
}

var words = []string{
	"graph", "query", "node", "edge", "index", "cache", "latency", "schema", "cursor", "page",
	"token", "claim", "issuer", "audience", "scope", "follow", "feed", "post", "comment", "like",
	"tag", "search", "driver", "session", "transaction", "retry", "batch", "plan", "constraint", "label",
	"cypher", "resolver", "directive", "field", "fragment", "variable", "mutation", "subscription", "server", "client",
	"coffee", "morning", "weekend", "garden", "bicycle", "river", "mountain", "library", "concert", "recipe",
	"today", "really", "quite", "always", "never", "finally", "again", "together", "quickly", "slowly",
}

// graphStats is the shape of a generated graph, printed by generate and
// checked by the tests.
type graphStats struct {
	maxPosts        int
	maxPostsSub     string
	meanPosts       float64
	noPosts         int
	maxFollowers    int
	maxFollowersSub string
	meanFollowers   float64
	maxFollowing    int
	visibility      map[string]float64 // percent of posts
}

func describe(g graph) graphStats {
	st := graphStats{visibility: map[string]float64{}}
	n := len(g.Users)
	if n == 0 {
		return st
	}
	posts := make([]int, n)
	for _, p := range g.Posts {
		posts[p.Author]++
		st.visibility[p.Visibility]++
	}
	for v := range st.visibility {
		st.visibility[v] *= 100 / float64(len(g.Posts))
	}
	followers, following := make([]int, n), make([]int, n)
	for _, f := range g.Follows {
		followers[f.To]++
		following[f.From]++
	}
	for i := range n {
		if posts[i] > st.maxPosts {
			st.maxPosts, st.maxPostsSub = posts[i], g.Users[i].Sub
		}
		if posts[i] == 0 {
			st.noPosts++
		}
		if followers[i] > st.maxFollowers {
			st.maxFollowers, st.maxFollowersSub = followers[i], g.Users[i].Sub
		}
		st.maxFollowing = max(st.maxFollowing, following[i])
	}
	st.meanPosts = float64(len(g.Posts)) / float64(n)
	st.meanFollowers = float64(len(g.Follows)) / float64(n)
	return st
}
