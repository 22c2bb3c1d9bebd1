package neo4jrepo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/gqlneo/gqlneo/domain"
)

func TestClassifyTellsAnUnavailableDatabaseFromATimeoutAndFromABug(t *testing.T) {
	live := context.Background()
	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	tests := []struct {
		name string
		ctx  context.Context
		err  error
		want error // nil: neither sentinel nor a deadline
	}{
		{"A refused connection is unavailable.", live, &neo4j.ConnectivityError{Inner: syscall.ECONNREFUSED}, domain.ErrUnavailable},
		{"Retries running out are unavailable.", live, &neo4j.TransactionExecutionLimit{Cause: "timeout"}, domain.ErrUnavailable},
		{"A Bolt handshake offering no version we speak is unavailable (a Neo4j restarting).", live,
			errors.New("none of the server offered Bolt versions are supported (offered: []bolt.protocolVersion{})"), domain.ErrUnavailable},
		{"A handshake refusing every version is unavailable.", live,
			errors.New("server did not accept any of the requested Bolt versions ([]bolt.protocolVersion{...})"), domain.ErrUnavailable},
		{"A manifest cut short is unavailable.", live, fmt.Errorf("failed to read manifest protocol count: %w", io.ErrUnexpectedEOF), domain.ErrUnavailable},
		{"A routing table that cannot be fetched is unavailable.", live, errors.New("Unable to retrieve routing table from 10.0.0.1:7687: EOF"), domain.ErrUnavailable},
		{"A connection reset mid-answer is unavailable.", live, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, domain.ErrUnavailable},
		{"A bare EOF is unavailable.", live, io.EOF, domain.ErrUnavailable},
		{"A transient Neo4j error is unavailable.", live, &neo4j.Neo4jError{Code: "Neo.TransientError.General.DatabaseUnavailable"}, domain.ErrUnavailable},
		{"A database not started yet is unavailable.", live, &neo4j.Neo4jError{Code: "Neo.ClientError.Database.DatabaseNotFound"}, domain.ErrUnavailable},
		{"Neo4j's transaction timeout is the request's deadline.", live,
			&neo4j.Neo4jError{Code: "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration"}, context.DeadlineExceeded},
		{"The old transaction timeout code is the deadline too.", live,
			&neo4j.Neo4jError{Code: "Neo.ClientError.Transaction.TransactionTimedOut"}, context.DeadlineExceeded},
		{"The driver's deadline is unavailable here; apierr makes it TIMEOUT when the request's own deadline passed.", expired,
			context.DeadlineExceeded, domain.ErrUnavailable},
		{"Overload passes through.", live, domain.ErrOverloaded, domain.ErrOverloaded},
		{"Not found passes through.", live, domain.ErrNotFound, domain.ErrNotFound},
		{"A syntax error is a bug, not an outage.", live, &neo4j.Neo4jError{Code: "Neo.ClientError.Statement.SyntaxError"}, nil},
		{"A constraint violation is a bug, not an outage.", live, &neo4j.Neo4jError{Code: "Neo.ClientError.Schema.ConstraintValidationFailed"}, nil},
		{"An unknown error is a bug.", live, errors.New("boom"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classify(tt.ctx, "op", tt.err)
			if got == nil {
				t.Fatal("classify returned nil")
			}
			if tt.want != nil && !errors.Is(got, tt.want) {
				t.Errorf("classify(%v) = %v, want %v", tt.err, got, tt.want)
			}
			if tt.want == nil {
				for _, s := range []error{domain.ErrUnavailable, domain.ErrOverloaded, domain.ErrNotFound, context.DeadlineExceeded} {
					if errors.Is(got, s) {
						t.Errorf("classify(%v) = %v, which is %v", tt.err, got, s)
					}
				}
			}
			if !errors.Is(got, tt.err) {
				t.Errorf("classify dropped the cause: %v", got)
			}
		})
	}
}

// TestAServerAnsweringTheHandshakeWithNoVersionIsUnavailable drives the
// real driver against a listener that answers the Bolt handshake as a
// Neo4j in the middle of a restart was seen to: with a version manifest
// that offers nothing. The driver's untyped error must be
// domain.ErrUnavailable, never an internal error.
func TestAServerAnsweringTheHandshakeWithNoVersionIsUnavailable(t *testing.T) {
	for _, tt := range []struct {
		name   string
		answer []byte
	}{
		{"A manifest offering no version.", []byte{0x00, 0x00, 0x01, 0xFF, 0x00, 0x00}},
		{"No version accepted.", []byte{0x00, 0x00, 0x00, 0x00}},
		{"The connection closed mid-handshake.", []byte{0x00, 0x00}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			go func() {
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					go func() {
						defer c.Close()
						hello := make([]byte, 20)
						if _, err := io.ReadFull(c, hello); err != nil {
							return
						}
						_, _ = c.Write(tt.answer)
						time.Sleep(50 * time.Millisecond)
					}()
				}
			}()
			db, err := Open(Config{URI: "bolt://" + ln.Addr().String(), Username: "neo4j", Password: "x", Database: "neo4j",
				ConnectTimeout: 500 * time.Millisecond, MaxRetryTime: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close(context.Background())
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			_, err = db.UserBySubject(ctx, "auth0|x")
			if !errors.Is(err, domain.ErrUnavailable) {
				t.Fatalf("err = %v, want domain.ErrUnavailable", err)
			}
		})
	}
}
