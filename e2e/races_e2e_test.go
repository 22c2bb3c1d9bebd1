package e2e

import (
	"fmt"
	"net/http"
	"os"
	"sync"
	"testing"

	"github.com/gqlneo/gqlneo/dev/auth0/tenant"
)

// raceRounds is how many times each race below is run. Each round fires its
// mutations at once through the real endpoint, so a good share of the rounds
// interleave inside Neo4j (the tests log how many).
const raceRounds = 50

// race runs fns at once, released together, and returns their answers in
// order.
func race(fns ...func() *gqlResponse) []*gqlResponse {
	out := make([]*gqlResponse, len(fns))
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	for i, fn := range fns {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			out[i] = fn()
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
	return out
}

// okOrNotFound fails the test unless r succeeded or answered NOT_FOUND, and
// says which.
func okOrNotFound(t *testing.T, what string, r *gqlResponse) (ok bool) {
	t.Helper()
	if r.Status == http.StatusOK && len(r.Errors) == 0 {
		return true
	}
	if r.Status != http.StatusOK || r.code() != "NOT_FOUND" {
		t.Errorf("%s answered %d %s, want ok or NOT_FOUND", what, r.Status, r.Raw)
	}
	return false
}

func TestAddCommentAndLikePostRacingDeletePostLeaveNoOrphanAndAnswerNotFound(t *testing.T) {
	s := startServer(t, nil)
	author := s.Tenant.AccessTokenFor(newUser(t, s.Tenant).UserID, nil)
	other := s.Tenant.AccessTokenFor(newUser(t, s.Tenant).UserID, nil)
	otherID := rawID(t, dig(s.gql(t, other, `{ me { id } }`, nil), "me", "id").(string))
	const (
		create  = `mutation { createPost(input: {title: "Doomed", body: "b"}) { id } }`
		comment = `mutation($p: ID!) { addComment(postId: $p, body: "first!") { id post { id } } }`
		like    = `mutation($p: ID!) { likePost(id: $p) { id likeCount } }`
		del     = `mutation($p: ID!) { deletePost(id: $p) }`
	)
	acked := map[string]int{}
	for round := range raceRounds {
		post := dig(s.gql(t, author, create, nil), "createPost", "id").(string)
		vars := map[string]any{"p": post}
		rs := race(
			func() *gqlResponse { return s.query(t, other, comment, vars) },
			func() *gqlResponse { return s.query(t, other, comment, vars) },
			func() *gqlResponse { return s.query(t, other, like, vars) },
			func() *gqlResponse { return s.query(t, author, del, vars) },
		)
		for i, what := range []string{"addComment", "addComment", "likePost"} {
			if okOrNotFound(t, fmt.Sprintf("round %d: %s", round, what), rs[i]) {
				acked[what]++
			}
		}
		if rs[3].Status != http.StatusOK || len(rs[3].Errors) > 0 {
			t.Errorf("round %d: deletePost answered %d %s", round, rs[3].Status, rs[3].Raw)
		}
		if t.Failed() {
			break
		}
	}
	t.Logf("of %d rounds: %d addComments and %d likePosts acknowledged before the delete", raceRounds, acked["addComment"], acked["likePost"])
	// Every post was deleted, so every comment and like of the other user
	// must be gone with it: a Comment left behind has lost its post.
	if n := cypherValue[int64](t, `MATCH (:User {id: $u})-[:WROTE]->(c:Comment) RETURN count(c) AS n`, map[string]any{"u": otherID}, "n"); n != 0 {
		orphans := cypherValue[int64](t, `MATCH (:User {id: $u})-[:WROTE]->(c:Comment) WHERE NOT EXISTS { (c)-[:ON]->(:Post) } RETURN count(c) AS n`, map[string]any{"u": otherID}, "n")
		t.Errorf("%d comments survive their deleted posts (%d without ON)", n, orphans)
	}
	if n := cypherValue[int64](t, `MATCH (:User {id: $u})-[:LIKES]->(x) RETURN count(x) AS n`, map[string]any{"u": otherID}, "n"); n != 0 {
		t.Errorf("%d likes survive their deleted posts", n)
	}
}

func TestCreatePostWithATagRacingTheDeletionOfTheTagsOnlyPostKeepsTheNewPost(t *testing.T) {
	s := startServer(t, nil)
	author := s.Tenant.AccessTokenFor(newUser(t, s.Tenant).UserID, nil)
	other := s.Tenant.AccessTokenFor(newUser(t, s.Tenant).UserID, nil)
	const (
		create = `mutation($tag: String!) { createPost(input: {title: "Tagged", body: "b", tags: [$tag]}) { id tags { name } } }`
		del    = `mutation($p: ID!) { deletePost(id: $p) }`
	)
	kept := 0
	for round := range raceRounds {
		tag := fmt.Sprintf("race%d-%d", os.Getpid(), userSeq.Add(1))
		first := dig(s.gql(t, author, create, map[string]any{"tag": tag}), "createPost", "id").(string)
		rs := race(
			func() *gqlResponse { return s.query(t, author, del, map[string]any{"p": first}) },
			func() *gqlResponse { return s.query(t, other, create, map[string]any{"tag": tag}) },
		)
		if rs[0].Status != http.StatusOK || len(rs[0].Errors) > 0 {
			t.Errorf("round %d: deletePost answered %d %s", round, rs[0].Status, rs[0].Raw)
		}
		acked := okOrNotFound(t, fmt.Sprintf("round %d: createPost", round), rs[1])
		links := cypherValue[int64](t, `OPTIONAL MATCH (p:Post)-[:TAGGED]->(:Tag {name: $tag}) RETURN count(p) AS n`, map[string]any{"tag": tag}, "n")
		tags := cypherValue[int64](t, `OPTIONAL MATCH (x:Tag {name: $tag}) RETURN count(x) AS n`, map[string]any{"tag": tag}, "n")
		if acked {
			kept++
			id := rawID(t, dig(rs[1].Data, "createPost", "id").(string))
			if n := cypherValue[int64](t, `OPTIONAL MATCH (p:Post {id: $id})-[:TAGGED]->(:Tag {name: $tag}) RETURN count(p) AS n`, map[string]any{"id": id, "tag": tag}, "n"); n != 1 || links != 1 {
				t.Errorf("round %d: the acknowledged post %s has %d links to its tag (the tag has %d posts), want 1", round, id, n, links)
			}
		} else if tags != 0 {
			t.Errorf("round %d: createPost failed but the tag of the deleted post is left with %d posts", round, links)
		}
		if t.Failed() {
			break
		}
	}
	t.Logf("%d of %d racing createPosts acknowledged", kept, raceRounds)
}

func TestFollowRacingAMergeOfItsTargetAnswersNotFoundOrFollowsTheSurvivor(t *testing.T) {
	s := startServer(t, nil)
	follower := s.Tenant.AccessTokenFor(newUser(t, s.Tenant).UserID, nil)
	followerID := rawID(t, dig(s.gql(t, follower, `{ me { id } }`, nil), "me", "id").(string))
	const follow = `mutation($u: ID!) { follow(userId: $u) { id } }`
	followed := 0
	for round := range raceRounds {
		u := newUser(t, s.Tenant)
		g := googleTwin(t, s, u, false)
		owner := s.mustMe(t, realmToken(t, s.Tenant, tenant.DatabaseConnection, u.Email))["id"].(string)
		loser := s.mustMe(t, realmToken(t, s.Tenant, tenant.GoogleConnection, g.Email))["id"].(string)
		if owner == loser {
			t.Fatal("linked while unverified")
		}
		if err := s.Tenant.SetEmailVerified(g.UserID, true); err != nil {
			t.Fatal(err)
		}
		merging := realmToken(t, s.Tenant, tenant.GoogleConnection, g.Email)
		rs := race(
			func() *gqlResponse { return s.query(t, follower, follow, map[string]any{"u": loser}) },
			func() *gqlResponse { return s.query(t, merging, `{ me { id } }`, nil) },
		)
		acked := okOrNotFound(t, fmt.Sprintf("round %d: follow", round), rs[0])
		if got := dig(rs[1].Data, "me", "id"); got != owner || len(rs[1].Errors) > 0 {
			t.Errorf("round %d: the merging request answered %s, want me.id %s", round, rs[1].Raw, owner)
		}
		if n := cypherValue[int64](t, `OPTIONAL MATCH (u:User {id: $id}) RETURN count(u) AS n`, map[string]any{"id": rawID(t, loser)}, "n"); n != 0 {
			t.Errorf("round %d: the merged-away User still exists", round)
		}
		follows := cypherValue[int64](t, `OPTIONAL MATCH (:User {id: $f})-[r:FOLLOWS]->(:User {id: $o}) RETURN count(r) AS n`,
			map[string]any{"f": followerID, "o": rawID(t, owner)}, "n")
		if acked {
			followed++
		}
		if want := map[bool]int64{true: 1, false: 0}[acked]; follows != want {
			t.Errorf("round %d: follow acknowledged %v, but the follower follows the survivor %d times", round, acked, follows)
		}
		if t.Failed() {
			break
		}
	}
	t.Logf("%d of %d racing follows acknowledged", followed, raceRounds)
}
