package neo4jrepo

import (
	"context"
	"errors"
	"fmt"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/gqlneo/gqlneo/domain"
)

// classify turns a driver error into one of the domain's sentinels where
// one applies (domain.ErrNotFound, domain.ErrUnavailable), keeping the cause
// for logs.
func classify(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, domain.ErrNotFound) {
		return err
	}
	var connectivity *neo4j.ConnectivityError
	var neo4jErr *neo4j.Neo4jError
	switch {
	case errors.As(err, &neo4jErr) && (neo4jErr.Code == "Neo.ClientError.Transaction.InvalidBookmark" ||
		neo4jErr.Code == "Neo.ClientError.Transaction.InvalidBookmarkMixture"):
		// The caller's X-Neo4j-Bookmark passed the shape check but names
		// no transaction of this database.
		return fmt.Errorf("%s: %w: %w", op, domain.ErrBadBookmark, err)
	case errors.As(err, &connectivity),
		neo4j.IsConnectivityError(err),
		neo4j.IsTransactionExecutionLimit(err),
		errors.Is(err, context.DeadlineExceeded),
		ctx.Err() != nil:
		return fmt.Errorf("%s: %w: %w", op, domain.ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// entityNotFoundAttempts bounds how often mutate runs a statement that keeps
// losing a node to concurrent deletes before it answers domain.ErrNotFound.
const entityNotFoundAttempts = 3

// isEntityNotFound says whether err is Neo4j's refusal to use a node or
// relationship that a concurrent transaction deleted after this one matched
// it (Neo.ClientError.Statement.EntityNotFound).
func isEntityNotFound(err error) bool {
	var ne *neo4j.Neo4jError
	return errors.As(err, &ne) && ne.Code == "Neo.ClientError.Statement.EntityNotFound"
}
