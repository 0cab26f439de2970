package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// startTracing sends OpenTelemetry traces (one per answer) by OTLP/HTTP to
// OTEL_EXPORTER_OTLP_ENDPOINT; without it no span is recorded. The exporter's other
// standard variables (OTEL_EXPORTER_OTLP_HEADERS, ..._TIMEOUT) apply as usual. stop
// sends the spans still buffered.
func (a *app) startTracing(ctx context.Context) (stop func(context.Context), err error) {
	if a.cfg.OTLPEndpoint == "" {
		return func(context.Context) {}, nil
	}
	// The generic endpoint names the collector; each signal has its own path under it.
	u, err := url.Parse(a.cfg.OTLPEndpoint)
	if err != nil {
		return nil, fmt.Errorf("tracing: %w", err)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/v1/traces"
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(u.String()))
	if err != nil {
		return nil, fmt.Errorf("tracing: %w", err)
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", "civicbot"))),
	)
	a.tracerProvider = tp
	return func(ctx context.Context) {
		if err := tp.Shutdown(ctx); err != nil {
			a.log.Warn("tracing: sending the last spans", "err", err)
		}
	}, nil
}

// traceLog adds the trace and span ids of the context to every log line written with
// one (log.InfoContext and the like), so that a line leads to its trace.
type traceLog struct{ slog.Handler }

func (h traceLog) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return h.Handler.Handle(ctx, r)
}

func (h traceLog) WithAttrs(as []slog.Attr) slog.Handler { return traceLog{h.Handler.WithAttrs(as)} }
func (h traceLog) WithGroup(name string) slog.Handler    { return traceLog{h.Handler.WithGroup(name)} }
