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
			e, ok := Classify(tc.err)
			if !ok || e.Code != tc.code {
				t.Fatalf("Classify = %+v, %v; want %s", e, ok, tc.code)
			}
			if tc.ext != "" && e.Extensions[tc.ext] == nil {
				t.Errorf("no extensions.%s: %+v", tc.ext, e.Extensions)
			}
		})
	}
	if e, ok := Classify(errors.New("Neo.ClientError.Statement.SyntaxError: secret text")); ok {
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
