package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/gqlneo/gqlneo/apierr"
	"github.com/gqlneo/gqlneo/auth"
)

const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// tokenExemptFields are the root fields an operation may consist of and still
// run anonymously when the request carries a token that fails validation, so
// a stale token never blocks signing in again.
var tokenExemptFields = map[string]bool{
	"login": true, "refreshToken": true, "signup": true,
	"__schema": true, "__type": true, "__typename": true,
}

// httpTransport is the only GraphQL transport: POST with a JSON body, and GET
// for queries. There is no multipart or form transport, so browsers cannot
// send an operation cross-site without a CORS preflight. It never echoes a
// request body back (it may hold a password), and it answers HTTP 401 with
// WWW-Authenticate when a presented token failed validation and the
// operation needs more than the token-exempt fields.
//
// It takes every request gqlgen hands it and answers those it does not
// serve itself (other methods and media types, WebSocket upgrades) with a
// JSON error and a code, as every error the server writes.
type httpTransport struct{}

var _ graphql.Transport = httpTransport{}

// Supports is true for every request: Do refuses what it does not serve.
func (httpTransport) Supports(*http.Request) bool { return true }

// allowedMethods is the Allow header of /graphql.
const allowedMethods = "GET, POST, OPTIONS"

// refuseUnsupported answers a request the transport does not serve and
// reports whether it did. Preflights never get here: the CORS middleware
// in front of /graphql answers them.
func (t httpTransport) refuseUnsupported(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) bool {
	switch {
	case r.Header.Get("Upgrade") != "":
		t.fail(w, r, exec, apierr.New(apierr.BadRequest, "Upgrades are served only for graphql-transport-ws WebSockets (GET with Upgrade: websocket); send queries with GET or POST and mutations with POST."))
	case r.Method == http.MethodOptions:
		w.Header().Del("Content-Type")
		w.Header().Set("Allow", allowedMethods)
		w.WriteHeader(http.StatusNoContent)
	case r.Method != http.MethodGet && r.Method != http.MethodPost:
		w.Header().Set("Allow", allowedMethods)
		t.fail(w, r, exec, apierr.New(apierr.MethodNotAllowed, "Send GraphQL requests with POST (or queries with GET)."))
	case r.Method == http.MethodPost:
		mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err == nil && mediaType == mediaJSON {
			return false
		}
		t.fail(w, r, exec, apierr.New(apierr.UnsupportedMediaType, "Send the request body as Content-Type: application/json."))
	default:
		return false
	}
	return true
}

// rawRequest is the JSON shape of a GraphQL-over-HTTP request.
type rawRequest struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName"`
	Variables     map[string]any `json:"variables"`
	Extensions    map[string]any `json:"extensions"`
}

func (t httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	contentType := responseMediaType(r)
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-store")
	if t.refuseUnsupported(w, r, exec) {
		return
	}
	start := graphql.Now()

	params := &graphql.RawParams{Headers: r.Header}
	if r.Method == http.MethodGet {
		q := r.URL.Query()
		params.Query = q.Get("query")
		params.OperationName = q.Get("operationName")
		if v := q.Get("variables"); v != "" {
			if err := decodeJSON([]byte(v), &params.Variables); err != nil {
				t.fail(w, r, exec, apierr.New(apierr.BadRequest, "The variables parameter is not a JSON object."))
				return
			}
		}
		if v := q.Get("extensions"); v != "" {
			if err := decodeJSON([]byte(v), &params.Extensions); err != nil {
				t.fail(w, r, exec, apierr.New(apierr.BadRequest, "The extensions parameter is not a JSON object."))
				return
			}
		}
	} else {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				t.fail(w, r, exec, apierr.New(apierr.RequestTooLarge, "The request body is too large."))
				return
			}
			t.fail(w, r, exec, apierr.New(apierr.BadRequest, "The request body could not be read."))
			return
		}
		var req rawRequest
		if err := decodeJSON(body, &req); err != nil {
			t.fail(w, r, exec, apierr.New(apierr.BadRequest, "The request body is not a JSON GraphQL request ({\"query\": ..., \"variables\": {...}})."))
			return
		}
		params.Query, params.OperationName = req.Query, req.OperationName
		params.Variables, params.Extensions = req.Variables, req.Extensions
	}
	if strings.TrimSpace(params.Query) == "" && !hasPersistedQuery(params.Extensions) {
		t.fail(w, r, exec, apierr.New(apierr.BadRequest, "The request has no query."))
		return
	}
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	opCtx, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		// A well-formed request whose document or variables are refused
		// (parse, validation, coercion, the limits): 200 to
		// application/json, 400 to application/graphql-response+json, as
		// the GraphQL-over-HTTP spec asks; no data entry either way.
		status := http.StatusOK
		if contentType == mediaGraphQLResponse {
			status = http.StatusBadRequest
		}
		w.WriteHeader(status)
		writeRequestError(w, exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs))
		return
	}
	if r.Method == http.MethodGet && opCtx.Operation.Operation != ast.Query {
		w.Header().Set("Allow", "POST")
		t.fail(w, r, exec, apierr.New(apierr.MethodNotAllowed, "Only queries may be sent with GET; send mutations with POST."))
		return
	}
	if tokenErr, ok := auth.TokenErrorFromContext(ctx); ok && !onlyTokenExemptFields(opCtx) {
		auth.WriteWWWAuthenticate(w.Header(), tokenErr.Reason)
		w.WriteHeader(http.StatusUnauthorized)
		err := apierr.New(apierr.Unauthenticated, "The access token is not valid; sign in again.", "reason", tokenErr.Reason)
		writeRequestError(w, exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), gqlerror.List{refusal(err)}))
		return
	}

	responses, ctx := exec.DispatchOperation(ctx, opCtx)
	resp := responses(ctx)
	// An operation the server could not serve now (every error
	// SERVICE_UNAVAILABLE: Neo4j down, or the request shed) answers 503
	// with Retry-After, so clients and proxies back off; apierr owns the rule.
	if status, retryAfter := apierr.ExecutedStatus(errorExtensions(resp.Errors)); status != http.StatusOK {
		apierr.SetRetryAfter(w.Header(), retryAfter)
		w.WriteHeader(status)
	}
	writeResponse(w, resp)
}

// errorExtensions is the extensions of each error, as apierr reads them.
func errorExtensions(errs gqlerror.List) []map[string]any {
	out := make([]map[string]any, len(errs))
	for i, e := range errs {
		out[i] = e.Extensions
	}
	return out
}

// fail answers a request that is not a well-formed GraphQL request, with
// the status apierr gives its code.
func (httpTransport) fail(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor, e *apierr.Error) {
	w.WriteHeader(apierr.Status(e.Code))
	writeRequestError(w, exec.DispatchError(r.Context(), gqlerror.List{refusal(e)}))
}

// refusal is an apierr.Error as the executor's own error: the presenter
// passes it through with its code.
func refusal(e *apierr.Error) *gqlerror.Error {
	return &gqlerror.Error{Message: e.Message, Extensions: e.Ext()}
}

// writeRequestError writes a response that has no data: a request error.
func writeRequestError(w io.Writer, resp *graphql.Response) {
	b, err := json.Marshal(struct {
		Errors     gqlerror.List  `json:"errors"`
		Extensions map[string]any `json:"extensions,omitempty"`
	}{resp.Errors, resp.Extensions})
	if err != nil {
		b = []byte(`{"errors":[{"message":"Internal server error.","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}`)
	}
	_, _ = w.Write(b)
}

// onlyTokenExemptFields reports whether every root field of the operation is
// one that runs without a valid token.
func onlyTokenExemptFields(opCtx *graphql.OperationContext) bool {
	op := opCtx.Operation
	typeName := "Query"
	switch op.Operation {
	case ast.Mutation:
		typeName = "Mutation"
	case ast.Subscription:
		typeName = "Subscription"
	}
	for _, f := range graphql.CollectFields(opCtx, op.SelectionSet, []string{typeName}) {
		if !tokenExemptFields[f.Name] {
			return false
		}
	}
	return true
}

// responseMediaType honours Accept: application/graphql-response+json, and
// answers application/json otherwise (what existing clients expect).
func responseMediaType(r *http.Request) string {
	for part := range strings.SplitSeq(r.Header.Get("Accept"), ",") {
		mediaType, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mediaType {
		case mediaGraphQLResponse:
			return mediaGraphQLResponse
		case mediaJSON:
			return mediaJSON
		}
	}
	return mediaJSON
}

// decodeJSON decodes one JSON value and refuses trailing data.
func decodeJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

func writeResponse(w io.Writer, resp *graphql.Response) {
	b, err := json.Marshal(resp)
	if err != nil {
		b = []byte(`{"errors":[{"message":"Internal server error.","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}`)
	}
	_, _ = w.Write(b)
}
