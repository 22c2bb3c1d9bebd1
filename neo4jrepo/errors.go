package neo4jrepo

import (
	"context"
	"errors"
	"fmt"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// ErrNotFound is returned when the object looked up does not exist.
var ErrNotFound = errors.New("neo4jrepo: not found")

// ErrUnavailable is returned when Neo4j cannot be reached, or does not answer
// before the caller's deadline. The wrapped cause is for logs only.
var ErrUnavailable = errors.New("neo4jrepo: database unavailable")

// classify turns a driver error into one of the package's sentinels where one
// applies, keeping the cause for logs.
func classify(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrNotFound) {
		return err
	}
	var connectivity *neo4j.ConnectivityError
	switch {
	case errors.As(err, &connectivity),
		neo4j.IsConnectivityError(err),
		neo4j.IsTransactionExecutionLimit(err),
		errors.Is(err, context.DeadlineExceeded),
		ctx.Err() != nil:
		return fmt.Errorf("%s: %w: %w", op, ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}
