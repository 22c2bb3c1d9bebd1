package apierr

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gqlneo/gqlneo/domain"
)

func TestClassifyPutsTheRequestsOwnDeadlineFirst(t *testing.T) {
	live := context.Background()
	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	unavailable := fmt.Errorf("me: %w: %w", domain.ErrUnavailable, context.DeadlineExceeded)
	tests := []struct {
		name      string
		ctx       context.Context
		err       error
		wantCode  string
		wantRetry bool
	}{
		{"The driver's deadline inside a live request is the database being unavailable.", live, unavailable, ServiceUnavailable, true},
		{"The same error once the request's own deadline passed is a timeout.", expired, unavailable, Timeout, false},
		{"A shed request is SERVICE_UNAVAILABLE with a retry hint.", live, fmt.Errorf("me: %w", domain.ErrOverloaded), ServiceUnavailable, true},
		{"A request shed as its deadline passed is a timeout.", expired, fmt.Errorf("me: %w", domain.ErrOverloaded), Timeout, false},
		{"Neo4j's transaction timeout is a timeout.", live, fmt.Errorf("me: %w", context.DeadlineExceeded), Timeout, false},
		{"Not found stays not found after the deadline.", expired, domain.ErrNotFound, NotFound, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, ok := Classify(tt.ctx, tt.err)
			if !ok || e.Code != tt.wantCode {
				t.Fatalf("Classify = %+v, %v; want %s", e, ok, tt.wantCode)
			}
			if _, has := e.Extensions["retryAfterSeconds"]; has != tt.wantRetry {
				t.Errorf("retryAfterSeconds present: %v, want %v (%+v)", has, tt.wantRetry, e.Extensions)
			}
		})
	}
	if _, ok := Classify(live, errors.New("neo4j: syntax error")); ok {
		t.Error("an unknown error was classified")
	}
}

func TestAnOperationThatOnlyFoundTheDatabaseUnavailableIs503(t *testing.T) {
	unavail := map[string]any{"code": ServiceUnavailable, "retryAfterSeconds": 2}
	tests := []struct {
		name       string
		errs       []map[string]any
		wantStatus int
		wantRetry  time.Duration
	}{
		{"No error is 200.", nil, http.StatusOK, 0},
		{"Every error unavailable is 503 with the longest hint.", []map[string]any{unavail, {"code": ServiceUnavailable, "retryAfterSeconds": 1}}, http.StatusServiceUnavailable, 2 * time.Second},
		{"Unavailable without a hint still says 1s.", []map[string]any{{"code": ServiceUnavailable}}, http.StatusServiceUnavailable, time.Second},
		{"A field error beside it keeps 200: the caller has something to read.", []map[string]any{unavail, {"code": NotFound}}, http.StatusOK, 0},
		{"A timeout alone is a field error: 200.", []map[string]any{{"code": Timeout}}, http.StatusOK, 0},
		{"A timeout beside an unavailable field is still 503: nothing could be served.", []map[string]any{{"code": Timeout}, unavail}, http.StatusServiceUnavailable, 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, retry := ExecutedStatus(tt.errs)
			if status != tt.wantStatus || retry != tt.wantRetry {
				t.Errorf("ExecutedStatus = %d, %s; want %d, %s", status, retry, tt.wantStatus, tt.wantRetry)
			}
		})
	}
}

func TestWriteSetsRetryAfterOnA503WithAHint(t *testing.T) {
	rec := httptest.NewRecorder()
	Write(rec, New(ServiceUnavailable, "busy", "retryAfterSeconds", 3))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "3" {
		t.Errorf("status %d, Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
	rec = httptest.NewRecorder()
	Write(rec, New(NotFound, "nothing"))
	if rec.Header().Get("Retry-After") != "" {
		t.Errorf("Retry-After on a 404: %q", rec.Header().Get("Retry-After"))
	}
}
