package telemetry

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/nexuskit/nexus/requestid"
)

// instrumentation names the tracer of this package's spans.
const instrumentation = "github.com/nexuskit/nexus/examples/nexus/telemetry"

// Tracing is the server's OpenTelemetry tracing: a tracer provider whose
// spans go to one span processor, and the otelhttp middleware that starts
// a server span per request. It sets no global state (no otel.Set...), so
// several can live in one process (tests).
type Tracing struct {
	tp *sdktrace.TracerProvider
}

// NewTracing returns tracing whose spans go to sp, for the service named
// service at version. Service name and attributes from the standard
// OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES variables take precedence.
func NewTracing(sp sdktrace.SpanProcessor, service, version string) *Tracing {
	res, err := resource.Merge(
		resource.NewSchemaless(semconv.ServiceName(service), semconv.ServiceVersion(version)),
		resource.Environment(),
	)
	if err != nil {
		// Only a schema URL conflict can fail the merge; keep the defaults.
		res = resource.NewSchemaless(semconv.ServiceName(service), semconv.ServiceVersion(version))
	}
	return &Tracing{tp: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sp), sdktrace.WithResource(res))}
}

// OTLPExporter returns an OTLP/HTTP (protobuf) span exporter for the
// endpoint given in OTEL_EXPORTER_OTLP_ENDPOINT: a base URL such as
// http://otel-collector:4318, to which /v1/traces is appended as the
// OpenTelemetry specification says. The other standard variables
// (OTEL_EXPORTER_OTLP_HEADERS, OTEL_EXPORTER_OTLP_TIMEOUT, ...) are read by
// the exporter from the process environment. OTLP over gRPC (port 4317) is
// not supported: point the variable at the collector's HTTP port.
func OTLPExporter(ctx context.Context, endpoint string) (sdktrace.SpanExporter, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// base URL such as http://otel-collector:4318")
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/v1/traces"
	return otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(u.String()))
}

// TracerProvider returns the provider, for instrumenting more (the store).
func (t *Tracing) TracerProvider() trace.TracerProvider { return t.tp }

// Handler wraps h in otelhttp: a server span per request, child of the
// caller's span when the request carries a W3C traceparent header, named
// after the route pattern once the ServeMux below has matched one (the
// pattern reaches otelhttp because requestid.Middleware passes it up). The
// health probes are not traced.
func (t *Tracing) Handler(h http.Handler) http.Handler {
	return otelhttp.NewHandler(h, "http.server",
		otelhttp.WithTracerProvider(t.tp),
		otelhttp.WithPropagators(propagation.TraceContext{}),
		otelhttp.WithFilter(func(r *http.Request) bool {
			return r.URL.Path != "/healthz" && r.URL.Path != "/readyz"
		}),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
			if r.Pattern != "" {
				return r.Pattern
			}
			return r.Method
		}),
	)
}

// AnnotateSpan adds the request ID to the request's span, so a trace
// found by its id leads to the log records and the other way round. Its
// signature fits requestid.Observe (call it from the same hook as
// Metrics.ObserveRequest); it does nothing when the span is not recorded.
func AnnotateSpan(r *http.Request, _ requestid.Observation) {
	span := trace.SpanFromContext(r.Context())
	if !span.IsRecording() {
		return
	}
	if id := requestid.FromContext(r.Context()); id != "" {
		span.SetAttributes(attribute.String(requestid.LogKey, id))
	}
}

// Shutdown flushes the spans still buffered and stops the exporter.
func (t *Tracing) Shutdown(ctx context.Context) error { return t.tp.Shutdown(ctx) }
