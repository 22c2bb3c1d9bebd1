package app

import (
	"context"
	"fmt"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// serviceName names this server in traces.
const serviceName = "gqlneo"

// tracing returns where spans go: the caller's provider (WithTracerProvider),
// an OTLP/HTTP exporter to OTEL_EXPORTER_OTLP_ENDPOINT, or nowhere (nil).
// shutdown flushes and stops what tracing created; it is never nil.
func tracing(ctx context.Context, cfg *Config, o options) (tp trace.TracerProvider, shutdown func(context.Context) error, err error) {
	none := func(context.Context) error { return nil }
	if o.tracer != nil {
		return o.tracer, none, nil
	}
	if cfg.OTLPEndpoint == "" {
		return nil, none, nil
	}
	// The variable is the collector's base URL; traces go to /v1/traces
	// under it, as the OpenTelemetry specification says.
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(strings.TrimSuffix(cfg.OTLPEndpoint, "/")+"/v1/traces"))
	if err != nil {
		return nil, none, fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT: %w", err)
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(attribute.String("service.name", serviceName)))
	if err != nil {
		return nil, none, fmt.Errorf("trace resource: %w", err)
	}
	sdk := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return sdk, sdk.Shutdown, nil
}
