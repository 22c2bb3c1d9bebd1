package neo4jrepo

import (
	"context"
	"errors"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/gqlneo/gqlneo/cypher"
	"github.com/gqlneo/gqlneo/domain"
)

// errPreviewDone makes ExecuteWrite roll a preview back; it is not
// retryable, so the driver does not run the work again.
var errPreviewDone = errors.New("neo4jrepo: preview rolled back")

// PreviewRegistration answers what registering p (SyncIdentity with
// SyncRegistered) and then reading its User through sel, as p's own subject,
// would answer — in one write transaction that is rolled back, so nothing is
// stored. signup uses it to answer an address that already has an account
// exactly as it answers a new one. p's email must be unverified, as a new
// signup's is, so that no linking or merging is previewed.
func (db *DB) PreviewRegistration(ctx context.Context, p domain.Profile, sel *cypher.Selection) (map[string]any, error) {
	var out map[string]any
	_, err := write(ctx, db, func(tx neo4j.ManagedTransaction) (struct{}, error) {
		u, err := db.syncIdentityTx(ctx, tx, p, SyncRegistered)
		if err != nil {
			return struct{}{}, err
		}
		st, err := db.compiler.Node(p.Subject, "User", u.ID, sel)
		if err != nil {
			return struct{}{}, err
		}
		res, err := db.run(ctx, tx, st.Cypher, st.Params)
		if err != nil {
			return struct{}{}, err
		}
		rec, err := res.Single(ctx)
		if err != nil {
			return struct{}{}, err
		}
		out, _, err = neo4j.GetRecordValue[map[string]any](rec, "r")
		if err != nil {
			return struct{}{}, err
		}
		return struct{}{}, errPreviewDone
	})
	if errors.Is(err, errPreviewDone) {
		return out, nil
	}
	return nil, classify(ctx, "preview registration", err)
}
