package telemetry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/nexuskit/nexus/compress"
	"github.com/nexuskit/nexus/requestid"
	"github.com/nexuskit/nexus/shutdown"
	"github.com/nexuskit/nexus/wsauth"

	"github.com/nexuskit/nexus/examples/nexus/store"
	"github.com/nexuskit/nexus/examples/nexus/telemetry"
)

func TestNilMetricsDoNothing(t *testing.T) {
	t.Parallel()
	var m *telemetry.Metrics
	assert.NotPanics(t, func() {
		m.ObserveRequest(httptest.NewRequest("GET", "/", nil), requestid.Observation{Status: 200})
		m.WebSocketOpened()
		m.WebSocketClosed()
		m.WebSocketRefused("origin")
		m.ObserveWebSocketAuth(context.Background(), wsauth.Event{Kind: wsauth.EventAttempt, Outcome: wsauth.OutcomeRejected})
		m.ObserveCompress(nil, compress.Stats{Outcome: compress.OutcomeCompressed, Coding: "gzip"})
		m.RateLimited()
		m.ObserveShutdown(shutdown.Event{Kind: shutdown.EventEnd, Phase: shutdown.PhaseDrain, Duration: time.Second})
	})
}

func TestObserveRequestLabels(t *testing.T) {
	t.Parallel()
	m := telemetry.NewMetrics()
	r := httptest.NewRequest("GET", "/x", nil)
	for _, o := range []requestid.Observation{
		{Method: "GET", Route: "GET /x/{id}", Status: 200, Bytes: 10, Duration: 3 * time.Millisecond},
		{Method: "PROPFIND", Route: "/x/{id}", Status: 405},
		{Method: "GET", Route: "", Status: 429},
		{Method: "GET", Route: "GET /x/{id}", Status: 1000},
	} {
		m.ObserveRequest(r, o)
	}
	var buf bytes.Buffer
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	buf.Write(rec.Body.Bytes())
	out := buf.String()
	for _, want := range []string{
		`nexus_http_requests_total{method="GET",route="GET /x/{id}",status="200"} 1`,
		`nexus_http_requests_total{method="OTHER",route="/x/{id}",status="405"} 1`,
		`nexus_http_requests_total{method="GET",route="unmatched",status="429"} 1`,
		`nexus_http_requests_total{method="GET",route="GET /x/{id}",status="other"} 1`,
		`nexus_http_request_duration_seconds_bucket{method="GET",route="GET /x/{id}",status="200",le="0.005"} 1`,
		`nexus_http_response_bytes_total{route="GET /x/{id}"} 10`,
	} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "PROPFIND")
}

func TestObserveRequestAllocations(t *testing.T) {
	m := telemetry.NewMetrics()
	r := httptest.NewRequest("GET", "/x", nil)
	o := requestid.Observation{Method: "GET", Route: "GET /x/{id}", Status: 200, Bytes: 10, Duration: time.Millisecond}
	m.ObserveRequest(r, o) // creates the series
	allocs := testing.AllocsPerRun(100, func() { m.ObserveRequest(r, o) })
	assert.Zero(t, allocs, "observing a request on an existing series allocates nothing")
}

func TestStoreMetricsAndSpans(t *testing.T) {
	t.Parallel()
	m := telemetry.NewMetrics()
	mem := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(mem))
	st := telemetry.Store(store.NewMemory(), m, tp)
	ctx, parent := tp.Tracer("test").Start(context.Background(), "request")

	mod, err := st.CreateModule(ctx, store.Module{Name: "a", Type: "core", Status: "active"})
	require.NoError(t, err)
	_, err = st.GetModule(ctx, uuid.New())
	require.ErrorIs(t, err, store.ErrNotFound)
	boom := errors.New("boom")
	_, err = st.UpdateModule(ctx, mod.ID, func(*store.Module) error { return boom })
	require.ErrorIs(t, err, boom)
	require.NoError(t, st.Ping(context.Background())) // outside a trace: timed, no span
	parent.End()

	counts := gatherLabels(t, m, "nexus_store_operation_duration_seconds")
	count := func(op, outcome string) int { return int(counts[op+"/"+outcome]) }
	assert.Equal(t, 1, count("create_module", "ok"))
	assert.Equal(t, 1, count("get_module", "not_found"))
	assert.Equal(t, 1, count("update_module", "error"))
	assert.Equal(t, 1, count("ping", "ok"))

	var names []string
	for _, s := range mem.GetSpans().Snapshots() {
		names = append(names, s.Name())
		if strings.HasPrefix(s.Name(), "store.") {
			assert.Equal(t, parent.SpanContext().SpanID(), s.Parent().SpanID())
			assert.Equal(t, trace.SpanKindClient, s.SpanKind())
		}
		if s.Name() == "store.update_module" {
			assert.Equal(t, "Error", s.Status().Code.String())
		}
	}
	assert.ElementsMatch(t, []string{"request", "store.create_module", "store.get_module", "store.update_module"}, names)
}

func TestLogHandlerAddsTraceAndSpanID(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	logger := slog.New(requestid.NewLogHandler(telemetry.NewLogHandler(slog.NewJSONHandler(&buf, nil))))
	tp := sdktrace.NewTracerProvider()
	ctx, span := tp.Tracer("test").Start(context.Background(), "op")
	defer span.End()
	ctx = requestid.NewContext(ctx, "req-1")

	logger.WithGroup("g").InfoContext(ctx, "traced", "k", 1)
	logger.InfoContext(context.Background(), "untraced")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 2)
	var traced, untraced map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &traced))
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &untraced))
	assert.Equal(t, "req-1", traced["request_id"])
	assert.Equal(t, span.SpanContext().TraceID().String(), traced["trace_id"], "top-level under WithGroup")
	assert.Equal(t, span.SpanContext().SpanID().String(), traced["span_id"])
	assert.Equal(t, map[string]any{"k": 1.0}, traced["g"])
	assert.NotContains(t, untraced, "trace_id")
	assert.NotContains(t, untraced, "span_id")
}

func TestOTLPExporterEndpoint(t *testing.T) {
	t.Parallel()
	got := make(chan string, 1)
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case got <- r.URL.Path:
		default:
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer collector.Close()
	exp, err := telemetry.OTLPExporter(context.Background(), collector.URL+"/base/")
	require.NoError(t, err)
	tr := telemetry.NewTracing(sdktrace.NewBatchSpanProcessor(exp), "nexus-test", "v0")
	_, span := tr.TracerProvider().Tracer("test").Start(context.Background(), "op")
	span.End()
	require.NoError(t, tr.Shutdown(context.Background()), "shutdown flushes")
	assert.Equal(t, "/base/v1/traces", <-got, "the OTLP/HTTP traces path is appended to the base URL")

	for _, bad := range []string{"collector:4318", "grpc://x:4317", "http://"} {
		_, err := telemetry.OTLPExporter(context.Background(), bad)
		assert.Error(t, err, bad)
	}
}

func TestObserveShutdownWithManager(t *testing.T) {
	t.Parallel()
	m := telemetry.NewMetrics()
	mgr := shutdown.New(
		shutdown.Logger(slog.New(slog.DiscardHandler)),
		shutdown.DrainDelay(50*time.Millisecond),
		shutdown.Timeout(5*time.Second),
		shutdown.Observer(m.ObserveShutdown),
	)
	mgr.OnShutdown("ok", func(context.Context) error { return nil })
	mgr.OnShutdown("failing", func(context.Context) error { return errors.New("boom") })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	mgr.ServeListener(&http.Server{Handler: http.NotFoundHandler(), ReadHeaderTimeout: time.Second}, ln)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // shut down at once
	_ = mgr.Run(ctx)

	phases := gatherLabels(t, m, "nexus_shutdown_phase_duration_seconds")
	assert.GreaterOrEqual(t, phases["drain_delay"], 0.05, "the drain delay lasted its 50 ms")
	assert.GreaterOrEqual(t, phases["shutdown"], phases["drain_delay"]+phases["drain"]+phases["hooks"], "the whole spans its phases")
	for _, p := range []string{"drain", "hooks"} {
		_, ok := phases[p]
		assert.True(t, ok, "phase %s recorded", p)
	}
	hooks := gatherLabels(t, m, "nexus_shutdown_hooks_total")
	assert.Equal(t, 1.0, hooks["ok/ok"])
	assert.Equal(t, 1.0, hooks["failing/error"])
}

// gatherLabels returns the series of the metric name, keyed by their label
// values joined with "/" (in label name order): counter and gauge values,
// histogram sample counts.
func gatherLabels(t *testing.T, m *telemetry.Metrics, name string) map[string]float64 {
	t.Helper()
	fams, err := m.Registry().Gather()
	require.NoError(t, err)
	out := map[string]float64{}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, s := range f.GetMetric() {
			var vals []string
			for _, l := range s.GetLabel() {
				vals = append(vals, l.GetValue())
			}
			k := strings.Join(vals, "/")
			switch {
			case s.Counter != nil:
				out[k] = s.GetCounter().GetValue()
			case s.Gauge != nil:
				out[k] = s.GetGauge().GetValue()
			case s.Histogram != nil:
				out[k] = float64(s.GetHistogram().GetSampleCount())
			}
		}
	}
	return out
}

// TestDistributedMetricsMove: the bus lag histogram, nexus_redis_up (read at
// every scrape) and the wsauth throttle store's fallbacks.
func TestDistributedMetricsMove(t *testing.T) {
	m := telemetry.NewMetrics()
	var up atomic.Bool
	up.Store(true)
	m.WatchRedis(up.Load)
	m.ObserveBusLag(2 * time.Millisecond)
	m.ObserveBusLag(40 * time.Millisecond)
	m.ObserveWebSocketAuth(context.Background(), wsauth.Event{Kind: wsauth.EventStoreFailed})
	m.ObserveWebSocketAuth(context.Background(), wsauth.Event{Kind: wsauth.EventStoreRecovered})
	value := func(name string) float64 {
		fams, err := m.Registry().Gather()
		require.NoError(t, err)
		for _, f := range fams {
			if f.GetName() != name {
				continue
			}
			mt := f.GetMetric()[0]
			switch {
			case mt.GetHistogram() != nil:
				return float64(mt.GetHistogram().GetSampleCount())
			case mt.GetCounter() != nil:
				return mt.GetCounter().GetValue()
			default:
				return mt.GetGauge().GetValue()
			}
		}
		t.Fatalf("no metric %s", name)
		return 0
	}
	assert.Equal(t, 2.0, value("nexus_bus_lag_seconds"))
	assert.Equal(t, 1.0, value("nexus_redis_up"))
	assert.Equal(t, 1.0, value("nexus_redis_fallbacks_total"), "only the failure counts as a fallback")
	up.Store(false)
	assert.Equal(t, 0.0, value("nexus_redis_up"), "read at every scrape")
	var nilMetrics *telemetry.Metrics
	nilMetrics.ObserveBusLag(time.Second) // a server without METRICS_ADDR
	nilMetrics.WatchRedis(up.Load)
}
