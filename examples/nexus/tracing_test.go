package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	collectorpb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/nexuskit/nexus/wsauth"

	"github.com/nexuskit/nexus/examples/nexus/server"
	"github.com/nexuskit/nexus/examples/nexus/store"
	"github.com/nexuskit/nexus/examples/nexus/telemetry"
)

// tracedServer composes the server as serve does with tracing on, with an
// in-memory span exporter in place of OTLP.
func tracedServer(t *testing.T) (*httptest.Server, *observability, *tracetest.InMemoryExporter, *syncBuffer) {
	t.Helper()
	mem := tracetest.NewInMemoryExporter()
	obs, err := newObservability(context.Background(), &Config{}, mem)
	require.NoError(t, err)
	require.NotNil(t, obs.tracing)
	t.Cleanup(func() { _ = obs.shutdown(context.Background()) }) // stops the span processor's goroutine
	logs := &syncBuffer{}
	logger := newLogger(logs, slog.LevelDebug)
	opts := server.Options{
		Store:  telemetry.Store(store.NewMemory(), obs.metrics, obs.tracerProvider()),
		Signer: wsauth.NewSigner([]byte(testSecret)),
		Logger: logger,
	}
	obs.configure(&opts)
	hs := httptest.NewServer(obs.handler(server.New(opts).Handler()))
	t.Cleanup(hs.Close)
	return hs, obs, mem, logs
}

// accessRecord returns the access log record of the request with id.
func accessRecord(t *testing.T, logs *syncBuffer, id string) map[string]any {
	t.Helper()
	for line := range strings.SplitSeq(logs.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == "http request" && rec["request_id"] == id {
			return rec
		}
	}
	t.Fatalf("no access log record with request_id %s; logs:\n%s", id, logs.String())
	return nil
}

func spanAttr(s sdktrace.ReadOnlySpan, key string) string {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value.AsString()
		}
	}
	return ""
}

func TestTraceparentJoinsHeaderLogAndSpan(t *testing.T) {
	t.Parallel()
	hs, obs, mem, logs := tracedServer(t)

	const traceID, parentID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	req, err := http.NewRequest(http.MethodGet, hs.URL+"/api/modules", nil)
	require.NoError(t, err)
	req.Header.Set("traceparent", "00-"+traceID+"-"+parentID+"-01")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)

	// Header.
	assert.Equal(t, traceID, res.Header.Get("X-Request-ID"), "the trace id is the request ID")

	// Span. (Not obs.shutdown: the in-memory exporter forgets its spans
	// when it is shut down.)
	flush(t, obs)
	var srv, st sdktrace.ReadOnlySpan
	for _, s := range mem.GetSpans().Snapshots() {
		switch {
		case s.SpanKind() == trace.SpanKindServer:
			srv = s
		case s.Name() == "store.list_modules":
			st = s
		}
	}
	require.NotNil(t, srv, "server span")
	assert.Equal(t, traceID, srv.SpanContext().TraceID().String())
	assert.Equal(t, parentID, srv.Parent().SpanID().String(), "child of the caller's span")
	assert.True(t, srv.Parent().IsRemote())
	assert.Equal(t, "GET /api/modules", srv.Name(), "named by route pattern")
	assert.Equal(t, traceID, spanAttr(srv, "request_id"))
	require.NotNil(t, st, "store span")
	assert.Equal(t, traceID, st.SpanContext().TraceID().String())
	assert.Equal(t, srv.SpanContext().SpanID(), st.Parent().SpanID(), "the store call is a child of the request's span")

	// Log record.
	rec := accessRecord(t, logs, traceID)
	assert.Equal(t, traceID, rec["trace_id"])
	assert.Equal(t, srv.SpanContext().SpanID().String(), rec["span_id"])
	assert.Equal(t, "GET /api/modules", rec["route"])
}

func TestTracingWithoutTraceparent(t *testing.T) {
	t.Parallel()
	hs, obs, mem, logs := tracedServer(t)

	for _, tp := range []string{"", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", "garbage"} {
		req, err := http.NewRequest(http.MethodGet, hs.URL+"/api/safety-status", nil)
		require.NoError(t, err)
		if tp != "" {
			req.Header.Set("traceparent", tp)
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		id := res.Header.Get("X-Request-ID")
		require.NotEmpty(t, id)
		rec := accessRecord(t, logs, id)
		require.NotEmpty(t, rec["trace_id"], "a new trace for %q", tp)
		assert.NotEqual(t, "00000000000000000000000000000000", rec["trace_id"])

		flush(t, obs)
		var found bool
		for _, s := range mem.GetSpans().Snapshots() {
			if s.SpanContext().TraceID().String() == rec["trace_id"] && s.SpanKind() == trace.SpanKindServer {
				found = true
				assert.Equal(t, id, spanAttr(s, "request_id"), "the span carries the generated request ID")
				assert.Equal(t, rec["span_id"], s.SpanContext().SpanID().String())
			}
		}
		assert.True(t, found, "span of trace %v", rec["trace_id"])
	}

	// Probes are not traced.
	mem.Reset()
	for _, p := range []string{"/readyz", "/healthz", "/api/system"} {
		res, err := http.Get(hs.URL + p)
		require.NoError(t, err)
		res.Body.Close()
	}
	flush(t, obs)
	spans := mem.GetSpans().Snapshots()
	require.Len(t, spans, 1)
	assert.Equal(t, "GET /api/system", spans[0].Name())
}

// flush exports the spans the batch processor holds.
func flush(t *testing.T, obs *observability) {
	t.Helper()
	require.NoError(t, obs.tracing.TracerProvider().(*sdktrace.TracerProvider).ForceFlush(context.Background()))
}

// TestServeExportsTracesOverOTLP runs the real server with
// OTEL_EXPORTER_OTLP_ENDPOINT pointing at a fake collector: the span of a
// traceparent request reaches the collector over OTLP/HTTP when the server
// shuts down, with the id the response header and the log carry.
func TestServeExportsTracesOverOTLP(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var exported []*tracepb.ResourceSpans
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil || r.URL.Path != "/v1/traces" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		var req collectorpb.ExportTraceServiceRequest
		if err := proto.Unmarshal(body, &req); err != nil {
			http.Error(w, "bad protobuf", http.StatusBadRequest)
			return
		}
		mu.Lock()
		exported = append(exported, req.GetResourceSpans()...)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
		out, _ := proto.Marshal(&collectorpb.ExportTraceServiceResponse{})
		_, _ = w.Write(out)
	}))
	defer collector.Close()

	env := baseEnv(t)
	env["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.URL
	ts := startServer(t, env)
	const traceID = "0af7651916cd43dd8448eb211c80319c"
	req, err := http.NewRequest(http.MethodGet, ts.URL+"/api/modules", nil)
	require.NoError(t, err)
	req.Header.Set("traceparent", "00-"+traceID+"-b7ad6b7169203331-01")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, traceID, res.Header.Get("X-Request-ID"))

	// Stop the server: the tracing shutdown hook flushes the spans.
	ts.cancel()
	select {
	case err := <-ts.done:
		ts.done <- err // for startServer's cleanup
	case <-time.After(30 * time.Second):
		t.Fatal("server did not stop")
	}
	rec := accessRecord(t, ts.logs, traceID)
	mu.Lock()
	defer mu.Unlock()
	var names []string
	var service string
	for _, rs := range exported {
		for _, a := range rs.GetResource().GetAttributes() {
			if a.GetKey() == "service.name" {
				service = a.GetValue().GetStringValue()
			}
		}
		for _, ss := range rs.GetScopeSpans() {
			for _, sp := range ss.GetSpans() {
				if hex.EncodeToString(sp.GetTraceId()) != traceID {
					continue
				}
				names = append(names, sp.GetName())
				if sp.GetKind() == tracepb.Span_SPAN_KIND_SERVER {
					assert.Equal(t, rec["span_id"], hex.EncodeToString(sp.GetSpanId()), "the log names the server span")
				}
			}
		}
	}
	assert.Equal(t, "nexus", service)
	assert.Contains(t, names, "GET /api/modules")
	assert.Contains(t, names, "store.list_modules")
}
