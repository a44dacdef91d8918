package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/nexuskit/nexus/compress"
	"github.com/nexuskit/nexus/requestid"
	"github.com/nexuskit/nexus/wsauth"

	"github.com/nexuskit/nexus/examples/nexus/server"
	"github.com/nexuskit/nexus/examples/nexus/telemetry"
)

// observability is the server's metrics (METRICS_ADDR) and tracing
// (OTEL_EXPORTER_OTLP_ENDPOINT), each nil when not configured: then
// nothing is measured and no hook is set.
type observability struct {
	metrics *telemetry.Metrics
	tracing *telemetry.Tracing
}

// newObservability builds what cfg asks for. A tracing exporter, when
// given, replaces the OTLP one (tests pass an in-memory exporter).
func newObservability(ctx context.Context, cfg *Config, exporter sdktrace.SpanExporter) (*observability, error) {
	o := &observability{}
	if cfg.MetricsAddr != "" {
		o.metrics = telemetry.NewMetrics()
	}
	if exporter == nil && cfg.OTELEndpoint != "" {
		exp, err := telemetry.OTLPExporter(ctx, cfg.OTELEndpoint)
		if err != nil {
			return nil, err
		}
		exporter = exp
	}
	if exporter != nil {
		o.tracing = telemetry.NewTracing(sdktrace.NewBatchSpanProcessor(exporter), "nexus", version)
	}
	return o, nil
}

// tracerProvider is the provider for the store's spans, nil without tracing.
func (o *observability) tracerProvider() trace.TracerProvider {
	if o.tracing == nil {
		return nil
	}
	return o.tracing.TracerProvider()
}

// configure sets the server's hooks: compress's and wsauth's Observe hooks
// feed the compression and WebSocket refusal metrics, the access log's
// Observe hook feeds the request metrics and puts the request ID on the
// span, and with tracing the request ID is the trace id of an incoming
// traceparent, so one id joins the X-Request-ID header, the log records
// and the trace.
func (o *observability) configure(opts *server.Options) {
	opts.Metrics = o.metrics
	if o.metrics != nil {
		opts.CompressOptions = append(opts.CompressOptions, compress.Observe(o.metrics.ObserveCompress))
		opts.WSAuthOptions = append(opts.WSAuthOptions, wsauth.Observe(o.metrics.ObserveWebSocketAuth))
	}
	if o.tracing != nil {
		opts.RequestIDOptions = append(opts.RequestIDOptions, requestid.TraceParent())
	}
	switch {
	case o.metrics != nil && o.tracing != nil:
		opts.AccessLogOptions = append(opts.AccessLogOptions, requestid.Observe(func(r *http.Request, ob requestid.Observation) {
			o.metrics.ObserveRequest(r, ob)
			telemetry.AnnotateSpan(r, ob)
		}))
	case o.metrics != nil:
		opts.AccessLogOptions = append(opts.AccessLogOptions, requestid.Observe(o.metrics.ObserveRequest))
	case o.tracing != nil:
		opts.AccessLogOptions = append(opts.AccessLogOptions, requestid.Observe(telemetry.AnnotateSpan))
	}
}

// handler wraps the server's handler in the tracing middleware.
func (o *observability) handler(h http.Handler) http.Handler {
	if o.tracing == nil {
		return h
	}
	return o.tracing.Handler(h)
}

// shutdown flushes the buffered spans.
func (o *observability) shutdown(ctx context.Context) error {
	if o.tracing == nil {
		return nil
	}
	return o.tracing.Shutdown(ctx)
}

// serveMetrics serves /metrics on addr until the returned function is
// called. It is not one of the shutdown manager's servers: it keeps
// answering while the server drains, so the shutdown's own metrics can be
// scraped until the process ends.
func (o *observability) serveMetrics(addr string, logger *slog.Logger) (stop func(), err error) {
	if o.metrics == nil {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on METRICS_ADDR %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", o.metrics.Handler())
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("metrics server failed", "err", err)
		}
	}()
	logger.Info("metrics listening", "addr", "http://"+ln.Addr().String()+"/metrics")
	return func() { _ = srv.Close() }, nil
}

// validListenAddr reports whether v is host:port with a port number
// (0 picks a free port), the form net.Listen takes.
func validListenAddr(v string) bool {
	_, port, err := net.SplitHostPort(v)
	if err != nil {
		return false
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= 0 && n <= 65535
}
