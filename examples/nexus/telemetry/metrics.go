package telemetry

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/nexuskit/nexus/compress"
	"github.com/nexuskit/nexus/requestid"
	"github.com/nexuskit/nexus/shutdown"
	"github.com/nexuskit/nexus/wsauth"
)

// Namespace prefixes every metric of the server.
const Namespace = "nexus"

// latencyBuckets are the request and store latency buckets in seconds,
// from 1 ms (a cached read) to 10 s (a slow database under load).
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// Metrics holds the server's Prometheus registry and collectors. Its
// methods are safe for concurrent use, cheap, and never block, so they can
// be called from the library's synchronous observation hooks. Every method
// does nothing on a nil *Metrics, so callers need no nil checks.
type Metrics struct {
	reg *prometheus.Registry

	requests      *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	responseBytes *prometheus.CounterVec
	wsConns       prometheus.Gauge
	wsRefusals    *prometheus.CounterVec
	rateLimited   prometheus.Counter
	compressResp  *prometheus.CounterVec
	compressIn    *prometheus.CounterVec
	compressOut   *prometheus.CounterVec
	storeDuration *prometheus.HistogramVec
	shutdownPhase *prometheus.GaugeVec
	shutdownHooks *prometheus.CounterVec
	busLag        prometheus.Histogram
	fallbacks     *prometheus.CounterVec

	statuses [600]string // "100".."599", so labelling a status allocates nothing
}

// NewMetrics returns Metrics with a fresh registry holding the server's
// collectors and the Go runtime and process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	for i := range m.statuses {
		m.statuses[i] = strconv.Itoa(i)
	}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: "http", Name: "requests_total",
		Help: "HTTP requests served, by method, route pattern and status.",
	}, []string{"method", "route", "status"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Subsystem: "http", Name: "request_duration_seconds",
		Help:    "Time from receiving a request to the end of its handler, by method, route pattern and status.",
		Buckets: latencyBuckets,
	}, []string{"method", "route", "status"})
	m.responseBytes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: "http", Name: "response_bytes_total",
		Help: "Response body bytes written by the handlers (before compression), by route pattern.",
	}, []string{"route"})
	m.wsConns = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: Namespace, Subsystem: "websocket", Name: "connections",
		Help: "WebSocket connections open now.",
	})
	m.wsRefusals = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: "websocket", Name: "refusals_total",
		Help: "WebSocket upgrade requests refused before the upgrade, by reason.",
	}, []string{"reason"})
	m.rateLimited = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: "ratelimit", Name: "rejections_total",
		Help: "Requests refused with 429 by the per-client rate limiter.",
	})
	m.compressResp = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: "compress", Name: "responses_total",
		Help: "Responses seen by the compression middleware, by outcome (compressed, or why not: too_small, not_accepted, type, ...) and coding.",
	}, []string{"outcome", "coding"})
	m.compressIn = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: "compress", Name: "bytes_in_total",
		Help: "Body bytes of compressed responses before compression, by coding.",
	}, []string{"coding"})
	m.compressOut = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: "compress", Name: "bytes_out_total",
		Help: "Body bytes of compressed responses as sent, by coding; bytes saved = bytes_in - bytes_out.",
	}, []string{"coding"})
	m.storeDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Subsystem: "store", Name: "operation_duration_seconds",
		Help:    "Duration of store operations, by operation and outcome (ok, not_found, error).",
		Buckets: latencyBuckets,
	}, []string{"operation", "outcome"})
	m.shutdownPhase = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: Namespace, Subsystem: "shutdown", Name: "phase_duration_seconds",
		Help: "Duration of each phase of the last shutdown (drain_delay, drain, hooks, shutdown for the whole).",
	}, []string{"phase"})
	m.shutdownHooks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: "shutdown", Name: "hooks_total",
		Help: "Shutdown hooks run, by hook name and outcome (ok, error).",
	}, []string{"hook", "outcome"})
	m.busLag = prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: Namespace, Subsystem: "bus", Name: "lag_seconds",
		Help:    "Distributed mode: time from an event's append to the Redis stream (Redis's clock) to its delivery by this replica's reader.",
		Buckets: latencyBuckets,
	})
	m.fallbacks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: "redis", Name: "fallbacks_total",
		Help: "Distributed mode: times a component switched to its local fallback because Redis failed (wsauth_throttle).",
	}, []string{"component"})
	m.reg.MustRegister(
		m.busLag, m.fallbacks,
		m.requests, m.duration, m.responseBytes,
		m.wsConns, m.wsRefusals, m.rateLimited, m.storeDuration,
		m.compressResp, m.compressIn, m.compressOut,
		m.shutdownPhase, m.shutdownHooks,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Registry returns the registry, so that other parts of the program can
// add their collectors: this is where distributed mode registers its bus
// and Redis metrics (see the package documentation).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus text exposition format
// (or OpenMetrics when the scraper asks for it).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		Registry:          m.reg, // promhttp_metric_handler_errors_total
		EnableOpenMetrics: true,
	})
}

// ObserveRequest records one request as measured by requestid.AccessLog:
// its signature fits requestid.Observe. The route label is the ServeMux
// pattern (r.Pattern, passed up by requestid.Middleware), never the raw
// path, and methods outside the standard ones are counted as OTHER, so the
// number of series stays bounded whatever clients send. Requests answered
// before routing (a CORS preflight, a 429) have route "unmatched".
func (m *Metrics) ObserveRequest(r *http.Request, o requestid.Observation) {
	if m == nil {
		return
	}
	method, route, status := methodLabel(o.Method), o.Route, m.statusLabel(o.Status)
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(method, route, status).Inc()
	m.duration.WithLabelValues(method, route, status).Observe(o.Duration.Seconds())
	if o.Bytes > 0 {
		m.responseBytes.WithLabelValues(route).Add(float64(o.Bytes))
	}
}

// WebSocketOpened counts a WebSocket connection as open; call
// WebSocketClosed when it ends.
func (m *Metrics) WebSocketOpened() {
	if m != nil {
		m.wsConns.Inc()
	}
}

// WebSocketClosed counts a WebSocket connection as closed.
func (m *Metrics) WebSocketClosed() {
	if m != nil {
		m.wsConns.Dec()
	}
}

// WebSocketRefused counts an upgrade request refused for reason, a short
// word from a fixed set (the caller's, never client input).
func (m *Metrics) WebSocketRefused(reason string) {
	if m != nil {
		m.wsRefusals.WithLabelValues(reason).Inc()
	}
}

// ObserveWebSocketAuth counts the upgrade attempts wsauth refused, by the
// reason of its audit record (origin_not_allowed, no_credentials,
// bad_signature, expired, too_many_failures, ...), and the times its shared
// throttle store failed over to the local throttle: its signature fits
// wsauth.Observe. Accepted attempts are counted by the connections gauge
// once the socket is open.
func (m *Metrics) ObserveWebSocketAuth(_ context.Context, e wsauth.Event) {
	if m == nil {
		return
	}
	switch {
	case e.Kind == wsauth.EventStoreFailed:
		m.fallbacks.WithLabelValues("wsauth_throttle").Inc()
	case e.Kind == wsauth.EventAttempt && e.Outcome != wsauth.OutcomeAccepted:
		m.wsRefusals.WithLabelValues(e.Reason).Inc()
	}
}

// ObserveBusLag records the lag of one event read from the distributed
// mode's Redis stream: its signature fits cluster.Options.ObserveEvent.
func (m *Metrics) ObserveBusLag(lag time.Duration) {
	if m != nil {
		m.busLag.Observe(lag.Seconds())
	}
}

// WatchRedis registers nexus_redis_up, read from up at every scrape (1 when
// the last Redis call succeeded, 0 while the replica runs on its local
// fallbacks). Call it once, in distributed mode.
func (m *Metrics) WatchRedis(up func() bool) {
	if m == nil {
		return
	}
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: Namespace, Subsystem: "redis", Name: "up",
		Help: "Distributed mode: 1 when the last Redis call succeeded, 0 while the replica uses its local fallbacks.",
	}, func() float64 {
		if up() {
			return 1
		}
		return 0
	}))
}

// ObserveCompress records what the compression middleware did with one
// response: its signature fits compress.Observe. Compressed responses add
// their bytes before and after compression by coding, so the bytes saved
// per coding are bytes_in_total - bytes_out_total.
func (m *Metrics) ObserveCompress(_ *http.Request, st compress.Stats) {
	if m == nil {
		return
	}
	m.compressResp.WithLabelValues(st.Outcome.String(), st.Coding).Inc()
	if st.Outcome == compress.OutcomeCompressed {
		m.compressIn.WithLabelValues(st.Coding).Add(float64(st.BytesIn))
		m.compressOut.WithLabelValues(st.Coding).Add(float64(st.BytesOut))
	}
}

// RateLimited counts a request refused by the rate limiter.
func (m *Metrics) RateLimited() {
	if m != nil {
		m.rateLimited.Inc()
	}
}

// ObserveShutdown records the shutdown manager's events: its signature
// fits shutdown.Observer. The end of each phase sets
// nexus_shutdown_phase_duration_seconds{phase}; each hook counts into
// nexus_shutdown_hooks_total{hook,outcome} (outcome ok or error, a hook
// skipped or abandoned at the hard timeout being an error).
func (m *Metrics) ObserveShutdown(ev shutdown.Event) {
	if m == nil {
		return
	}
	switch ev.Kind {
	case shutdown.EventEnd:
		m.shutdownPhase.WithLabelValues(string(ev.Phase)).Set(ev.Duration.Seconds())
	case shutdown.EventHook:
		m.shutdownHooks.WithLabelValues(ev.Hook, outcome(ev.Err)).Inc()
	}
}

func (m *Metrics) statusLabel(code int) string {
	if code >= 0 && code < len(m.statuses) {
		return m.statuses[code]
	}
	return "other"
}

// methodLabel maps the request method onto a fixed set.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "OTHER"
}

func outcome(err error) string {
	if err != nil {
		return "error"
	}
	return "ok"
}
