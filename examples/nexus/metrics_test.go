package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// metricsURL returns the /metrics URL the server logged.
func metricsURL(t *testing.T, ts *testServer) string {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(ts.logs.String()))
	for sc.Scan() {
		var rec struct{ Msg, Addr string }
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "metrics listening" {
			return rec.Addr
		}
	}
	t.Fatalf("no metrics listening record; logs:\n%s", ts.logs.String())
	return ""
}

// scrape reads /metrics over HTTP as Prometheus does and parses it.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	res, err := http.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, res.Header.Get("Content-Type"), "text/plain", "Prometheus text format")
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(res.Body)
	require.NoError(t, err)
	return fams
}

// sample returns the value of the series of name whose labels include
// labels: a counter's or gauge's value, a histogram's sample count; 0 when
// the series does not exist.
func sample(fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	f, ok := fams[name]
	if !ok {
		return 0
	}
next:
	for _, m := range f.GetMetric() {
		for k, v := range labels {
			found := false
			for _, lp := range m.GetLabel() {
				if lp.GetName() == k && lp.GetValue() == v {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue()
		case m.Gauge != nil:
			return m.GetGauge().GetValue()
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount())
		}
	}
	return 0
}

func TestMetricsAfterTraffic(t *testing.T) {
	t.Parallel()
	env := baseEnv(t)
	env["METRICS_ADDR"] = "127.0.0.1:0"
	ts := startServer(t, env)
	murl := metricsURL(t, ts)
	assert.NotContains(t, murl, ts.URL, "metrics are served on their own address")

	// The API's listener does not serve /metrics.
	res, err := http.Get(ts.URL + "/metrics")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusNotFound, res.StatusCode)

	list := map[string]string{"method": "GET", "route": "GET /api/modules", "status": "200"}
	before := scrape(t, murl)
	require.Contains(t, before, "go_goroutines", "runtime collectors are registered")
	require.Zero(t, sample(before, "nexus_http_requests_total", list))

	tok := issueToken(t, time.Hour)
	for range 3 {
		res, _ := call[any](t, http.MethodGet, ts.URL+"/api/modules", "", nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
	}
	missing := uuid.New().String()
	res, _ = call[any](t, http.MethodGet, ts.URL+"/api/modules/"+missing, "", nil)
	require.Equal(t, http.StatusNotFound, res.StatusCode)
	createModule(t, ts.URL, tok, "Metered")
	req, _ := http.NewRequest("BREW", ts.URL+"/api/modules", nil)
	res, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusMethodNotAllowed, res.StatusCode)

	// A WebSocket: open while connected, refused without a token.
	c, _, err := dialWS(t, ts.URL, tok, nil)
	require.NoError(t, err)
	assert.Equal(t, "hello", readEvent(t, c).Type)
	_, res, err = dialWS(t, ts.URL, "", nil)
	require.Error(t, err)
	require.Equal(t, http.StatusUnauthorized, res.StatusCode)
	_, res, err = dialWS(t, ts.URL, "not-a-token", nil)
	require.Error(t, err)
	require.Equal(t, http.StatusUnauthorized, res.StatusCode)

	// Compression: the wire's bytes against the file's.
	plain := get(t, ts.URL+"/static/app.js", "identity")
	for _, coding := range []string{"gzip", "br"} {
		wire := get(t, ts.URL+"/static/app.js", coding)
		require.Less(t, len(wire), len(plain), coding)
	}
	gz, br := get(t, ts.URL+"/static/app.js", "gzip"), get(t, ts.URL+"/static/app.js", "br")

	after := scrape(t, murl)
	assert.Equal(t, 3.0, sample(after, "nexus_http_requests_total", list))
	assert.Equal(t, 3.0, sample(after, "nexus_http_request_duration_seconds", list), "one latency sample per request")
	assert.Equal(t, 1.0, sample(after, "nexus_http_requests_total",
		map[string]string{"method": "GET", "route": "GET /api/modules/{id}", "status": "404"}), "by route pattern")
	assert.Equal(t, 1.0, sample(after, "nexus_http_requests_total",
		map[string]string{"method": "POST", "route": "POST /api/modules", "status": "201"}))
	assert.Equal(t, 1.0, sample(after, "nexus_http_requests_total",
		map[string]string{"method": "OTHER", "route": "/api/modules", "status": "405"}), "unknown methods are one label value")
	assert.Positive(t, sample(after, "nexus_http_response_bytes_total", map[string]string{"route": "GET /api/modules"}))
	for _, f := range after {
		for _, m := range f.GetMetric() {
			for _, lp := range m.GetLabel() {
				assert.NotContains(t, lp.GetValue(), missing, "%s: raw paths never become labels", f.GetName())
				assert.NotEqual(t, "BREW", lp.GetValue())
			}
		}
	}

	assert.Equal(t, 1.0, sample(after, "nexus_websocket_connections", nil))
	assert.Equal(t, 1.0, sample(after, "nexus_websocket_refusals_total", map[string]string{"reason": "no_credentials"}), "wsauth's reason")
	assert.Equal(t, 1.0, sample(after, "nexus_websocket_refusals_total", map[string]string{"reason": "malformed_token"}))

	// Two gzip and two br responses of app.js; every one the same size.
	for coding, wire := range map[string][]byte{"gzip": gz, "br": br} {
		assert.Equal(t, float64(2*len(plain)), sample(after, "nexus_compress_bytes_in_total", map[string]string{"coding": coding}), coding)
		assert.Equal(t, float64(2*len(wire)), sample(after, "nexus_compress_bytes_out_total", map[string]string{"coding": coding}), coding)
		assert.Equal(t, 2.0, sample(after, "nexus_compress_responses_total", map[string]string{"outcome": "compressed", "coding": coding}))
	}
	assert.Positive(t, sample(after, "nexus_compress_responses_total", map[string]string{"outcome": "not_accepted"}))

	assert.GreaterOrEqual(t, sample(after, "nexus_store_operation_duration_seconds",
		map[string]string{"operation": "list_modules", "outcome": "ok"}), 3.0)
	assert.Equal(t, 1.0, sample(after, "nexus_store_operation_duration_seconds",
		map[string]string{"operation": "get_module", "outcome": "not_found"}))
	assert.Equal(t, 1.0, sample(after, "nexus_store_operation_duration_seconds",
		map[string]string{"operation": "create_module", "outcome": "ok"}))
	assert.Positive(t, sample(after, "nexus_store_operation_duration_seconds",
		map[string]string{"operation": "ping", "outcome": "ok"}), "/readyz pings the store")

	require.NoError(t, c.Close(websocket.StatusNormalClosure, ""))
	require.Eventually(t, func() bool {
		return sample(scrape(t, murl), "nexus_websocket_connections", nil) == 0
	}, 10*time.Second, 20*time.Millisecond, "the gauge falls when the socket closes")
}

func TestMetricsRateLimitRejections(t *testing.T) {
	t.Parallel()
	env := baseEnv(t)
	env["METRICS_ADDR"] = "127.0.0.1:0"
	env["RATE_LIMIT_MAX_REQUESTS"] = "2"
	env["RATE_LIMIT_WINDOW_MS"] = "60000"
	ts := startServer(t, env)
	murl := metricsURL(t, ts)
	for i, want := range []int{200, 200, 429, 429} {
		res, _ := call[any](t, http.MethodGet, ts.URL+"/api/modules", "", nil)
		require.Equal(t, want, res.StatusCode, "request %d", i+1)
	}
	fams := scrape(t, murl)
	assert.Equal(t, 2.0, sample(fams, "nexus_ratelimit_rejections_total", nil))
	assert.Equal(t, 2.0, sample(fams, "nexus_http_requests_total",
		map[string]string{"route": "unmatched", "status": "429"}), "refused before routing")
}

func TestMetricsOffByDefault(t *testing.T) {
	t.Parallel()
	ts := startServer(t, baseEnv(t))
	assert.NotContains(t, ts.logs.String(), "metrics listening")
}

// get fetches url with Accept-Encoding coding and returns the body as it
// came over the wire (not decoded).
func get(t *testing.T, url, coding string) []byte {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	req.Header.Set("Accept-Encoding", coding)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	if coding != "identity" {
		require.Equal(t, coding, res.Header.Get("Content-Encoding"))
	}
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return body
}

func TestObservabilityConfig(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, key, value string
		ok               bool
	}{
		{"metrics port only", "METRICS_ADDR", ":9090", true},
		{"metrics host and port", "METRICS_ADDR", "127.0.0.1:0", true},
		{"metrics IPv6", "METRICS_ADDR", "[::1]:9090", true},
		{"metrics without port", "METRICS_ADDR", "localhost", false},
		{"metrics port out of range", "METRICS_ADDR", ":70000", false},
		{"metrics URL instead of address", "METRICS_ADDR", "http://localhost:9090/metrics", false},
		{"otel base URL", "OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel-collector:4318", true},
		{"otel not a URL", "OTEL_EXPORTER_OTLP_ENDPOINT", "otel collector", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := loadConfig(context.Background(), getenvFrom(map[string]string{c.key: c.value}), "", slog.New(slog.DiscardHandler), true)
			if c.ok {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.key, "the error names the variable")
		})
	}

	t.Run("metrics address in use", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close()
		env := baseEnv(t)
		env["METRICS_ADDR"] = ln.Addr().String()
		var out syncBuffer
		err = run(context.Background(), []string{"nexus", "-env-file", "", "serve"}, getenvFrom(env), &out)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "METRICS_ADDR")
	})
}
