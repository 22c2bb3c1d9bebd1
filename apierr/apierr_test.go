package apierr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gqlneo/gqlneo/auth"
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

func TestClassify(t *testing.T) {
	cases := []struct {
		name string
		err  error
		code string
		ext  string
	}{
		{"an input error names its field", domain.Invalid("title", "too long"), BadUserInput, "field"},
		{"a wrapped not-found", fmt.Errorf("node: %w", domain.ErrNotFound), NotFound, ""},
		{"a database outage", fmt.Errorf("q: %w: %w", domain.ErrUnavailable, errors.New("connection refused")), ServiceUnavailable, ""},
		{"a passed deadline", fmt.Errorf("q: %w", context.DeadlineExceeded), Timeout, ""},
		{"a rate limit says when to retry", &auth.RateLimitedError{RetryAfter: 1500 * time.Millisecond}, RateLimited, "retryAfterSeconds"},
		{"wrong credentials", auth.ErrInvalidCredentials, InvalidCredentials, ""},
		{"an own error keeps its code", New(MethodNotAllowed, "no"), MethodNotAllowed, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, ok := Classify(context.Background(), tc.err)
			if !ok || e.Code != tc.code {
				t.Fatalf("Classify = %+v, %v; want %s", e, ok, tc.code)
			}
			if tc.ext != "" && e.Extensions[tc.ext] == nil {
				t.Errorf("no extensions.%s: %+v", tc.ext, e.Extensions)
			}
		})
	}
	if e, ok := Classify(context.Background(), errors.New("Neo.ClientError.Statement.SyntaxError: secret text")); ok {
		t.Errorf("an unknown error was classified: %+v", e)
	}
	if got := RetrySeconds(1500 * time.Millisecond); got != 2 {
		t.Errorf("RetrySeconds(1.5s) = %d", got)
	}
}

func TestWriteAnswersJSONWithTheCodesStatusAndNoData(t *testing.T) {
	rec := httptest.NewRecorder()
	Write(rec, New(RequestTooLarge, "too large"))
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	errs, _ := body["errors"].([]any)
	first, _ := errs[0].(map[string]any)
	ext, _ := first["extensions"].(map[string]any)
	if rec.Code != http.StatusRequestEntityTooLarge || ext["code"] != RequestTooLarge || body["data"] != nil ||
		rec.Header().Get("Content-Type") != "application/json" {
		t.Errorf("%d %s %s", rec.Code, rec.Header(), rec.Body)
	}
	if Status("SOMETHING_NEW") != http.StatusInternalServerError {
		t.Error("an unknown code is not a 500")
	}
}
