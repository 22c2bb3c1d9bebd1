package e2e

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/gqlneo/gqlneo/app"
	"github.com/gqlneo/gqlneo/dev/auth0/tenant"
)

func TestARequestIsTracedFromHTTPToEachCypherStatement(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(t.Context()) })
	s := startServerWith(t, tenant.MustStart(t), nil, app.WithTracerProvider(tp))
	u := newUser(t, s.Tenant)
	token, _ := s.mustLogin(t, u.Email, demoPassword)
	s.gql(t, token, `{ me { id } }`, nil)
	exp.Reset()

	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	const secretTitle = "a-title-that-must-not-reach-traces"
	r := s.withHeader(t, token, `mutation NewPost($t: String!) { createPost(input: {title: $t, body: "b"}) { id } }`,
		map[string]any{"t": secretTitle}, map[string]string{"traceparent": "00-" + traceID + "-00f067aa0ba902b7-01"})
	if len(r.Errors) > 0 {
		t.Fatal(r.Raw)
	}

	spans := exp.GetSpans()
	byName := map[string]tracetest.SpanStub{}
	for _, sp := range spans {
		byName[sp.Name] = sp
		if sp.SpanContext.TraceID().String() != traceID {
			t.Errorf("span %q is in trace %s, not the caller's", sp.Name, sp.SpanContext.TraceID())
		}
		for _, kv := range sp.Attributes {
			if strings.Contains(kv.Value.Emit(), secretTitle) {
				t.Errorf("span %q attribute %s holds a parameter value", sp.Name, kv.Key)
			}
		}
	}
	httpSpan, ok := byName["POST /graphql"]
	if !ok {
		t.Fatalf("no HTTP span among %v", names(spans))
	}
	if httpSpan.Parent.SpanID().String() != "00f067aa0ba902b7" {
		t.Errorf("the HTTP span's parent is %s, not the caller's span", httpSpan.Parent.SpanID())
	}
	op, ok := byName["graphql mutation NewPost"]
	if !ok {
		t.Fatalf("no operation span among %v", names(spans))
	}
	if op.Parent.SpanID() != httpSpan.SpanContext.SpanID() {
		t.Error("the operation span is not the HTTP span's child")
	}
	cy, ok := byName["cypher write"]
	if !ok {
		t.Fatalf("no Cypher span among %v", names(spans))
	}
	if cy.Parent.SpanID() != op.SpanContext.SpanID() {
		t.Error("the Cypher span is not the operation span's child")
	}
	attrs := map[string]string{}
	for _, kv := range cy.Attributes {
		attrs[string(kv.Key)] = kv.Value.Emit()
	}
	if attrs["db.namespace"] != "neo4j" || attrs["db.operation.name"] != "write" || attrs["db.system.name"] != "neo4j" {
		t.Errorf("Cypher span attributes %v", attrs)
	}
	if attrs["neo4j.counters.nodes_created"] != "1" || !strings.Contains(attrs["db.query.text"], "$") {
		t.Errorf("counters or statement missing: %v", attrs)
	}
	if !strings.Contains(s.Logs.String(), `"trace_id":"`+traceID+`"`) {
		t.Error("the request's log lines do not carry its trace id")
	}
}

func names(spans tracetest.SpanStubs) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name)
	}
	return out
}

func TestSpansAreExportedOverOTLPWhenTheEndpointIsSet(t *testing.T) {
	var posts atomic.Int64
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/v1/traces" {
			posts.Add(1)
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(collector.Close)
	s := startServer(t, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": collector.URL})
	s.query(t, "", `{ __typename }`, nil)
	s.App.Close() // flushes the batch
	if posts.Load() == 0 {
		t.Fatal("no OTLP export reached the collector's /v1/traces")
	}
}
