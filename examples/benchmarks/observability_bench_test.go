package benchmarks

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nexuskit/nexus/compress"
	"github.com/nexuskit/nexus/requestid"

	"github.com/nexuskit/nexus/examples/nexus/telemetry"
)

// observedStack is the per-request part of the reference server's stack
// (request ID, access log as JSON to a discarded writer, compression, a
// ServeMux route with a path parameter, a 2 KB JSON body that compress
// encodes) with the library's per-request observation hooks (requestid's
// and compress's) either unset or wired to Prometheus the way the server
// wires them.
func observedStack(m *telemetry.Metrics) http.Handler {
	body := `{"success":true,"data":[` + strings.Repeat(`{"name":"module","status":"active","level":42},`, 44) + `{}]}`
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/modules/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	})
	var alOpts []requestid.AccessLogOption
	var cOpts []compress.Option
	if m != nil {
		alOpts = append(alOpts, requestid.Observe(m.ObserveRequest))
		cOpts = append(cOpts, compress.Observe(m.ObserveCompress))
	}
	logger := slog.New(requestid.NewLogHandler(slog.NewJSONHandler(io.Discard, nil)))
	var h http.Handler = compress.Middleware(cOpts...)(mux)
	h = requestid.AccessLog(logger, alOpts...)(h)
	return requestid.Middleware()(h)
}

// BenchmarkObservabilityHooks measures what wiring the library's
// per-request observation hooks to Prometheus costs: the same stack with
// the hooks unset and with them feeding telemetry.Metrics (a counter and
// a histogram by method, route pattern and status, a byte counter; compress
// outcome and bytes by coding), in the same run. Compare ns/op and allocs/op between the two.
func BenchmarkObservabilityHooks(b *testing.B) {
	for _, c := range []struct {
		name string
		m    *telemetry.Metrics
	}{
		{"hooks=unset", nil},
		{"hooks=prometheus", telemetry.NewMetrics()},
	} {
		b.Run(c.name, func(b *testing.B) {
			h := observedStack(c.m)
			req := httptest.NewRequest(http.MethodGet, "/api/modules/0192f0c1-6b7e-7c3a-9f2e-5d1a3b4c5d6e", nil)
			req.Header.Set("Accept-Encoding", "gzip")
			w := &discardWriter{h: make(http.Header)}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				h.ServeHTTP(w, req)
			}
		})
	}
}

// BenchmarkObservabilityHooksInterleaved serves the two stacks of
// BenchmarkObservabilityHooks alternately, one request each per iteration,
// and times each request, so that load from other processes hits both
// alike (the machine this is measured on is shared). It reports the median
// ns per request of each (over the last 64Ki iterations; a median, as a
// request that the scheduler preempts takes milliseconds) and their ratio
// (prometheus/unset); the timer adds the same ~50 ns to both.
func BenchmarkObservabilityHooksInterleaved(b *testing.B) {
	unset, prom := observedStack(nil), observedStack(telemetry.NewMetrics())
	req := httptest.NewRequest(http.MethodGet, "/api/modules/0192f0c1-6b7e-7c3a-9f2e-5d1a3b4c5d6e", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	w := &discardWriter{h: make(http.Header)}
	const window = 1 << 16
	dUnset, dProm := make([]time.Duration, 0, window), make([]time.Duration, 0, window)
	i := 0
	b.ResetTimer()
	for b.Loop() {
		clear(w.h)
		t0 := time.Now()
		unset.ServeHTTP(w, req)
		t1 := time.Now()
		clear(w.h)
		prom.ServeHTTP(w, req)
		t2 := time.Now()
		if len(dUnset) < window {
			dUnset, dProm = append(dUnset, t1.Sub(t0)), append(dProm, t2.Sub(t1))
		} else {
			dUnset[i%window], dProm[i%window] = t1.Sub(t0), t2.Sub(t1)
		}
		i++
	}
	mu, mp := median(dUnset), median(dProm)
	b.ReportMetric(float64(mu.Nanoseconds()), "unset-ns/req")
	b.ReportMetric(float64(mp.Nanoseconds()), "prometheus-ns/req")
	b.ReportMetric(float64(mp)/float64(mu), "ratio")
}

// BenchmarkObserveHooks is the hooks alone: what Metrics.ObserveRequest
// and Metrics.ObserveCompress cost per request on existing series.
func BenchmarkObserveHooks(b *testing.B) {
	m := telemetry.NewMetrics()
	req := httptest.NewRequest(http.MethodGet, "/api/modules/42", nil)
	o := requestid.Observation{Method: http.MethodGet, Route: "GET /api/modules/{id}", Status: 200, Bytes: 2096, Duration: 30 * time.Microsecond}
	cs := compress.Stats{Outcome: compress.OutcomeCompressed, Coding: "gzip", BytesIn: 2096, BytesOut: 160}
	b.ReportAllocs()
	for b.Loop() {
		m.ObserveRequest(req, o)
		m.ObserveCompress(req, cs)
	}
}

// TestObservedStackCounts checks that the benchmark measures what it
// says: the Prometheus variant counts every request by route pattern.
func TestObservedStackCounts(t *testing.T) {
	m := telemetry.NewMetrics()
	h := observedStack(m)
	for range 3 {
		w := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/api/modules/42", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			t.Fatalf("status %d", w.Code)
		}
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, want := range []string{
		`nexus_http_requests_total{method="GET",route="GET /api/modules/{id}",status="200"} 3`,
		`nexus_compress_responses_total{coding="gzip",outcome="compressed"} 3`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Fatalf("metrics lack %s:\n%s", want, rec.Body.String())
		}
	}
}
