package telemetry_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuskit/nexus/compress"
	"github.com/nexuskit/nexus/requestid"
	"github.com/nexuskit/nexus/shutdown"
	"github.com/nexuskit/nexus/wsauth"

	"github.com/nexuskit/nexus/examples/nexus/store"
	"github.com/nexuskit/nexus/examples/nexus/telemetry"
)

// dashboardExprs returns every PromQL expression of the Grafana dashboard:
// panel targets and query variables.
func dashboardExprs(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile("../grafana/nexus-dashboard.json")
	require.NoError(t, err)
	var doc any
	require.NoError(t, json.Unmarshal(raw, &doc), "the dashboard is valid JSON")
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				s, ok := x.(string)
				switch {
				case ok && k == "expr":
					out = append(out, s)
				case ok && k == "definition":
					// label_values(selector, label): the selector.
					s = strings.TrimSuffix(strings.TrimPrefix(s, "label_values("), ")")
					if i := strings.LastIndex(s, ","); i >= 0 {
						s = s[:i]
					}
					out = append(out, s)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	return out
}

var (
	selectorRe  = regexp.MustCompile(`([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}`)
	matcherRe   = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"[^"]*"`)
	groupingRe  = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)`)
	identRe     = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
	nonMetricRe = regexp.MustCompile(`"[^"]*"|\[[^\]]*\]|\{[^}]*\}|\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
)

// promqlKeywords are the words of PromQL that are not metric names.
var promqlKeywords = []string{"by", "without", "on", "ignoring", "group_left", "group_right",
	"and", "or", "unless", "bool", "offset", "inf", "nan"}

// registryLabels gathers the registry after every metric has a series and
// returns each metric name (histograms also as _bucket, _count, _sum) with
// its label names.
func registryLabels(t *testing.T, m *telemetry.Metrics) map[string][]string {
	t.Helper()
	fams, err := m.Registry().Gather()
	require.NoError(t, err)
	names := map[string][]string{}
	for _, f := range fams {
		var labels []string
		if len(f.GetMetric()) > 0 {
			for _, lp := range f.GetMetric()[0].GetLabel() {
				labels = append(labels, lp.GetName())
			}
		}
		names[f.GetName()] = labels
		if f.GetType() == dto.MetricType_HISTOGRAM {
			names[f.GetName()+"_bucket"] = append(slices.Clone(labels), "le")
			names[f.GetName()+"_count"] = labels
			names[f.GetName()+"_sum"] = labels
		}
	}
	return names
}

// exercise gives every metric of m at least one series, so that Gather
// lists them all.
func exercise(m *telemetry.Metrics) {
	m.ObserveRequest(httptest.NewRequest("GET", "/", nil), requestid.Observation{Method: "GET", Route: "GET /{$}", Status: 200, Bytes: 1})
	m.WebSocketOpened()
	m.ObserveWebSocketAuth(context.Background(), wsauth.Event{Kind: wsauth.EventAttempt, Outcome: wsauth.OutcomeRejected, Reason: "origin_not_allowed"})
	m.ObserveCompress(nil, compress.Stats{Outcome: compress.OutcomeCompressed, Coding: "gzip", BytesIn: 100, BytesOut: 20})
	m.RateLimited()
	m.ObserveShutdown(shutdown.Event{Kind: shutdown.EventEnd, Phase: shutdown.PhaseDrain, Duration: time.Second})
	m.ObserveShutdown(shutdown.Event{Kind: shutdown.EventHook, Hook: "store"})
	// Distributed mode's metrics.
	m.ObserveBusLag(3 * time.Millisecond)
	m.WatchRedis(func() bool { return true })
	m.ObserveWebSocketAuth(context.Background(), wsauth.Event{Kind: wsauth.EventStoreFailed})
	st := telemetry.Store(store.NewMemory(), m, nil)
	_ = st.Ping(httptest.NewRequest("GET", "/", nil).Context())
}

func TestDashboardQueriesExistingMetrics(t *testing.T) {
	t.Parallel()
	m := telemetry.NewMetrics()
	exercise(m)
	known := registryLabels(t, m)
	// Labels Prometheus adds when it scrapes.
	scrapeLabels := []string{"job", "instance"}

	exprs := dashboardExprs(t)
	require.NotEmpty(t, exprs)
	queried := map[string]bool{}
	for _, e := range exprs {
		// Every metric name outside selectors, ranges, strings and groupings.
		for _, loc := range identRe.FindAllStringIndex(nonMetricRe.ReplaceAllString(e, " "), -1) {
			stripped := nonMetricRe.ReplaceAllString(e, " ")
			word := stripped[loc[0]:loc[1]]
			if strings.HasPrefix(strings.TrimLeft(stripped[loc[1]:], " "), "(") || slices.Contains(promqlKeywords, strings.ToLower(word)) {
				continue // a function call or a keyword
			}
			if word[0] >= '0' && word[0] <= '9' {
				continue
			}
			_, ok := known[word]
			assert.True(t, ok, "dashboard queries %s, which the registry does not have (%s)", word, e)
			queried[word] = true
		}
		// Label matchers name labels the metric has.
		var metricsInExpr []string
		for _, sm := range selectorRe.FindAllStringSubmatch(e, -1) {
			metricsInExpr = append(metricsInExpr, sm[1])
			for _, mm := range matcherRe.FindAllStringSubmatch(sm[2], -1) {
				if slices.Contains(scrapeLabels, mm[1]) {
					continue
				}
				assert.Contains(t, known[sm[1]], mm[1], "%s has no label %s (%s)", sm[1], mm[1], e)
			}
		}
		// Grouping labels are labels of a metric of the expression.
		for _, g := range groupingRe.FindAllStringSubmatch(e, -1) {
			for l := range strings.SplitSeq(g[1], ",") {
				l = strings.TrimSpace(l)
				if l == "" || slices.Contains(scrapeLabels, l) {
					continue
				}
				found := slices.ContainsFunc(metricsInExpr, func(name string) bool { return slices.Contains(known[name], l) })
				assert.True(t, found, "grouping by %s, a label of none of %v (%s)", l, metricsInExpr, e)
			}
		}
	}
	// And every metric of the server has a panel.
	for _, name := range []string{
		"nexus_http_requests_total", "nexus_http_request_duration_seconds_bucket", "nexus_http_response_bytes_total",
		"nexus_websocket_connections", "nexus_websocket_refusals_total", "nexus_ratelimit_rejections_total",
		"nexus_compress_bytes_in_total", "nexus_compress_bytes_out_total", "nexus_compress_responses_total",
		"nexus_store_operation_duration_seconds_bucket", "nexus_shutdown_phase_duration_seconds", "nexus_shutdown_hooks_total",
	} {
		assert.True(t, queried[name], "no panel queries %s", name)
	}
}
