package neo4jrepo

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/gqlneo/gqlneo/domain"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// uniqueEmail gives each test its own address, so tests sharing the
// database never link to each other's Users.
func uniqueEmail(tb testing.TB) string {
	tb.Helper()
	return uniqueSubject(tb)[5:] + "@example.com"
}

func mustSync(tb testing.TB, db *DB, p domain.Profile) domain.User {
	tb.Helper()
	u, err := db.SyncIdentity(context.Background(), p, SyncSeen)
	if err != nil {
		tb.Fatalf("sync %s: %v", p.Subject, err)
	}
	return u
}

func TestAVerifiedEmailLinksANewIdentityToTheUserOwningIt(t *testing.T) {
	db, _ := mustDB(t)
	email := uniqueEmail(t)
	first := mustSync(t, db, domain.Profile{Subject: "auth0|" + email, Email: email, EmailVerified: true, Connection: "Username-Password-Authentication"})
	second := mustSync(t, db, domain.Profile{Subject: "google-oauth2|" + email, Email: email, EmailVerified: true, Connection: "google-oauth2"})
	if first.ID != second.ID {
		t.Fatalf("two Users (%s, %s) for one verified email", first.ID, second.ID)
	}
	if len(second.Identities) != 2 || second.Identities[0].Provider != "auth0" || second.Identities[1].Provider != "google-oauth2" {
		t.Errorf("identities = %+v", second.Identities)
	}
}

func TestAnUnverifiedEmailNeverLinks(t *testing.T) {
	db, _ := mustDB(t)
	email := uniqueEmail(t)
	owner := mustSync(t, db, domain.Profile{Subject: "auth0|" + email, Email: email, EmailVerified: true})
	attacker := mustSync(t, db, domain.Profile{Subject: "google-oauth2|" + email, Email: email, EmailVerified: false})
	if owner.ID == attacker.ID {
		t.Fatal("an unverified email joined the verified owner's User")
	}
	// Nor does an unverified first identity claim the address for later.
	email2 := uniqueEmail(t)
	squatter := mustSync(t, db, domain.Profile{Subject: "auth0|sq-" + email2, Email: email2, EmailVerified: false})
	real := mustSync(t, db, domain.Profile{Subject: "google-oauth2|" + email2, Email: email2, EmailVerified: true})
	if squatter.ID == real.ID {
		t.Fatal("a verified identity joined a User known only by an unverified email")
	}
}

// run executes a statement for a test fixture.
func run(tb testing.TB, db *DB, cypher string, params map[string]any) {
	tb.Helper()
	if _, err := neo4j.ExecuteQuery(context.Background(), db.driver, cypher, params, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(db.database)); err != nil {
		tb.Fatalf("%s: %v", cypher, err)
	}
}

// relCounts counts the relationships around user id by type and direction.
func relCounts(tb testing.TB, db *DB, id string) map[string]int64 {
	tb.Helper()
	res, err := neo4j.ExecuteQuery(context.Background(), db.driver, `
MATCH (u:User {id: $id})
RETURN COUNT { (u)-[:FOLLOWS]->() } AS followsOut, COUNT { ()-[:FOLLOWS]->(u) } AS followsIn,
       COUNT { (u)-[:AUTHORED]->() } AS authored, COUNT { (u)-[:LIKES]->() } AS likes,
       COUNT { (u)-[:WROTE]->() } AS wrote, COUNT { (u)-[:HAS_IDENTITY]->() } AS identities`,
		map[string]any{"id": id}, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(db.database))
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]int64{}
	if len(res.Records) == 0 {
		return out
	}
	for _, k := range res.Keys {
		v, _ := res.Records[0].Get(k)
		out[k] = v.(int64)
	}
	return out
}

func TestMergingUsersMovesEveryRelationshipAndCollapsesDuplicates(t *testing.T) {
	db, _ := mustDB(t)
	ctx := context.Background()
	email := uniqueEmail(t)
	owner := mustSync(t, db, domain.Profile{Subject: "auth0|" + email, Email: email, EmailVerified: true})
	// The second identity arrives with its email unverified: its own User.
	dupSub := "google-oauth2|" + email
	dup := mustSync(t, db, domain.Profile{Subject: dupSub, Email: email, EmailVerified: false})
	if dup.ID == owner.ID {
		t.Fatal("linked while unverified")
	}
	tag := uniqueSubject(t)[5:]
	// Shared neighbours create duplicates that must collapse; each User also
	// has relationships of its own.
	run(t, db, `
MATCH (o:User {id: $owner}), (d:User {id: $dup})
CREATE (a:User {id: $tag + '-a', createdAt: datetime()}), (b:User {id: $tag + '-b', createdAt: datetime()}), (c:User {id: $tag + '-c', createdAt: datetime()})
CREATE (p1:Post {id: $tag + '-p1'}), (p2:Post {id: $tag + '-p2'}), (p3:Post {id: $tag + '-p3'})
CREATE (cm1:Comment {id: $tag + '-c1'}), (cm2:Comment {id: $tag + '-c2'})
CREATE (o)-[:FOLLOWS]->(a), (d)-[:FOLLOWS]->(a), (d)-[:FOLLOWS]->(b),
       (c)-[:FOLLOWS]->(o), (c)-[:FOLLOWS]->(d), (a)-[:FOLLOWS]->(d),
       (o)-[:FOLLOWS]->(d), (d)-[:FOLLOWS]->(o),
       (o)-[:AUTHORED]->(p1), (d)-[:AUTHORED]->(p2),
       (o)-[:LIKES]->(p3), (d)-[:LIKES]->(p3), (d)-[:LIKES]->(p1),
       (o)-[:WROTE]->(cm1), (d)-[:WROTE]->(cm2)`,
		map[string]any{"owner": owner.ID, "dup": dup.ID, "tag": tag})

	before := map[string]map[string]int64{"owner": relCounts(t, db, owner.ID), "dup": relCounts(t, db, dup.ID)}
	// The duplicate's email becomes verified: at its next request the Users merge.
	merged, err := db.SyncIdentity(ctx, domain.Profile{Subject: dupSub, Email: email, EmailVerified: true}, SyncSeen)
	if err != nil {
		t.Fatal(err)
	}
	if merged.ID != owner.ID {
		t.Fatalf("merged into %s, want the verified owner %s", merged.ID, owner.ID)
	}
	after := relCounts(t, db, owner.ID)
	want := map[string]int64{
		// owner→a, dup→a collapse; dup→b moves; owner↔dup disappear.
		"followsOut": 2,
		// c→owner, c→dup collapse; a→dup moves.
		"followsIn":  2,
		"authored":   before["owner"]["authored"] + before["dup"]["authored"],
		"likes":      2, // p3 twice collapses; p1 moves
		"wrote":      before["owner"]["wrote"] + before["dup"]["wrote"],
		"identities": 2,
	}
	for k, v := range want {
		if after[k] != v {
			t.Errorf("%s = %d after the merge, want %d (before: owner %v, dup %v)", k, after[k], v, before["owner"], before["dup"])
		}
	}
	if n := count(t, db, "MATCH (u:User {id: $id}) RETURN count(u) AS n", map[string]any{"id": dup.ID}); n != 0 {
		t.Errorf("the merged-away User still exists")
	}

	// Running it again changes nothing.
	again, err := db.SyncIdentity(ctx, domain.Profile{Subject: dupSub, Email: email, EmailVerified: true}, SyncSeen)
	if err != nil || again.ID != owner.ID {
		t.Fatalf("second run: %v %v", again.ID, err)
	}
	if second := relCounts(t, db, owner.ID); fmt.Sprint(second) != fmt.Sprint(after) {
		t.Errorf("the second run changed the graph: %v then %v", after, second)
	}
}

func TestConcurrentMergesOfOnePairAllSucceedWithOneSurvivor(t *testing.T) {
	db, _ := mustDB(t)
	email := uniqueEmail(t)
	owner := mustSync(t, db, domain.Profile{Subject: "auth0|" + email, Email: email, EmailVerified: true})
	dupSub := "google-oauth2|" + email
	mustSync(t, db, domain.Profile{Subject: dupSub, Email: email, EmailVerified: false})
	const n = 10
	var wg sync.WaitGroup
	ids := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			u, err := db.SyncIdentity(context.Background(), domain.Profile{Subject: dupSub, Email: email, EmailVerified: true}, SyncSeen)
			ids[i], errs[i] = u.ID, err
		}(i)
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || ids[i] != owner.ID {
			t.Fatalf("request %d: user %s err %v (want %s)", i, ids[i], errs[i], owner.ID)
		}
	}
	if got := count(t, db, "MATCH (u:User)-[:HAS_IDENTITY]->(i:Identity) WHERE i.sub IN $subs RETURN count(DISTINCT u) AS n",
		map[string]any{"subs": []string{"auth0|" + email, dupSub}}); got != 1 {
		t.Errorf("%d Users hold the two identities, want 1", got)
	}
}

// syncVerifiedConcurrently syncs every subject at once, each with email verified.
func syncVerifiedConcurrently(t *testing.T, db *DB, subs []string, email string) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, len(subs))
	for i, sub := range subs {
		wg.Add(1)
		go func(i int, sub string) {
			defer wg.Done()
			_, errs[i] = db.SyncIdentity(context.Background(), domain.Profile{Subject: sub, Email: email, EmailVerified: true}, SyncSeen)
		}(i, sub)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("%s: %v", subs[i], err)
		}
	}
}

func TestConcurrentFirstIdentitiesWithOneVerifiedEmailEndInOneUser(t *testing.T) {
	db, _ := mustDB(t)
	email := uniqueEmail(t)
	subs := []string{"auth0|" + email, "google-oauth2|" + email, "github|" + email}
	syncVerifiedConcurrently(t, db, subs, email)
	if got := count(t, db, "MATCH (u:User)-[:HAS_IDENTITY]->(i:Identity) WHERE i.sub IN $subs RETURN count(DISTINCT u) AS n", map[string]any{"subs": subs}); got != 1 {
		t.Errorf("%d Users, want 1", got)
	}
	if users, nodes := owners(t, db, email); users != 1 || nodes != 1 {
		t.Errorf("%d Users own the address through %d nodes, want 1 and 1", users, nodes)
	}
}

func TestARegistrationEventTwiceChangesNothing(t *testing.T) {
	db, _ := mustDB(t)
	ctx := context.Background()
	email := uniqueEmail(t)
	p := domain.Profile{Subject: "auth0|reg-" + email, Email: email, Name: "Reg", Connection: "Username-Password-Authentication"}
	first, err := db.SyncIdentity(ctx, p, SyncRegistered)
	if err != nil {
		t.Fatal(err)
	}
	second, err := db.SyncIdentity(ctx, p, SyncRegistered)
	if err != nil {
		t.Fatal(err)
	}
	if first.ID != second.ID || fmt.Sprint(first.Identities) != fmt.Sprint(second.Identities) {
		t.Errorf("the second event changed the User: %+v then %+v", first, second)
	}
}

func TestAnEmailNoIdentityVouchesForIsReleased(t *testing.T) {
	db, _ := mustDB(t)
	email := uniqueEmail(t)
	alice := mustSync(t, db, domain.Profile{Subject: "auth0|rel-" + email, Email: email, EmailVerified: true})
	// Alice's only identity moves to an unverified address: she no longer
	// owns the old one, so its next verified holder is someone else.
	mustSync(t, db, domain.Profile{Subject: "auth0|rel-" + email, Email: "new-" + email, EmailVerified: false})
	other := mustSync(t, db, domain.Profile{Subject: "google-oauth2|rel-" + email, Email: email, EmailVerified: true})
	if other.ID == alice.ID {
		t.Fatal("a released address still linked a stranger into the old owner's User")
	}
}

func TestAUsersOwnNameAndPictureSurviveTheNextSignIn(t *testing.T) {
	db, _ := mustDB(t)
	ctx := context.Background()
	email := uniqueEmail(t)
	sub := "auth0|edit-" + email
	p := domain.Profile{Subject: sub, Email: email, EmailVerified: true, Name: "Provider Name", Picture: "https://provider.example.com/p.png"}
	u := mustSync(t, db, p)
	name, picture := "My Own Name", "https://example.com/mine.png"
	if _, err := db.UpdateProfile(ctx, domain.Viewer{Subject: sub}, domain.ProfileUpdate{Name: &name, Picture: &picture}, nil); err != nil {
		t.Fatal(err)
	}
	again := mustSync(t, db, p)
	if again.ID != u.ID || again.Name != name || again.Picture != picture {
		t.Errorf("after the next sign-in name %q picture %q, want the user's own %q %q", again.Name, again.Picture, name, picture)
	}
	if n := count(t, db, "MATCH (u:User {id: $id}) WHERE u.nameLower = toLower(u.name) RETURN count(u) AS n", map[string]any{"id": u.ID}); n != 1 {
		t.Error("nameLower does not follow name")
	}

	// A field the user never set is still filled and refreshed by the provider.
	other := uniqueEmail(t)
	osub := "auth0|edit-" + other
	mustSync(t, db, domain.Profile{Subject: osub, Email: other, EmailVerified: true, Name: "Old"})
	bio := "bio only"
	if _, err := db.UpdateProfile(ctx, domain.Viewer{Subject: osub}, domain.ProfileUpdate{Bio: &bio}, nil); err != nil {
		t.Fatal(err)
	}
	fresh := mustSync(t, db, domain.Profile{Subject: osub, Email: other, EmailVerified: true, Name: "New", Picture: "https://provider.example.com/n.png"})
	if fresh.Name != "New" || fresh.Picture != "https://provider.example.com/n.png" {
		t.Errorf("provider values did not fill unedited fields: %+v", fresh)
	}
}

func TestAMergeKeepsTheLosersOwnEditOverTheSurvivorsProviderName(t *testing.T) {
	db, _ := mustDB(t)
	ctx := context.Background()
	email := uniqueEmail(t)
	owner := mustSync(t, db, domain.Profile{Subject: "auth0|" + email, Email: email, EmailVerified: true, Name: "Provider Name"})
	dupSub := "google-oauth2|" + email
	mustSync(t, db, domain.Profile{Subject: dupSub, Email: email, EmailVerified: false, Name: "Google Name"})
	name := "Chosen Name"
	if _, err := db.UpdateProfile(ctx, domain.Viewer{Subject: dupSub}, domain.ProfileUpdate{Name: &name}, nil); err != nil {
		t.Fatal(err)
	}
	merged := mustSync(t, db, domain.Profile{Subject: dupSub, Email: email, EmailVerified: true, Name: "Google Name"})
	if merged.ID != owner.ID || merged.Name != name {
		t.Fatalf("merged into %s named %q, want %s named %q", merged.ID, merged.Name, owner.ID, name)
	}
	if again := mustSync(t, db, domain.Profile{Subject: "auth0|" + email, Email: email, EmailVerified: true, Name: "Provider Name"}); again.Name != name {
		t.Errorf("the survivor's next sign-in overwrote the user's name with %q", again.Name)
	}
	if n := count(t, db, "MATCH (u:User {id: $id}) WHERE u.nameLower = toLower($name) RETURN count(u) AS n", map[string]any{"id": owner.ID, "name": name}); n != 1 {
		t.Error("nameLower does not follow the merged name")
	}
}

// owners counts the Users owning the verified address and the VerifiedEmail
// nodes holding it.
func owners(tb testing.TB, db *DB, address string) (users, nodes int64) {
	tb.Helper()
	params := map[string]any{"a": address}
	users = count(tb, db, "MATCH (u:User)-[:"+relHasEmail+"]->(:"+labelVerifiedEmail+" {address: $a}) RETURN count(DISTINCT u) AS n", params)
	nodes = count(tb, db, "MATCH (e:"+labelVerifiedEmail+" {address: $a}) RETURN count(e) AS n", params)
	return users, nodes
}

func TestAVerifiedEmailWithSurroundingSpacesKeepsItsOwner(t *testing.T) {
	db, _ := mustDB(t)
	email := uniqueEmail(t)
	alice := mustSync(t, db, domain.Profile{Subject: "auth0|sp-" + email, Email: email, EmailVerified: true})
	// The same identity, the same address, spelled with spaces and capitals.
	padded := "  " + strings.ToUpper(email) + " "
	mustSync(t, db, domain.Profile{Subject: "auth0|sp-" + email, Email: padded, EmailVerified: true})
	if users, nodes := owners(t, db, email); users != 1 || nodes != 1 {
		t.Fatalf("%d owners, %d nodes of the address after a padded sync, want 1 and 1", users, nodes)
	}
	// A padded first identity links as well.
	google := mustSync(t, db, domain.Profile{Subject: "google-oauth2|sp-" + email, Email: padded, EmailVerified: true})
	if google.ID != alice.ID {
		t.Fatalf("the next identity of the address is User %s, want %s", google.ID, alice.ID)
	}
	if n := count(t, db, "MATCH (i:Identity) WHERE i.sub IN $subs AND i.verifiedEmail = $a RETURN count(i) AS n",
		map[string]any{"subs": []string{"auth0|sp-" + email, "google-oauth2|sp-" + email}, "a": email}); n != 2 {
		t.Errorf("%d of 2 identities store the normalised address", n)
	}
}

func TestAMergeKeepsEveryVerifiedAddressOfBothUsers(t *testing.T) {
	db, _ := mustDB(t)
	a, b := uniqueEmail(t), uniqueEmail(t)
	survivor := mustSync(t, db, domain.Profile{Subject: "auth0|" + a, Email: a, EmailVerified: true})
	loser := mustSync(t, db, domain.Profile{Subject: "auth0|" + b, Email: b, EmailVerified: true})
	// A second identity of the loser, verified for b, then moved to a
	// (unverified, then verified): the Users merge.
	second := "google-oauth2|" + b
	if u := mustSync(t, db, domain.Profile{Subject: second, Email: b, EmailVerified: true}); u.ID != loser.ID {
		t.Fatalf("linked to %s, want %s", u.ID, loser.ID)
	}
	mustSync(t, db, domain.Profile{Subject: second, Email: a, EmailVerified: false})
	if merged := mustSync(t, db, domain.Profile{Subject: second, Email: a, EmailVerified: true}); merged.ID != survivor.ID {
		t.Fatalf("merged into %s, want %s", merged.ID, survivor.ID)
	}
	for _, addr := range []string{a, b} {
		if n := count(t, db, "MATCH (u:User {id: $id})-[:"+relHasEmail+"]->(:"+labelVerifiedEmail+" {address: $a}) RETURN count(u) AS n",
			map[string]any{"id": survivor.ID, "a": addr}); n != 1 {
			t.Errorf("the survivor does not own %s after the merge", addr)
		}
	}
	// A later identity verified for the loser's address joins the survivor.
	if later := mustSync(t, db, domain.Profile{Subject: "github|" + b, Email: b, EmailVerified: true}); later.ID != survivor.ID {
		t.Errorf("an identity of the merged-away address is User %s, want %s", later.ID, survivor.ID)
	}
}

func TestConcurrentVerificationsOfOneAddressEndWithOneOwner(t *testing.T) {
	db, _ := mustDB(t)
	email := uniqueEmail(t)
	// Several identities of one address, each its own User while unverified.
	subs := []string{"auth0|cv-" + email, "google-oauth2|cv-" + email, "github|cv-" + email, "apple|cv-" + email, "windowslive|cv-" + email}
	for _, sub := range subs {
		mustSync(t, db, domain.Profile{Subject: sub, Email: email, EmailVerified: false})
	}
	syncVerifiedConcurrently(t, db, subs, email)
	if users, nodes := owners(t, db, email); users != 1 || nodes != 1 {
		t.Errorf("%d Users own the address through %d nodes, want 1 and 1", users, nodes)
	}
	if got := count(t, db, "MATCH (u:User)-[:HAS_IDENTITY]->(i:Identity) WHERE i.sub IN $subs RETURN count(DISTINCT u) AS n", map[string]any{"subs": subs}); got != 1 {
		t.Errorf("%d Users hold the identities, want 1", got)
	}
}

func TestEnsureSchemaMigratesTheOldVerifiedEmailProperty(t *testing.T) {
	db, _ := mustDB(t)
	ctx := context.Background()
	email := uniqueEmail(t)
	sub := "auth0|mig-" + email
	id := uniqueSubject(t)[5:]
	// The old model: the address on the User, under the old constraint, and
	// an Identity that does not store the address it vouches for.
	run(t, db, "CREATE CONSTRAINT "+oldVerifiedEmailConstraint+" IF NOT EXISTS FOR (u:User) REQUIRE u.verifiedEmail IS UNIQUE", nil)
	run(t, db, `
CREATE (u:User {id: $id, verifiedEmail: $email, createdAt: datetime(), updatedAt: datetime()})
CREATE (u)-[:HAS_IDENTITY]->(:Identity {sub: $sub, provider: 'auth0', email: $raw, emailVerified: true, createdAt: datetime(), lastSeenAt: datetime()})`,
		map[string]any{"id": id, "email": email, "sub": sub, "raw": " " + strings.ToUpper(email)})
	for i := 0; i < 2; i++ {
		if err := db.EnsureSchema(ctx); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	if users, nodes := owners(t, db, email); users != 1 || nodes != 1 {
		t.Fatalf("%d owners through %d nodes after the migration, want 1 and 1", users, nodes)
	}
	if n := count(t, db, "MATCH (u:User) WHERE u.verifiedEmail IS NOT NULL RETURN count(u) AS n", nil); n != 0 {
		t.Errorf("%d Users keep the old property", n)
	}
	if n := count(t, db, "SHOW CONSTRAINTS YIELD name WHERE name = $name RETURN count(*) AS n", map[string]any{"name": oldVerifiedEmailConstraint}); n != 0 {
		t.Error("the old constraint is still there")
	}
	// The old identity still vouches for the address (no release at its
	// User's next sync), and a new identity of the address links.
	mustSync(t, db, domain.Profile{Subject: "google-oauth2|mig-" + email, Email: "other-" + email, EmailVerified: false})
	if u := mustSync(t, db, domain.Profile{Subject: "github|mig-" + email, Email: email, EmailVerified: true}); u.ID != id {
		t.Errorf("a new identity of the migrated address is User %s, want %s", u.ID, id)
	}
	if u := mustSync(t, db, domain.Profile{Subject: sub, Name: "Migrated"}); u.ID != id || u.Email != email {
		t.Errorf("the migrated User after a sync: %+v", u)
	}
	if users, _ := owners(t, db, email); users != 1 {
		t.Errorf("the address lost its owner after a sync")
	}
}
