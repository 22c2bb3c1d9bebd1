package neo4jrepo

import (
	"context"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/gqlneo/gqlneo/cypher"
)

// Live runs one live statement (cypher.Compiler.Live) for every subscriber
// subject at once, with the event's $ev_* parameters, and returns the
// result map of each subject the event reaches. A subject the event does
// not concern, or that may not see it, has no entry.
func (db *DB) Live(ctx context.Context, st cypher.Statement, subjects []string, event map[string]any) (map[string]map[string]any, error) {
	params := make(map[string]any, len(st.Params)+len(event)+1)
	for k, v := range st.Params {
		params[k] = v
	}
	for _, k := range cypher.EventParams {
		params[k] = event[k] // every name bound, null when the event lacks it
	}
	params["subs"] = subjects
	out, err := read(ctx, db, func(tx neo4j.ManagedTransaction) (map[string]map[string]any, error) {
		res, err := db.run(ctx, tx, st.Cypher, params)
		if err != nil {
			return nil, err
		}
		out := map[string]map[string]any{}
		for res.Next(ctx) {
			rec := res.Record()
			sub, _, err := neo4j.GetRecordValue[string](rec, "sub")
			if err != nil {
				return nil, err
			}
			r, _, err := neo4j.GetRecordValue[map[string]any](rec, "r")
			if err != nil {
				return nil, err
			}
			out[sub] = r
		}
		return out, res.Err()
	})
	return out, classify(ctx, "live event", err)
}
