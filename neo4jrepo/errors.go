package neo4jrepo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/gqlneo/gqlneo/domain"
)

// classify turns a driver error into one of the domain's sentinels where
// one applies, keeping the cause for logs: domain.ErrNotFound and
// domain.ErrOverloaded pass through; Neo4j's transaction timeout (which
// execute sets to the request's remaining deadline) is
// context.DeadlineExceeded; an unreachable, restarting or unready Neo4j is
// domain.ErrUnavailable. Whether an expired request answers TIMEOUT rather
// than SERVICE_UNAVAILABLE is apierr's decision, from the request's context.
func classify(ctx context.Context, op string, err error) error {
	var neo4jErr *neo4j.Neo4jError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, domain.ErrNotFound), errors.Is(err, domain.ErrOverloaded), errors.Is(err, domain.ErrUnavailable):
		return err
	case errors.As(err, &neo4jErr) && (neo4jErr.Code == "Neo.ClientError.Transaction.InvalidBookmark" ||
		neo4jErr.Code == "Neo.ClientError.Transaction.InvalidBookmarkMixture"):
		// The caller's X-Neo4j-Bookmark passed the shape check but names
		// no transaction of this database.
		return fmt.Errorf("%s: %w: %w", op, domain.ErrBadBookmark, err)
	case transactionTimedOut(err):
		return fmt.Errorf("%s: %w: %w", op, context.DeadlineExceeded, err)
	case unavailable(err), ctx.Err() != nil:
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

// transactionTimedOut reports whether Neo4j stopped the transaction because
// its timeout passed.
func transactionTimedOut(err error) bool {
	var neoErr *neo4j.Neo4jError
	if !errors.As(err, &neoErr) {
		return false
	}
	switch neoErr.Code {
	case "Neo.ClientError.Transaction.TransactionTimedOut",
		"Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration":
		return true
	}
	return false
}

// unavailableCodes are Neo4j error codes besides the transient ones that
// say the database cannot serve now (starting, stopping, or not the member
// that can), as opposed to a fault in the statement.
var unavailableCodes = map[string]bool{
	"Neo.ClientError.Database.DatabaseNotFound":           true, // not started yet after a restart
	"Neo.ClientError.Cluster.NotALeader":                  true,
	"Neo.ClientError.General.ForbiddenOnReadOnlyDatabase": true,
	"Neo.ClientError.Security.AuthorizationExpired":       true,
	"Neo.ClientError.Transaction.Terminated":              true, // the driver's reclassification of the transient one
	"Neo.ClientError.Transaction.LockClientStopped":       true,
}

// handshakeFailures are the texts of the driver's Bolt handshake errors,
// which it raises as untyped errors. A Neo4j that is starting or stopping
// answers the handshake with nothing, or with no protocol version, for a
// moment; a retry a little later succeeds.
var handshakeFailures = []string{
	"none of the server offered Bolt versions are supported",
	"server did not accept any of the requested Bolt versions",
	"server responded with unsupported version",
	"failed to read manifest protocol",
	"failed to read capability mask",
}

// unavailable reports whether err says Neo4j could not be reached or could
// not serve the transaction now: connectivity and pool errors, the
// driver's retries running out, a failed Bolt handshake or routing-table
// fetch, a connection cut mid-answer, and Neo4j's transient errors.
func unavailable(err error) bool {
	var (
		connectivity *neo4j.ConnectivityError
		limit        *neo4j.TransactionExecutionLimit
		neoErr       *neo4j.Neo4jError
		netErr       net.Error
	)
	switch {
	case errors.As(err, &connectivity), errors.As(err, &limit), errors.As(err, &netErr):
		return true
	case errors.Is(err, context.DeadlineExceeded), lostConnection(err):
		return true
	case errors.As(err, &neoErr):
		return unavailableCodes[neoErr.Code] || strings.HasPrefix(neoErr.Code, "Neo.TransientError.")
	}
	return handshakeOrRoutingFailed(err)
}

// lostConnection reports a connection refused, reset or closed mid-answer.
func lostConnection(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// handshakeOrRoutingFailed reports the driver's untyped errors for a failed
// Bolt handshake or routing-table fetch.
func handshakeOrRoutingFailed(err error) bool {
	msg := err.Error()
	for _, f := range handshakeFailures {
		if strings.Contains(msg, f) {
			return true
		}
	}
	return strings.Contains(msg, "Unable to retrieve routing table")
}

// unreachable reports whether err says Neo4j could not be reached at all:
// a refused, reset or closed connection, a failed Bolt handshake or
// routing-table fetch. A slow or busy Neo4j (timeouts, a full pool,
// transient errors) is not unreachable: it answers, later.
func unreachable(err error) bool {
	var (
		limit        *neo4j.TransactionExecutionLimit
		connectivity *neo4j.ConnectivityError
		netErr       net.Error
	)
	switch {
	case err == nil, errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return false
	case errors.As(err, &limit):
		return len(limit.Errors) > 0 && unreachable(limit.Errors[len(limit.Errors)-1])
	case errors.As(err, &connectivity):
		return unreachable(connectivity.Inner)
	case errors.As(err, &netErr):
		return !netErr.Timeout()
	}
	return lostConnection(err) || handshakeOrRoutingFailed(err)
}

// answered reports whether err, the outcome of a transaction, shows that
// Neo4j answered it: a success, or a refusal of the statement itself (a
// missing node, a constraint) rather than an unreachable, busy or slow
// Neo4j.
func answered(err error) bool {
	return err == nil || !(unavailable(err) || errors.Is(err, domain.ErrUnavailable) || errors.Is(err, domain.ErrOverloaded))
}
